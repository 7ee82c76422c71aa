import enum
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.db import UTCDateTime, utcnow
from app.extensions import db

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite only auto-increments INTEGER keys


class Statement(db.Model):
    """One stored xAPI statement: the full JSON, plus the columns the query filters need."""

    __tablename__ = "xapi_statement"

    seq: so.Mapped[int] = so.mapped_column(BigId, primary_key=True, autoincrement=True)
    id: so.Mapped[UUID] = so.mapped_column(sa.Uuid, unique=True)
    stored: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    timestamp: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    verb_id: so.Mapped[str] = so.mapped_column(sa.String(2048))
    registration: so.Mapped[UUID | None] = so.mapped_column(sa.Uuid)
    is_voided: so.Mapped[bool] = so.mapped_column(default=False)
    is_voiding: so.Mapped[bool] = so.mapped_column(default=False)
    ref_id: so.Mapped[UUID | None] = so.mapped_column(sa.Uuid)  # the target of a StatementRef object
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    client_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("lrs_client.id", ondelete="SET NULL"))
    data: so.Mapped[dict] = so.mapped_column(sa.JSON)

    # Few indexes, each cheap to keep up at thousands of inserts a second: a BRIN index for the stored time
    # (rows arrive in stored order) and partial indexes that skip the rows without a value.
    __table_args__ = (
        sa.Index("ix_xapi_statement_verb_seq", "verb_id", "seq"),
        sa.Index("ix_xapi_statement_registration_seq", "registration", "seq",
                 postgresql_where=sa.text("registration IS NOT NULL"), sqlite_where=sa.text("registration IS NOT NULL")),
        sa.Index("ix_xapi_statement_stored", "stored", postgresql_using="brin"),
        sa.Index("ix_xapi_statement_ref_id", "ref_id", postgresql_where=sa.text("ref_id IS NOT NULL"),
                 sqlite_where=sa.text("ref_id IS NOT NULL")),
        sa.Index("ix_xapi_statement_user_id", "user_id", postgresql_where=sa.text("user_id IS NOT NULL"),
                 sqlite_where=sa.text("user_id IS NOT NULL")),
        # a client that reads back only its own statements: its newest first, not a scan of everyone's
        sa.Index("ix_xapi_statement_client_seq", "client_id", "seq", postgresql_where=sa.text("client_id IS NOT NULL"),
                 sqlite_where=sa.text("client_id IS NOT NULL")),
    )

    def __repr__(self) -> str:
        return f"<Statement {self.id}>"


class StatementAgent(db.Model):
    """An Agent or identified Group a statement mentions; ``is_direct`` when it is the actor or object (or a
    member of a Group that is), otherwise authority, instructor, team or inside a SubStatement."""

    __tablename__ = "xapi_statement_agent"

    agent_key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    statement_seq: so.Mapped[int] = so.mapped_column(
        BigId, sa.ForeignKey("xapi_statement.seq", ondelete="CASCADE"), primary_key=True)
    is_direct: so.Mapped[bool] = so.mapped_column(default=False)

    # on SQLite the rows themselves are kept in key order (as in the index of a rowid table, which then pointed to
    # its row elsewhere for is_direct): listing an agent's direct statements reads them in one range
    __table_args__ = {"sqlite_with_rowid": False}


class StatementActivity(db.Model):
    """An Activity a statement mentions; ``is_direct`` when it is the statement's object."""

    __tablename__ = "xapi_statement_activity"

    activity_key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    statement_seq: so.Mapped[int] = so.mapped_column(
        BigId, sa.ForeignKey("xapi_statement.seq", ondelete="CASCADE"), primary_key=True)
    is_direct: so.Mapped[bool] = so.mapped_column(default=False)

    __table_args__ = {"sqlite_with_rowid": False}  # as StatementAgent's


class ClientScope(enum.StrEnum):
    READ = "read"
    READ_WRITE = "read_write"
    WRITE_OWN = "write_own"  # writes, and reads back only the statements it wrote (xAPI's statements/read/mine)


class LrsClient(db.Model):
    """Credentials for an outside xAPI client (HTTP Basic): a public key and a secret kept only as a keyed hash."""

    __tablename__ = "lrs_client"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    key: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    secret_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    scope: so.Mapped[ClientScope] = so.mapped_column(
        sa.Enum(ClientScope, native_enum=False, length=12, name="client_scope",
                values_callable=lambda e: [m.value for m in e], create_constraint=True),
        default=ClientScope.READ_WRITE)
    max_request_bytes: so.Mapped[int | None] = so.mapped_column()  # None: the site's default
    rate_limit: so.Mapped[str | None] = so.mapped_column(sa.String(100))  # e.g. "600 per minute"; None: none
    # the IRIs the activities it writes about start with, one per line; None: any activity but ours (those under
    # BASE/activities/ are reached only by a line naming them)
    activity_prefixes: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    @property
    def can_write(self) -> bool:
        return self.scope in (ClientScope.READ_WRITE, ClientScope.WRITE_OWN)

    @property
    def reads_own(self) -> bool:
        return self.scope is ClientScope.WRITE_OWN

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def reach(self) -> tuple[str, ...]:
        """The starts of the activity IRIs it may write statements and documents about; empty: any but ours."""
        return tuple((self.activity_prefixes or "").splitlines())


