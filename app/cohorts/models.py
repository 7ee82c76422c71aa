from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.auth.models import User
from app.db import UTCDateTime, utcnow
from app.extensions import db
from app.places.models import Country
from app.text import search_key


class Cohort(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    name_key: so.Mapped[str] = so.mapped_column(sa.String(200), default="", server_default="")  # searched, ordered by
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    country_code: so.Mapped[str] = so.mapped_column(sa.ForeignKey("country.code"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    country: so.Mapped[Country] = so.relationship()
    memberships: so.Mapped[list["CohortMember"]] = so.relationship(
        back_populates="cohort", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("country_code", "name_key", name="uq_cohort_country_name_key"),)

    @so.validates("name")
    def _key_the_name(self, _attribute, value):
        self.name_key = search_key(value)
        return value


class CohortMember(db.Model):
    cohort_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)
    added_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    cohort: so.Mapped[Cohort] = so.relationship(back_populates="memberships")
    user: so.Mapped[User] = so.relationship()
