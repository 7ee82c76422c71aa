import math
import uuid
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.competences.models import FrameworkVersion
from app.db import UTCDateTime, utcnow
from app.extensions import db


class Course(db.Model):
    """A course's lasting identity: its slug is in every activity IRI; content lives in versions."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    is_published: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())  # in the catalogue
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    versions: so.Mapped[list["CourseVersion"]] = so.relationship(
        back_populates="course", order_by="CourseVersion.version", cascade="all, delete-orphan")

    @property
    def current(self) -> "CourseVersion | None":
        return next((v for v in self.versions if v.is_current), None)


class CourseVersion(db.Model):
    """One version of a course, as synced from ``courses/<slug>/``; never changed afterwards."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    version: so.Mapped[int] = so.mapped_column()
    content_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    is_current: so.Mapped[bool] = so.mapped_column(default=True)
    title: so.Mapped[dict] = so.mapped_column(sa.JSON)
    summary: so.Mapped[dict] = so.mapped_column(sa.JSON)
    audience: so.Mapped[list] = so.mapped_column(sa.JSON)
    estimated_hours: so.Mapped[float] = so.mapped_column(sa.Float)
    locales: so.Mapped[list] = so.mapped_column(sa.JSON)
    framework_slug: so.Mapped[str | None] = so.mapped_column(sa.String(60))
    framework_version_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("framework_version.id", ondelete="SET NULL"))
    path: so.Mapped[str] = so.mapped_column(sa.String(300))  # the folder it was synced from, under courses/
    synced_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    course: so.Mapped[Course] = so.relationship(back_populates="versions")
    framework_version: so.Mapped[FrameworkVersion | None] = so.relationship()  # the one it was synced against
    modules: so.Mapped[list["Module"]] = so.relationship(
        back_populates="course_version", order_by="Module.position", cascade="all, delete-orphan")
    assets: so.Mapped[list["CourseAsset"]] = so.relationship(
        back_populates="course_version", order_by="CourseAsset.path", cascade="all, delete-orphan")

    __table_args__ = (sa.UniqueConstraint("course_id", "version", name="uq_course_version_number"),)

    @property
    def hours(self) -> float | None:
        """The estimated hours, or None where a version synced before they were checked holds no finite number."""
        hours = self.estimated_hours
        return hours if hours is not None and math.isfinite(hours) and hours >= 0 else None


class AssetBlob(db.Model):
    """The bytes of an asset file, stored once however many course versions carry it."""

    sha256: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)


class CourseAsset(db.Model):
    """A file of a course version's assets/ folder, kept with the version: what learners saw under a version,
    and what a certificate was earned on, never changes when the files on disk do."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course_version.id", ondelete="CASCADE"))
    path: so.Mapped[str] = so.mapped_column(sa.String(300))  # inside assets/, e.g. "figures/map.svg"
    sha256: so.Mapped[str] = so.mapped_column(sa.ForeignKey("asset_blob.sha256"))
    size: so.Mapped[int] = so.mapped_column()
    media_type: so.Mapped[str] = so.mapped_column(sa.String(100))
    # an image's size in CSS pixels, as its file says (None for other files, or when it does not say): written on
    # the page's <img>, so the text does not jump as the image arrives on a slow link
    width: so.Mapped[int | None] = so.mapped_column()
    height: so.Mapped[int | None] = so.mapped_column()

    course_version: so.Mapped[CourseVersion] = so.relationship(back_populates="assets")

    __table_args__ = (sa.UniqueConstraint("course_version_id", "path", name="uq_course_asset_path"),)


class Module(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course_version.id", ondelete="CASCADE"))
    slug: so.Mapped[str] = so.mapped_column(sa.String(80))
    position: so.Mapped[int] = so.mapped_column()
    duration: so.Mapped[int] = so.mapped_column()  # minutes
    competences: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)  # [[code, level], ...]
    completion: so.Mapped[str | None] = so.mapped_column(sa.String(20))  # viewed, quiz, assignment, workshop
    texts: so.Mapped[dict] = so.mapped_column(sa.JSON)  # locale -> {title, objectives, body}

    course_version: so.Mapped[CourseVersion] = so.relationship(back_populates="modules")

    __table_args__ = (sa.UniqueConstraint("course_version_id", "slug", name="uq_module_slug"),)

    @property
    def rule(self) -> str | None:
        """The completion rule in force. A module without one is optional, unless its course version gives no
        module a rule: such a course is read, each module completed by reading it (``viewed``)."""
        if self.completion or any(m.completion for m in self.course_version.modules):
            return self.completion
        return "viewed"


class Enrolment(db.Model):
    """A person taking a course: its registration UUID goes into every statement of this course."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    registration: so.Mapped[uuid.UUID] = so.mapped_column(sa.Uuid, unique=True, default=uuid.uuid4)
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    last_module: so.Mapped[str | None] = so.mapped_column(sa.String(80))  # where to resume
    last_seen_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    course: so.Mapped[Course] = so.relationship()

    __table_args__ = (sa.UniqueConstraint("user_id", "course_id", name="uq_enrolment_user_course"),)
