"""The Learning Record Store: storing statements (with voiding and immutability), querying them, the progress
projection, and record(), the one function every domain uses to say what a learner did."""
import copy
import hashlib
import heapq
import json
import math
import re
import threading
import uuid
from array import array
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from itertools import repeat

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session
from tincan import Activity, Agent, AgentAccount, Context, LanguageMap, Result, Verb
from tincan import Statement as TinCanStatement

from app import jsonutil
from app.auth.models import AccountToken, User, normalise_email
from app.db import LOCK_SPACES, UTCDateTime, among, lock_for_write, lock_keys, locks_taken, utcnow
from app.extensions import db
from app.signals import invitation_accepted, module_completed, module_undone, progress_rebuilt
from app.xapi import vocabulary as v
from app.xapi.models import Progress, Statement, StatementActivity, StatementAgent
from app.xapi.validation import IFIS, StatementError, format_timestamp, parse_timestamp, validate_statement

MAX_BATCH = 1000


class Conflict(Exception):
    """A statement id is already used by a different statement (409)."""


class VoidingRefused(Exception):
    """A client tried to void a statement it did not send (403)."""


class OutOfReach(Exception):
    """A client held to some activities wrote about another, or one of ours its list does not name (403)."""

    def __init__(self, path: str, iri: str, reach: tuple[str, ...]):
        own = own_activities()
        ours = f"this LRS's own activities ({own}/...) only where its list of activities names them"
        if not reach:
            message = f"this client reaches any activity but {ours}: {iri} is one of them"
        elif in_reach(iri, (own,)):
            message = f"this client reaches only activities whose IRI starts with {' or '.join(reach)}, and {ours}: " \
                      f"{iri} is not named"
        else:
            message = f"this client reaches only activities whose IRI starts with {' or '.join(reach)}: {iri} does not"
        super().__init__(message)
        self.path = path


def own_activities() -> str:
    """Where the IRIs of Itinera's own activities (its courses, modules, itineraries, workshops) start."""
    return f"{v.base()}/activities"


def in_reach(activity_iri: str, reach: tuple[str, ...]) -> bool:
    """Whether the IRI starts with one of ``reach`` at a boundary: the whole IRI, or followed by "/", "?" or "#",
    or a start that ends with "/" itself (https://partner.example does not reach https://partner.example.evil/)."""
    return any(activity_iri.startswith(prefix) and (len(activity_iri) == len(prefix) or prefix.endswith("/")
                                                    or activity_iri[len(prefix)] in "/?#")
               for prefix in reach)


def check_reach(activity_iri: str, reach: tuple[str, ...], path: str = "activityId") -> None:
    """Raises OutOfReach unless the activity starts with one of ``reach`` (empty: any activity but ours). Our own
    activities (own_activities()), whose statements move people's progress and count as evidence of competences,
    are reached only by a start within them: a client's list must name them."""
    own = own_activities()
    if in_reach(activity_iri, (own,)):
        if not in_reach(activity_iri, tuple(prefix for prefix in reach if in_reach(prefix, (own,)))):
            raise OutOfReach(path, activity_iri, reach)
    elif reach and not in_reach(activity_iri, reach):
        raise OutOfReach(path, activity_iri, reach)


def _check_reach(prepared: list[dict], reach: tuple[str, ...]) -> None:
    """Every activity the statements are about (a sub-statement's too) starts with one of ``reach``, and so does
    every context activity they describe: its definition is merged into the LRS's (documents.remember_definitions)
    as the object's is. A context activity named without a definition (the module content is part of) is left."""
    for index, statement in enumerate(prepared):
        _check_part_reach(statement, f"statements[{index}]" if len(prepared) > 1 else "statement", reach)


def _check_part_reach(part: dict, path: str, reach: tuple[str, ...]) -> None:
    target = part["object"]
    if target.get("objectType", "Activity") == "Activity":
        check_reach(target["id"], reach, f"{path}.object.id")
    for kind, listed in part.get("context", {}).get("contextActivities", {}).items():
        for number, activity in enumerate(listed):  # lists: prepare() made them so
            if activity.get("definition"):
                check_reach(activity["id"], reach, f"{path}.context.contextActivities.{kind}[{number}].definition")
    if target.get("objectType") == "SubStatement":
        _check_part_reach(target, f"{path}.object", reach)


def _postgres():
    """The psycopg connection under the session, when the database is PostgreSQL."""
    connection = db.session.connection()
    return connection.connection.driver_connection if connection.dialect.name == "postgresql" else None


COPY_FROM = 20  # rows: below this a plain INSERT is quicker than COPY's extra round trips


def bulk_insert(model, rows: list[dict]) -> None:
    """Insert many rows in the current transaction: COPY on PostgreSQL (no SQL to build or parse per batch),
    one multi-row INSERT per page elsewhere (and for a few rows)."""
    if not rows:
        return
    columns = list(rows[0])
    raw = _postgres() if len(rows) >= COPY_FROM else None
    if raw is None:
        # RETURNING makes SQLAlchemy send one multi-row INSERT per page instead of one statement per row
        db.session.execute(sa.insert(model).returning(*(getattr(model, c) for c in columns[:1])), rows).all()
        return
    db.session.flush()
    table = model.__table__
    json_columns = {c for c in columns if isinstance(table.c[c].type, sa.JSON)}
    # a JSON column is sent as the text orjson wrote: json's binary form is its text, and psycopg's json type
    # would encode that text once more, as a JSON string
    types = ["text" if c in json_columns else _copy_type(table.c[c]) for c in columns]
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'COPY "{table.name}" ({names}) FROM STDIN (FORMAT BINARY)'
    dialect = db.session.connection().dialect
    try:
        # binary COPY: the server parses no text for numbers, uuids and times
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row([jsonutil.dumps(row[c]) if c in json_columns else row[c] for c in columns])
    except dialect.loaded_dbapi.Error as error:
        # as SQLAlchemy would wrap it (IntegrityError, OperationalError...): a statement id another request has
        # just committed, or a deadlock, is then retried like one met by an INSERT
        raise sa.exc.DBAPIError.instance(sql, None, error, dialect.loaded_dbapi.Error, dialect=dialect) from error


_COPY_TYPES = ((UTCDateTime, "timestamptz"), (sa.BigInteger, "int8"), (sa.Integer, "int4"), (sa.Uuid, "uuid"),
               (sa.Boolean, "bool"), (sa.Float, "float8"), (sa.Text, "text"),
               (sa.String, "varchar"))


def _copy_type(column) -> str:
    """The PostgreSQL type name binary COPY needs for a column."""
    kind = column.type
    if isinstance(kind, sa.types.NullType) and column.foreign_keys:
        kind = next(iter(column.foreign_keys)).column.type
    return next(name for cls, name in _COPY_TYPES if isinstance(kind, cls))


