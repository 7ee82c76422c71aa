"""Accounts: authentication, creation and changes, visibility of people."""
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from app import signals
from app.auth.models import AccountToken, Position, Role, User, UserRole, is_email_address, normalise_email
from app.auth.permissions import (can_manage_country, can_manage_user, can_view_user, check,
                                  managed_country, sees_everyone)
from app.config import LOCALES
from app.db import check_revision, hold_row, lock_for_write, revision_of, utcnow
from app.errors import ValidationError, problems
from app.extensions import db
from app.places.models import Country, Institution, Region
from app.text import contains, contains_text, one_line

MIN_PASSWORD_LENGTH = 10


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None; unknown e-mail and wrong password look alike."""
    user = get_user_by_email(email)
    if user is None or not user.password_hash:
        _dummy_check(password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    user.last_login_at = utcnow()
    db.session.flush()
    signals.user_signed_in.send(user)
    return user


def _dummy_check(password: str) -> None:
    """Hash as a real check would, so an unknown e-mail answers as slowly as a wrong password."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if _DUMMY.get(method) is None:
        _DUMMY[method] = generate_password_hash("not-a-real-password", method=method)
    check_password_hash(_DUMMY[method], password)


_DUMMY: dict[str, str] = {}


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def get_visible_user(actor: User, user_uuid) -> User | None:
    user = db.session.scalar(sa.select(User).where(User.uuid == user_uuid))
    if user is not None:
        check(can_view_user(actor, user))
    return user


@dataclass
class UserFilter:
    q: str = ""
    country: str | None = None
    role: Role | None = None
    is_active: bool | None = None
    institution_id: int | None = None
    institution_q: str = ""  # words of the institution's name: people of every institution of ``country`` they match
    has_password: bool | None = None  # False: invited, no password chosen yet


def visible_users(actor: User, filters: UserFilter | None = None) -> sa.Select:
    """A query for the people ``actor`` may see, narrowed by ``filters``."""
    filters = filters or UserFilter()
    query = sa.select(User)
    if not sees_everyone(actor):
        country = managed_country(actor)
        if country is None:
            query = query.where(User.id == actor.id)
        else:
            query = query.where(User.country_code == country)
    if filters.q:
        query = query.where(person_matches(filters.q))
    if filters.country:
        query = query.where(User.country_code == filters.country)
    if filters.role:
        query = query.where(User.role_rows.any(UserRole.role == filters.role))
    if filters.is_active is not None:
        query = query.where(User.is_active == filters.is_active)
    if filters.has_password is not None:
        query = query.where(User.password_hash.is_not(None) if filters.has_password else User.password_hash.is_(None))
    if filters.institution_id is not None:
        query = query.where(User.institution_id == filters.institution_id)
        if not sees_everyone(actor):  # nobody of another country's institution, whatever their own country
            query = query.where(User.institution.has(Institution.country_code == managed_country(actor)))
    if filters.institution_q:
        matching = [contains(Institution.name_key, filters.institution_q)]
        if filters.country:
            matching.append(Institution.country_code == filters.country)
        if not sees_everyone(actor):
            matching.append(Institution.country_code == managed_country(actor))
        query = query.where(User.institution.has(sa.and_(*matching)))
    return query.order_by(User.name_key, User.id)


def coordinated_countries(country_codes) -> set[str]:
    """Those of ``country_codes`` with a coordinator who can act (active, signed up). Elsewhere (a European peer's
    country, one whose coordinator is not set up yet) nobody but the programme's administrators helps a trainee."""
    codes = {code for code in country_codes if code}
    if not codes:
        return set()
    return set(db.session.scalars(sa.select(User.country_code).join(UserRole).where(
        UserRole.role == Role.COORDINATOR, User.country_code.in_(codes), User.is_active,
        User.password_hash.is_not(None)).distinct()))


def asks_a_coordinator(user: User, coordinated: set[str] | None = None) -> bool:
    """Whether ``user`` asks their country coordinator for a new invitation or a correction of their details (a
    trainee of a country that has one), rather than the programme's administrators. ``coordinated``: what
    coordinated_countries gave for a batch of people, else it is asked for this one."""
    if not user.roles <= {Role.TRAINEE}:
        return False
    if coordinated is None:
        coordinated = coordinated_countries([user.country_code])
    return user.country_code in coordinated


def person_matches(words: str):
    """A condition: the person's name (accents and case aside) or e-mail address contains what was typed."""
    return sa.or_(contains(User.name_key, words),
                  contains_text(User.email, normalise_email(words), User.email.type.length))


def grantable_roles(actor: User) -> list[Role]:
    """Roles ``actor`` may give: admins any, coordinators only trainee."""
    if actor.is_admin:
        return list(Role)
    if managed_country(actor):
        return [Role.TRAINEE]
    return []


