import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.db import UTCDateTime, utcnow
from app.extensions import db
from app.places.names import country_name, region_name
from app.text import search_key


class CountryGroup(enum.StrEnum):
    LATAM = "latam"  # programme countries in Latin America
    EU = "eu"  # EU member states, home of the European peers


class InstitutionLevel(enum.StrEnum):
    NATIONAL = "national"
    REGIONAL = "regional"
    LOCAL = "local"


class Country(db.Model):
    code: so.Mapped[str] = so.mapped_column(sa.String(2), primary_key=True)
    group: so.Mapped[CountryGroup] = so.mapped_column(
        sa.Enum(CountryGroup, native_enum=False, length=10, name="country_group",
                values_callable=lambda e: [m.value for m in e], create_constraint=True)
    )

    regions: so.WriteOnlyMapped["Region"] = so.relationship(back_populates="country")

    @property
    def name(self) -> str:
        return country_name(self.code)

    def __repr__(self) -> str:
        return f"<Country {self.code}>"


class Region(db.Model):
    code: so.Mapped[str] = so.mapped_column(sa.String(10), primary_key=True)
    country_code: so.Mapped[str] = so.mapped_column(sa.ForeignKey("country.code"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(80))

    country: so.Mapped[Country] = so.relationship(back_populates="regions")

    @property
    def name(self) -> str:
        return region_name(self.code, short=True)

    def __repr__(self) -> str:
        return f"<Region {self.code}>"


class Institution(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    name_key: so.Mapped[str] = so.mapped_column(sa.String(200), default="", server_default="")  # searched, ordered by
    country_code: so.Mapped[str] = so.mapped_column(sa.ForeignKey("country.code"), index=True)
    region_code: so.Mapped[str | None] = so.mapped_column(sa.ForeignKey("region.code"))
    level: so.Mapped[InstitutionLevel] = so.mapped_column(
        sa.Enum(InstitutionLevel, native_enum=False, length=10, name="institution_level",
                values_callable=lambda e: [m.value for m in e], create_constraint=True)
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    country: so.Mapped[Country] = so.relationship()
    region: so.Mapped[Region | None] = so.relationship()

    __table_args__ = (sa.UniqueConstraint("country_code", "name_key", name="uq_institution_country_name_key"),)

    def __repr__(self) -> str:
        return f"<Institution {self.id} {self.name!r}>"

    @so.validates("name")
    def _key_the_name(self, _attribute, value):
        self.name_key = search_key(value)
        return value