class Progress(db.Model):
    """What the statements say about one user and one activity (the progress projection of CONTRACTS.md)."""

    __tablename__ = "xapi_progress"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    activity_iri: so.Mapped[str] = so.mapped_column(sa.String(2048))
    activity_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    is_completed: so.Mapped[bool] = so.mapped_column(default=False)
    success: so.Mapped[bool | None] = so.mapped_column()
    best_scaled: so.Mapped[float | None] = so.mapped_column(sa.Float)
    # what decides ``success``: the success of the best-scored statement, else whether any statement succeeded
    best_scaled_success: so.Mapped[bool | None] = so.mapped_column()
    any_success: so.Mapped[bool | None] = so.mapped_column()
    completed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())  # first completion
    first_seen_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    last_seen_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    completed_statement: so.Mapped[UUID | None] = so.mapped_column(sa.Uuid)
    passed_statement: so.Mapped[UUID | None] = so.mapped_column(sa.Uuid)

    __table_args__ = (sa.UniqueConstraint("user_id", "activity_key", name="uq_xapi_progress_user_activity"),
                      sa.Index("ix_xapi_progress_activity", "activity_key"))


class DocumentKind(enum.StrEnum):
    STATE = "state"
    ACTIVITY_PROFILE = "activity_profile"
    AGENT_PROFILE = "agent_profile"


class Document(db.Model):
    """A document of the State, Activity Profile or Agent Profile resource."""

    __tablename__ = "xapi_document"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[DocumentKind] = so.mapped_column(
        sa.Enum(DocumentKind, native_enum=False, length=20, name="document_kind",
                values_callable=lambda e: [m.value for m in e], create_constraint=True))
    # the hash of (kind, activity, agent, registration): documents of one scope are listed together
    scope_key: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    document_key: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)  # scope and document id
    document_id: so.Mapped[str] = so.mapped_column(sa.String(2048))
    activity_id: so.Mapped[str | None] = so.mapped_column(sa.String(2048))
    agent_key: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    registration: so.Mapped[UUID | None] = so.mapped_column(sa.Uuid)
    content: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    content_type: so.Mapped[str] = so.mapped_column(sa.String(255))
    etag: so.Mapped[str] = so.mapped_column(sa.String(40))  # SHA-1 hex of the content
    updated: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    # the client that created it (None: stored before 2026-12-07, or its client deleted): a client that reads back
    # only its own statements reads and changes only the documents it created
    client_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("lrs_client.id", ondelete="SET NULL"))

    __table_args__ = (sa.Index("ix_xapi_document_agent", "agent_key"),)


class Attachment(db.Model):
    """The content of a statement attachment, stored once per SHA-2 hash."""

    __tablename__ = "xapi_attachment"

    sha2: so.Mapped[str] = so.mapped_column(sa.String(128), primary_key=True)
    content_type: so.Mapped[str] = so.mapped_column(sa.String(255))
    content: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)


class ActivityDefinition(db.Model):
    """The LRS's canonical definition of an activity, merged from the statements that describe it."""

    __tablename__ = "xapi_activity"

    activity_key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    activity_id: so.Mapped[str] = so.mapped_column(sa.String(2048))
    definition: so.Mapped[dict] = so.mapped_column(sa.JSON)
    updated: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ForwardQueue(db.Model):
    """Statements waiting to be sent to the external LRS (XAPI_FORWARD_URL): written in the same transaction
    as the statement, marked sent only once the remote LRS has accepted it (or failed when it refused it)."""

    __tablename__ = "xapi_forward_queue"

    id: so.Mapped[int] = so.mapped_column(BigId, primary_key=True, autoincrement=True)
    statement_seq: so.Mapped[int] = so.mapped_column(
        BigId, sa.ForeignKey("xapi_statement.seq", ondelete="CASCADE"), unique=True)
    queued_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # when the remote refused this statement on its own (400, 413, 422): not sent again until an admin says so
    failed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)

    __table_args__ = (sa.Index("ix_xapi_forward_queue_pending", "sent_at", "id"),)