def _new_seqs(values: list[dict], seqs: list[int] | None) -> list[int]:
    """Insert statement rows and return their sequence numbers, in order (``seqs``: taken already, for COPY)."""
    if seqs is None:
        return list(db.session.scalars(sa.insert(Statement).returning(Statement.seq, sort_by_parameter_order=True),
                                       values))
    bulk_insert(Statement, [{"seq": seq, **value} for seq, value in zip(seqs, values)])
    return seqs


# --- the stored time, and how far statements are known to be committed ------------------------------------

STORED_LOCK = 0x78617069  # "xapi": a transaction that stores statements holds this advisory lock (shared)
_writing: dict[int, datetime] = {}  # elsewhere than PostgreSQL: this process's transactions storing statements
_writing_lock = threading.Lock()


def stored_now(people=(), rows: int = 0, through: bool = True) -> tuple[datetime, list[int] | None]:
    """The stored time of statements this transaction stores now, to the millisecond. The transaction counts
    as one that writes statements until it ends, so that consistent_through() stays before that time.

    On PostgreSQL the time is the database's, read after taking the lock: a reader that did not see the lock
    started before it. In the same round trip it takes the progress locks of ``people`` (user ids), which
    _project would otherwise take with a query of its own, reads what consistent_through() would answer now
    (with ``through``), kept for the response (see consistent_through_at_store), and, for a batch of ``rows``
    that COPY writes, numbers the rows (the sequence numbers come second: None when not taken here)."""
    seqs = None
    if db.session.connection().dialect.name == "postgresql":
        keys = lock_keys("xapi-progress", people)
        mine = ", (SELECT count(pg_advisory_xact_lock(:space, k)) FROM unnest(CAST(:keys AS integer[])) AS k) " \
               "AS mine" if keys else ""
        numbered = ", ARRAY(SELECT nextval(pg_get_serial_sequence('xapi_statement', 'seq')) " \
                   "FROM generate_series(1, :rows))" if rows >= COPY_FROM else ", NULL"
        others = f"({_OLDEST_OTHER_WRITER})" if through else "NULL"
        moment, oldest, seqs = db.session.execute(sa.text(
            f"SELECT clock_timestamp(), {others}{numbered} "
            f"FROM (SELECT pg_advisory_xact_lock_shared(:key)) AS locked{mine}"),
            {"key": STORED_LOCK, "space": LOCK_SPACES["xapi-progress"], "keys": keys, "rows": rows}).one()
        locks_taken("xapi-progress", keys)
    else:
        with _writing_lock:
            moment = utcnow()
            _writing.setdefault(id(db.session()), moment)
            oldest = _oldest_other_writer()
    if through:
        db.session.info[_THROUGH] = _before(moment, oldest)
    moment = moment.astimezone(timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000), seqs


@event.listens_for(Session, "after_transaction_end")
def _written(session, transaction) -> None:
    """The transaction ended (committed or not): its statements no longer wait."""
    if transaction.parent is None and _writing:
        with _writing_lock:
            _writing.pop(id(session), None)


# the start of the oldest other transaction holding the lock (what pg_stat_activity.xact_start shows, read
# through the backend functions: pg_stat_activity gathers every column of every backend, 3x slower) in this
# database: pg_locks lists the whole server's, and an advisory lock is the same number in each database
_OLDEST_OTHER_WRITER = (
    "SELECT min(pg_stat_get_backend_xact_start(backend)) FROM pg_stat_get_backend_idset() AS backend "
    "WHERE pg_stat_get_backend_pid(backend) IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
    f"AND classid = 0 AND objid = {STORED_LOCK} AND objsubid = 1 AND pid <> pg_backend_pid() "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))")
_THROUGH = "xapi_consistent_through"


def _oldest_other_writer() -> datetime | None:
    """Elsewhere than PostgreSQL (under _writing_lock): when the oldest other transaction storing statements
    took its stored time."""
    return min((moment for key, moment in _writing.items() if key != id(db.session())), default=None)


def _before(now: datetime, oldest: datetime | None) -> datetime:
    moment = min(now, oldest) if oldest is not None else now
    moment = moment.astimezone(timezone.utc)
    # strictly before: a statement not yet committed may have been stored in this very millisecond
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000) - timedelta(milliseconds=1)


def consistent_through() -> datetime:
    """X-Experience-API-Consistent-Through: a moment before the stored time of every statement whose
    transaction has not committed, so that every statement stored at or before it can be read (call it
    before reading the statements). Communication 2.1.3.s2.b5."""
    if db.session.connection().dialect.name == "postgresql":
        now, oldest = db.session.execute(sa.text(f"SELECT statement_timestamp(), ({_OLDEST_OTHER_WRITER})")).one()
    else:
        with _writing_lock:
            now, oldest = utcnow(), _oldest_other_writer()
    return _before(now, oldest)


def consistent_through_at_store() -> datetime | None:
    """What consistent_through() answered when this session last took a stored time (None if it took none).

    It holds once the session commits: a transaction that takes the lock later takes a later stored time,
    and the statements of this one are readable from its commit. The response to a POST or PUT uses it
    rather than asking the database once more after the commit."""
    return db.session.info.pop(_THROUGH, None)


@dataclass
class Stored:
    """A statement just inserted: its columns, without loading it back from the database."""

    seq: int
    id: uuid.UUID
    stored: datetime
    timestamp: datetime
    verb_id: str
    registration: uuid.UUID | None
    ref_id: uuid.UUID | None
    is_voiding: bool
    is_voided: bool
    user_id: int | None
    client_id: int | None
    data: dict


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def agent_key(agent: dict, as_written: bool = False) -> str | None:
    """A fixed-length key for an Agent or identified Group: equal when the identifier is equal, the case of an
    e-mail domain and of a SHA-1 hex aside (Data 2.3.1). ``as_written``: the key as it was made before
    2026-12-05, from the identifier as written (documents stored then are found by it)."""
    for ifi in IFIS:
        if ifi in agent:
            value = agent[ifi]
            if ifi == "account":
                value = f"{value['homePage']}\x1f{value['name']}"
            elif not as_written and ifi == "mbox":
                value = normal_mbox(value)
            elif not as_written and ifi == "mbox_sha1sum" and isinstance(value, str):
                value = value.lower()
            return _digest(f"{ifi}\x1f{value}")
    return None


def normal_mbox(mbox):
    """An mbox with its domain in lower case: the domain of an e-mail address has no case."""
    if isinstance(mbox, str) and "@" in mbox:
        local, _, domain = mbox.rpartition("@")
        return f"{local}@{domain.lower()}"
    return mbox


