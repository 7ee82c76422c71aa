"""Forwarding statements to an external LRS (XAPI_FORWARD_URL) from a durable queue.

Each stored statement is queued in its own transaction; a background job sends the queue in order, in batches,
with a timeout on every request, and marks rows sent only when the remote LRS has accepted them (204, or 200 with
the statements' ids: any web page answers 200).
A remote outage therefore delays statements but loses none; the job's retries (and `flask --app wsgi lrs
forward`) resume where it stopped. Statement ids make a resend harmless: an LRS stores a statement once, and a
409 for a statement we sent means the remote has that id already.

A batch the remote refuses as such (400, 409, 413, 422) is split in halves until the statements it refuses are
alone; those are marked failed (kept, with the remote's answer, for admins to see and retry) and the others go on.

One send job at a time: a write does not enqueue another while one is queued, running or waiting to retry. An
outage is reported to admins once (the first job that fails after a delivery); while it lasts, later jobs leave
the queue as it is without failing again, and a write starts one at most every XAPI_FORWARD_RETRY_SECONDS."""
import json
import time
from datetime import timedelta

import httpx
import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.auth.permissions import check
from app.db import SWEEP_LIMIT, delete_some, sweep_due, utcnow
from app.extensions import db
from app.jobs import services as jobs
from app.xapi import attachments
from app.xapi.models import ForwardQueue, Statement

REFUSED = {400, 409, 413, 422}  # the remote refuses what was sent, not the request: find the statement(s)
DELIVERED = {200, 204}


class ForwardError(RuntimeError):
    """The remote LRS could not be reached or did not accept a batch (the job will try again)."""


class _Unavailable(Exception):
    """The remote answered something that is not about the statements (5xx, 401, 404, ...) or not at all."""


def enabled() -> bool:
    return bool(current_app.config.get("XAPI_FORWARD_URL"))


def _pending():
    return sa.and_(ForwardQueue.sent_at.is_(None), ForwardQueue.failed_at.is_(None))


def _refused():
    return sa.and_(ForwardQueue.failed_at.is_not(None), ForwardQueue.sent_at.is_(None))


def _should_start_job() -> bool:
    """No send job is queued, running or retrying (a recent one), and no outage asks to wait."""
    if jobs.is_busy(send_pending, started_after=jobs.stalled_since()):
        return False
    if not _outage_reported():
        return True
    wait = timedelta(seconds=current_app.config["XAPI_FORWARD_RETRY_SECONDS"])
    latest = jobs.last_finished_at(send_pending)
    return latest is None or latest <= utcnow() - wait


def _outage_reported() -> bool:
    """A send job failed (and admins were told) since the remote last accepted a statement."""
    return jobs.failed_since(send_pending, db.session.scalar(sa.select(sa.func.max(ForwardQueue.sent_at))))


def queue(rows: list) -> None:
    """Queue newly stored statements (same transaction), and make sure a sending job follows the commit."""
    if not enabled() or not rows:
        return
    now = utcnow()
    db.session.execute(sa.insert(ForwardQueue).returning(ForwardQueue.id),
                       [{"statement_seq": row.seq, "queued_at": now} for row in rows]).all()
    if sweep_due("forwarding"):
        purge_sent()
    _ensure_send_job()


def _ensure_send_job(force: bool = False) -> None:
    """At most one send job per transaction, and the question asked once per transaction (a request records
    several statements); ``force`` when an admin asks for a send."""
    decided = db.session.info.get("itinera_forward_job")
    if decided or (decided is False and not force):
        return
    start = force or _should_start_job()
    if start:
        jobs.enqueue(send_pending)
    db.session.info["itinera_forward_job"] = start


