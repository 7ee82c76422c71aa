"""Cohorts and their members."""
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.auth.permissions import can_manage_country, can_see_country, check, managed_country, sees_everyone
from app.auth.services import person_matches
from app.cohorts.models import Cohort, CohortMember
from app.db import check_revision, hold_row, revision_of
from app.errors import ValidationError, problems
from app.extensions import db
from app.once import earlier, remember
from app.places.models import Country
from app.signals import cohort_deleting
from app.text import contains, kept_lines, one_line, search_key


def visible_cohorts(actor: User, country_code: str | None = None, q: str = "") -> sa.Select:
    query = sa.select(Cohort)
    if not sees_everyone(actor):
        query = query.where(Cohort.country_code == managed_country(actor))
    if country_code:
        query = query.where(Cohort.country_code == country_code)
    if q:
        query = query.where(contains(Cohort.name_key, q))
    return query.order_by(Cohort.country_code, Cohort.name_key, Cohort.id)


def get_cohort(actor: User, cohort_id: int) -> Cohort | None:
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is not None:
        check(can_see_country(actor, cohort.country_code))
    return cohort


def _validate(actor: User, cohort: Cohort | None, name: str, country_code: str) -> tuple[str, str]:
    errors = {}
    name = one_line(name)
    if not name:
        errors["name"] = _l("Enter the cohort's name")
    if db.session.get(Country, country_code or "") is None:
        errors["country_code"] = _l("Choose a country from the list")
    elif not can_manage_country(actor, country_code):
        errors["country_code"] = _l("You can only manage cohorts of your own country")
    elif cohort is not None and cohort.country_code != country_code and cohort.memberships:
        errors["country_code"] = _l("This cohort has members, so its country cannot change")
    if name and "country_code" not in errors:
        clash = db.session.scalar(sa.select(Cohort).where(
            Cohort.country_code == country_code, Cohort.name_key == search_key(name)))
        if clash is not None and clash is not cohort:  # names apart only in case or accents are one name
            errors["name"] = _l("This country already has a cohort called “%(name)s”", name=clash.name)
    if errors:
        raise ValidationError(errors)
    return name, country_code


def cohort_problems(actor: User, cohort: Cohort | None, *, name: str, country_code: str) -> dict:
    """What create_cohort (``cohort`` None) or update_cohort would refuse, by field, without saving anything."""
    return problems(_validate, actor, cohort, name, country_code)


def create_cohort(actor: User, *, name: str, country_code: str, description: str = "") -> Cohort:
    """Create a cohort; coordinators only in their own country."""
    check(actor.is_admin or managed_country(actor) is not None)
    name, country_code = _validate(actor, None, name, country_code)
    cohort = Cohort(name=name, country_code=country_code, description=kept_lines(description))
    db.session.add(cohort)
    db.session.flush()
    return cohort


def _shown(cohort: Cohort) -> dict:
    return dict(name=cohort.name, country_code=cohort.country_code, description=cohort.description)


def edit_revision(cohort: Cohort) -> str:
    """What the cohort form shows, as a revision (see app.db.check_revision)."""
    return revision_of(_shown(cohort))


def update_cohort(actor: User, cohort: Cohort, *, name: str, country_code: str, description: str = "",
                  revision: str | None = None) -> Cohort:
    """Change a cohort; ``revision``: what edit_revision said when the form was opened (if someone has changed
    it since, nothing is saved: EditConflict)."""
    check(can_manage_country(actor, cohort.country_code))
    check_revision(cohort, revision, _shown)
    cohort.name, cohort.country_code = _validate(actor, cohort, name, country_code)
    cohort.description = kept_lines(description)
    db.session.flush()
    return cohort