def activity_key(activity_id: str) -> str:
    return _digest(activity_id)


# --- what a statement mentions ------------------------------------------------------------------------

def agents_named(statement: dict):
    """(agent, direct) for each Agent or Group a statement names, Group members included; ``direct``: the actor
    or object, or a member of such a Group. The authority is left out: it follows from the client that sent the
    statement (see queries._authority_matches)."""
    def named(agent, direct):
        if not isinstance(agent, dict):
            return
        yield agent, direct
        for member in agent.get("member", []) if agent.get("objectType") == "Group" else []:
            yield from named(member, direct)

    def walk(part: dict, direct: bool):
        yield from named(part.get("actor"), direct)
        target = part.get("object", {})
        if target.get("objectType") in ("Agent", "Group"):
            yield from named(target, direct)
        context = part.get("context", {})
        yield from named(context.get("instructor"), False)
        yield from named(context.get("team"), False)
        if target.get("objectType") == "SubStatement":
            yield from walk(target, False)

    yield from walk(statement, True)


def _agents_in(statement: dict) -> dict[str, bool]:
    """agent key -> whether it is direct (actor or object, or member of such a Group)."""
    found: dict[str, bool] = {}
    for agent, direct in agents_named(statement):
        key = agent_key(agent)
        if key:
            found[key] = found.get(key, False) or direct
    return found


def _activities_in(statement: dict) -> dict[str, bool]:
    found: dict[str, bool] = {}

    def add(activity_id, direct):
        key = activity_key(activity_id)
        found[key] = found.get(key, False) or direct

    def walk(part: dict, direct: bool):
        target = part.get("object", {})
        if target.get("objectType", "Activity") == "Activity":
            add(target["id"], direct)
        for listed in part.get("context", {}).get("contextActivities", {}).values():
            for activity in listed if isinstance(listed, list) else [listed]:
                add(activity["id"], False)
        if target.get("objectType") == "SubStatement":
            walk(target, False)

    walk(statement, True)
    return found


# --- storing ------------------------------------------------------------------------------------------

def _normalise_agent(agent) -> None:
    """Case that carries no meaning (Data 2.3.1): the domain of an mbox, the hex of an mbox_sha1sum."""
    if not isinstance(agent, dict):
        return
    if "mbox" in agent:
        agent["mbox"] = normal_mbox(agent["mbox"])
    if isinstance(agent.get("mbox_sha1sum"), str):
        agent["mbox_sha1sum"] = agent["mbox_sha1sum"].lower()
    agent.setdefault("objectType", "Agent")
    for member in agent.get("member", []) if isinstance(agent.get("member"), list) else []:
        _normalise_agent(member)
    if isinstance(agent.get("member"), list):
        agent["member"] = sorted(agent["member"], key=lambda m: json.dumps(m, sort_keys=True))


def _normalise_for_comparison(statement: dict) -> dict:
    """Drop or even out what the specification lets differ between two copies of one statement (Data 2.3.1):
    what the LRS fills in, activity definitions, verb displays, the serialisation of times, the order of a
    Group's members, case where it has no meaning (UUIDs, e-mail domains), and a single context activity
    versus a list of one (the LRS stores lists)."""
    data = copy.deepcopy(statement)
    for key in ("id", "authority", "stored", "version", "attachments"):
        data.pop(key, None)

    def tidy(part: dict):
        part.get("verb", {}).pop("display", None)
        if "timestamp" in part:
            part["timestamp"] = parse_timestamp(part["timestamp"]).isoformat()
        if isinstance(part.get("result", {}).get("duration"), str):
            part["result"]["duration"] = _to_hundredths(part["result"]["duration"])
        target = part.get("object", {})
        if target.get("objectType", "Activity") == "Activity":
            target.pop("definition", None)
            target.pop("objectType", None)
        if target.get("objectType") == "StatementRef" and isinstance(target.get("id"), str):
            target["id"] = target["id"].lower()
        if target.get("objectType") == "SubStatement":
            target.pop("attachments", None)
            tidy(target)
        context = part.get("context", {})
        for agent in (part.get("actor"), target if target.get("objectType") in ("Agent", "Group") else None,
                      context.get("instructor"), context.get("team")):
            _normalise_agent(agent)
        if isinstance(context.get("registration"), str):
            context["registration"] = context["registration"].lower()
        if isinstance(context.get("statement"), dict) and isinstance(context["statement"].get("id"), str):
            context["statement"]["id"] = context["statement"]["id"].lower()
        activities = context.get("contextActivities", {})
        for key, listed in activities.items():
            activities[key] = listed = listed if isinstance(listed, list) else [listed]
            for activity in listed:
                activity.pop("definition", None)
                activity.pop("objectType", None)

    tidy(data)
    return data


def _to_hundredths(duration: str) -> str:
    """A duration compared as a string, but without what is beyond 0.01 s (Data 4.6.s1.b5, 2.3.1.b8). Sought
    from the decimal sign: sought from each digit, the digits of a long duration were read again from every one."""
    return re.sub(r"([.,]\d{2})\d+S$", r"\1S", duration)


def same_statement(a: dict, b: dict) -> bool:
    if "timestamp" not in a or "timestamp" not in b:  # a timestamp the LRS filled in is not part of it
        a, b = dict(a), dict(b)
        a.pop("timestamp", None)
        b.pop("timestamp", None)
    return _normalise_for_comparison(a) == _normalise_for_comparison(b)


def _as_sent(stored: dict) -> dict:
    """A stored statement without the timestamp the LRS filled in (prepare() gives a statement sent without one
    its stored time): compared with the statement sent again, that timestamp is an assignment of the LRS, and
    differs from any sent (Data 2.3.1.b1, s9.b1). A timestamp sent equal to the stored time, to the millisecond,
    cannot be told from one filled in, and is taken for one."""
    if stored.get("timestamp") is not None and stored.get("timestamp") == stored.get("stored"):
        stored = dict(stored)
        del stored["timestamp"]
    return stored


def _context_activities_as_lists(part: dict) -> None:
    """The LRS returns every context activity list as an array, even when one Activity was sent."""
    activities = part.get("context", {}).get("contextActivities")
    if activities:
        part["context"] = dict(part["context"])
        part["context"]["contextActivities"] = {
            key: listed if isinstance(listed, list) else [listed] for key, listed in activities.items()}
    target = part.get("object", {})
    if target.get("objectType") == "SubStatement":
        part["object"] = dict(target)
        _context_activities_as_lists(part["object"])


