"""The document resources of xAPI 1.0.3: State, Activity Profile and Agent Profile (Communication 2.2-2.7),
with JSON merge on POST and ETag concurrency; and the Activities and Agents resources."""
import hashlib
import json
import time
import uuid
from collections import OrderedDict
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app import jsonutil
from app.db import among, savepoint_ending, utcnow
from app.extensions import db
from app.xapi.models import ActivityDefinition, Document, DocumentKind, Statement, StatementAgent
from app.xapi.services import activity_key, agent_key, agents_named


class DocumentError(Exception):
    """An HTTP-level refusal: ``status`` (400, 404, 409, 412, 413) with a message, and the property (parameter or
    header) it is about, if any."""

    def __init__(self, status: int, message: str, prop: str | None = None):
        super().__init__(message)
        self.status, self.message, self.prop = status, message, prop


def scope(kind: DocumentKind, activity_id: str | None, agent: dict | None, registration: str | None,
          as_written: bool = False) -> str:
    parts = [kind.value, activity_id or "", agent_key(agent, as_written) if agent else "", registration or ""]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def adopt_documents_stored_as_written(kind: DocumentKind, activity_id: str | None, agent: dict | None,
                                      registration: str | None) -> bool:
    """Documents stored before 2026-12-05 under an agent whose e-mail domain (or SHA-1 hex) had capitals were
    keyed by the identifier as written: when the same spelling comes again, they move to the key every
    spelling shares (one stored since under that key wins). Returns whether any moved."""
    if not agent or agent_key(agent) == agent_key(agent, as_written=True):
        return False
    old, new = scope(kind, activity_id, agent, registration, as_written=True), scope(kind, activity_id, agent,
                                                                                       registration)
    moved = False
    for document in db.session.scalars(sa.select(Document).where(Document.scope_key == old)):
        if get(new, document.document_id) is None:
            document.scope_key, document.document_key = new, _document_key(new, document.document_id)
            document.agent_key = agent_key(agent)
            moved = True
    db.session.flush()
    return moved


def _document_key(scope_key: str, document_id: str) -> str:
    return hashlib.sha256(f"{scope_key}\x1f{document_id}".encode()).hexdigest()