def _post(client: httpx.Client, statements: list[dict]) -> httpx.Response:
    config = current_app.config
    url = config["XAPI_FORWARD_URL"].rstrip("/") + "/statements"
    headers = {"X-Experience-API-Version": "1.0.3"}
    auth = (config["XAPI_FORWARD_USERNAME"], config["XAPI_FORWARD_PASSWORD"] or "") \
        if config.get("XAPI_FORWARD_USERNAME") else None
    outgoing = [{k: v for k, v in s.items() if k not in ("stored", "authority")} for s in statements]
    if attachments.stored_for(statements):  # the data received goes along, also beside a fileUrl
        body, content_type = attachments.multipart_response(outgoing, statements)
        return client.post(url, content=body, headers={**headers, "Content-Type": content_type}, auth=auth)
    return client.post(url, content=json.dumps(outgoing), auth=auth,
                       headers={**headers, "Content-Type": "application/json"})


def _answer(response: httpx.Response) -> str:
    """The remote's answer as kept in last_error: without NUL characters, which PostgreSQL keeps in no text."""
    return f"HTTP {response.status_code}: {response.text[:300]}".replace("\x00", "\ufffd")


def _ids_answered(response: httpx.Response, count: int) -> bool:
    """The answer to a POST of ``count`` statements is a JSON array of as many ids, as an LRS answers."""
    try:
        ids = response.json()
    except ValueError:
        return False
    return isinstance(ids, list) and len(ids) == count and all(isinstance(i, str) for i in ids)


def _deliver(client: httpx.Client, rows: list, now, deadline: float | None = None) -> int:
    """Send (entry, statement) rows; mark what the remote took as sent and what it refuses alone as failed.
    Returns how many were sent; raises _Unavailable when the remote is not taking anything. After ``deadline``
    (time.monotonic()) no further request starts: the rows not sent stay queued."""
    if deadline is not None and time.monotonic() >= deadline:
        return 0
    try:
        response = _post(client, [data for _, data in rows])
    except httpx.HTTPError as error:
        raise _Unavailable(f"{type(error).__name__}: {error}".replace("\x00", "\ufffd")) from error
    status = response.status_code
    if status == 200 and not _ids_answered(response, len(rows)):
        # any web page answers 200 (a portal, a sign-in page at a wrong address): an LRS answers with the ids
        raise _Unavailable(f"HTTP 200 with not the ids of the statements sent: is XAPI_FORWARD_URL the address of "
                           f"an xAPI LRS? {_answer(response)}")
    if status in DELIVERED or (status == 409 and len(rows) == 1):  # 409: the remote has this id already
        note = _answer(response)[:1000] if status == 409 else None
        for entry, _ in rows:
            entry.sent_at, entry.last_error = now, note
        return len(rows)
    if status not in REFUSED:
        raise _Unavailable(_answer(response))
    if len(rows) == 1:
        [(entry, _)] = rows
        entry.failed_at, entry.last_error = now, _answer(response)[:1000]
        current_app.logger.warning("the external LRS refused statement %s: %s", rows[0][1].get("id"),
                                   entry.last_error)
        return 0
    half = len(rows) // 2
    return _deliver(client, rows[:half], now, deadline) + _deliver(client, rows[half:], now, deadline)


