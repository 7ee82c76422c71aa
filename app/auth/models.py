import enum
import re
import unicodedata
from uuid import UUID, uuid4
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, session
from flask_login import UserMixin, user_loaded_from_cookie
from werkzeug.security import check_password_hash, generate_password_hash

from app.db import UTCDateTime, utcnow
from app.extensions import db, login_manager
from app.places.models import Country, Institution, Region
from app.text import INVISIBLE, search_key


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    TRAINER = "trainer"
    TRAINEE = "trainee"


class Position(enum.StrEnum):
    MANAGER = "manager"
    TECHNICIAN = "technician"


def _enum(cls, name):
    return sa.Enum(cls, native_enum=False, length=20, name=name,
                   values_callable=lambda e: [m.value for m in e], create_constraint=True)


def normalise_email(email: str) -> str:
    """An address as it is stored, compared and looked up: without the invisible characters a paste or a file may
    bring (Unicode's format characters: zero-width space, byte order mark, soft hyphen, direction marks...), the
    spaces around it (no-break ones too), with compatibility characters as their plain ones (NFKC: the full-width
    letters, digits, @ and dots of an East Asian keyboard, ligatures such as ﬁ), and in lower case. As IDNA reads
    a domain, ＡＮＡ＠ｅｘａｍｐｌｅ。ｏｒｇ is ana@example.org; ß stays ß (straße and strasse are two addresses)."""
    visible = "".join(c for c in email if unicodedata.category(c) != "Cf")
    plain = unicodedata.normalize("NFKC", visible).translate(_IDEOGRAPHIC_STOP)
    return unicodedata.normalize("NFKC", plain.strip().lower())


_IDEOGRAPHIC_STOP = {0x3002: "."}  # the dot of a Chinese or Japanese keyboard, a label separator in IDNA


# Something@domain.tld: the one check of an address's form, used by the account form and the trainee import alike
# (delivery is the real test), after normalise_email. No space, control or other invisible character, nor what
# separates or quotes addresses in a mail header (a comma typed for a dot, "ana,perez@ex.test", would send the
# account's links to perez@ex.test); dots only between characters of the local part; a domain of labels of
# letters, digits and inner hyphens (any script: ñandú.org), the last one not a number.
_ATOM = r'[^@\s\x00-\x1f\x7f,;<>()\[\]\\".]+'
EMAIL = re.compile(rf"(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?P<domain>{_ATOM}(?:\.{_ATOM})+)")


def _is_label(label: str) -> bool:
    return len(label) <= 63 and not label.startswith("-") and not label.endswith("-") and all(
        c == "-" or c.isalnum() or unicodedata.category(c).startswith("M") for c in label)


def is_email_address(value: str) -> bool:
    match = EMAIL.fullmatch(value) if len(value) <= 254 else None
    if match is None or len(match["local"]) > 64:
        return False
    if INVISIBLE.search(value) or any(unicodedata.category(c).startswith("C") for c in value):
        return False
    labels = match["domain"].split(".")
    return all(map(_is_label, labels)) and not labels[-1].isdigit()


class User(UserMixin, db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # insert_sentinel: SQLAlchemy matches the ids an INSERT of many accounts returns to them by it, so that SQLite
    # too inserts them a thousand in a statement (without one it inserted an import's 5,000 one by one)
    uuid: so.Mapped[UUID] = so.mapped_column(sa.Uuid, unique=True, default=uuid4, insert_sentinel=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    full_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    # the name without accents or case, for searching and ordering ("lopez" finds López); set with full_name
    name_key: so.Mapped[str] = so.mapped_column(sa.String(200), index=True, default="", server_default="")
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(256))
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    timezone: so.Mapped[str | None] = so.mapped_column(sa.String(64))  # IANA name; None: the country's main zone
    country_code: so.Mapped[str | None] = so.mapped_column(sa.ForeignKey("country.code"), index=True)
    institution_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("institution.id"), index=True)
    region_code: so.Mapped[str | None] = so.mapped_column(sa.ForeignKey("region.code"))
    position: so.Mapped[Position | None] = so.mapped_column(_enum(Position, "position"))
    is_active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # bumped when the password changes or the account is deactivated: every sign-in before it ends
    session_version: so.Mapped[int] = so.mapped_column(default=1)

    country: so.Mapped[Country | None] = so.relationship()
    institution: so.Mapped[Institution | None] = so.relationship()
    region: so.Mapped[Region | None] = so.relationship()
    role_rows: so.Mapped[list["UserRole"]] = so.relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<User {self.email}>"

    @so.validates("full_name")
    def _key_the_name(self, _attribute, value):
        self.name_key = search_key(value)
        return value

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    @roles.setter
    def roles(self, wanted) -> None:
        wanted = {Role(r) for r in wanted}
        self.role_rows = [row for row in self.role_rows if row.role in wanted] + [
            UserRole(role=r) for r in sorted(wanted - self.roles)
        ]

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def is_staff(self) -> bool:
        """Someone who manages or teaches rather than only learns."""
        return self.has_role(Role.ADMIN, Role.COORDINATOR, Role.TRAINER)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    # the sign-in (one browser) this object was loaded for, or started by; set by load_user and start_sign_in
    sign_in = None
    sign_in_key = None

    def get_id(self) -> str:
        """What the session cookie (and the remember-me cookie) hold: the person and the key of one sign-in."""
        return f"{self.uuid}:{self.sign_in_key or ''}"


class SignIn(db.Model):
    """One browser where a person signed in. Its cookies name it by a random key of which only a SHA-256 hash is
    kept; signing out ends it, so that a copy of those cookies (taken from a shared computer, say) stops working
    too. A change of password, or deactivation, ends every sign-in of the person (``version``)."""

    __tablename__ = "sign_in"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    key_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    version: so.Mapped[int]  # the person's session_version when they signed in
    remember: so.Mapped[bool] = so.mapped_column(default=False)
    browser: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    system: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, index=True)
    ended_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    user: so.Mapped[User] = so.relationship()


class UserRole(db.Model):
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: so.Mapped[Role] = so.mapped_column(_enum(Role, "role"), primary_key=True)

    user: so.Mapped[User] = so.relationship(back_populates="role_rows")


class TokenPurpose(enum.StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"


class AccountToken(db.Model):
    """A single-use, expiring link sent by e-mail. Only a SHA-256 hash of the token is stored."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: so.Mapped[TokenPurpose] = so.mapped_column(_enum(TokenPurpose, "token_purpose"))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True, insert_sentinel=True)  # as User.uuid
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    user: so.Mapped[User] = so.relationship(foreign_keys=[user_id])
    created_by: so.Mapped[User | None] = so.relationship(foreign_keys=[created_by_id])

    # the sweep's expired reset links (purge_password_resets): only those it deletes read, not every link kept
    __table_args__ = (sa.Index("ix_account_token_purpose_expires_at", "purpose", "expires_at"),)

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.revoked_at is None


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The person a session (or remember-me) cookie names, if that sign-in is still open."""
    from app.auth import sign_ins

    raw_uuid, _, key = session_id.partition(":")
    try:
        user_uuid = UUID(raw_uuid)
    except ValueError:
        return None
    return sign_ins.load(user_uuid, key)


@user_loaded_from_cookie.connect
def start_a_new_session(_app, **_):
    """Signed in again by the remember-me cookie: as at every sign-in, nothing of the session the browser held
    carries over, above all its CSRF token (one planted there by someone else would forge the person's forms)."""
    restored = {key: session[key] for key in ("_user_id", "_fresh") if key in session}
    session.clear()
    session.update(restored)