def _timestamps_in_utc(part: dict) -> None:
    """Timestamps are kept and returned in UTC (Data 4.5.s1.b6), the same instant as sent (Data 2.3.1.b4)."""
    if "timestamp" in part:
        part["timestamp"] = format_timestamp(parse_timestamp(part["timestamp"]))
    target = part.get("object", {})
    if target.get("objectType") == "SubStatement" and "timestamp" in target:
        part["object"] = dict(target, timestamp=format_timestamp(parse_timestamp(target["timestamp"])))


def prepare(data: dict, authority: dict, now: datetime | None = None) -> dict:
    """Validate a statement and fill what the LRS sets: id, timestamp, stored, authority, version."""
    validate_statement(data)
    now = now or utcnow()
    statement = dict(data)
    _context_activities_as_lists(statement)
    _timestamps_in_utc(statement)
    statement["id"] = str(uuid.UUID(statement["id"])) if "id" in statement else str(uuid.uuid4())
    statement["stored"] = format_timestamp(now.replace(microsecond=now.microsecond // 1000 * 1000))
    statement.setdefault("timestamp", statement["stored"])
    statement["authority"] = authority
    statement.setdefault("version", "1.0.0")
    return statement


def store(statements: list[dict], authority: dict, client_id: int | None = None,
          attachment_parts: dict | None = None, reach: tuple[str, ...] | None = None) -> list[Statement | Stored]:
    """Store statements as one batch: all or none. Raises StatementError (400), OutOfReach (403) or Conflict (409).

    ``attachment_parts`` are the attachments' contents by hash, from a multipart/mixed request; ``reach``, the
    starts of the activity IRIs the client may write about (empty: any but ours; None, Itinera itself: any)."""
    if len(statements) > MAX_BATCH:
        raise StatementError("statements", f"a batch holds at most {MAX_BATCH} statements")
    now = utcnow()  # for now: the stored time is taken when the rows are numbered, so that the two agree
    db.session.info.pop(_THROUGH, None)  # taken again if this batch takes a stored time
    prepared = []
    for index, data in enumerate(statements):
        try:
            prepared.append((data, prepare(data, authority, now)))
        except StatementError as error:
            if len(statements) > 1:
                raise StatementError(error.path.replace("statement", f"statements[{index}]", 1),
                                     error.message) from error
            raise
    if reach is not None:
        _check_reach([p for _, p in prepared], reach)
    ids = [uuid.UUID(p["id"]) for _, p in prepared]
    if len(set(ids)) != len(ids):
        raise StatementError("statements", "two statements in the batch have the same id")
    from app.xapi import attachments

    attachments.check([original for original, _ in prepared], attachment_parts or {})
    targets = {uuid.UUID(p["object"]["id"]) for _, p in prepared if p["verb"]["id"] == v.VOIDED}
    if client_id is not None:
        # a client's statement and its voiding, sent at the same moment, each looked for the other before either
        # had committed: the statement stood, though voided. A batch that voids takes its client's turn whole;
        # the client's other batches share it and go on together (only its own voiding counts early)
        lock_for_write("xapi-voiding", client_id, shared=not targets)
    # one query: statements already stored under these ids, voiding statements that target them, and the
    # statements this batch would void. Two index lookups joined by UNION: written as one OR, PostgreSQL scans
    # the whole table until it has statistics for it (a new or fast-growing table) and plans the OR slowly
    matching = sa.union(sa.select(Statement.seq).where(among(Statement.id, ids + list(targets))),
                        sa.select(Statement.seq).where(Statement.is_voiding.is_(True), among(Statement.ref_id, ids)))
    known = list(db.session.scalars(sa.select(Statement).where(Statement.seq.in_(matching))))
    id_set = set(ids)
    existing = {s.id: s for s in known if s.id in id_set}
    if client_id is not None:
        _check_voiding(client_id, [s for s in known if s.id in targets])
    # a statement voided before it arrived, by the client that sends it now (nobody voids another's statement)
    voided_early = {s.ref_id for s in known if s.is_voiding and s.ref_id in id_set and s.client_id == client_id}
    fresh = []
    for original, statement in prepared:
        old = existing.get(uuid.UUID(statement["id"]))
        if old is not None and not same_statement(original, _as_sent(old.data)):
            raise Conflict(statement["id"])
        if old is None:
            fresh.append(statement)
    # the data of the new statements' attachments only: one stored already changes nothing (Communication 2.1.1)
    wanted = {a["sha2"].lower() for s in fresh for a in attachments.attachments_of(s)}
    attachments.save({sha2: part for sha2, part in (attachment_parts or {}).items() if sha2 in wanted})
    untimed = {p["id"] for original, p in prepared if "timestamp" not in original}
    done: list[Done] = []
    inserted = {row.id: row for row in _insert_many(fresh, client_id, voided_early, untimed, done)}
    from app.xapi import forwarding

    forwarding.queue(list(inserted.values()))
    _announce(done)  # after the queue: what receivers record is forwarded after what caused it
    # the same statement sent again is accepted and changes nothing
    return [existing.get(i) or inserted[i] for i in ids]


def _check_voiding(client_id: int, targets: list[Statement]) -> None:
    """Over HTTP a client voids only statements it sent itself; what Itinera recorded is voided by Itinera."""
    for target in targets:
        if target.client_id is None:
            raise VoidingRefused(f"statement {target.id} was recorded by Itinera itself and cannot be voided "
                                 "through the xAPI")
        if target.client_id != client_id:
            raise VoidingRefused(f"statement {target.id} was sent by another client: only the client that sent a "
                                 "statement may void it")


def _users_for(actors: list[dict]) -> dict[int, int]:
    """User ids of the statements' actors (by position), in two queries for the whole batch."""
    by_uuid, by_email = {}, {}
    home = v.base()
    for index, actor in enumerate(actors):
        account = actor.get("account")
        if account and account.get("homePage", "").rstrip("/") == home:
            try:
                by_uuid.setdefault(uuid.UUID(account.get("name", "")), []).append(index)
            except ValueError:
                pass
        elif isinstance(actor.get("mbox"), str) and actor["mbox"].lower().startswith("mailto:"):
            by_email.setdefault(normalise_email(actor["mbox"][7:]), []).append(index)
    found = {}
    if by_uuid:
        for user_id, user_uuid in db.session.execute(sa.select(User.id, User.uuid).where(among(User.uuid, by_uuid))):
            found.update({index: user_id for index in by_uuid[user_uuid]})
    if by_email:
        for user_id, email in db.session.execute(sa.select(User.id, User.email).where(among(User.email, by_email))):
            found.update({index: user_id for index in by_email[email]})
    return found


def _insert_many(statements: list[dict], client_id: int | None, voided_now: set,
                 untimed: set, done: list) -> list[Stored]:
    """Insert new statements in a few round trips, with what they mention, definitions and progress; the
    modules of ours that the projection now first shows done are added to ``done``.

    The stored time (and the timestamp of the ``untimed``, which sent none) is taken right before the rows are
    numbered: the order of stored times is the order of the rows, which queries and more links follow."""
    if not statements:
        return []
    ids = [uuid.UUID(s["id"]) for s in statements]
    users = _users_for([s["actor"] for s in statements])
    # one batch, one stored time (and the progress locks, and on PostgreSQL the rows' numbers)
    # (a client of the API is answered with a Consistent-Through: read then; Itinera's own recording needs none)
    stored_at, seqs = stored_now(set(users.values()), len(statements), through=client_id is not None)
    stored_text = format_timestamp(stored_at)
    for statement in statements:
        statement["stored"] = stored_text
        if statement["id"] in untimed:
            statement["timestamp"] = stored_text
    # (voided_now: targets of voiding statements that arrived before them, voided on arrival)
    values = []
    for index, statement in enumerate(statements):
        target = statement["object"]
        registration = statement.get("context", {}).get("registration")
        is_voiding = statement["verb"]["id"] == v.VOIDED
        values.append(dict(
            id=ids[index], stored=stored_at,
            timestamp=parse_timestamp(statement["timestamp"]), verb_id=statement["verb"]["id"],
            registration=uuid.UUID(registration) if registration else None,
            ref_id=uuid.UUID(target["id"]) if target.get("objectType") == "StatementRef" else None,
            is_voiding=is_voiding, is_voided=not is_voiding and ids[index] in voided_now,
            user_id=users.get(index), client_id=client_id, data=statement))
    seqs = _new_seqs(values, seqs)
    rows = [Stored(seq=seq, **value) for seq, value in zip(seqs, values)]
    agents, activities = [], []
    for row, statement in zip(rows, statements):
        agents += [{"agent_key": k, "statement_seq": row.seq, "is_direct": d}
                   for k, d in _agents_in(statement).items()]
        activities += [{"activity_key": k, "statement_seq": row.seq, "is_direct": d}
                       for k, d in _activities_in(statement).items()]
    bulk_insert(StatementAgent, agents)
    bulk_insert(StatementActivity, activities)
    from app.xapi.documents import remember_definitions

    remember_definitions(statements)
    done += _project([(row.user_id, statement) for row, statement in zip(rows, statements)
                      if row.user_id is not None and not row.is_voided and not row.is_voiding
                      and statement["object"].get("objectType", "Activity") == "Activity"])
    for row in rows:
        if row.is_voiding:
            done += _void(row.ref_id)
    db.session.flush()
    return rows


def _void(target_id: uuid.UUID) -> list["Done"]:
    target = db.session.scalar(sa.select(Statement).where(Statement.id == target_id))
    if target is None or target.is_voiding or target.is_voided:
        return []  # absent (voided on arrival), a voiding statement (never voided), or voided already
    target.is_voided = True
    db.session.flush()
    obj = target.data["object"]
    if target.user_id is not None and obj.get("objectType", "Activity") == "Activity":
        return recompute_progress(target.user_id, obj["id"])
    return []


# --- the progress projection --------------------------------------------------------------------------

@dataclass
class Facts:
    """The projection's state for one user and activity, folded from statements in the order they happened."""

    is_completed: bool = False
    completed_at: datetime | None = None
    completed_statement: str | None = None
    passed_statement: str | None = None
    best_scaled: float | None = None
    best_success: bool | None = None
    any_success: bool | None = None
    first_seen_at: datetime | None = None
    last_seen_at: datetime | None = None

    @property
    def success(self) -> bool | None:
        """The best score decides success; without scores, any success counts."""
        if self.best_scaled is not None and self.best_success is not None:
            return self.best_success
        return self.any_success


def happened_at(statement: dict) -> datetime:
    """When a statement says it happened, but never after the LRS stored it: a timestamp in the future (a
    device's clock set wrong; Data 2.4.7 keeps future times for SubStatements) would date a completion, and the
    level it grants, after today."""
    moment = parse_timestamp(statement["timestamp"])
    stored = statement.get("stored")
    return min(moment, parse_timestamp(stored)) if stored else moment


# happened_at() as SQL, for the order in which statements are folded
HAPPENED = sa.case((Statement.timestamp > Statement.stored, Statement.stored), else_=Statement.timestamp)


def scaled_of(score: dict) -> float | None:
    """The scaled score, or, for content that sends only raw, min and max (min 0 when not given), where raw
    lies between them: a pass scored 8 of 10 is as good as one scored 0.8, and better than a later 0.3."""
    if score.get("scaled") is not None:
        return score["scaled"]
    raw, low, high = score.get("raw"), score.get("min", 0), score.get("max")
    if any(isinstance(n, bool) or not isinstance(n, (int, float)) for n in (raw, low, high)):
        return None
    if not low <= raw <= high or not low < high:
        return None
    scaled = (raw - low) / (high - low)
    if not math.isfinite(scaled):  # near a double's limits the differences overflow (inf / inf is NaN): exactly
        scaled = float((Fraction(raw) - Fraction(low)) / (Fraction(high) - Fraction(low)))
    return scaled


def fold(facts: Facts, statement: dict) -> Facts:
    """Add one statement to the facts, statements coming in the order they happened (happened_at(), then
    arrival). ``completed_statement`` and ``passed_statement`` name the statements with which completion and
    success first became true (success as the best score decides it, not any statement that says success; of
    equal best scores, one that succeeded)."""
    verb = statement["verb"]["id"]
    result = statement.get("result", {})
    moment = happened_at(statement)
    facts.first_seen_at = min(facts.first_seen_at or moment, moment)
    facts.last_seen_at = max(facts.last_seen_at or moment, moment)
    success = result.get("success", v.SUCCESS_VERBS.get(verb))
    if verb in v.COMPLETION_VERBS or result.get("completion") is True:
        if not facts.is_completed:
            facts.is_completed, facts.completed_at = True, moment
            facts.completed_statement = statement["id"]
    scaled = scaled_of(result.get("score", {}))
    if scaled is not None and (facts.best_scaled is None or scaled > facts.best_scaled or (
            scaled == facts.best_scaled and success is True and facts.best_success is not True)):
        facts.best_scaled, facts.best_success = scaled, success
    if success is not None:
        facts.any_success = bool(facts.any_success) or success
    if facts.success is True and facts.passed_statement is None:
        facts.passed_statement = statement["id"]
    return facts


def _save(user_id: int, activity_iri: str, facts: Facts | None, row: Progress | None = None,
          known: bool = False) -> None:
    key = activity_key(activity_iri)
    if not known:
        row = db.session.scalar(sa.select(Progress).where(Progress.user_id == user_id, Progress.activity_key == key))
    if facts is None or facts.first_seen_at is None:
        if row is not None:
            db.session.delete(row)
        return
    if row is None:
        row = Progress(user_id=user_id, activity_iri=activity_iri, activity_key=key)
        db.session.add(row)
    row.is_completed, row.completed_at = facts.is_completed, facts.completed_at
    row.success, row.best_scaled = facts.success, facts.best_scaled
    row.best_scaled_success, row.any_success = facts.best_success, facts.any_success
    row.first_seen_at, row.last_seen_at = facts.first_seen_at, facts.last_seen_at
    row.completed_statement = uuid.UUID(facts.completed_statement) if facts.completed_statement else None
    row.passed_statement = uuid.UUID(facts.passed_statement) if facts.passed_statement else None


def _facts_of(row: Progress | None) -> Facts:
    if row is None:
        return Facts()
    return Facts(is_completed=row.is_completed, completed_at=row.completed_at,
                 completed_statement=str(row.completed_statement) if row.completed_statement else None,
                 passed_statement=str(row.passed_statement) if row.passed_statement else None,
                 best_scaled=row.best_scaled, best_success=row.best_scaled_success, any_success=row.any_success,
                 first_seen_at=row.first_seen_at, last_seen_at=row.last_seen_at)


@dataclass
class Done:
    """A module of ours that the projection now first shows done, or (``undone``) no longer shows done as it did
    (see _newly_done)."""

    user_id: int
    course: str
    module: str
    statement: dict | None
    undone: bool = False


def _newly_done(user_id: int, iri: str, row: Progress | None, facts: Facts, statement: dict | None) -> list[Done]:
    """[Done] when ``facts`` complete the activity, or make it a success once completed, where ``row`` (the
    projection before) did not, and the activity is one of our modules; [Done(undone=True)] when ``row`` showed it
    completed (and a success) and ``facts`` no longer do (a voiding, or a failure scored above the pass); else [].
    What is checked first costs nothing, and no query is made: statements about other sites' activities stay as
    cheap as they were."""
    if row is not None and row.is_completed and (not facts.is_completed
                                                 or (row.success is True and facts.success is not True)):
        found = v.module_of(iri)
        return [Done(user_id, *found, statement, undone=True)] if found else []
    if not facts.is_completed or (row is not None and row.is_completed
                                  and (row.success is True or facts.success is not True)):
        return []
    found = v.module_of(iri)
    return [Done(user_id, *found, statement)] if found else []


def _announce(done: list[Done]) -> None:
    """Tell the receivers of module_undone, then of module_completed (the course domain voids the course's
    completion a module no longer supports, and completes a course its last module completes), once per person and
    course: the whole batch is projected by now, so what a course's check sees is the same for each of its modules
    (a batch of 900 completions had the course looked up and checked 900 times)."""
    by_course: dict[bool, dict[tuple[int, str], list[tuple[str, dict | None]]]] = {True: {}, False: {}}
    for item in done:
        by_course[item.undone].setdefault((item.user_id, item.course), []).append((item.module, item.statement))
    for undone, signal in ((True, module_undone), (False, module_completed)):
        for (user_id, course), modules in by_course[undone].items():
            signal.send(user_id, course=course, modules=modules)


def _project(items: list[tuple[int, dict]]) -> list[Done]:
    """Fold new statements (user id, statement) into the projection, one query to read it. The projection is
    what the statements say in the order they happened: a statement that happened before one already folded
    (content used offline sends late) makes that user and activity fold again from every standing statement.
    Returns the modules of ours it now first shows done."""
    if not items:
        return []
    # what is read here is written back from it: a concurrent request folding statements of the same person
    # waits until this one has committed, then reads what it wrote (else the later write drops a pass)
    lock_for_write("xapi-progress", *{user_id for user_id, _ in items})
    keys = {(user_id, activity_key(statement["object"]["id"])) for user_id, statement in items}
    rows = {(row.user_id, row.activity_key): row for row in db.session.scalars(
        sa.select(Progress).where(Progress.user_id.in_({u for u, _ in keys}),
                                  Progress.activity_key.in_({k for _, k in keys})))}
    facts: dict[tuple[int, str], tuple[str, Facts]] = {}
    late: set[tuple[int, str]] = set()
    latest: dict[tuple[int, str], dict] = {}
    for user_id, statement in items:
        iri = statement["object"]["id"]
        key = (user_id, activity_key(iri))
        if key not in facts:
            facts[key] = (iri, _facts_of(rows.get(key)))
        last = facts[key][1].last_seen_at
        if last is not None and happened_at(statement) < last:
            late.add(key)
        fold(facts[key][1], statement)
        latest[key] = statement
    done = []
    for (user_id, key), (iri, folded) in sorted(facts.items()):  # one order for every writer: no deadlock
        if (user_id, key) in late:
            folded = _fold_all(user_id, iri)
        row = rows.get((user_id, key))
        done += _newly_done(user_id, iri, row, folded, latest[(user_id, key)])
        _save(user_id, iri, folded, row, known=True)
    return done


def _statements_for(user_id: int, activity_iri: str) -> list[dict]:
    """The standing statements of this user about this activity, in the order they happened."""
    return list(db.session.scalars(
        sa.select(Statement.data).join(StatementActivity, StatementActivity.statement_seq == Statement.seq)
        .where(Statement.user_id == user_id, StatementActivity.activity_key == activity_key(activity_iri),
               StatementActivity.is_direct.is_(True), Statement.is_voided.is_(False),
               Statement.is_voiding.is_(False))
        .order_by(HAPPENED, Statement.seq)))


def _fold_all(user_id: int, activity_iri: str) -> Facts:
    facts = Facts()
    for statement in _statements_for(user_id, activity_iri):
        fold(facts, statement)
    return facts


def recompute_progress(user_id: int, activity_iri: str) -> list[Done]:
    """Fold again every statement still standing for this user and activity (after a voiding); returns the
    module of ours it now first shows done, if so (a voided better failure leaves a pass standing), or no longer
    shows done (a voided completion or pass)."""
    lock_for_write("xapi-progress", user_id)
    row = db.session.scalar(sa.select(Progress).where(Progress.user_id == user_id,
                                                      Progress.activity_key == activity_key(activity_iri)))
    facts = _fold_all(user_id, activity_iri)
    done = _newly_done(user_id, activity_iri, row, facts, None)
    _save(user_id, activity_iri, facts, row, known=True)
    db.session.flush()
    return done


def _proven(user_ids) -> set[int]:
    """The accounts among ``user_ids`` whose person has shown the address is theirs: they used a link e-mailed to
    it (an invitation, a password reset). An address an administrator typed (an import, a new account) proves
    nothing: mistyped, it could be someone else's."""
    if not user_ids:
        return set()
    return set(db.session.scalars(sa.select(AccountToken.user_id).distinct().where(
        among(AccountToken.user_id, user_ids), AccountToken.used_at.is_not(None))))


def has_proven_address(user: User) -> bool:
    """Whether the person has shown their account's address is theirs (see _proven)."""
    return user.id in _proven([user.id])


def link_earlier_statements(user: User | None = None) -> set[tuple[int, str]]:
    """Give the statements whose actor is the mailto: of an address, sent before any account had it, to the
    account that now has it, once its person has proven the address (see _proven); with ``user``, to that person
    only. Returns the (user id, activity) pairs whose progress these statements change (not recomputed here)."""
    query = (sa.select(Statement.seq, Statement.data["actor"], Statement.data["object"], Statement.is_voided)
             .where(Statement.user_id.is_(None), Statement.is_voiding.is_(False)))
    if user is not None:  # through the index of the agents statements mention, not the whole table
        keys = {agent_key({"mbox": f"mailto:{user.email}"}), agent_key({"mbox": f"mailto:{user.email}"}, True)}
        query = query.where(Statement.seq.in_(sa.select(StatementAgent.statement_seq).where(
            StatementAgent.agent_key.in_(keys), StatementAgent.is_direct.is_(True))))
    seqs, actors, standing = [], [], []
    for seq, actor, target, is_voided in db.session.execute(query.execution_options(yield_per=2000)):
        if isinstance(actor, dict) and isinstance(actor.get("mbox"), str):
            seqs.append(seq)
            actors.append(actor)
            standing.append(target["id"] if not is_voided and target.get("objectType", "Activity") == "Activity"
                            else None)
    found = _users_for(actors)
    if user is not None:
        found = {index: user_id for index, user_id in found.items() if user_id == user.id}
    proven = _proven(set(found.values()))
    by_user: dict[int, list[int]] = {}
    changed = set()
    for index, user_id in found.items():
        if user_id in proven:
            by_user.setdefault(user_id, []).append(seqs[index])
            if standing[index] is not None:
                changed.add((user_id, standing[index]))
    for user_id, linked in by_user.items():
        for start in range(0, len(linked), 1000):
            db.session.execute(sa.update(Statement).where(Statement.seq.in_(linked[start:start + 1000]))
                               .values(user_id=user_id).execution_options(synchronize_session=False))
    db.session.flush()
    return changed


@invitation_accepted.connect
def _link_on_acceptance(user, **_) -> None:
    """Accepting an invitation proves the address: what content sent for it earlier now counts."""
    done = []
    for user_id, activity_iri in sorted(link_earlier_statements(user)):
        done += recompute_progress(user_id, activity_iri)
    _announce(done)


def _folded_statements():
    """The statements the projection folds: of a known person, neither voided nor voiding."""
    return (Statement.user_id.is_not(None), Statement.is_voided.is_(False), Statement.is_voiding.is_(False))


def statements_to_fold() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Statement).where(*_folded_statements()))


