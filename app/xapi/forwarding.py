"""Forwarding statements to an external LRS (XAPI_FORWARD_URL) from a durable queue.

Each stored statement is queued in its own transaction; a background job sends the queue in order, in batches,
with a timeout on every request, and marks rows sent only when the remote LRS has said 200. A remote outage
therefore delays statements but loses none; the job's retries (and `flask --app wsgi lrs forward`) resume where
it stopped. Statement ids make a resend harmless: an LRS stores a statement once."""
import json

import httpx
import sqlalchemy as sa
from flask import current_app

from app.db import utcnow
from app.extensions import db
from app.xapi import attachments
from app.xapi.models import ForwardQueue, Statement


class ForwardError(RuntimeError):
    """The remote LRS did not accept a batch (the job will try again)."""


def enabled() -> bool:
    return bool(current_app.config.get("XAPI_FORWARD_URL"))


def queue(rows: list) -> None:
    """Queue newly stored statements (same transaction), and make sure a sending job follows the commit."""
    if not enabled() or not rows:
        return
    now = utcnow()
    db.session.execute(sa.insert(ForwardQueue).returning(ForwardQueue.id),
                       [{"statement_seq": row.seq, "queued_at": now} for row in rows]).all()
    if not db.session.info.get("itinera_forward_job"):
        from app.jobs.services import enqueue

        enqueue(send_pending)
        db.session.info["itinera_forward_job"] = True


def _post(client: httpx.Client, statements: list[dict]) -> httpx.Response:
    config = current_app.config
    url = config["XAPI_FORWARD_URL"].rstrip("/") + "/statements"
    headers = {"X-Experience-API-Version": "1.0.3"}
    auth = (config["XAPI_FORWARD_USERNAME"], config["XAPI_FORWARD_PASSWORD"] or "") \
        if config.get("XAPI_FORWARD_USERNAME") else None
    outgoing = [{k: v for k, v in s.items() if k not in ("stored", "authority")} for s in statements]
    needs_parts = any("fileUrl" not in a for s in statements for a in s.get("attachments", []))
    if needs_parts:
        body, content_type = attachments.multipart_response(outgoing, statements)
        return client.post(url, content=body, headers={**headers, "Content-Type": content_type}, auth=auth)
    return client.post(url, content=json.dumps(outgoing), auth=auth,
                       headers={**headers, "Content-Type": "application/json"})


def send_pending() -> int:
    """Background job: send every queued statement, oldest first; returns how many were sent."""
    config = current_app.config
    batch_size, sent = config["XAPI_FORWARD_BATCH"], 0
    with httpx.Client(timeout=httpx.Timeout(config["XAPI_FORWARD_TIMEOUT"])) as client:
        while True:
            query = (sa.select(ForwardQueue, Statement.data)
                     .join(Statement, Statement.seq == ForwardQueue.statement_seq)
                     .where(ForwardQueue.sent_at.is_(None)).order_by(ForwardQueue.id).limit(batch_size))
            if db.engine.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=ForwardQueue)
            rows = db.session.execute(query).all()
            if not rows:
                return sent
            entries = [entry for entry, _ in rows]
            try:
                response = _post(client, [data for _, data in rows])
                problem = None if response.status_code == 200 else f"HTTP {response.status_code}: " \
                                                                   f"{response.text[:300]}"
            except httpx.HTTPError as error:
                problem = f"{type(error).__name__}: {error}"
            now = utcnow()
            for entry in entries:
                entry.attempts += 1
                if problem is None:
                    entry.sent_at, entry.last_error = now, None
                else:
                    entry.last_error = problem[:1000]
            db.session.commit()
            if problem is not None:
                raise ForwardError(f"the external LRS refused {len(entries)} statements: {problem}")
            sent += len(entries)


def pending_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ForwardQueue)
                             .where(ForwardQueue.sent_at.is_(None)))
