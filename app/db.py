"""Declarative base shared by every model."""
from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# PostgreSQL's classes of errors that say "not now" rather than "not this": connection exceptions (08), a transaction
# to try again (40: serialization failure, deadlock), insufficient resources (53), a lock not available (55P03),
# the server shutting down or starting (57P; not 57014, a query the statement timeout cancelled: a slow page is ours
# to fix) and its system errors (58)
PASSING_SQLSTATES = ("08", "40", "53", "55P03", "57P", "58")
# of those, the two a request tries again at once, in itself (the LRS's store of a batch): the transaction lost a race
# with another, which has ended by then. The other passing ones are not retried there but answered 503, Retry-After:
# an outage (08, 53, 57P, 58) or a lock held (55P03) outlasts a request's wait, and of class 40, a constraint checked
# at commit (40002) fails again and a statement whose completion is unknown (40003) may have taken effect already
RETRY_AT_ONCE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock
# SQLite's: busy and locked (another writer), an I/O error, the file cannot be opened
PASSING_SQLITE_CODES = {5, 6, 10, 14}


def database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` says the database cannot be reached or asks to be tried again (down, restarting, busy),
    as opposed to refusing what was asked of it: the first passes, the second is a fault to fix."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError

    if isinstance(error, DisconnectionError) or (isinstance(error, DBAPIError) and error.connection_invalidated):
        return True
    if not isinstance(error, OperationalError):
        return False
    original = error.orig
    if isinstance(original, sqlite3.Error):
        return (getattr(original, "sqlite_errorcode", 0) & 0xFF) in PASSING_SQLITE_CODES
    sqlstate = getattr(original, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(PASSING_SQLSTATES)  # None: no connection to report one


def configure_sqlite(engine) -> None:
    """Foreign keys on, and WAL so the development server's threads do not block each other."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if engine.url.database and engine.url.database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def savepoint_ending(session) -> bool:
    """In an after_commit or after_rollback listener: whether what ends is a savepoint (SQLAlchemy fires both for
    one), inside a transaction that goes on and may yet roll back."""
    return session.in_nested_transaction()


def among(column, values):
    """``column IN values`` that PostgreSQL sees as one constant statement (``= ANY(array)``), whatever the
    number of values: the server and psycopg can then reuse its parsed form."""
    from sqlalchemy import any_, bindparam
    from sqlalchemy.dialects.postgresql import ARRAY

    from app.extensions import db

    values = list(values)
    if db.engine.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


SWEEP_LIMIT = 500  # rows a sweep deletes at a time, beside the work that runs it


def sweep_due(name: str) -> bool:
    """Whether this process may run the sweep ``name`` now: once every SWEEP_SECONDS at most (0: each time), as the
    work that runs it is someone's request (a sweep that finds nothing due reads only its index, a few ms at most,
    but one that finds a backlog deletes up to SWEEP_LIMIT rows); `flask purge`, by cron, does the rest."""
    import time

    from flask import current_app

    seconds = current_app.config["SWEEP_SECONDS"]
    now, next_at = time.monotonic(), current_app.extensions.setdefault("itinera_sweeps", {})
    if seconds and next_at.get(name, now) > now:
        return False
    next_at[name] = now + seconds
    return True


def delete_some(model, *where, oldest_first=None, limit: int | None = SWEEP_LIMIT) -> int:
    """Delete the rows of ``model`` that match ``where``, at most ``limit`` of them (None: all), and on PostgreSQL
    none that another transaction holds (it may be changing them; a later sweep takes them): what the work that
    adds rows does, in its transaction, to forget old ones without waiting. Returns how many went.

    ``oldest_first``: the time column of an index that ``where`` reads in one range (after equal columns): the
    rows go in its order, which the index gives, so that a sweep reads only what it deletes whatever the planner
    guesses of how many are due (PostgreSQL, asked for the lowest ids, read them all through the primary key when
    it guessed some were due among the first, and none was). Else in the order of their ids."""
    import sqlalchemy as sa

    from app.extensions import db

    ids = sa.select(model.id).where(*where).order_by(oldest_first if oldest_first is not None else model.id) \
        .limit(limit)
    if db.engine.dialect.name == "postgresql":
        ids = ids.with_for_update(skip_locked=True)
    return db.session.execute(sa.delete(model).where(model.id.in_(ids.scalar_subquery()))
                              .execution_options(synchronize_session=False)).rowcount


def commit_once_more_on_conflict(work):
    """Run ``work()`` (a service call that flushes) and commit. When another transaction committed the same
    unique value first (a double submit: the same e-mail address twice at once), roll back and run it once
    more: the second run sees the other's row, and the service refuses it as it refuses any duplicate, with its
    own words (a ValidationError), instead of an error page."""
    from flask import current_app
    from sqlalchemy.exc import IntegrityError

    from app.extensions import db

    try:
        result = work()
        db.session.commit()
        return result
    except IntegrityError as error:
        db.session.rollback()
        current_app.logger.info("a concurrent change got there first, trying once more: %s", error.orig)
    result = work()
    db.session.commit()
    return result


def revision_of(shown: dict) -> str:
    """A short fingerprint of what an edit form shows of a record: the form carries it (a hidden field), so
    that a save whose form was opened on other values is refused instead of silently overwriting them."""
    import hashlib
    import json

    return hashlib.sha256(json.dumps(shown, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()[:16]


def hold_row(record) -> None:
    """Hold ``record``'s row for writing until the transaction ends (another request changing it waits until
    then), and read it again. An update of nothing, not SELECT ... FOR UPDATE, so that SQLite, which has no row
    locks, takes its write lock here too (and every other writer waits). On PostgreSQL a row added meanwhile that
    refers to this one does not wait (its foreign key check only shares the key): a delete then fails on that key,
    which its caller handles (commit_once_more_on_conflict).

    A record another request deleted meanwhile (it committed first, or while this one waited) is not found: 404,
    the answer its page now gives, instead of an error on its first attribute read."""
    import sqlalchemy as sa
    from flask import abort

    from app.extensions import db

    mapper = sa.inspect(record).mapper
    [key] = mapper.primary_key
    held = db.session.execute(sa.update(mapper.class_).where(key == mapper.primary_key_from_instance(record)[0])
                              .values({key.key: key}).execution_options(synchronize_session=False)).rowcount
    db.session.expire(record)
    if held == 0:
        db.session.expunge(record)
        abort(404)


def check_revision(record, revision: str | None, shown) -> None:
    """Refuse (EditConflict) an edit of ``record`` whose form was opened on values other than those it has now
    (``shown(record)``, compared by revision_of); ``revision`` None (no form, or a request without it): no
    comparison. The record's row is held first (hold_row) either way, so two editors saving at the same moment
    take turns, the second is compared with what the first saved, and an edit of a record deleted meanwhile is
    told 404 instead of failing on a row that is gone."""
    from app.errors import EditConflict

    hold_row(record)
    if revision is None:
        return
    current = revision_of(shown(record))
    if revision != current:
        raise EditConflict(current)


# "doc", "prg", "val", "onc", "sas", "vod", "adm": the first key of each kind
LOCK_SPACES = {"xapi-document": 0x646F63, "xapi-progress": 0x707267, "level-validation": 0x76616C,
               "form-once": 0x6F6E63, "self-assessment": 0x736173, "xapi-voiding": 0x766F64, "last-admin": 0x61646D,
               "course-sync": 0x637273}
_HELD = "itinera_locks_held"


def lock_keys(space: str, names, shared: bool = False) -> list[int]:
    """The PostgreSQL advisory lock keys (second halves) of ``names`` that this transaction does not hold yet, in
    the one order everyone takes them: a whole number that fits is its own key, anything else a hash. (A
    shared lock is held already where the lock itself is.)"""
    import hashlib

    from app.extensions import db

    held = db.session.info.get(_HELD, set())
    keys = {name if isinstance(name, int) and -2**31 <= name < 2**31 else
            int.from_bytes(hashlib.sha256(str(name).encode()).digest()[:4], "big", signed=True) for name in names}
    return sorted(key for key in keys if (space, key) not in held and not (shared and (space, key, True) in held))


def locks_taken(space: str, keys, shared: bool = False) -> None:
    """Note that this transaction holds these advisory locks (until it ends)."""
    from app.extensions import db

    db.session.info.setdefault(_HELD, set()).update((space, key, True) if shared else (space, key) for key in keys)


def lock_for_write(space: str, *names, shared: bool = False) -> None:
    """Hold a lock on each of ``names`` (strings, or whole numbers such as row ids) until this transaction
    ends, so that two requests that read something and then write it from what they read (merge a document,
    fold statements into a person's progress) take turns instead of the later one overwriting the other's change.

    PostgreSQL: transaction-scoped advisory locks on (space, the number or a hash of the name), taken in one
    order by everyone, in one round trip (none for locks this transaction holds already). ``shared``: many
    transactions hold a shared lock at once, and one that wants it whole waits for them all (they, for it); a
    transaction that will want it whole takes it whole from the start (two that held it shared and then both
    asked for it whole would wait for each other). SQLite has one writer at a time: the transaction starts as a
    writer (BEGIN IMMEDIATE) unless it has written already, which holds that lock anyway."""
    import sqlalchemy as sa

    from app.extensions import db

    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        keys = lock_keys(space, names, shared)
        if keys:
            function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
            connection.execute(sa.text(f"SELECT count({function}(:space, key)) "
                                       "FROM unnest(CAST(:keys AS integer[])) AS key"),
                               {"space": LOCK_SPACES[space], "keys": keys})
            locks_taken(space, keys, shared)
    elif connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        if not raw.in_transaction:
            raw.execute("BEGIN IMMEDIATE")


def _forget_locks(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_HELD, None)


def listen_for_lock_release() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_transaction_end", _forget_locks):
        event.listen(Session, "after_transaction_end", _forget_locks)


listen_for_lock_release()