def _validate(actor: User, user: User | None, data: dict) -> dict:
    """Check the fields of a new or changed account; returns them cleaned."""
    errors: dict[str, str] = {}
    clean = dict(data)
    if "email" in data:
        clean["email"] = normalise_email(data["email"] or "")  # a form that sent no address at all: None
        if not clean["email"]:
            errors["email"] = _l("Enter an e-mail address")
        elif not is_email_address(clean["email"]):
            errors["email"] = _l("Enter an e-mail address in the right format, like name@example.org")
        else:
            existing = get_user_by_email(clean["email"])
            if existing is not None and existing is not user:
                errors["email"] = _l("An account with this e-mail address already exists")
    if "full_name" in data:
        clean["full_name"] = one_line(data["full_name"])
        if not clean["full_name"]:
            errors["full_name"] = _l("Enter the full name")
    if "locale" in data and data["locale"] not in (None, "", *LOCALES):
        errors["locale"] = _l("Choose a language from the list")

    roles = set(clean.get("roles", user.roles if user else set()))
    country = clean.get("country_code", user.country_code if user else None) or None
    clean["country_code"] = country
    if "roles" in data:
        previous = user.roles if user else frozenset()
        if (roles ^ previous) - set(grantable_roles(actor)):
            errors["roles"] = _l("You cannot give or remove these roles")
        if not roles:
            errors["roles"] = _l("Choose at least one role")
    if country is not None and db.session.get(Country, country) is None:
        errors["country_code"] = _l("Choose a country from the list")
    elif not can_manage_country(actor, country):
        errors["country_code"] = _l("You can only manage people of your own country")
    if country is None and roles & {Role.COORDINATOR, Role.TRAINEE}:
        errors["country_code"] = _l("Coordinators and trainees need a country")
    if user is not None and country != user.country_code and "country_code" not in errors:
        from app.cohorts.services import cohorts_of

        # a cohort holds people of its country only (its coordinator would otherwise see, and lose, a foreigner)
        left_behind = cohorts_of(user)
        if left_behind:
            errors["country_code"] = _l("This person is a member of cohorts of their current country (%(names)s): "
                                        "remove them from those cohorts first",
                                        names=", ".join(c.name for c in left_behind))

    position = clean.get("position", user.position if user else None) or None
    try:
        clean["position"] = Position(position) if position else None
    except ValueError:
        clean["position"] = None
        errors["position"] = _l("Choose manager or technician")
    if Role.TRAINEE in roles and clean["position"] is None and "position" not in errors:
        errors["position"] = _l("Choose the trainee's position: manager or technician")

    institution_id = clean.get("institution_id", user.institution_id if user else None) or None
    clean["institution_id"] = institution_id
    if institution_id is not None:
        institution = db.session.get(Institution, institution_id)
        if institution is None or institution.country_code != country:
            errors["institution_id"] = _l("Choose an institution of the person's country")

    region_code = clean.get("region_code", user.region_code if user else None) or None
    clean["region_code"] = region_code
    if region_code is not None:
        region = db.session.get(Region, region_code)
        if region is None or region.country_code != country:
            errors["region_code"] = _l("Choose a region of the person's country")

    if user is not None and user.id == actor.id:
        if "is_active" in data and not data["is_active"]:
            errors["is_active"] = _l("You cannot deactivate your own account")
        if actor.is_admin and "roles" in data and Role.ADMIN not in roles:
            errors["roles"] = _l("You cannot remove your own administrator role")
    if "password" in data and data["password"] is not None:
        message = password_problem(data["password"], clean.get("email") or (user.email if user else None))
        if message:
            errors["password"] = message
    if errors:
        raise ValidationError(errors)
    return clean


def account_problems(actor: User, user: User | None, **fields) -> dict:
    """What create_user (``user`` None) or update_user would refuse in these fields, by field, without saving
    anything: a form that failed its own checks shows these too."""
    return problems(_validate, actor, user, fields)


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why ``password`` will not do, or None; ``email`` is the account's address, the first guess of anyone."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("The password must be at least %(n)d characters long", n=MIN_PASSWORD_LENGTH)
    if password.strip() != password or not password.strip():
        return _l("The password cannot start or end with spaces")
    if email and password.casefold() == email.casefold():
        return _l("The password cannot be your e-mail address")
    return None


def create_user(actor: User, *, email: str, full_name: str, roles, password: str | None = None,
                country_code: str | None = None, institution_id: int | None = None, region_code: str | None = None,
                position: str | None = None, locale: str | None = None, is_active: bool = True) -> User:
    """Create an account; ``actor`` is SYSTEM for demo data and CLI commands."""
    check(actor.is_admin or managed_country(actor) is not None)
    clean = _validate(actor, None, dict(email=email, full_name=full_name, roles=set(roles), country_code=country_code,
                                        institution_id=institution_id, region_code=region_code, position=position,
                                        locale=locale or None, password=password))
    user = User(email=clean["email"], full_name=clean["full_name"], country_code=clean["country_code"],
                institution_id=clean["institution_id"], region_code=clean["region_code"],
                position=clean["position"], locale=clean["locale"], is_active=is_active)
    user.roles = clean["roles"]
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    signals.user_created.send(user, actor=actor)
    return user