def etag_of(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()


def get(scope_key: str, document_id: str, for_update: bool = False) -> Document | None:
    """The document, if stored; ``for_update``: its row held until the transaction ends (a writer's read): a
    delete of many documents (State without registration) then waits for the write rather than removing the
    row under it."""
    query = sa.select(Document).where(Document.document_key == _document_key(scope_key, document_id))
    return db.session.scalar(query.with_for_update() if for_update else query)


def covered(kind: DocumentKind, scope_key: str, activity_id: str | None = None, agent: dict | None = None,
            registration: str | None = None, created_by: int | None = None):
    """The documents a list or a delete without a document id covers: those of the scope, except that State
    without a registration covers the activity and agent under every registration, and none (Communication
    2.3: "all state data for this context (Activity + Agent [+ registration if specified])"), those kept under
    the agent as written (adopt_documents_stored_as_written moves only the scope asked for) included.
    ``created_by``: only those that client created (one that reads back only its own statements)."""
    if kind is DocumentKind.STATE and registration is None:
        keys = {agent_key(agent), agent_key(agent, as_written=True)}
        where = sa.and_(Document.kind == kind, among(Document.agent_key, keys), Document.activity_id == activity_id)
    else:
        where = Document.scope_key == scope_key
    return where if created_by is None else sa.and_(where, Document.client_id == created_by)


def ids(where, since: datetime | None = None) -> tuple[list[str], datetime | None]:
    """The ids of the documents ``where`` (see ``covered``) updated after ``since``, each once (one state id may
    be stored under several registrations), and when the newest changed."""
    query = sa.select(Document.document_id, Document.updated).where(where)
    if since is not None:
        query = query.where(Document.updated > since)
    rows = db.session.execute(query.order_by(Document.id)).all()
    return list(dict.fromkeys(row[0] for row in rows)), max((row[1] for row in rows), default=None)


def _matches(header: str, etag: str, strong: bool = False) -> bool:
    """Whether the ETags of an If-Match (``strong``: RFC 7232 3.1, a weak W/"..." tag never matches) or an
    If-None-Match header (weak comparison, 3.2) name ``etag``; "*" names any document."""
    wanted = [part.strip() for part in header.split(",")]
    return any(part == "*" or (not (strong and part.startswith("W/")) and part.removeprefix("W/").strip('"') == etag)
               for part in wanted)


def check_preconditions(current: Document | None, if_match: str | None, if_none_match: str | None,
                        need_one: bool) -> None:
    """HTTP preconditions (RFC 7232); ``need_one``: overwriting an existing profile without either is a 409."""
    if if_match is not None and (current is None or not _matches(if_match, current.etag, strong=True)):
        raise DocumentError(412, "If-Match does not match the current document", "If-Match")
    if if_none_match is not None and current is not None and _matches(if_none_match, current.etag):
        raise DocumentError(412, "If-None-Match: the document already exists", "If-None-Match")
    if need_one and current is not None and if_match is None and if_none_match is None:
        raise DocumentError(409, "this document already exists: check its current state (GET it), then send "
                                 "If-Match with its current ETag to replace it", "If-Match")


def _is_json(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "application/json"


def put(kind: DocumentKind, scope_key: str, document_id: str, content: bytes, content_type: str, *,
        activity_id=None, agent=None, registration=None, client_id: int | None = None) -> Document:
    """Store the document; a new one is the creation of ``client_id`` (a later write by another leaves it so)."""
    current = get(scope_key, document_id)
    if current is None:
        current = Document(kind=kind, scope_key=scope_key, document_key=_document_key(scope_key, document_id),
                           document_id=document_id, activity_id=activity_id,
                           agent_key=agent_key(agent) if agent else None,
                           registration=uuid.UUID(registration) if registration else None, client_id=client_id)
        db.session.add(current)
    current.content, current.content_type = content, content_type or "application/octet-stream"
    current.etag, current.updated = etag_of(content), utcnow()
    db.session.flush()
    return current


def check_json(content: bytes, content_type: str | None) -> None:
    """A document labelled application/json is JSON (Communication 3.2.s3.b6: a Content-Type that does not match
    the content is a 400), of any kind (an array, a string too), read by the rules a POST's document is merged by:
    what is stored as JSON can be merged into later (no NaN, no 1e400, no lone surrogate, not nested deeper than
    jsonutil.MAX_DEPTH); JSON text is UTF-8, a BOM ignored."""
    if not _is_json(content_type):
        return
    try:
        jsonutil.parse(content)
    except jsonutil.JSONError as error:
        raise DocumentError(400, f"the document is labelled application/json, but it is not JSON we accept: "
                                 f"{error.at('document')} {error.message}", error.at("document")) from error


def _json_object(content: bytes, what: str) -> dict:
    try:
        value = jsonutil.parse(content)
    except jsonutil.JSONError as error:
        raise DocumentError(400, f"the {what} document is not JSON we accept: {error.at('document')} "
                                 f"{error.message}", error.at("document")) from error
    if not isinstance(value, dict):
        raise DocumentError(400, f"the {what} document is not a JSON object", "document")
    return value


def post(kind: DocumentKind, scope_key: str, document_id: str, content: bytes, content_type: str, *,
         max_bytes: int, **where) -> Document:
    """Store, or merge a JSON object into the stored JSON object (one level deep), as long as the merged one
    takes at most ``max_bytes`` (the largest request of the client that sends it: what it could PUT)."""
    current = get(scope_key, document_id)
    if current is None:
        if _is_json(content_type):
            _json_object(content, "posted")
        return put(kind, scope_key, document_id, content, content_type, **where)
    if not _is_json(content_type) or not _is_json(current.content_type):
        raise DocumentError(400, "only JSON documents can be merged: both must be application/json", "Content-Type")
    merged = _json_object(current.content, "stored")
    merged.update(_json_object(content, "posted"))
    content = json.dumps(merged).encode()
    if len(content) > max_bytes:  # merges would make it grow without end, and each reads it whole
        raise DocumentError(413, f"merged with the stored document, this one would take {len(content)} bytes, more "
                                 f"than the {max_bytes} a request of this client may send: replace it (PUT) or "
                                 "delete it instead", "document")
    return put(kind, scope_key, document_id, content, "application/json", **where)


def delete(scope_key: str, document_id: str) -> None:
    db.session.execute(sa.delete(Document).where(Document.document_key == _document_key(scope_key, document_id)))


def delete_all(where) -> None:
    """Delete the documents ``where`` (see ``covered``)."""
    db.session.execute(sa.delete(Document).where(where))


# --- Activities and Agents resources ------------------------------------------------------------------

LANGUAGE_MAPS = ("name", "description")


_MERGED_SIZE = 20_000
# seconds a worker trusts its memory that a row is as it left it, before it reads the row's time again (another
# worker may have merged a different definition meanwhile)
DEFINITION_RECHECK_SECONDS = 10


def _merged() -> OrderedDict:
    """{activity id: [the definition this process merged last, the row's ``updated`` after it, when that was
    last seen (time.monotonic())]}, most recent last. Merging that definition again changes nothing while
    nobody has changed the row since."""
    from flask import current_app

    return current_app.extensions.setdefault("itinera_merged_definitions", OrderedDict())


def remember_definitions(statements: list[dict]) -> None:
    """Keep the canonical definition of every activity the statements describe (newer details win).

    Content sends the same definition with every statement: the one this process merged last is skipped without
    a query for DEFINITION_RECHECK_SECONDS, then after a query of the row's time (no definitions read) while
    nobody has changed the row since."""
    described: dict[str, list[dict]] = {}

    def walk(part: dict):
        target = part.get("object", {})
        activities = [target] if target.get("objectType", "Activity") == "Activity" else []
        for listed in part.get("context", {}).get("contextActivities", {}).values():
            activities += listed
        for activity in activities:
            if activity.get("definition"):
                described.setdefault(activity["id"], []).append(activity["definition"])
        if target.get("objectType") == "SubStatement":
            walk(target)

    for statement in statements:
        walk(statement)
    if not described:
        return
    known = _merged()
    last = {activity_id: jsonutil.dumps(definitions[-1]) for activity_id, definitions in described.items()}
    now = time.monotonic()
    repeated = {}
    for activity_id, definitions in list(described.items()):
        if activity_id in known and all(jsonutil.dumps(d) == known[activity_id][0] for d in definitions):
            if now - known[activity_id][2] < DEFINITION_RECHECK_SECONDS:
                del described[activity_id]
            else:
                repeated[activity_key(activity_id)] = activity_id
    if repeated:
        for key, updated in db.session.execute(sa.select(ActivityDefinition.activity_key, ActivityDefinition.updated)
                                               .where(among(ActivityDefinition.activity_key, repeated))):
            if updated == known[repeated[key]][1]:
                known[repeated[key]][2] = now  # as this process left it: trusted again for a while
                del described[repeated[key]]
    if not described:
        return
    keys = {activity_key(activity_id): activity_id for activity_id in described}
    rows = {row.activity_key: row for row in db.session.scalars(
        sa.select(ActivityDefinition).where(among(ActivityDefinition.activity_key, keys)))}
    changing = {key: activity_id for key, activity_id in keys.items()
                if key not in rows or _merge(rows[key].definition, described[activity_id]) != rows[key].definition}
    if changing:
        _add_missing_definitions({key: activity_id for key, activity_id in changing.items() if key not in rows})
        # the rows to change, locked until commit in one order for every writer: another writer merging into
        # the same definition waits for this one instead of overwriting it, and no two wait for each other
        locked = db.session.scalars(
            sa.select(ActivityDefinition).where(among(ActivityDefinition.activity_key, changing))
            .order_by(ActivityDefinition.activity_key).with_for_update().execution_options(populate_existing=True))
        now = utcnow()
        for row in locked:
            merged = _merge(row.definition, described[changing[row.activity_key]])
            if merged != row.definition:
                row.definition, row.updated = merged, now
            rows[row.activity_key] = row
    pending = db.session.info.setdefault("itinera_merged_definitions", [])
    pending += [(activity_id, last[activity_id], rows[key].updated) for key, activity_id in keys.items()]


def _merge(definition: dict, described: list[dict]) -> dict:
    """A stored definition with what statements describe added (newer details win; language maps merge)."""
    merged = dict(definition)
    for new in described:
        for name, value in new.items():
            if name in LANGUAGE_MAPS and isinstance(merged.get(name), dict):
                merged[name] = _merge_language_map(merged[name], value)
            else:
                merged[name] = value
    return merged


def _merge_language_map(stored: dict, new: dict) -> dict:
    """A language map with the entries of ``new`` added, each in place of a stored entry for the same language:
    language tags have no case (RFC 5646 2.1.1), so a newer name under en-us replaces the one under en-US."""
    newer = {tag.lower(): tag for tag in new}
    merged = {}
    for tag, text in stored.items():
        if tag.lower() in newer:
            tag = newer[tag.lower()]
            text = new[tag]
        merged[tag] = text
    return {**merged, **new}


def _add_missing_definitions(keys: dict[str, str]) -> None:
    """Add an empty definition row for each activity not known yet, in one statement. A writer that adds the
    same one at the same moment is no error: ON CONFLICT DO NOTHING waits for it, then keeps its row."""
    now = utcnow()
    rows = [{"activity_key": key, "activity_id": keys[key], "definition": {}, "updated": now} for key in sorted(keys)]
    dialect = postgresql if db.session.connection().dialect.name == "postgresql" else sqlite
    for start in range(0, len(rows), 1000):  # well within the bound parameters one statement may carry
        db.session.execute(dialect.insert(ActivityDefinition).values(rows[start:start + 1000])
                           .on_conflict_do_nothing())


def _remember_merged(session) -> None:
    """After a commit, what it merged is known merged (a rollback forgets it)."""
    if savepoint_ending(session):  # not committed yet: the transaction may still roll back
        return
    merged = session.info.pop("itinera_merged_definitions", [])
    if not merged:
        return
    known = _merged()
    now = time.monotonic()
    for activity_id, definition, updated in merged:
        known[activity_id] = [definition, updated, now]
        known.move_to_end(activity_id)
    while len(known) > _MERGED_SIZE:
        known.popitem(last=False)


event.listen(Session, "after_commit", _remember_merged)
event.listen(Session, "after_rollback", lambda session: session.info.pop("itinera_merged_definitions", None))


def activity(activity_id: str) -> dict:
    row = db.session.get(ActivityDefinition, activity_key(activity_id))
    result = {"objectType": "Activity", "id": activity_id}
    if row is not None and row.definition:
        result["definition"] = row.definition
    return result


# how many of the newest statements naming an agent the Agents resource reads for the names it goes by
PERSON_STATEMENTS = 100


def person(agent: dict, own_client: int | None = None) -> dict:
    """The Person object of an Agent (Communication 2.4): its identifier, and the names it goes by, the request's
    first, then those the newest statements that name it give it (not voided ones; ``own_client``: only that
    client's statements, for a client that reads back only its own)."""
    result = {"objectType": "Person"}
    names = [agent["name"]] if isinstance(agent.get("name"), str) and agent["name"] else []
    key = agent_key(agent)
    query = (sa.select(Statement.data).join(StatementAgent, StatementAgent.statement_seq == Statement.seq)
             .where(StatementAgent.agent_key == key, Statement.is_voided.is_(False))
             .order_by(StatementAgent.statement_seq.desc()).limit(PERSON_STATEMENTS))
    if own_client is not None:
        query = query.where(Statement.client_id == own_client)
    for data in db.session.scalars(query):
        for named, _ in agents_named(data):
            name = named.get("name")
            # an identified Group may share the agent's identifier (a team's mailbox): its name is not the person's
            if isinstance(name, str) and name and name not in names and named.get("objectType") != "Group" \
                    and agent_key(named) == key:
                names.append(name)
    if names:
        result["name"] = names
    for ifi in ("mbox", "mbox_sha1sum", "openid", "account"):
        if ifi in agent:
            result[ifi] = [agent[ifi]]
    return result