def delete_cohort(actor: User, cohort: Cohort, once: str | None = None) -> str:
    """Remove a cohort with its list of members. Its row is held first (as by add_members and remove_member):
    people added meanwhile are removed with it, and a cohort already deleted by another request is not found.
    ``once``: the confirmation's one-time token; the same confirmation sent again (a double click) waits for the
    first and deletes nothing more. Returns the name of the cohort deleted: when the confirmation was sent before,
    the one its first sending deleted (SQLite may have given ``cohort`` that one's number since)."""
    check(can_manage_country(actor, cohort.country_code))
    action = f"delete-cohort/{cohort.id}"
    if (done := earlier(actor, once, action)) is not None:
        return done.result
    hold_row(cohort)
    name = cohort.name
    cohort_deleting.send(cohort)
    db.session.delete(cohort)
    db.session.flush()
    remember(actor, once, name, action)  # what a sending that comes later, once it is gone, tells (the name)
    return name


def members(cohort: Cohort, q: str = "") -> sa.Select:
    """The members, by name, with their institutions (what the cohort page shows of them); ``q``: words of a
    name or address."""
    query = (sa.select(User).join(CohortMember, CohortMember.user_id == User.id)
             .where(CohortMember.cohort_id == cohort.id)
             .options(so.joinedload(User.institution), so.lazyload(User.role_rows)))
    if q:
        query = query.where(person_matches(q))
    return query.order_by(User.name_key, User.id)


def candidates(actor: User, cohort: Cohort, q: str = "") -> sa.Select:
    """People of the cohort's country who are not members yet."""
    check(can_manage_country(actor, cohort.country_code))
    query = sa.select(User).where(
        User.country_code == cohort.country_code,
        User.is_active.is_(True),
        ~sa.exists().where(CohortMember.cohort_id == cohort.id, CohortMember.user_id == User.id),
    )
    if q:
        query = query.where(person_matches(q))
    return query.order_by(User.name_key, User.id)


def add_members(actor: User, cohort: Cohort, users: list[User]) -> int:
    """Add people of the cohort's country; returns how many were new. The cohort's row is held first: two
    changes of its members at once (or a deletion) take turns, and the second sees the first's members."""
    check(can_manage_country(actor, cohort.country_code))
    hold_row(cohort)
    wrong = [u for u in users if u.country_code != cohort.country_code]
    if wrong:
        raise ValidationError({"members": _l("Only people of the cohort's country can join it")})
    if any(not u.is_active for u in users):  # the form offers none: only a forged request sends one
        raise ValidationError({"members": _l("A deactivated account cannot join a cohort: reactivate it first")})
    from app.notifications.services import notify_many

    present = {m.user_id for m in cohort.memberships}
    added = []
    for user in users:
        if user.id not in present:
            cohort.memberships.append(CohortMember(user=user))
            present.add(user.id)
            added.append(user)
    db.session.flush()
    # people still invited hear about it when they arrive (app/notifications/receivers.py)
    notify_many([user for user in added if user.password_hash is not None], "added_to_cohort", cohort=cohort.name)
    return len(added)


def remove_member(actor: User, cohort: Cohort, user: User) -> None:
    """Take someone out of a cohort (nothing to do if they are no longer in it: a double click). The cohort's
    row is held first, as by add_members."""
    check(can_manage_country(actor, cohort.country_code))
    hold_row(cohort)
    cohort.memberships = [m for m in cohort.memberships if m.user_id != user.id]
    db.session.flush()


def cohorts_of(user: User) -> list[Cohort]:
    return list(db.session.scalars(
        sa.select(Cohort).join(CohortMember).where(CohortMember.user_id == user.id)
        .order_by(Cohort.name_key, Cohort.id)  # accents and case aside, as every list of names
    ))


def sizes(cohort_ids: list[int]) -> dict[int, int]:
    """Number of members of each cohort, in one query."""
    if not cohort_ids:
        return {}
    return dict(db.session.execute(
        sa.select(CohortMember.cohort_id, sa.func.count()).where(CohortMember.cohort_id.in_(cohort_ids))
        .group_by(CohortMember.cohort_id)
    ).all())