def edit_revision(user: User) -> str:
    """What the account form shows of a person, as a revision (see app.db.check_revision)."""
    return revision_of(_shown(user))


def _shown(user: User) -> dict:
    return dict(email=user.email, full_name=user.full_name, country_code=user.country_code,
                institution_id=user.institution_id, region_code=user.region_code, position=user.position,
                locale=user.locale, is_active=user.is_active, roles=sorted(user.roles))


def check_unchanged(user: User, revision: str | None) -> None:
    """Refuse (EditConflict) a save whose form was opened before someone else changed the account: ``revision``
    is what edit_revision said then (None: no check)."""
    check_revision(user, revision, _shown)


def update_user(actor: User, user: User, *, revision: str | None = None, **changes) -> User:
    """Change an account's details, roles or active flag; ``revision`` as for check_unchanged."""
    check(can_manage_user(actor, user))
    check_unchanged(user, revision)
    clean = _validate(actor, user, changes)
    if user.is_admin and user.is_active and not (Role.ADMIN in clean.get("roles", user.roles)
                                                 and clean.get("is_active", True)):
        _keep_another_admin(user, "is_active" if not clean.get("is_active", True) else "roles")
    was_active = user.is_active
    if "email" in changes and clean["email"] != user.email:
        from app.notifications.services import cancel_undelivered

        # invitation and reset links went to the old address, which may not be the person's (a typo): they stop,
        # and what has not gone out to it yet (a mail server down, its delivery waiting for a retry) stays unsent
        revoke_links(user)
        cancel_undelivered(user, to_address=user.email)
    for field in ("email", "full_name", "country_code", "institution_id", "region_code", "position", "locale",
                  "is_active"):
        if field in changes:
            setattr(user, field, clean.get(field, changes[field]))
    if "roles" in changes:
        user.roles = clean["roles"]
    if changes.get("password"):
        user.set_password(changes["password"])
        revoke_links(user)
    elif was_active and not user.is_active:
        user.session_version = (user.session_version or 0) + 1  # every session ends, and stays ended if reactivated
        revoke_links(user)  # so do the invitation and reset links: reactivated, the person is sent new ones
    db.session.flush()
    return user


def _keep_another_admin(user: User, field: str) -> None:
    """Refuse to take the last active administrator out. Nobody takes themselves out (_validate), so only two
    admins taking each other out at the same moment could: they take turns here, and the second finds the
    first's change."""
    lock_for_write("last-admin", 0)
    others = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.id != user.id, User.is_active.is_(True), User.role_rows.any(UserRole.role == Role.ADMIN)))
    if not others:
        raise ValidationError({field: _l("Itinera would be left without an active administrator: make someone "
                                         "else an administrator first")})


def change_own_password(user: User, current: str, new: str) -> None:
    """The signed-in user changes their password; other sessions end. Two changes sent at once (two tabs) take
    turns: the second is checked against the password the first saved, as it would be sent later (else both
    were told their password was saved, and one of them was wrong); the same change sent twice (a double click)
    finds its password saved, and changes nothing more."""
    hold_row(user)
    errors = {}
    if not user.check_password(current):
        if user.check_password(new):
            return
        errors["current_password"] = _l("The current password is not right")
    elif user.check_password(new):  # "changed" (other devices signed out) when nothing was would mislead
        errors["new_password"] = _l("Choose a new password that is different from your current one")
    problem = errors.get("new_password") or password_problem(new, user.email)
    if problem:
        errors["new_password"] = problem
    if errors:
        raise ValidationError(errors)
    user.set_password(new)
    revoke_links(user)  # a reset link asked for earlier (by them, or by someone reading their mail) stops too
    db.session.flush()


def revoke_links(user: User, keep: AccountToken | None = None) -> None:
    """The open invitation and reset links of ``user`` (but ``keep``) stop working: after the password or the
    e-mail address changes, a link sent earlier must not set the password again."""
    query = sa.update(AccountToken).where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None),
                                          AccountToken.revoked_at.is_(None))
    if keep is not None:
        query = query.where(AccountToken.id != keep.id)
    db.session.execute(query.values(revoked_at=utcnow()))


def set_preferred_locale(user: User, locale: str) -> None:
    if locale not in LOCALES:
        raise ValidationError({"locale": _l("Choose a language from the list")})
    user.locale = locale
    db.session.flush()


def set_timezone(user: User, zone: str | None) -> None:
    """A person's time zone; None or "" goes back to the main zone of their country."""
    from app.places.timezones import is_zone

    if zone and not is_zone(zone):
        raise ValidationError({"timezone": _l("Choose a time zone from the list")})
    user.timezone = zone or None
    db.session.flush()


class _System:
    """The actor behind demo data and CLI commands: allowed everything."""

    id = None
    is_admin = True
    roles = frozenset(Role)

    def has_role(self, *roles):
        return True

    country_code = None


SYSTEM = _System()