RECONCILE_BATCH = 500  # people per progress_rebuilt signal: what a receiver holds at once


@dataclass
class Rebuilt:
    """What rebuild_progress() did: projection rows written, and statements the receivers of progress_rebuilt
    recorded and voided (courses completed, or no longer supported)."""

    rows: int
    recorded: int = 0
    voided: int = 0


def rebuild_progress(progress=None) -> Rebuilt:
    """Throw the projection away and fold every statement again. Statements sent by e-mail address before the
    person's account existed are given to it first (see link_earlier_statements). ``progress(n)`` is told each
    time n more statements have been folded. Then the receivers of progress_rebuilt reconcile what follows from
    the projection (the course domain: a course's ``completed``), for every person whose progress names one of our
    courses, once per person and course, RECONCILE_BATCH people at a time.

    Statements stored meanwhile wait until the rebuild has committed (on PostgreSQL: the lock every writer holds
    shared from its stored time to its commit, taken whole), then fold into what it wrote: a writer that had
    read a row the rebuild replaced failed (a 500), and one that added a row the rebuild adds too failed it."""
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": STORED_LOCK})
    link_earlier_statements()
    db.session.execute(sa.delete(Progress))
    # one person at a time (their statements in the order they happened): what is held is one person's facts,
    # and the rows read ahead (500 statements parsed are some 1.5 MiB; 2,000 made the fold the rebuild's peak)
    query = (sa.select(Statement.user_id, Statement.data)
             .where(*_folded_statements())
             .order_by(Statement.user_id, HAPPENED, Statement.seq).execution_options(yield_per=500))
    courses = f"{v.base()}/activities/courses/"
    # by course: the ids of the people whose progress names it, ascending as the fold meets them (8 bytes each,
    # where a set of names per person took some 250: what the rebuild keeps grew with the number of people)
    people: dict[str, array] = {}
    rebuilt = Rebuilt(0)
    state: dict[str, Facts] = {}
    person = None

    def write() -> None:
        slugs = set()
        for activity_iri, facts in state.items():
            _save(person, activity_iri, facts, known=True)  # none left: no look, no flush before it
            if activity_iri.startswith(courses):
                slugs.add(activity_iri[len(courses):].split("/")[0])
        for slug in slugs:
            people.setdefault(slug, array("q")).append(person)
        rebuilt.rows += len(state)
        state.clear()

    folded = 0
    for user_id, statement in db.session.execute(query):
        if user_id != person:
            write()
            person = user_id
        target = statement["object"]
        if target.get("objectType", "Activity") == "Activity":
            fold(state.setdefault(target["id"], Facts()), statement)
        folded += 1
        if folded % 1000 == 0:
            db.session.flush()  # the rows written so far leave memory
            if progress is not None:
                progress(1000)
    write()
    if progress is not None and folded % 1000:
        progress(folded % 1000)
    db.session.flush()

    def reconcile(batch: dict[int, list[str]]) -> None:
        for _receiver, (recorded_now, voided_now) in progress_rebuilt.send(None, people=batch):
            rebuilt.recorded += recorded_now
            rebuilt.voided += voided_now
        db.session.flush()

    batch: dict[int, list[str]] = {}
    # (person, course) in the order of people, then of courses: each batch is {person: their courses, sorted}
    for user_id, slug in heapq.merge(*(zip(ids, repeat(slug)) for slug, ids in sorted(people.items()))):
        if user_id not in batch and len(batch) == RECONCILE_BATCH:
            reconcile(batch)
            batch = {}
        batch.setdefault(user_id, []).append(slug)
    if batch:
        reconcile(batch)
    return rebuilt


