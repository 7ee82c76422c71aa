import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.db import UTCDateTime, utcnow
from app.extensions import db


class Notification(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    data: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    read_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # SQLAlchemy matches the ids an INSERT of many rows returns to them by this column (filled only then), so that
    # SQLite too writes notify_many's rows a thousand in a statement rather than one by one (as User.uuid)
    _sentinel: so.Mapped[int | None] = so.orm_insert_sentinel()

    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at"),)


class NotificationPreference(db.Model):
    """Whether a user wants e-mail for one kind of notification (in-app ones are always kept)."""

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    email: so.Mapped[bool] = so.mapped_column(default=True)


class MailStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"  # handed to the SMTP server
    LOGGED = "logged"  # no mail server configured: written to the log and kept here
    FAILED = "failed"
    # not sent: the account was deactivated or removed, or its address changed, before the message went out
    CANCELLED = "cancelled"


class OutboxMessage(db.Model):
    """Every e-mail Itinera sends. The body is kept only while it has not been handed to an SMTP server."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    to_address: so.Mapped[str] = so.mapped_column(sa.String(254))
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    body: so.Mapped[str | None] = so.mapped_column(sa.Text)
    locale: so.Mapped[str] = so.mapped_column(sa.String(10), default="en")
    status: so.Mapped[MailStatus] = so.mapped_column(
        sa.Enum(MailStatus, native_enum=False, length=10, name="mail_status",
                values_callable=lambda e: [m.value for m in e], create_constraint=True),
        default=MailStatus.QUEUED)
    error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, index=True)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    _sentinel: so.Mapped[int | None] = so.orm_insert_sentinel()  # as Notification._sentinel

    # messages by status, and the sweep's (purge_outbox) of each status created before a time: only those it reads
    __table_args__ = (sa.Index("ix_outbox_message_status_created_at", "status", "created_at"),)
