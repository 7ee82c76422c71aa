from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.auth.models import User
from app.db import UTCDateTime, utcnow
from app.extensions import db

# Translated texts are stored as {locale: text} (es, pt_BR, en).


class Framework(db.Model):
    """The lasting identity of a framework (its slug is in every competence IRI); content lives in versions."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(60), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    versions: so.Mapped[list["FrameworkVersion"]] = so.relationship(
        back_populates="framework", order_by="FrameworkVersion.number", cascade="all, delete-orphan")

    @property
    def current(self) -> "FrameworkVersion | None":
        return next((v for v in self.versions if v.is_current), None)


class FrameworkVersion(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    framework_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("framework.id", ondelete="CASCADE"))
    number: so.Mapped[int] = so.mapped_column()
    is_current: so.Mapped[bool] = so.mapped_column(default=True)
    title: so.Mapped[dict] = so.mapped_column(sa.JSON)
    description: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    valid_from: so.Mapped[date | None] = so.mapped_column(sa.Date)
    valid_until: so.Mapped[date | None] = so.mapped_column(sa.Date)
    source: so.Mapped[str] = so.mapped_column(sa.String(300), default="")  # e.g. "courses/_frameworks/s3.yaml"
    edited_from: so.Mapped[int | None] = so.mapped_column()  # the number of the version an edit copied
    sources: so.Mapped[list] = so.mapped_column(sa.JSON, default=list, server_default=sa.text("'[]'"))  # what it was written from: [{title, ...}]
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    framework: so.Mapped[Framework] = so.relationship(back_populates="versions")
    levels: so.Mapped[list["ProficiencyLevel"]] = so.relationship(
        back_populates="version", order_by="ProficiencyLevel.number", cascade="all, delete-orphan")
    areas: so.Mapped[list["Area"]] = so.relationship(
        back_populates="version", order_by="Area.position", cascade="all, delete-orphan")
    competences: so.Mapped[list["Competence"]] = so.relationship(
        back_populates="version", order_by="Competence.position", cascade="all, delete-orphan")
    created_by: so.Mapped[User | None] = so.relationship()

    __table_args__ = (sa.UniqueConstraint("framework_id", "number", name="uq_framework_version_number"),)


class ProficiencyLevel(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("framework_version.id", ondelete="CASCADE"))
    number: so.Mapped[int] = so.mapped_column()
    name: so.Mapped[dict] = so.mapped_column(sa.JSON)
    descriptor: so.Mapped[dict] = so.mapped_column(sa.JSON)

    version: so.Mapped[FrameworkVersion] = so.relationship(back_populates="levels")

    __table_args__ = (sa.UniqueConstraint("version_id", "number", name="uq_proficiency_level_number"),)


class Area(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("framework_version.id", ondelete="CASCADE"))
    code: so.Mapped[str] = so.mapped_column(sa.String(20))
    position: so.Mapped[int] = so.mapped_column(default=0)
    title: so.Mapped[dict] = so.mapped_column(sa.JSON)

    version: so.Mapped[FrameworkVersion] = so.relationship(back_populates="areas")
    competences: so.Mapped[list["Competence"]] = so.relationship(back_populates="area",
                                                                 order_by="Competence.position")

    __table_args__ = (sa.UniqueConstraint("version_id", "code", name="uq_area_code"),)


class Competence(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("framework_version.id", ondelete="CASCADE"))
    area_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("area.id", ondelete="CASCADE"))
    code: so.Mapped[str] = so.mapped_column(sa.String(20))
    position: so.Mapped[int] = so.mapped_column(default=0)
    title: so.Mapped[dict] = so.mapped_column(sa.JSON)
    knowledge: so.Mapped[dict] = so.mapped_column(sa.JSON)
    skills: so.Mapped[dict] = so.mapped_column(sa.JSON)
    attitudes: so.Mapped[dict] = so.mapped_column(sa.JSON)  # attitudes and values
    validity_months: so.Mapped[int | None] = so.mapped_column()  # how long an achieved level stays valid
    targets: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)  # suggested level per position
    alignments: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)  # [{framework, code, uri, name}]

    version: so.Mapped[FrameworkVersion] = so.relationship(back_populates="competences")
    area: so.Mapped[Area] = so.relationship(back_populates="competences")

    __table_args__ = (sa.UniqueConstraint("version_id", "code", name="uq_competence_code"),)


class FrameworkChange(db.Model):
    """One change to a framework, for its history: an edit of a level, an area or a competence (only the fields
    that changed, each with its value before and after: a translated text per language), a file imported as a
    version, or a version made by an edit as a copy of one something was built on. Kept for good (the audit trail
    of a public programme's framework); the account that made it is forgotten with the account (SET NULL)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    framework_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("framework.id", ondelete="CASCADE"), index=True)
    version_number: so.Mapped[int] = so.mapped_column()  # the version changed (or made)
    changed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))  # "competence", "level", "area", "import", "new version"
    key: so.Mapped[str] = so.mapped_column(sa.String(20), default="")  # the part's code or number; "" for a version
    # [{"field", "key" (a text's language, a target's position; absent for a whole value), "before", "after"}]
    changes: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)

    actor: so.Mapped[User | None] = so.relationship()


class FrameworkUse(db.Model):
    """Something built on a framework version (a plan, an itinerary, a course version): while such a use
    exists, editing that version makes a new one, and the user keeps the version it was built on."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("framework_version.id", ondelete="CASCADE"),
                                                  index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(30))  # "plan", "itinerary", "course"
    reference: so.Mapped[str] = so.mapped_column(sa.String(200))  # e.g. "s3-foundations@1"
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    version: so.Mapped[FrameworkVersion] = so.relationship()

    __table_args__ = (sa.UniqueConstraint("kind", "reference", name="uq_framework_use_kind_reference"),)


class ValidatedLevel(db.Model):
    """A level of a competence that a coordinator (or admin) has validated for a person."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    framework_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("framework.id", ondelete="CASCADE"))
    code: so.Mapped[str] = so.mapped_column(sa.String(20))
    level: so.Mapped[int] = so.mapped_column()
    validated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    validated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    withdrawn_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    framework: so.Mapped[Framework] = so.relationship()
    validated_by: so.Mapped[User | None] = so.relationship(foreign_keys=[validated_by_id])


class SelfAssessment(db.Model):
    """A person's own estimate of their level; the latest one counts. A row without a level withdraws the
    estimates before it (the person answered "Not sure"): they stay as history."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    framework_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("framework.id", ondelete="CASCADE"))
    code: so.Mapped[str] = so.mapped_column(sa.String(20))
    level: so.Mapped[int | None] = so.mapped_column()
    assessed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    framework: so.Mapped[Framework] = so.relationship()