def has_statements(user: User) -> bool:
    """Whether the LRS holds statements about the person (sent by a client before they ever signed in, say)."""
    return db.session.scalar(sa.select(sa.exists().where(Statement.user_id == user.id)))


def progress_of(user: User, activity_iris: list[str]) -> dict[str, Progress]:
    """The projection rows of ``user`` for these activities, by IRI."""
    if not activity_iris:
        return {}
    keys = {activity_key(iri): iri for iri in activity_iris}
    rows = db.session.scalars(sa.select(Progress).where(Progress.user_id == user.id,
                                                        Progress.activity_key.in_(keys)))
    return {keys[row.activity_key]: row for row in rows}


def progress_of_people(user_ids: list[int], activity_iris: list[str]) -> dict[int, dict[str, Progress]]:
    """progress_of() of several people in one query: {user id: {IRI: row}}."""
    if not user_ids or not activity_iris:
        return {}
    keys = {activity_key(iri): iri for iri in activity_iris}
    found: dict[int, dict[str, Progress]] = {}
    for row in db.session.scalars(sa.select(Progress).where(among(Progress.user_id, user_ids),
                                                            among(Progress.activity_key, list(keys)))):
        found.setdefault(row.user_id, {})[keys[row.activity_key]] = row
    return found


def completions_of(activity_iris: list[str]) -> list[tuple[str, Progress]]:
    """Everyone's projection rows that say these activities were completed, in one query: (IRI, row)."""
    if not activity_iris:
        return []
    keys = {activity_key(iri): iri for iri in activity_iris}
    rows = db.session.scalars(sa.select(Progress).where(among(Progress.activity_key, list(keys)),
                                                        Progress.is_completed.is_(True)))
    return [(keys[row.activity_key], row) for row in rows]


