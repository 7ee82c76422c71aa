"""Countries, regions and institutions."""
import pycountry
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from app.auth.models import User
from app.auth.permissions import (can_manage_country, can_manage_user, can_see_country, check, managed_country,
                                  sees_everyone)
from app.db import check_revision, hold_row, revision_of
from app.errors import ValidationError, problems
from app.extensions import db
from app.places.models import Country, CountryGroup, Institution, InstitutionLevel, Region
from app.text import contains, one_line, search_key, search_words, sort_key

PROGRAMME_COUNTRIES = ("AR", "BR", "CL", "CO", "MX", "PE")
EU_MEMBER_STATES = ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
                    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE")


def load_countries() -> int:
    """Create the programme's countries and their top-level ISO 3166-2 subdivisions; returns rows added."""
    added = 0
    known_regions = set(db.session.scalars(sa.select(Region.code)))
    for codes, group in ((PROGRAMME_COUNTRIES, CountryGroup.LATAM), (EU_MEMBER_STATES, CountryGroup.EU)):
        for code in codes:
            if db.session.get(Country, code) is None:
                db.session.add(Country(code=code, group=group))
                added += 1
            for sub in pycountry.subdivisions.get(country_code=code) or []:
                if sub.parent_code is None and sub.code not in known_regions:
                    db.session.add(Region(code=sub.code, country_code=code, kind=sub.type))
                    added += 1
    db.session.flush()
    return added


def sorted_by_name(items):
    return sorted(items, key=lambda item: sort_key(item.name))


def countries(group: CountryGroup | None = None) -> list[Country]:
    query = sa.select(Country)
    if group:
        query = query.where(Country.group == group)
    rows = list(db.session.scalars(query))
    # programme countries first, then the European peers, each alphabetically in the reader's language
    return sorted(rows, key=lambda c: (c.group != CountryGroup.LATAM, sort_key(c.name)))


def countries_for(actor: User) -> list[Country]:
    """Countries ``actor`` may pick when creating records: every one for an admin, else the country they manage
    (a coordinator who also trains sees every country, but manages only their own)."""
    if actor.is_admin:
        return countries()
    country = managed_country(actor)
    return [c for c in countries() if c.code == country]


def visible_countries(actor: User) -> list[Country]:
    """Countries whose records ``actor`` sees: what the lists filter by."""
    if sees_everyone(actor):
        return countries()
    return countries_for(actor)


def regions_of(country_code: str) -> list[Region]:
    return sorted_by_name(db.session.scalars(sa.select(Region).where(Region.country_code == country_code)))


def visible_institutions(actor: User, country_code: str | None = None, q: str = "") -> sa.Select:
    query = sa.select(Institution)
    if not sees_everyone(actor):
        query = query.where(Institution.country_code == managed_country(actor))
    if country_code:
        query = query.where(Institution.country_code == country_code)
    if q:
        query = query.where(contains(Institution.name_key, q))
    return query.order_by(Institution.country_code, Institution.name_key, Institution.id)


# a form lists a country's institutions whole up to this many, as radio buttons (a select cut long names on a
# phone); a country with more is searched by name first (app.admin.views)
INSTITUTIONS_LISTED = 20


