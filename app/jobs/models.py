import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.db import UTCDateTime, utcnow
from app.extensions import db


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    RETRYING = "retrying"  # failed, another attempt is coming
    DONE = "done"
    FAILED = "failed"  # every attempt failed: an admin must look


class Job(db.Model):
    """A unit of background work, recorded so that a failure is never lost silently."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    func: so.Mapped[str] = so.mapped_column(sa.String(200))
    args: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    status: so.Mapped[JobStatus] = so.mapped_column(
        sa.Enum(JobStatus, native_enum=False, length=10, name="job_status",
                values_callable=lambda e: [m.value for m in e], create_constraint=True),
        default=JobStatus.QUEUED)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    max_attempts: so.Mapped[int] = so.mapped_column(default=4)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    started_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    __table_args__ = (
        # "is a job of this function waiting or running?", asked when statements are forwarded
        sa.Index("ix_job_func_status", "func", "status"),
        # jobs by status, and the sweep's done (or failed) jobs finished before a time: only those it deletes read
        sa.Index("ix_job_status_finished_at", "status", "finished_at"),
    )

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.func} {self.status}>"