@dataclass(frozen=True)
class Moment:
    """When a statement says something happened (happened_at()), the revision of the activity it names
    (context.revision), and whether Itinera recorded it (rather than outside content, whose revision is its own)."""

    timestamp: datetime
    revision: str | None
    by_itinera: bool


def moments_of(statement_ids) -> dict:
    """{statement id: Moment} of these statements (e.g. the ones the projection says first passed)."""
    ids = list({i for i in statement_ids if i})
    if not ids:
        return {}
    query = sa.select(Statement.id, Statement.timestamp, Statement.stored, Statement.data, Statement.client_id)
    return {row.id: Moment(min(row.timestamp, row.stored), (row.data.get("context") or {}).get("revision"),
                           row.client_id is None)
            for row in db.session.execute(query.where(among(Statement.id, ids)))}


# --- record(): the one way Itinera writes statements --------------------------------------------------

def recorded(user: User, verb: str, activity_iri: str) -> list[Statement]:
    """The standing statements Itinera recorded itself (not a client) with this verb about what ``user`` did to
    the activity, in the order they were stored."""
    return list(db.session.scalars(
        sa.select(Statement).join(StatementActivity, StatementActivity.statement_seq == Statement.seq)
        .where(Statement.user_id == user.id, StatementActivity.activity_key == activity_key(activity_iri),
               StatementActivity.is_direct.is_(True), Statement.verb_id == verb, Statement.client_id.is_(None),
               Statement.is_voided.is_(False))
        .order_by(Statement.seq)))