def institution_count(actor: User, country_code: str) -> int:
    """How many institutions of ``country_code`` ``actor`` sees."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        visible_institutions(actor, country_code).order_by(None).subquery()))


def search_institutions(actor: User, country_code: str, words: str, limit: int,
                        but: Institution | None = None) -> tuple[list[Institution], int]:
    """The first ``limit`` institutions of ``country_code`` that ``actor`` sees whose name holds each of ``words``
    (accents and case aside), by name, and how many match in all; ``but`` one."""
    query = visible_institutions(actor, country_code, words)
    if but is not None:
        query = query.where(Institution.id != but.id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    return list(db.session.scalars(query.limit(limit))) if total else [], total


def institution_matches(institution: Institution, words: str) -> bool:
    """Whether the name of ``institution`` holds each of ``words``, as ``visible_institutions`` searches it."""
    found = search_words(words)
    return found is not None and all(word in institution.name_key for word in found)


def get_institution(actor: User, institution_id: int) -> Institution | None:
    institution = db.session.get(Institution, institution_id)
    if institution is not None:
        check(can_see_country(actor, institution.country_code))
    return institution


def find_institution(actor: User, institution_id: int | None) -> Institution | None:
    """The institution ``actor`` may see with this id; None for any other (one of another country included)."""
    if institution_id is None:
        return None
    return db.session.scalar(visible_institutions(actor).where(Institution.id == institution_id))


def _validate_institution(actor: User, institution: Institution | None, name: str, country_code: str,
                          region_code: str | None, level: str) -> dict:
    errors = {}
    name = one_line(name)
    if not name:
        errors["name"] = _l("Enter the institution's name")
    if db.session.get(Country, country_code or "") is None:
        errors["country_code"] = _l("Choose a country from the list")
    elif not can_manage_country(actor, country_code):
        errors["country_code"] = _l("You can only manage institutions of your own country")
    region_code = region_code or None
    if region_code:
        region = db.session.get(Region, region_code)
        if region is None or region.country_code != country_code:
            errors["region_code"] = _l("Choose a region of the institution's country")
    try:
        level = InstitutionLevel(level)
    except ValueError:
        errors["level"] = _l("Choose national, regional or local")
    if name and "country_code" not in errors:
        clash = db.session.scalar(sa.select(Institution).where(
            Institution.country_code == country_code, Institution.name_key == search_key(name)))
        if clash is not None and clash is not institution:  # names apart only in case or accents are one name
            errors["name"] = _l("This country already has an institution called “%(name)s”", name=clash.name)
    if level == InstitutionLevel.REGIONAL and not region_code and "region_code" not in errors:
        errors["region_code"] = _l("Choose the region of a regional institution")
    if (institution is not None and country_code != institution.country_code and "country_code" not in errors
            and member_count(institution)):
        errors["country_code"] = _l("People belong to this institution, so its country cannot change")
    if errors:
        raise ValidationError(errors)
    return dict(name=name, country_code=country_code, region_code=region_code, level=level)


def institution_problems(actor: User, institution: Institution | None, *, name: str, country_code: str,
                          level: str, region_code: str | None = None) -> dict:
    """What create_institution (``institution`` None) or update_institution would refuse, by field, without
    saving anything: a form that failed its own checks shows these too."""
    return problems(_validate_institution, actor, institution, name, country_code, region_code, level)


def create_institution(actor: User, *, name: str, country_code: str, level: str,
                       region_code: str | None = None) -> Institution:
    """Add an institution; coordinators only in their own country."""
    check(actor.is_admin or managed_country(actor) is not None)
    institution = Institution(**_validate_institution(actor, None, name, country_code, region_code, level))
    db.session.add(institution)
    db.session.flush()
    return institution


def _shown(institution: Institution) -> dict:
    return dict(name=institution.name, country_code=institution.country_code, level=institution.level,
                region_code=institution.region_code)


def edit_revision(institution: Institution) -> str:
    """What the institution form shows, as a revision (see app.db.check_revision)."""
    return revision_of(_shown(institution))


def update_institution(actor: User, institution: Institution, *, name: str, country_code: str, level: str,
                       region_code: str | None = None, revision: str | None = None) -> Institution:
    """Change an institution; ``revision``: what edit_revision said when the form was opened (if someone has
    changed it since, nothing is saved: EditConflict)."""
    check(can_manage_country(actor, institution.country_code))
    check_revision(institution, revision, _shown)
    clean = _validate_institution(actor, institution, name, country_code, region_code, level)
    for key, value in clean.items():
        setattr(institution, key, value)
    db.session.flush()
    return institution


def member_count(institution: Institution) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(User.institution_id == institution.id))


def member_counts(institution_ids: list[int]) -> dict[int, int]:
    """Number of people in each institution, in one query."""
    if not institution_ids:
        return {}
    return dict(db.session.execute(
        sa.select(User.institution_id, sa.func.count()).where(User.institution_id.in_(institution_ids))
        .group_by(User.institution_id)
    ).all())


def check_move(actor: User, institution: Institution, target: Institution | None) -> list[User]:
    """Whether ``actor`` may move the people of ``institution`` to ``target``: 403, or a ValidationError when
    ``target`` is no other institution of the same country or one of the people is someone ``actor`` cannot change
    (a member of staff, for a coordinator). Returns the people."""
    check(can_manage_country(actor, institution.country_code))
    if target is None or target.id == institution.id or target.country_code != institution.country_code:
        raise ValidationError({"target_id": _l("Choose another institution of the same country")})
    return check_movable(actor, institution)


def check_movable(actor: User, institution: Institution) -> list[User]:
    """The people of ``institution``, or a ValidationError when one of them is someone ``actor`` cannot change (a
    member of staff, for a coordinator), so that nobody can be moved."""
    members = list(db.session.scalars(sa.select(User).where(User.institution_id == institution.id)
                                      .options(so.selectinload(User.role_rows))))
    staff = sum(1 for member in members if not can_manage_user(actor, member))
    if staff:
        raise ValidationError({"target_id": lazy_ngettext(
            "%(num)s person of this institution is a member of staff, whose record you cannot change: ask the "
            "programme's administrators to move them",
            "%(num)s people of this institution are members of staff, whose records you cannot change: ask the "
            "programme's administrators to move them", staff)})
    return members


def move_members(actor: User, institution: Institution, target: Institution | None, once: str | None = None) -> int:
    """Move everyone who belongs to ``institution`` to ``target``, of the same country (the institution entered
    twice, say, which can then be deleted); returns how many. Nobody is moved while one of them is someone
    ``actor`` cannot change. The row is held (and the people read after it): someone added to it meanwhile either
    waits and moves too, or is added after the move. ``once``: the confirmation's one-time token; the same
    confirmation sent again (a double click) finds nobody left and returns how many the first moved; sent again
    later, it moves whoever was added since (and counts them), as the button says."""
    from app.once import earlier, remember

    check(can_manage_country(actor, institution.country_code))
    action = f"move-institution/{institution.id}/{target.id if target is not None else ''}"
    done = earlier(actor, once, action)
    hold_row(institution)
    members = check_move(actor, institution, target)
    if done is not None and not members:
        return int(done.result)
    for member in members:
        member.institution_id = target.id
    db.session.flush()
    if done is None:
        remember(actor, once, len(members), action)
    return len(members)


def check_deletable(actor: User, institution: Institution) -> None:
    """Whether ``actor`` may delete the institution: 403, or a ValidationError while people belong to it."""
    check(can_manage_country(actor, institution.country_code))
    if member_count(institution):
        raise ValidationError({"institution": _l("People belong to this institution: move them first")})


def delete_institution(actor: User, institution: Institution, once: str | None = None) -> str:
    """Remove an institution nobody belongs to. Its row is held first: someone being added to it meanwhile
    either waits and is refused the institution, or is counted here. ``once``: the confirmation's one-time token
    (as for delete_cohort). Returns the name of the institution deleted (by the first sending, when the
    confirmation was sent before)."""
    from app.once import earlier, remember

    check(can_manage_country(actor, institution.country_code))
    action = f"delete-institution/{institution.id}"
    if (done := earlier(actor, once, action)) is not None:
        return done.result
    hold_row(institution)
    check_deletable(actor, institution)
    name = institution.name
    db.session.delete(institution)
    db.session.flush()
    remember(actor, once, name, action)
    return name
