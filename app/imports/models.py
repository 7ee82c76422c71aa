import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.auth.models import User
from app.cohorts.models import Cohort  # noqa: F401  (relationship target)
from app.places.models import Country
from app.db import UTCDateTime, utcnow
from app.extensions import db


class BatchStatus(enum.StrEnum):
    PREVIEW = "preview"
    IMPORTED = "imported"


class ImportBatch(db.Model):
    """An uploaded file, parsed and checked, waiting for confirmation (or already imported); its rows are dropped
    some days later (``purged_at``)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    country_code: so.Mapped[str] = so.mapped_column(sa.ForeignKey("country.code"), index=True)
    cohort_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("cohort.id", ondelete="SET NULL"))
    send_invitations: so.Mapped[bool] = so.mapped_column(default=True)
    filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    rows: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)  # as read: [{"line": n, "email": ...}]
    problems: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)  # [{"line", "field", "code", "params"}]
    # what the file held and the import leaves out on purpose (hidden sheets, filtered rows): [{"code", "params"}]
    notes: so.Mapped[list] = so.mapped_column(sa.JSON, default=list, server_default="[]")
    status: so.Mapped[BatchStatus] = so.mapped_column(
        sa.Enum(BatchStatus, native_enum=False, length=10, name="batch_status",
                values_callable=lambda e: [m.value for m in e], create_constraint=True),
        default=BatchStatus.PREVIEW)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    imported_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    imported_count: so.Mapped[int] = so.mapped_column(default=0)
    # when the file's rows and problems were dropped, IMPORT_PREVIEW_DAYS after the upload (never imported) or the
    # import: the record of the upload, and of the import if any, stays (purge_expired)
    purged_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    created_by: so.Mapped[User | None] = so.relationship()
    cohort: so.Mapped["Cohort | None"] = so.relationship()
    country: so.Mapped[Country] = so.relationship()


class ImportedPerson(db.Model):
    """An account an import created: the import's people are found by it, not by the addresses of its file (gone
    once its rows are purged; and an address of a removed account may be anyone's since)."""

    batch_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("import_batch.id", ondelete="CASCADE"),
                                                primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)