def void(statement: Statement) -> Statement:
    """Void a statement Itinera recorded (what it derived from others, which no longer holds): by Itinera's own
    authority, Itinera as the actor (the person voided nothing), stored like record()'s statements, so that the
    projection, forwarding and the receivers follow. Flushes, the caller commits. Returns the voiding statement."""
    if statement.client_id is not None:
        raise ValueError(f"statement {statement.id} was sent by a client: only that client may void it")
    data = {"actor": v.authority(), "verb": {"id": v.VOIDED, "display": v.VERB_DISPLAY[v.VOIDED]},
            "object": {"objectType": "StatementRef", "id": str(statement.id)}}
    [stored] = store([data], v.authority())
    return db.session.scalar(sa.select(Statement).where(Statement.id == stored.id))


def _tincan_statement(user: User, verb: str, activity_iri: str, result, context, registration) -> dict:
    """Build the statement with tincan objects, then take its JSON form. It carries no timestamp: what Itinera
    records happens as it is stored, so the LRS sets the timestamp to the stored time (a time read here, on
    another clock or a millisecond later, could fall after it)."""
    actor = Agent(account=AgentAccount(home_page=v.base(), name=str(user.uuid)))
    statement = TinCanStatement(
        actor=actor,
        verb=Verb(id=verb, display=LanguageMap(v.VERB_DISPLAY.get(verb, {"en-US": verb.rsplit("/", 1)[-1]}))),
        object=Activity(id=activity_iri),
    )
    if result is not None:
        statement.result = result if isinstance(result, Result) else Result(**_snake(result))
    if context is not None or registration is not None:
        statement.context = context if isinstance(context, Context) else Context(**_snake(context or {}))
        if registration is not None:
            statement.context.registration = str(registration)
        if statement.context.platform is None:
            statement.context.platform = v.PLATFORM
    data = json.loads(statement.to_json("1.0.3"))
    data.pop("version", None)
    return data


def _snake(values: dict) -> dict:
    """tincan takes snake_case keyword arguments for the camelCase JSON properties."""
    names = {"contextActivities": "context_activities"}
    return {names.get(key, key): value for key, value in values.items()}


def record(user: User, verb: str, activity_iri: str, *, result=None, context=None, registration=None,
           definition: dict | None = None) -> Statement:
    """Validate, store and project one statement about what ``user`` did; flushes, the caller commits.

    ``passed`` and ``completed`` are recorded once per user and activity: while the projection already says
    success (for ``passed``) or completed (for ``completed``), record() stores nothing and returns the statement
    with which that first became true. A retake after a failure is stored (it can make success true).
    ``definition`` (name, type, ...) describes the activity."""
    if verb in (v.COMPLETED, v.PASSED):
        key = activity_key(activity_iri)
        # the lock the projection takes anyway, taken before the look: of two requests completing the same
        # activity at once (a double tap), the second waits for the first and then finds it completed
        lock_for_write("xapi-progress", user.id)
        row = db.session.scalar(sa.select(Progress).where(Progress.user_id == user.id, Progress.activity_key == key))
        if verb == v.COMPLETED:
            earlier = row.completed_statement if row is not None and row.is_completed else None
        else:
            earlier = row.passed_statement if row is not None and row.success is True else None
        if earlier:
            return db.session.scalar(sa.select(Statement).where(Statement.id == earlier))
    data = _tincan_statement(user, verb, activity_iri, result, context, registration)
    if definition:
        data["object"]["definition"] = definition
    [stored] = store([data], v.authority())
    return db.session.scalar(sa.select(Statement).where(Statement.id == stored.id))