@jobs.task(_l("Send statements to the external LRS"))
def send_pending(always_raise: bool = False, progress=None) -> int:
    """Background job: send every queued statement, oldest first; returns how many were sent (``progress(n)``
    is told after each batch of n statements).

    When the remote is unavailable it raises ForwardError (the job retries, then fails and admins are told),
    unless that outage was reported already: then it leaves the queue for a later job (``always_raise`` for
    the command line, which always says)."""
    config = current_app.config
    batch_size, sent = config["XAPI_FORWARD_BATCH"], 0
    # in a request (no Redis, not the command line): no request to the remote starts once the budget is spent,
    # so a slow remote holds up the client that wrote for one request at most (each bounded by the timeout), and
    # never a worker past its own timeout; what is left goes with the next write or `flask lrs forward`. The
    # budget counts from the first request, so each write moves the queue on however long setting up took.
    budget = config["XAPI_FORWARD_IN_REQUEST_SECONDS"] if jobs.in_request() and not always_raise else None
    deadline = None
    with httpx.Client(timeout=httpx.Timeout(config["XAPI_FORWARD_TIMEOUT"])) as client:
        while True:
            if deadline is not None and time.monotonic() >= deadline:
                return sent  # the next write, or `flask lrs forward`, sends the rest
            query = (sa.select(ForwardQueue, Statement.data)
                     .join(Statement, Statement.seq == ForwardQueue.statement_seq)
                     .where(_pending()).order_by(ForwardQueue.id).limit(batch_size))
            if db.engine.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=ForwardQueue)
            rows = db.session.execute(query).all()
            if not rows:
                return sent
            now = utcnow()
            if budget is not None and deadline is None:
                deadline = time.monotonic() + budget
            for entry, _ in rows:
                entry.attempts += 1
            try:
                sent += _deliver(client, [(entry, data) for entry, data in rows], now, deadline)
            except _Unavailable as unavailable:
                problem = str(unavailable)
                for entry, _ in rows:
                    if entry.sent_at is None and entry.failed_at is None:
                        entry.last_error = problem[:1000]
                db.session.commit()
                waiting = pending_count()
                if not always_raise and _outage_reported():
                    current_app.logger.warning("the external LRS is still unavailable (%s); %s statements wait",
                                               problem, waiting)
                    return sent
                raise ForwardError(f"the external LRS is unavailable ({problem}); {waiting} statements wait "
                                   "in the queue") from None
            db.session.commit()
            if progress is not None:
                progress(len(rows))


def pending_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ForwardQueue).where(_pending()))


def failed_count() -> int:
    """Statements the external LRS refused (each on its own): they wait for an admin."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(ForwardQueue).where(_refused()))


def failed() -> sa.Select:
    """The refused statements, newest first: (queue entry, statement id)."""
    return (sa.select(ForwardQueue, Statement.id).join(Statement, Statement.seq == ForwardQueue.statement_seq)
            .where(_refused()).order_by(ForwardQueue.failed_at.desc(), ForwardQueue.id.desc()))


def retry_failed(actor, start_job: bool = True) -> int:
    """An admin sends the refused statements again (after the remote's problem was fixed); returns how many."""
    check(actor.is_admin)
    entries = list(db.session.scalars(sa.select(ForwardQueue).where(_refused())))
    for entry in entries:
        entry.failed_at = None
    db.session.flush()
    if start_job and entries and enabled():
        _ensure_send_job(force=True)
    return len(entries)


def status(limit: int = 50) -> dict:
    """What an admin page shows of forwarding: whether it is on, how many statements wait, since when and why the
    first of them is still waiting (the last error sending it), the last delivery, the refused ones."""
    if not enabled():
        return {"enabled": False, "pending": 0, "refused_count": 0, "refused": [], "waiting_error": None,
                "oldest_waiting_at": None, "last_sent_at": None}
    oldest = db.session.scalar(sa.select(ForwardQueue).where(_pending()).order_by(ForwardQueue.id).limit(1))
    return {"enabled": True, "pending": pending_count(), "refused_count": failed_count(),
            "refused": db.session.execute(failed().limit(limit)).all(),
            "waiting_error": oldest.last_error if oldest is not None else None,
            "oldest_waiting_at": oldest.queued_at if oldest is not None else None,
            "last_sent_at": db.session.scalar(sa.select(sa.func.max(ForwardQueue.sent_at)))}


def purge_sent(limit: int | None = SWEEP_LIMIT) -> int:
    """Forget the statements the external LRS accepted more than XAPI_FORWARD_SENT_DAYS ago: nothing queues a
    statement twice (only its storing does), so a delivered one needs no row. The newest delivery stays: when the
    remote last took something says whether an outage was already reported (and the LRS page shows it). Waiting
    and refused statements always stay. At most ``limit`` (None: all); returns how many went; flushes."""
    newest = db.session.scalar(sa.select(sa.func.max(ForwardQueue.sent_at)))
    if newest is None:
        return 0
    before = min(newest, utcnow() - timedelta(days=current_app.config["XAPI_FORWARD_SENT_DAYS"]))
    return delete_some(ForwardQueue, ForwardQueue.sent_at < before, oldest_first=ForwardQueue.sent_at, limit=limit)
