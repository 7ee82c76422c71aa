"""Frameworks, their versions and edits; the levels people hold (current_levels)."""
import dataclasses
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Callable, Iterable

import sqlalchemy as sa
import sqlalchemy.orm as so
from babel.lists import format_list
from flask import current_app
from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l

from app.auth.models import Role, User
from app.auth.permissions import can_manage_user, can_view_user, check
from app.competences.files import (CODE, MAX_VALIDITY_MONTHS, PAGE_NAMES, TRANSLATED_COMPETENCE_FIELDS, FrameworkData,
                                   FrameworkFileError, kept_text)
from app.competences.models import (Area, Competence, Framework, FrameworkChange, FrameworkUse, FrameworkVersion,
                                    ProficiencyLevel, SelfAssessment, ValidatedLevel)
from app.competences.vocabulary import (ALIGNMENT_KEYS, ALIGNMENT_NAMES, MAX_ALIGNMENTS, alignment_error,
                                        alignment_problems, alignment_target)
from app.content_files import Problem
from app.db import hold_row, lock_for_write, utcnow
from app.errors import ValidationError
from app.extensions import db
from app.text import kept_lines, one_line


def text_in(value: dict | None, locale: str | None = None) -> str:
    """The text of a translated field in the reader's language, English when that one is missing."""
    return (value or {}).get(locale_in(value, locale)) or ""


def locale_in(value: dict | None, locale: str | None = None) -> str:
    """The language ``text_in`` shows a translated field in, for its ``lang`` attribute: the reader's, or the
    one it falls back to."""
    locale = locale or str(get_locale() or "en")
    if not value or value.get(locale):
        return locale
    return "en" if value.get("en") else next(iter(value), locale)


def can_edit(user: User) -> bool:
    return user.has_role(Role.ADMIN, Role.TRAINER)


# What is built on a framework version (FrameworkUse.kind), as the pages name it.
USE_KINDS = {"course": _l("Course"), "plan": _l("Plan"), "itinerary": _l("Itinerary")}


def alignment_name(alignment: dict) -> str:
    """The name of what an alignment points at, in the reader's language where the vocabulary knows it."""
    return str(ALIGNMENT_NAMES.get((alignment.get("framework"), alignment.get("code")), alignment.get("name", "")))


# --- reading ------------------------------------------------------------------------------------------

def frameworks() -> list[Framework]:
    """Every framework with its versions (read together, not a framework at a time)."""
    return list(db.session.scalars(sa.select(Framework).order_by(Framework.slug)
                                   .options(so.selectinload(Framework.versions))))


def current_titles() -> dict[str, dict]:
    """{slug: title} of the frameworks with a current version (those a person's competences can be shown in), in
    one query: what a list naming frameworks (a page of notifications) reads once."""
    return dict(db.session.execute(sa.select(Framework.slug, FrameworkVersion.title)
                                   .join(FrameworkVersion.framework).where(FrameworkVersion.is_current)).all())


def competence_counts(versions: list[FrameworkVersion]) -> dict[int, int]:
    """{version id: how many competences it has} of these versions, in one query (not their competences read)."""
    if not versions:
        return {}
    return dict(db.session.execute(
        sa.select(Competence.version_id, sa.func.count()).where(Competence.version_id.in_([v.id for v in versions]))
        .group_by(Competence.version_id)).all())


def get_framework(slug: str) -> Framework | None:
    return db.session.scalar(sa.select(Framework).where(Framework.slug == slug))


def get_version(framework: Framework, number: int | None = None) -> FrameworkVersion | None:
    if number is None:
        return framework.current
    return next((v for v in framework.versions if v.number == number), None)


def load_areas(version: FrameworkVersion) -> FrameworkVersion:
    """``version`` with its areas and each area's competences read in two queries, not one per area (for the
    pages that list the competences area by area)."""
    areas = db.session.scalars(sa.select(Area).where(Area.version_id == version.id).order_by(Area.position)
                               .options(so.selectinload(Area.competences))).all()
    so.attributes.set_committed_value(version, "areas", list(areas))
    return version


def find_competence(framework_slug: str, code: str, number: int | None = None) -> Competence | None:
    framework = get_framework(framework_slug)
    version = get_version(framework, number) if framework else None
    return next((c for c in version.competences if c.code == code), None) if version else None


def _in_every_version(framework: Framework, code: str) -> list[Competence]:
    """The competence with this code in each version of the framework that has it, newest version first (one
    query, each with its version)."""
    return list(db.session.scalars(
        sa.select(Competence).join(Competence.version)
        .where(FrameworkVersion.framework_id == framework.id, Competence.code == code)
        .options(so.contains_eager(Competence.version)).order_by(FrameworkVersion.number.desc())))


def versions_with(framework: Framework, code: str) -> list[FrameworkVersion]:
    """The versions of a framework that have a competence, newest first."""
    return [competence.version for competence in _in_every_version(framework, code)]


def competence_for_iri(framework_slug: str, code: str) -> Competence | None:
    """The competence behind a public IRI: the current version, else the newest version that has it."""
    framework = get_framework(framework_slug)
    found = _in_every_version(framework, code) if framework is not None else []
    return next((c for c in found if c.version.is_current), found[0] if found else None)


def iri_parts(framework_slug: str, code: str | None = None) -> tuple[str, str | None] | None:
    """The framework slug and competence code as the competence's IRI spells them, for an address that spells them
    in other capitals (slugs are lower-case; codes that differ only in capitals are one code, new_code_problem), or
    None when there is no such framework, or no competence with that code in any of its versions. Without ``code``,
    the framework's slug alone: (slug, None)."""
    slug = db.session.scalar(sa.select(Framework.slug).where(sa.func.lower(Framework.slug) == framework_slug.lower()))
    if slug is None or code is None:
        return None if slug is None else (slug, None)
    found = db.session.scalar(
        sa.select(Competence.code).join(Competence.version).join(FrameworkVersion.framework)
        .where(Framework.slug == slug, sa.func.lower(Competence.code) == code.lower())
        .order_by(FrameworkVersion.number.desc()).limit(1))
    return None if found is None else (slug, found)


def data_of(version: FrameworkVersion) -> FrameworkData:
    """The version as file data (what export writes)."""
    competences = []
    for c in version.competences:
        item = {"code": c.code, "area": c.area.code, **{k: getattr(c, k) for k in TRANSLATED_COMPETENCE_FIELDS}}
        if c.validity_months:
            item["validity_months"] = c.validity_months
        if c.targets:
            item["targets"] = c.targets
        if c.alignments:
            item["alignments"] = c.alignments
        competences.append(item)
    return FrameworkData(
        slug=version.framework.slug, version=version.number, title=version.title, description=version.description,
        valid_from=version.valid_from, valid_until=version.valid_until,
        levels=[{"number": l.number, "name": l.name, "descriptor": l.descriptor} for l in version.levels],
        areas=[{"code": a.code, "title": a.title} for a in version.areas], competences=competences,
        sources=list(version.sources or []))


# --- importing ----------------------------------------------------------------------------------------

def _fill(version: FrameworkVersion, data: FrameworkData) -> None:
    version.title, version.description = data.title, data.description
    version.valid_from, version.valid_until = data.valid_from, data.valid_until
    version.sources = data.sources
    version.levels = [ProficiencyLevel(number=l["number"], name=l["name"], descriptor=l["descriptor"])
                      for l in data.levels]
    areas = {a["code"]: Area(code=a["code"], title=a["title"], position=index)
             for index, a in enumerate(data.areas)}
    version.areas = list(areas.values())
    version.competences = [
        Competence(code=c["code"], area=areas[c["area"]], position=index,
                   validity_months=c.get("validity_months"), targets=c.get("targets", {}),
                   alignments=c.get("alignments", []), **{k: c[k] for k in TRANSLATED_COMPETENCE_FIELDS})
        for index, c in enumerate(data.competences)]


def import_framework(actor, data: FrameworkData, source: str = "") -> tuple[FrameworkVersion, str]:
    """Load a framework file: a new framework, a new version of it, or nothing if that version is unchanged.

    Returns the version and what happened: "created", "new version" or "unchanged". The same version number with
    different content is refused, so that what was built on a version never changes under it."""
    check(actor.is_admin)
    framework = get_framework(data.slug)
    if framework is None:
        framework = Framework(slug=data.slug)
        db.session.add(framework)
        outcome = "created"
    else:
        outcome = "new version"
        _one_editor_at_a_time(framework)  # an editor's new version saved meanwhile is seen, and stops being current
        existing = get_version(framework, data.version)
        if existing is not None:
            if data_of(existing) == data:
                return existing, "unchanged"
            if existing.edited_from is not None:  # the author cannot know the number is taken
                newest = max(v.number for v in framework.versions)
                raise FrameworkFileError([Problem(
                    source or data.slug, data.version_line,
                    f"version {data.version} of {data.slug} was made in Itinera by an edit of version "
                    f"{existing.edited_from}, with other content: number this file {newest + 1}, or start from "
                    f"what Itinera has (flask --app wsgi competences export {data.slug})")])
            # the file changed, or an edit changed the version in place (nothing was built on it yet)
            newest = max(v.number for v in framework.versions)
            raise FrameworkFileError([Problem(
                source or data.slug, data.version_line,
                f"version {data.version} of {data.slug} is already loaded with different content (the file "
                f"changed, or the version was edited in Itinera since it was loaded): number this file "
                f"{newest + 1}, or start from what Itinera has (flask --app wsgi competences export {data.slug})")])
        newest = max(v.number for v in framework.versions)
        if data.version < newest:
            raise FrameworkFileError([Problem(
                source or data.slug, data.version_line,
                f"version {data.version} of {data.slug} is older than version {newest}, the newest loaded: number "
                f"this file {newest + 1}, or start from what Itinera has (flask --app wsgi competences export "
                f"{data.slug})")])
        _refuse_developed_left_out(framework, data, source)
    for version in framework.versions:
        version.is_current = False
    db.session.flush()
    most = FrameworkVersion.source.type.length  # a longer path keeps its end, where the file's name is
    version = FrameworkVersion(framework=framework, number=data.version, is_current=True,
                               source=source if len(source) <= most else "…" + source[1 - most:],
                               created_by_id=getattr(actor, "id", None))
    db.session.add(version)
    with db.session.no_autoflush:
        _fill(version, data)
    db.session.flush()
    _record_change(actor, version, "import", "", {"source": None}, {"source": version.source})  # "": no file named
    return version, outcome


def _refuse_developed_left_out(framework: Framework, data: FrameworkData, source: str) -> None:
    """A file may not drop a competence a published course develops, as the browser may not remove it
    (courses_holding, what removal_problem refuses for): each is a problem at the line of the area it would be in,
    or of the framework when the file has no such area."""
    kept = {c["code"] for c in data.competences}
    problems = []
    for competence in framework.current.competences:
        if competence.code in kept:
            continue
        courses = courses_holding(framework, competence.code)
        if courses:
            names = ", ".join(f"{text_in(found.version.title, 'en')} ({found.version.course.slug})"
                              for found in courses)
            problems.append(Problem(
                source or data.slug, data.area_lines.get(competence.area.code, data.slug_line),
                f"version {data.version} leaves out competence {competence.code}, which published courses develop: "
                f"{names}; keep it in the file, or remove it from their modules first, or withdraw them from the "
                f"catalogue"))
    if problems:
        raise FrameworkFileError(problems)


def edits_left_out(current: FrameworkVersion, data: FrameworkData) -> tuple[int | None, list[str]]:
    """What a framework file would undo of the edits made in Itinera since the last version that was not made by
    one (the version an author's copy of the file most likely comes from): (that version's number, the parts
    edited since, as "level 1", "area B", "competence A1", that the file gives otherwise than the current
    version; one removed since and still in the file, as "competence B1 (removed)"). (None, []) when the
    current version was not made by an edit. Edits made in place, on a version nothing was built on, leave no
    earlier version to compare with and are not seen."""
    base = current
    while base is not None and base.edited_from is not None:
        base = get_version(current.framework, base.edited_from)
    if base is None or base is current:
        return None, []
    now, then = data_of(current), data_of(base)

    def parts(framework: FrameworkData) -> dict[str, object]:
        found = {f"level {l['number']}": l for l in framework.levels}
        found.update({f"area {a['code']}": a for a in framework.areas})
        found.update({f"competence {c['code']}": c for c in framework.competences})
        found["title and description"] = (framework.title, framework.description)
        return found

    now_parts, then_parts, file_parts = parts(now), parts(then), parts(data)
    changed = [name for name, part in now_parts.items()
               if part != then_parts.get(name) and file_parts.get(name) != part]
    # removed in Itinera since (a competence, an empty area): a file that still has it brings it back
    return base.number, changed + [f"{name} (removed)" for name in then_parts
                                   if name not in now_parts and name in file_parts]


def evidence_left_behind(previous: FrameworkVersion, version: FrameworkVersion) -> int:
    """How many people hold evidence that counts now of a competence or a level ``previous`` has and ``version``
    lacks (a framework file that drops them): their profiles show it as the version it was earned under has it,
    and whoever loads the new version is told. Reads everyone's levels when something is dropped, nothing
    otherwise."""
    dropped = {c.code for c in previous.competences} - {c.code for c in version.competences}
    scale = {level.number for level in version.levels}
    if not dropped and {level.number for level in previous.levels} <= scale:
        return 0
    slug = version.framework.slug
    return sum(1 for user in db.session.scalars(sa.select(User).order_by(User.id))
               if any(item.code in dropped or item.level not in scale
                      for level in current_levels(user, framework=slug).values() for item in level.evidence))


# --- versions and edits -------------------------------------------------------------------------------

def record_use(version: FrameworkVersion, kind: str, reference: str) -> FrameworkUse:
    """Another domain says it is built on this version (a plan, an itinerary, a course version)."""
    use = db.session.scalar(sa.select(FrameworkUse).where(FrameworkUse.kind == kind,
                                                          FrameworkUse.reference == reference))
    if use is None:
        use = FrameworkUse(version=version, kind=kind, reference=reference)
        db.session.add(use)
    else:
        use.version = version
    db.session.flush()
    return use


def use_counts(framework: Framework) -> dict[int, int]:
    """{version id: how many things are built on it} for every version of a framework, in one query: the
    versions list shows which older ones something still stands on."""
    return dict(db.session.execute(
        sa.select(FrameworkUse.version_id, sa.func.count()).join(FrameworkVersion)
        .where(FrameworkVersion.framework_id == framework.id).group_by(FrameworkUse.version_id)).all())


def uses_of(version: FrameworkVersion) -> list[FrameworkUse]:
    return list(db.session.scalars(sa.select(FrameworkUse).where(FrameworkUse.version_id == version.id)
                                   .order_by(FrameworkUse.kind, FrameworkUse.reference)))


def built_on(version: FrameworkVersion) -> dict[str, int]:
    """{kind: how many things of that kind are built on the version}, empty when nothing is. A course counts once
    however many of its versions are built on it (each course version is a use, "<slug>@<number>":
    app.courses.services.use_reference)."""
    things = dict.fromkeys((use.kind, use.reference.rpartition("@")[0] if use.kind == "course" else use.reference)
                           for use in uses_of(version))
    return dict(Counter(kind for kind, _reference in things))


@dataclass(frozen=True)
class UseMover:
    move: Callable[[FrameworkUse, FrameworkVersion], None]
    allowed: Callable[[User, FrameworkUse], bool]
    # (name in the reader's language, address of its page) of the object behind a use; None when it is gone
    describe: Callable[[FrameworkUse], tuple[str, str] | None] | None = None


# The domain that records uses of a kind registers how to move its object to another framework version
# (courses: "course"). Plans and itineraries will register theirs with their own object check (who may move
# this plan), which belongs to their domain; the default lets admins and trainers move.
USE_MOVERS: dict[str, UseMover] = {}


def use_mover(kind: str, allowed: Callable[[User, FrameworkUse], bool] | None = None,
              describe: Callable[[FrameworkUse], tuple[str, str] | None] | None = None):
    """Register ``function(use, new_version)``, which repoints the domain object behind uses of ``kind`` and
    raises ValidationError to refuse the move (decorator). ``allowed(actor, use)`` says who may move it;
    ``describe(use)`` names the object and gives its page, for the framework page."""
    def register(function):
        USE_MOVERS[kind] = UseMover(function, allowed or (lambda actor, use: can_edit(actor)), describe)
        return function
    return register


def describe_use(use: FrameworkUse) -> tuple[str, str] | None:
    """(name, address of its page) of what a use stands for, as its domain describes it; None if it does not."""
    mover = USE_MOVERS.get(use.kind)
    return mover.describe(use) if mover is not None and mover.describe is not None else None


def get_use(kind: str, reference: str) -> FrameworkUse | None:
    return db.session.scalar(sa.select(FrameworkUse).where(FrameworkUse.kind == kind,
                                                           FrameworkUse.reference == reference))


def use_references(kind: str) -> list[str]:
    """How every use of a kind names itself (a course version: "<course-slug>@<version>")."""
    return list(db.session.scalars(sa.select(FrameworkUse.reference).where(FrameworkUse.kind == kind)))


def can_move(actor, use: FrameworkUse) -> bool:
    mover = USE_MOVERS.get(use.kind)
    return mover is not None and bool(mover.allowed(actor, use))


def move_use(actor, use: FrameworkUse, version: FrameworkVersion) -> None:
    """Move what is built on a framework version (a course version, a plan, an itinerary) to another version of
    the same framework: the domain's registered mover repoints its object, in the same transaction."""
    mover = USE_MOVERS.get(use.kind)
    if mover is None:
        raise ValidationError({"version": _l("%(kind)s: moving to another version is not possible yet",
                                             kind=USE_KINDS.get(use.kind, use.kind))})
    check(mover.allowed(actor, use))
    if version.framework_id != use.version.framework_id:
        raise ValidationError({"version": _l("Choose a version of the same framework")})
    if version.id == use.version_id:
        raise ValidationError({"version": _l("It is already built on version %(number)s", number=version.number)})
    mover.move(use, version)
    use.version = version
    db.session.flush()


def _made_under(version: FrameworkVersion, model, at, *standing) -> bool:
    """Whether a row of ``model`` of the version's framework, ``standing``, was made (``at``) under this version:
    from its making to the next version's."""
    later = [v.created_at for v in version.framework.versions if v.number > version.number]
    query = sa.select(model.id).where(model.framework_id == version.framework_id, at >= version.created_at, *standing)
    if later:
        query = query.where(at < min(later))
    return db.session.scalar(sa.select(query.exists()))


def validated_under(version: FrameworkVersion) -> bool:
    """Whether a level validated for someone, and standing, was made under this version (from its making to the
    next version's): its validity and names are those the validation keeps (see _earned_under)."""
    return _made_under(version, ValidatedLevel, ValidatedLevel.validated_at, ValidatedLevel.withdrawn_at.is_(None))


def estimated_under(version: FrameworkVersion) -> bool:
    """Whether someone estimated their own level against this version's scale (from its making to the next
    version's, as validated_under reads validations): the version keeps saying what those estimates meant."""
    return _made_under(version, SelfAssessment, SelfAssessment.assessed_at, SelfAssessment.level.is_not(None))


def version_an_edit_makes(framework: Framework) -> int | None:
    """The number of the version an edit of the framework would make now (editable_version), or None when the
    edit would change the current version in place: what a page asking before an edit says."""
    current = framework.current
    if not uses_of(current) and not validated_under(current) and not estimated_under(current):
        return None
    return max(v.number for v in framework.versions) + 1


def editable_version(actor, framework: Framework) -> FrameworkVersion:
    """The version an edit goes into: the current one, or a new copy of it when something is built on it, a
    level was validated under it (the validation keeps the validity it was made with) or someone estimated their
    own level under it (it keeps saying what the estimate meant)."""
    check(can_edit(actor))
    current = framework.current
    number = version_an_edit_makes(framework)
    if number is None:
        return current
    data = data_of(current)
    current.is_current = False
    db.session.flush()
    copy = FrameworkVersion(framework=framework, number=number, is_current=True, source="",
                            edited_from=current.number, created_by_id=actor.id)
    db.session.add(copy)
    with db.session.no_autoflush:
        _fill(copy, data)
    db.session.flush()
    _record_change(actor, copy, "new version", "", {}, {"edited_from": current.number})
    return copy


# --- history ------------------------------------------------------------------------------------------

CHANGE_KINDS = ("competence", "level", "area", "framework", "import", "new version")


def _differences(before: dict, after: dict) -> list[dict]:
    """The fields whose value differs, each as {"field", "before", "after"}; a mapping (a translated text, the
    target levels) per key that differs, with "key" (the language, the position). A field only one side has (a
    part added or removed) is None on the other."""
    found = []
    for name in dict.fromkeys([*before, *after]):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if isinstance(old, dict) or isinstance(new, dict):
            old, new = old or {}, new or {}
            found.extend({"field": name, "key": key, "before": old.get(key), "after": new.get(key)}
                         for key in dict.fromkeys([*old, *new]) if old.get(key) != new.get(key))
        else:
            found.append({"field": name, "before": old, "after": new})
    return found


def _filled(values: dict) -> dict:
    """The fields of a part added or removed that hold something (the history leaves out the empty ones)."""
    return {name: value for name, value in values.items() if value not in (None, "", [], {})}


def _record_change(actor, version: FrameworkVersion, kind: str, key, before: dict, after: dict
                   ) -> FrameworkChange | None:
    """Add a row to the framework's history: ``actor`` changed the part ``key`` (a competence's or an area's
    code, a level's number; "" for the version itself) of ``version``, of ``kind`` (CHANGE_KINDS), from the
    field values ``before`` to ``after`` (only the fields that differ are kept; a part added has ``before`` {},
    one removed ``after`` {}). Nothing is recorded when nothing differs. Flushed with the caller's change."""
    changes = _differences(before, after)
    if not changes:
        return None
    row = FrameworkChange(framework_id=version.framework_id, version_number=version.number, kind=kind,
                          key=str(key), changes=changes, actor_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    return row


def change_state(change: FrameworkChange) -> str | None:
    """"added" or "removed" when the change added or removed a competence or an area (its title, which every part
    has in every language and no edit empties, went from nothing or to nothing); None for an edit."""
    titles = [entry for entry in change.changes if entry["field"] == "title"]
    if change.kind not in ("competence", "area") or not titles:
        return None
    if all(entry.get("before") is None for entry in titles):
        return "added"
    if all(entry.get("after") is None for entry in titles):
        return "removed"
    return None


def history(actor, framework: Framework):
    """The changes of a framework, newest first (a query to paginate), each with its account read alongside; for
    editors only."""
    check(can_edit(actor))
    return (sa.select(FrameworkChange).where(FrameworkChange.framework_id == framework.id)
            .options(so.joinedload(FrameworkChange.actor)).order_by(FrameworkChange.id.desc()))


def parts_in(framework: Framework, numbers) -> set[tuple[str, int, str]]:
    """The ("competence" or "area", version number, code) of every competence and area the framework's versions
    ``numbers`` have now, in one query: the history links a change to a part at its version only while that
    version still has it."""
    numbers = set(numbers)
    in_versions = (FrameworkVersion.framework_id == framework.id, FrameworkVersion.number.in_(numbers))
    competences = (sa.select(sa.literal("competence"), FrameworkVersion.number, Competence.code)
                   .join(Competence.version).where(*in_versions))
    areas = sa.select(sa.literal("area"), FrameworkVersion.number, Area.code).join(Area.version).where(*in_versions)
    return set(tuple(row) for row in db.session.execute(sa.union_all(competences, areas)))


def level_names_in(framework: Framework, numbers) -> dict[int, dict[int, dict]]:
    """{version number: {level number: its name in every language}} of the framework's versions ``numbers``, in one
    query: the history names target levels as a version's scale names them (scales_of), a profile the levels of
    evidence as the version it was earned under does."""
    rows = db.session.execute(
        sa.select(FrameworkVersion.number, ProficiencyLevel.number, ProficiencyLevel.name)
        .join(ProficiencyLevel.version)
        .where(FrameworkVersion.framework_id == framework.id, FrameworkVersion.number.in_(set(numbers))))
    names: dict[int, dict[int, dict]] = {}
    for version, level, name in rows:
        names.setdefault(version, {})[level] = name
    return names


def scales_of(framework: Framework, changes) -> dict[int, tuple[dict[int, dict], dict[int, dict]]]:
    """{change id: ({level number: its name in every language} naming the values the change replaced, the same
    naming the values it set)} of these changes of the framework, in two queries however many: the history names
    the target levels a change set as its version's scale names them, and those it replaced as the version where
    they stood has them. That is the change's version, but for the edit that made it (a copy of a version something
    was built on or a level was validated under, made by that very edit): what it replaced stood in the version
    copied, whose levels stay as they were, while the copy's may have been renamed since."""
    changes = list(changes)
    numbers = {change.version_number for change in changes}
    copied: dict[int, tuple[int, int]] = {}  # {change id: (the version it made, the version that one copies)}
    for number, origin, first in db.session.execute(
            sa.select(FrameworkVersion.number, FrameworkVersion.edited_from, sa.func.min(FrameworkChange.id))
            .join(FrameworkChange, sa.and_(FrameworkChange.framework_id == FrameworkVersion.framework_id,
                                           FrameworkChange.version_number == FrameworkVersion.number,
                                           FrameworkChange.kind != "new version"))
            .where(FrameworkVersion.framework_id == framework.id, FrameworkVersion.number.in_(numbers),
                   FrameworkVersion.edited_from.is_not(None))
            .group_by(FrameworkVersion.number, FrameworkVersion.edited_from)):
        copied[first] = (number, origin)
    names = level_names_in(framework, numbers | {origin for _number, origin in copied.values()})
    found = {}
    for change in changes:
        after = names.get(change.version_number, {})
        made = copied.get(change.id)
        found[change.id] = (names.get(made[1], {}) if made and made[0] == change.version_number else after, after)
    return found


class EditConflict(ValidationError):
    """The part changed after the editor opened the form (``revision`` is what it is now)."""

    def __init__(self, revision: str):
        super().__init__({"revision": _l("Someone else changed this after you opened the page, and your changes "
                                         "were not saved. Your text is kept below: check the framework as it is "
                                         "now, then save again to replace their change with yours.")})
        self.revision = revision


EDITED_FIELDS = {Competence: (*TRANSLATED_COMPETENCE_FIELDS, "validity_months", "targets", "alignments"),
                 ProficiencyLevel: ("name", "descriptor"), Area: ("title",),
                 FrameworkVersion: ("title", "description")}


def revision_of(part: Competence | ProficiencyLevel | Area | FrameworkVersion) -> str:
    """A short fingerprint of what an edit form shows of a competence, a level, an area or the framework's own
    title and description (its current version): the form carries it,
    and a save whose form was opened on other content is refused (EditConflict) instead of overwriting it."""
    content = {name: getattr(part, name) for name in EDITED_FIELDS[type(part)]}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def _one_editor_at_a_time(framework: Framework) -> None:
    """Hold the framework's row for writing until the transaction ends (a second editor saving at the same moment
    waits here), then read the framework again: the revision is checked against what the other editor saved,
    never against what this request read before they committed. An update of nothing, not SELECT ... FOR
    UPDATE, so that SQLite, which has no row locks, takes its write lock here too."""
    db.session.execute(sa.update(Framework).where(Framework.id == framework.id).values(slug=Framework.slug)
                       .execution_options(synchronize_session=False))
    db.session.expire_all()


def _check_revision(part, revision: str | None) -> None:
    if revision is not None and revision != revision_of(part):
        raise EditConflict(revision_of(part))


def _unchanged(part, values: dict) -> bool:
    return all(getattr(part, name) == value for name, value in values.items())


def _clean_texts(values: dict, name: str, errors: dict) -> dict:
    """Texts of every language, trimmed; line breaks as files keep them (browsers send \\r\\n). A text no letter
    or digit of which shows (a zero-width space pasted alone, punctuation alone) is as missing as an empty one."""
    cleaned = {}
    for locale in ("en", "es", "pt_BR"):
        text = kept_text(values.get(locale), name)
        if not one_line(text):
            errors[f"{name}_{locale}"] = _l("Write this text in every language")
        cleaned[locale] = text
    return cleaned


def _clean_alignments(rows: list[dict], errors: dict) -> list[dict]:
    """The alignments of the edit form's rows (blank rows are skipped); a problem goes to the row's field as the
    form names it, ``alignments-N-key`` (N from 0)."""
    cleaned, given, targets = [], 0, set()
    for index, row in enumerate(rows):
        row = {key: kept_text(str(row.get(key) or ""), "title") for key in ALIGNMENT_KEYS}  # one line, as a title
        if not any(row.values()):
            continue
        given += 1
        if given > MAX_ALIGNMENTS:
            errors.setdefault(f"alignments-{index}-framework",
                              _l("A competence takes at most %(num)s alignments", num=MAX_ALIGNMENTS))
            break
        alignment = {key: value for key, value in row.items() if value}
        found = alignment_problems(alignment)
        for key, reason in found:
            errors.setdefault(f"alignments-{index}-{key}", alignment_error(reason, key, alignment))
        if not found:
            key, target = alignment_target(alignment)
            if target in targets:
                errors.setdefault(f"alignments-{index}-{key}", alignment_error("twice", key, alignment))
                continue
            targets.add(target)
            cleaned.append(alignment)
    return cleaned


def edit_competence(actor, framework: Framework, code: str, texts: dict[str, dict], *, validity_months=None,
                    targets: dict | None = None, alignments: list[dict] | None = None,
                    revision: str | None = None) -> Competence:
    """Change a competence's title and descriptors (all three languages), validity, target levels and, when
    given, its alignments (rows of framework, code, uri, name; blank rows are dropped). ``revision``: what
    revision_of() said when the form was opened. Saving nothing new changes nothing (and makes no version)."""
    check(can_edit(actor))
    _one_editor_at_a_time(framework)
    current = next((c for c in framework.current.competences if c.code == code), None)
    if current is None:
        raise ValidationError({"code": _l("No such competence")})
    errors: dict = {}
    cleaned, new_alignments = _competence_values(framework, texts, validity_months, targets, alignments, errors)
    if errors:
        raise ValidationError(errors)
    values = {**cleaned, "validity_months": validity_months,
              "targets": {p: l for p, l in (targets or {}).items() if l is not None}}
    if new_alignments is not None:
        values["alignments"] = new_alignments
    if _unchanged(current, values):
        return current
    _check_revision(current, revision)
    competence = next(c for c in editable_version(actor, framework).competences if c.code == code)
    before = {name: getattr(competence, name) for name in values}
    for name, value in values.items():
        setattr(competence, name, value)
    db.session.flush()
    _record_change(actor, competence.version, "competence", code, before, values)
    return competence


def _competence_values(framework: Framework, texts: dict[str, dict], validity_months, targets: dict | None,
                       alignments: list[dict] | None, errors: dict) -> tuple[dict, list[dict] | None]:
    """The competence's texts and alignments as they would be saved; every problem goes into ``errors``."""
    cleaned = {name: _clean_texts(texts.get(name, {}), name, errors) for name in TRANSLATED_COMPETENCE_FIELDS}
    numbers = {level.number for level in framework.current.levels}
    if validity_months is not None and (not isinstance(validity_months, int)
                                        or not 1 <= validity_months <= MAX_VALIDITY_MONTHS):
        errors["validity_months"] = _l("Give a number of months from 1 to %(most)s, or leave it empty",
                                       most=MAX_VALIDITY_MONTHS)
    for position, level in (targets or {}).items():
        if level is not None and level not in numbers:
            errors[f"target_{position}"] = _l("Choose a level of the scale")
    return cleaned, _clean_alignments(alignments, errors) if alignments is not None else None


def competence_problems(framework: Framework, texts: dict[str, dict], *, validity_months=None,
                        targets: dict | None = None, alignments: list[dict] | None = None) -> dict:
    """What edit_competence would refuse in these values, by field, without saving anything: a form that
    failed its own checks shows these too, so that one round of corrections is enough."""
    errors: dict = {}
    _competence_values(framework, texts, validity_months, targets, alignments, errors)
    return errors


def text_problems(texts: dict[str, dict]) -> dict:
    """What a level or area edit would refuse in these texts ({group: {locale: text}}), by field."""
    errors: dict = {}
    for name, values in texts.items():
        _clean_texts(values, name, errors)
    return errors


def edit_level(actor, framework: Framework, number: int, name: dict, descriptor: dict,
               revision: str | None = None) -> ProficiencyLevel:
    """Change a level's name and descriptor (all three languages); ``revision`` as for edit_competence."""
    check(can_edit(actor))
    _one_editor_at_a_time(framework)
    current = next((l for l in framework.current.levels if l.number == number), None)
    if current is None:
        raise ValidationError({"number": _l("No such level")})
    errors: dict = {}
    level_name, level_descriptor = _clean_texts(name, "name", errors), _clean_texts(descriptor, "descriptor", errors)
    if errors:
        raise ValidationError(errors)
    if _unchanged(current, {"name": level_name, "descriptor": level_descriptor}):
        return current
    _check_revision(current, revision)
    level = next(l for l in editable_version(actor, framework).levels if l.number == number)
    before = {"name": level.name, "descriptor": level.descriptor}
    level.name, level.descriptor = level_name, level_descriptor
    db.session.flush()
    _record_change(actor, level.version, "level", number, before, {"name": level_name, "descriptor": level_descriptor})
    return level


def edit_area(actor, framework: Framework, code: str, title: dict, revision: str | None = None) -> Area:
    """Change an area's title (all three languages); ``revision`` as for edit_competence."""
    check(can_edit(actor))
    _one_editor_at_a_time(framework)
    current = next((a for a in framework.current.areas if a.code == code), None)
    if current is None:
        raise ValidationError({"code": _l("No such area")})
    errors: dict = {}
    cleaned = _clean_texts(title, "title", errors)
    if errors:
        raise ValidationError(errors)
    if _unchanged(current, {"title": cleaned}):
        return current
    _check_revision(current, revision)
    area = next(a for a in editable_version(actor, framework).areas if a.code == code)
    before = {"title": area.title}
    area.title = cleaned
    db.session.flush()
    _record_change(actor, area.version, "area", code, before, {"title": cleaned})
    return area


def _framework_texts(title: dict, description: dict, errors: dict) -> tuple[dict, dict]:
    """The framework's title and description cleaned, their problems put in ``errors``: a title in every language;
    a description in every language or in none (files may leave it out), ``{}`` for none."""
    cleaned_title = _clean_texts(title, "title", errors)
    given = any(one_line(kept_text(text, "description")) for text in description.values())
    return cleaned_title, _clean_texts(description, "description", errors) if given else {}


def framework_text_problems(title: dict, description: dict) -> dict:
    """What edit_framework would refuse in these texts, by field."""
    errors: dict = {}
    _framework_texts(title, description, errors)
    return errors


def edit_framework(actor, framework: Framework, title: dict, description: dict,
                   revision: str | None = None) -> FrameworkVersion:
    """Change the framework's own title and description (all three languages; a description may be left out in
    all of them); ``revision`` as for edit_competence. Under the rule of versions of every edit."""
    check(can_edit(actor))
    _one_editor_at_a_time(framework)
    errors: dict = {}
    cleaned_title, cleaned_description = _framework_texts(title, description, errors)
    if errors:
        raise ValidationError(errors)
    current = framework.current
    values = {"title": cleaned_title, "description": cleaned_description}
    if all((getattr(current, name) or {}) == value for name, value in values.items()):
        return current
    _check_revision(current, revision)
    version = editable_version(actor, framework)
    before = {"title": version.title, "description": version.description or {}}
    version.title, version.description = cleaned_title, cleaned_description
    db.session.flush()
    _record_change(actor, version, "framework", "", before, values)
    return version


# --- adding and removing competences and areas -------------------------------------------------------

def _code_key(code: str) -> list:
    """The order codes take on the framework page: B2 before B10, by their numbers (and a1 beside A1)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", code.casefold())]


def _used_before(framework: Framework, model: type[Competence] | type[Area], code: str) -> tuple[int, str] | None:
    """(the number of the newest version of the framework that has a competence (an area) whose code is ``code``
    but for capital letters, that code as it had it); None when no version ever had one."""
    return db.session.execute(
        sa.select(FrameworkVersion.number, model.code).join(model, model.version_id == FrameworkVersion.id)
        .where(FrameworkVersion.framework_id == framework.id, sa.func.lower(model.code) == code.casefold())
        .order_by(FrameworkVersion.number.desc()).limit(1)).first()


def _removed_in_place(framework: Framework, kind: str, code: str | None = None) -> dict[str, tuple[int, str]]:
    """{code, lower case: (the number of the version, the code as it had it)} of the competences (the areas: ``kind``)
    removed from a version they came to with a file or a copy, not by being added in Itinera: removed in place,
    no version has them any more, but their address named them while that version had them (the history says
    which). One added and removed again in the same version is not among them. ``code``: that code's only (the
    history of one part read, not every change). One query."""
    added: set[tuple[int, str]] = set()
    found: dict[str, tuple[int, str]] = {}
    query = sa.select(FrameworkChange).where(FrameworkChange.framework_id == framework.id, FrameworkChange.kind == kind)
    if code is not None:
        query = query.where(sa.func.lower(FrameworkChange.key) == code.casefold())
    for change in db.session.scalars(query.order_by(FrameworkChange.id)):
        state, key = change_state(change), change.key.casefold()
        if state == "added":
            added.add((change.version_number, key))
        elif state == "removed" and (change.version_number, key) not in added:
            found[key] = (change.version_number, change.key)
    return found


def _named_by_people(framework: Framework) -> list[sa.Select]:
    """The competence codes of the framework that people's own estimates or validated levels name (withdrawn ones
    included): they name a competence by framework and code, and build nothing on a version."""
    return [sa.select(SelfAssessment.code).where(SelfAssessment.framework_id == framework.id),
            sa.select(ValidatedLevel.code).where(ValidatedLevel.framework_id == framework.id)]


def new_code_problem(framework: Framework, kind: str, code: str, example: str):
    """Why ``code`` cannot name a new ``kind`` ("competence" or "area"), or None (``example``: a code the message
    may give as an example, "" for none). The rule of framework files
    (files.CODE); and a code is never given again to another competence: ``BASE/competences/<framework>/<code>``
    is the competence's IRI in every version, so statements, evidence, credentials and validated levels made under
    an earlier version name it by that address. A code an earlier version had (a competence removed since) would
    make them say the new competence was achieved; it stays retired. Codes that differ only in capital letters are
    the same code to a reader (and to the file import, which refuses A1 beside a1). Areas are fragments of the
    framework's IRI (``#area-A``): their codes follow the same rule. A competence added and removed again while
    nothing was built on the version (both in place, as the history records) leaves no version having it: nothing
    can have named it, and its code is free, unless people's own estimates or validated levels name it (they build
    nothing on a version, and would be taken as the new competence's); one that came with a file or a copy and was
    removed in place is not free (_removed_in_place). Nor may a new competence take the name of a page of its
    framework (PAGE_NAMES): its IRI would take that page's address."""
    model = Competence if kind == "competence" else Area
    if not code.strip():  # none typed: not one of the wrong shape
        return _l("Enter a code")
    if not CODE.match(code) and not example:
        return _l("A code is up to 20 letters A-Z, digits, hyphens and underscores, starting with a letter or a "
                  "digit")
    if not CODE.match(code):
        return _l("A code is up to 20 letters A-Z, digits, hyphens and underscores, starting with a letter or a "
                  "digit, such as %(example)s", example=example)
    if model is Competence and code.casefold() in PAGE_NAMES:
        return _l("%(code)s names a page of the framework (its address would be that page's): choose another code",
                  code=code)
    current = framework.current
    present = current.competences if model is Competence else current.areas
    same = next((part for part in present if part.code.casefold() == code.casefold()), None)
    if same is not None:
        if model is Competence:
            return _l("Competence %(code)s is already in the framework: choose another code", code=same.code)
        return _l("Area %(code)s is already in the framework: choose another code", code=same.code)
    earlier = _used_before(framework, model, code) or _removed_in_place(framework, kind, code).get(code.casefold())
    if earlier is not None:
        number, code = earlier
        if model is Competence:
            return _l("Version %(number)s had a competence %(code)s, and its address still names it: choose "
                      "another code", number=number, code=code)
        return _l("Version %(number)s had an area %(code)s, and its address still names it: choose another code",
                  number=number, code=code)
    if model is Competence:
        named = next((found for found in db.session.scalars(sa.union(*_named_by_people(framework)))
                      if found.casefold() == code.casefold()), None)
        if named is not None:
            return _l("People's own estimates or validated levels name a competence %(code)s that was removed: "
                      "choose another code", code=named)
    return None


def next_competence_code(framework: Framework, area_code: str) -> str:
    """A code to suggest for a new competence of an area: the area's code followed by the next number no version
    of the framework has used (one removed in place included: _removed_in_place), nor an estimate or a validation
    names (B4 after B1 to B3, and after a B4 that was removed, B5); empty when that code would be too long (an
    area's code of 19 characters or more)."""
    if not CODE.match(f"{area_code}1"):
        return ""
    used = {code.casefold() for code in db.session.scalars(sa.union(
        sa.select(Competence.code).join(Competence.version).where(FrameworkVersion.framework_id == framework.id),
        *_named_by_people(framework)))} | set(_removed_in_place(framework, "competence"))
    number = 1
    while f"{area_code}{number}".casefold() in used:
        number += 1
    return f"{area_code}{number}" if CODE.match(f"{area_code}{number}") else ""


def next_area_code(framework: Framework) -> str:
    """A code to suggest for a new area: the first letter no version of the framework has given an area (C after A
    and B), nor one removed in place has (_removed_in_place); empty when every letter has been used."""
    used = {code.casefold() for code in db.session.scalars(
        sa.select(Area.code).join(Area.version).where(FrameworkVersion.framework_id == framework.id))} \
        | set(_removed_in_place(framework, "area"))
    return next((letter for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if letter.casefold() not in used), "")


def _insert_by_code(ordered: list, new, code_of, among=None) -> list:
    """``ordered`` with ``new`` put before the first of ``among`` (default: all) whose code sorts after its code,
    else right after the last of ``among``; the others keep their order."""
    among = ordered if among is None else among
    key = _code_key(code_of(new))
    after = next((part for part in among if _code_key(code_of(part)) > key), None)
    if after is not None:
        index = ordered.index(after)
    elif among:
        index = ordered.index(among[-1]) + 1
    else:
        index = len(ordered)
    return [*ordered[:index], new, *ordered[index:]]


def add_competence(actor, framework: Framework, area_code: str, code: str, texts: dict[str, dict], *,
                   validity_months=None, targets: dict | None = None, alignments: list[dict] | None = None
                   ) -> tuple[Competence, bool]:
    """Add a competence to an area of the current version, with its texts in every language (as a framework file
    needs them), validity, target levels and alignments. It goes in as edits do (editable_version): into the
    current version, or a new one when something is built on it. The code follows new_code_problem. Returns the
    competence and whether this call added it: the same competence sent again (a double click) is the one the
    first sending added, and adds nothing (False)."""
    check(can_edit(actor))
    _one_editor_at_a_time(framework)
    code = (code or "").strip()
    current = framework.current
    area = next((a for a in current.areas if a.code == area_code), None)
    if area is None:
        raise ValidationError({"code": _l("No such area")})
    errors: dict = {}
    cleaned, new_alignments = _competence_values(framework, texts, validity_months, targets, alignments, errors)
    values = {**cleaned, "validity_months": validity_months,
              "targets": {p: l for p, l in (targets or {}).items() if l is not None},
              "alignments": new_alignments or []}
    existing = next((c for c in current.competences if c.code == code), None)
    if not errors and existing is not None and existing.area.code == area_code and _unchanged(existing, values):
        return existing, False
    example = "" if CODE.match(code) else next_competence_code(framework, area_code)  # only a code's format needs one
    problem = new_code_problem(framework, "competence", code, example)
    if problem:
        errors["code"] = problem
    if errors:
        raise ValidationError(errors)
    version = editable_version(actor, framework)
    area = next(a for a in version.areas if a.code == area_code)
    competence = Competence(code=code, **values)
    present = list(version.competences)
    mine = [c for c in present if c.area_id == area.id]
    if mine:
        ordered = _insert_by_code(present, competence, lambda c: c.code, among=mine)
    else:  # the area's first: after the competences of the areas above it
        above = {a.id for a in version.areas if a.position < area.position}
        index = max((i + 1 for i, c in enumerate(present) if c.area_id in above), default=0)
        ordered = [*present[:index], competence, *present[index:]]
    with db.session.no_autoflush:
        db.session.add(competence)
        competence.area = area
        competence.version = version
        for position, item in enumerate(ordered):
            item.position = position
    db.session.flush()
    db.session.expire(version, ["competences"])
    db.session.expire(area, ["competences"])
    _record_change(actor, version, "competence", code, {}, _filled({"area": area_code, **values}))
    return competence, True


def add_area(actor, framework: Framework, code: str, title: dict) -> tuple[Area, bool]:
    """Add an area (its code and title in every language) to the current version, as edits go in
    (editable_version); the code follows new_code_problem. Placed among the areas by code (C after B). Returns
    the area and whether this call added it: sent again (a double click), the area the first sending added, and
    False."""
    check(can_edit(actor))
    _one_editor_at_a_time(framework)
    code = (code or "").strip()
    errors: dict = {}
    cleaned = _clean_texts(title, "title", errors)
    existing = next((a for a in framework.current.areas if a.code == code), None)
    if not errors and existing is not None and existing.title == cleaned:
        return existing, False
    problem = new_code_problem(framework, "area", code, "" if CODE.match(code) else next_area_code(framework))
    if problem:
        errors["code"] = problem
    if errors:
        raise ValidationError(errors)
    version = editable_version(actor, framework)
    area = Area(code=code, title=cleaned)
    ordered = _insert_by_code(list(version.areas), area, lambda a: a.code)
    with db.session.no_autoflush:
        db.session.add(area)
        area.version = version
        for position, item in enumerate(ordered):
            item.position = position
    db.session.flush()
    db.session.expire(version, ["areas"])
    _record_change(actor, version, "area", code, {}, {"title": cleaned})
    return area, True


def courses_holding(framework: Framework, code: str) -> list:
    """The published courses whose current version has a module giving a level of the competence (what stops its
    removal): app.courses.services.Developing, by title."""
    from app.courses.services import courses_developing

    return courses_developing(None, framework.slug, code)


def removal_problem(framework: Framework, code: str) -> str | None:
    """Why the competence cannot leave the current version, or None: a published course develops it (its
    modules would name a competence the framework no longer has), or it is the framework's last one (a framework
    file needs one)."""
    courses = courses_holding(framework, code)
    if courses:
        names = format_list([text_in(found.version.title) for found in courses], locale=get_locale())
        return str(_l("%(code)s cannot be removed: published courses develop it (%(courses)s). Remove it from "
                      "their modules first, or withdraw them from the catalogue.", code=code, courses=names))
    if len(framework.current.competences) == 1:
        return str(_l("%(code)s is the framework's only competence, and a framework needs one: add another "
                      "first.", code=code))
    return None


def remove_competence(actor, framework: Framework, code: str) -> FrameworkVersion:
    """Take a competence out of the current version, as edits go in (editable_version): what is built on an
    earlier version, and evidence earned under one, keep it (profiles show such evidence as the version it was
    earned under has it); its code is never given to another competence (new_code_problem). Refused while
    removal_problem says why. Returns the version it left."""
    check(can_edit(actor))
    _one_editor_at_a_time(framework)
    if not any(c.code == code for c in framework.current.competences):
        raise ValidationError({"code": _l("No such competence")})
    problem = removal_problem(framework, code)
    if problem:
        raise ValidationError({"code": problem})
    version = editable_version(actor, framework)
    competence = next(c for c in version.competences if c.code == code)
    area = competence.area
    before = _filled({"area": area.code, **{name: getattr(competence, name) for name in EDITED_FIELDS[Competence]}})
    db.session.delete(competence)
    db.session.flush()
    db.session.expire(version, ["competences"])
    db.session.expire(area, ["competences"])
    _record_change(actor, version, "competence", code, before, {})
    return version


def area_removal_problem(framework: Framework, code: str) -> str | None:
    """Why the area cannot leave the current version, or None: it has competences, or it is the last one."""
    area = next(a for a in framework.current.areas if a.code == code)
    if area.competences:
        return str(_l("Area %(code)s still has competences: remove them first.", code=code))
    if len(framework.current.areas) == 1:
        return str(_l("Area %(code)s is the framework's only area, and a framework needs one.", code=code))
    return None


def remove_area(actor, framework: Framework, code: str) -> FrameworkVersion:
    """Take an area without competences out of the current version, as edits go in (editable_version); refused
    while it has competences, or when it is the last one. Its code is not given to another area."""
    check(can_edit(actor))
    _one_editor_at_a_time(framework)
    if not any(a.code == code for a in framework.current.areas):
        raise ValidationError({"code": _l("No such area")})
    problem = area_removal_problem(framework, code)
    if problem:
        raise ValidationError({"code": problem})
    version = editable_version(actor, framework)
    area = next(a for a in version.areas if a.code == code)
    before = {"title": area.title}
    db.session.delete(area)
    db.session.flush()
    db.session.expire(version, ["areas"])
    _record_change(actor, version, "area", code, before, {})
    return version


def dropped_between(old: FrameworkVersion, new: FrameworkVersion) -> list[str]:
    """The codes of the competences ``old`` has and ``new`` lacks, in ``old``'s order (a move page says them)."""
    kept = {c.code for c in new.competences}
    return [c.code for c in old.competences if c.code not in kept]


# --- levels people hold -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """One reason to believe someone holds a level."""

    kind: str  # "module" (completed successfully) or "validated" (by a coordinator)
    framework: str
    code: str
    level: int
    achieved_at: datetime
    source: str  # e.g. the module's IRI, or who validated it
    expires_at: datetime | None = None
    note: str = ""  # what a validated level rests on, as its validator wrote it
    version: int | None = None  # of the framework, the one it was earned under (current_levels sets it)

    def counts_at(self, at: datetime) -> bool:
        return self.achieved_at <= at and (self.expires_at is None or at < self.expires_at)


@dataclass
class Level:
    """What current_levels() says of one competence."""

    framework: str
    code: str
    level: int | None  # the highest level evidence supports (None: only self-declared)
    evidence: list[Evidence] = field(default_factory=list)  # the evidence that counts now, best first
    self_declared: int | None = None  # the person's own latest estimate, shown beside

    @property
    def baseline(self) -> int | None:
        """The level to plan from: evidence, else the self-declared level."""
        return self.level if self.level is not None else self.self_declared

    @property
    def is_self_declared_only(self) -> bool:
        return self.level is None and self.self_declared is not None


# Other domains add evidence (courses: modules that grant a level, completed successfully):
# each source is called with (user) and yields Evidence without expiry; validity is applied here.
EVIDENCE_SOURCES: list[Callable[[User], Iterable[Evidence]]] = []


def evidence_source(function):
    """Register a function that yields a user's evidence (decorator)."""
    EVIDENCE_SOURCES.append(function)
    return function


@evidence_source
def _validated(user: User) -> Iterable[Evidence]:
    rows = db.session.scalars(sa.select(ValidatedLevel).where(ValidatedLevel.user_id == user.id,
                                                              ValidatedLevel.withdrawn_at.is_(None))
                              .options(so.joinedload(ValidatedLevel.framework),
                                       so.joinedload(ValidatedLevel.validated_by)))
    for row in rows:
        who = row.validated_by.full_name if row.validated_by else "—"
        yield Evidence("validated", row.framework.slug, row.code, row.level, row.validated_at, who, note=row.note or "")


# ... and say who holds evidence of one competence, for a count a page can afford (reading everyone's levels is
# for the command line): each holder source is called with (framework slug, code) and yields (user id, Evidence)
# of that competence for everyone, in a few queries however many people there are; validity is applied here.
HOLDER_SOURCES: list[Callable[[str, str], Iterable[tuple[int, Evidence]]]] = []


def holder_source(function):
    """Register a function that yields everyone's evidence of one competence (decorator)."""
    HOLDER_SOURCES.append(function)
    return function


@holder_source
def _validated_holders(framework_slug: str, code: str) -> Iterable[tuple[int, Evidence]]:
    rows = db.session.execute(
        sa.select(ValidatedLevel.user_id, ValidatedLevel.level, ValidatedLevel.validated_at).join(Framework)
        .where(Framework.slug == framework_slug, ValidatedLevel.code == code, ValidatedLevel.withdrawn_at.is_(None)))
    for user_id, level, validated_at in rows:
        yield user_id, Evidence("validated", framework_slug, code, level, validated_at, "")


@dataclass(frozen=True)
class Holders:
    """How many people hold a level of one competence (holders()): the people of the programme, whose account is
    active (or invited); those whose account was deactivated (who left, and keep their records) apart."""

    evidence: int  # with evidence that counts now (a validated level, a module completed successfully)
    self_declared: int  # without such evidence, whose latest self-assessment declares a level
    deactivated: int = 0  # deactivated accounts with evidence, or a level declared, not counted above


def holders(framework: Framework, code: str, at: datetime | date | None = None) -> Holders:
    """Who holds a level of the competence ``code`` of the framework at ``at`` (now by default), as
    current_levels() would say person by person, counted in a few queries whatever the number of people: each
    person once, however many pieces of evidence they have; those with none counted apart when their latest
    self-assessment declares a level, and deactivated accounts apart from both."""
    at = moment_of(at) if at is not None else utcnow()
    rules = _rules(framework)
    people: set[int] = set()
    for source in HOLDER_SOURCES:
        for user_id, item in source(framework.slug, code):
            if user_id in people or item.framework != framework.slug or item.code != code:
                continue
            _number, expires_at = _validity(rules, code, item.achieved_at)
            if dataclasses.replace(item, expires_at=expires_at or item.expires_at).counts_at(at):
                people.add(user_id)
    latest: dict[int, int | None] = {}
    for user_id, level in db.session.execute(
            sa.select(SelfAssessment.user_id, SelfAssessment.level)
            .where(SelfAssessment.framework_id == framework.id, SelfAssessment.code == code,
                   SelfAssessment.assessed_at <= at)
            .order_by(SelfAssessment.assessed_at, SelfAssessment.id)):
        latest[user_id] = level
    declared = {user_id for user_id, level in latest.items() if level is not None and user_id not in people}
    # deactivated accounts are few next to everyone: read whole, not asked of each holder
    deactivated = set(db.session.scalars(sa.select(User.id).where(User.is_active.is_(False))))
    return Holders(len(people - deactivated), len(declared - deactivated),
                   len((people | declared) & deactivated))


@dataclass(frozen=True)
class _Rules:
    """What a framework version says of how long evidence counts: {code: months (None: always)}."""

    number: int
    created_at: datetime
    is_current: bool
    months: dict[str, int | None]


def _rules(framework: Framework) -> list[_Rules]:
    """The rules of every version of the framework, oldest first, in one query however many versions it has had."""
    return _rules_of([framework])[framework.id]


def _rules_of(frameworks: list[Framework]) -> dict[int, list[_Rules]]:
    """{framework id: _rules()} of several frameworks, in one query however many frameworks and versions."""
    months: dict[int, dict] = {v.id: {} for framework in frameworks for v in framework.versions}
    rows = db.session.execute(sa.select(Competence.version_id, Competence.code, Competence.validity_months)
                              .where(Competence.version_id.in_(list(months)))) if months else []
    for version_id, code, validity in rows:
        months[version_id][code] = validity
    return {framework.id: [_Rules(v.number, moment_of(v.created_at), v.is_current, months[v.id])
                           for v in sorted(framework.versions, key=lambda v: v.number)] for framework in frameworks}


def _earned_under(rules: list[_Rules], code: str, achieved_at: datetime) -> _Rules | None:
    """The version evidence of ``code`` achieved at ``achieved_at`` was earned under, whose validity it keeps: a
    later version (an edit of the validity, a new file) never changes evidence already earned. Evidence records no
    version, so it is the version current at that moment, which is the newest made by then (a version is current
    from its making until the next one is made); one without the competence (a course still built on an earlier
    version) gives way to the newest earlier one that has it. Evidence older than every version having the
    competence (records from before the framework was loaded) was earned under none Itinera knows: the current
    version decides, else the newest that has the competence. None: no version has it."""
    having = [r for r in rules if code in r.months]
    then = [r for r in having if r.created_at <= achieved_at]
    if then:
        return then[-1]
    return next((r for r in having if r.is_current), having[-1] if having else None)


def _validity(rules: list[_Rules], code: str, achieved_at: datetime) -> tuple[int | None, datetime | None]:
    """(the number of the version evidence was earned under, the moment it stops counting (None: never))."""
    rule = _earned_under(rules, code, achieved_at)
    months = rule.months.get(code) if rule else None
    return (rule.number if rule else None), (_add_months(achieved_at, months) if months else None)


def _add_months(moment: datetime, months: int) -> datetime | None:
    """The moment ``months`` later (the last day of a shorter month); None beyond the calendar (never)."""
    from calendar import monthrange

    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    if not 1 <= year <= 9999:
        return None
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


def moment_of(at: datetime | date) -> datetime:
    """``at`` as current_levels() reads it: a date means the whole of that day (its last moment, UTC), and a
    datetime without a time zone is UTC, as every time Itinera stores."""
    if not isinstance(at, datetime):
        return datetime.combine(at, time.max, tzinfo=timezone.utc)
    return at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)


def current_levels(user: User, at: datetime | date | None = None, framework: str | None = None) -> dict[str, Level]:
    """{code: Level} of one framework (by slug; None: the configured COMPETENCE_FRAMEWORK): per competence, the
    highest level supported by evidence that has not expired at ``at`` (now by default), with that evidence, each
    counting as long as the version it was earned under says (its ``version``: see _earned_under); the
    latest self-assessment is shown beside as self-declared and is the baseline where no evidence exists.
    Evidence and self-assessments of other frameworks never count, even where codes coincide. Every report, plan
    and certificate uses this function."""
    return _levels(user, at, framework)[0]


def _levels(user: User, at: datetime | date | None = None,
            framework: str | None = None) -> tuple[dict[str, Level], dict[str, Evidence]]:
    """current_levels(), and {code: the best evidence that counted once and has expired by ``at``}: the highest
    level, the latest to expire of that level (what the person's profile says no longer counts)."""
    if framework is None:
        framework = current_app.config["COMPETENCE_FRAMEWORK"]
    if not framework:
        raise ValueError("current_levels() needs the slug of a framework: codes mean nothing across frameworks")
    at = moment_of(at) if at is not None else utcnow()
    known = get_framework(framework)
    if known is None:
        return {}, {}
    rules = _rules(known)
    return _count(known, rules, (item for source in EVIDENCE_SOURCES for item in source(user)),
                  latest_self_assessments(user, at), at)


def levels_by_framework(user: User, at: datetime | date | None = None) -> dict[str, dict[str, Level]]:
    """{slug: current_levels() of that framework} of every framework Itinera holds in which the person has
    evidence (expired evidence included) or a latest self-assessment (a withdrawn one included), by slug: a
    framework where nothing counts now gives {}. In as many queries as current_levels() of one framework, however
    many frameworks: each evidence source is read once for all of them."""
    at = moment_of(at) if at is not None else utcnow()
    evidence: dict[str, list[Evidence]] = {}
    for source in EVIDENCE_SOURCES:
        for item in source(user):
            evidence.setdefault(item.framework, []).append(item)
    assessments = latest_self_assessments(user, at)
    if not evidence and not assessments:
        return {}
    known = list(db.session.scalars(
        sa.select(Framework).where(sa.or_(Framework.slug.in_(list(evidence)),
                                          Framework.id.in_({row.framework_id for row in assessments})))
        .order_by(Framework.slug).options(so.selectinload(Framework.versions))))
    rules = _rules_of(known)
    return {framework.slug: _count(framework, rules[framework.id], evidence.get(framework.slug, ()), assessments,
                                   at)[0] for framework in known}


def _count(known: Framework, rules: list[_Rules], evidence: Iterable[Evidence], assessments: list[SelfAssessment],
           at: datetime) -> tuple[dict[str, Level], dict[str, Evidence]]:
    """_levels() of the framework ``known`` from the person's ``evidence`` (of any framework: the others' are left
    out) and latest self-assessments."""
    levels: dict[str, Level] = {}
    expired: dict[str, Evidence] = {}
    for item in evidence:
        if item.framework != known.slug:
            continue
        number, expires_at = _validity(rules, item.code, item.achieved_at)
        item = dataclasses.replace(item, version=number, expires_at=expires_at or item.expires_at)
        if not item.counts_at(at):
            best = expired.get(item.code)
            if item.achieved_at <= at and (best is None or (item.level, item.expires_at) >
                                           (best.level, best.expires_at)):
                expired[item.code] = item
            continue
        entry = levels.setdefault(item.code, Level(item.framework, item.code, None))
        entry.evidence.append(item)
        entry.level = max(entry.level or 0, item.level)
    for entry in levels.values():
        entry.evidence.sort(key=_best_first)
    for assessment in assessments:
        if assessment.framework_id != known.id or assessment.level is None:  # None: withdrawn ("Not sure")
            continue
        entry = levels.setdefault(assessment.code, Level(known.slug, assessment.code, None))
        entry.self_declared = assessment.level
    return levels, expired


def _best_first(evidence: Evidence) -> tuple:
    """The order of a competence's evidence: the highest level first; of one level, the evidence that counts
    longest (never expiring, else expiring last), so that what a profile shows first says until when the level
    counts; then the earliest."""
    lasts = evidence.expires_at is None
    until = 0 if lasts else -evidence.expires_at.timestamp()
    return -evidence.level, not lasts, until, evidence.achieved_at


@dataclass
class ProfileRow:
    """One competence of a person's profile: the competence as the current version has it (as the version the
    evidence was earned under has it, for one a later version dropped), and what current_levels() says of it (None:
    nothing yet)."""

    competence: Competence
    level: Level | None
    level_name: str = ""  # of the level evidence supports, as the version it was earned under names it
    self_declared_name: str = ""
    # evidence of a higher level than any that counts now, which counted once and has expired, and its level's name
    expired: Evidence | None = None
    expired_name: str = ""


@dataclass
class FrameworkChoice:
    """Which framework a person's competences are shown in (None: no framework is loaded), and every framework
    that can be chosen instead (those with a current version, by slug)."""

    framework: Framework | None
    choices: list[Framework]

    @property
    def others(self) -> list[Framework]:
        """The frameworks to offer besides the one shown: none when there is only one to show."""
        return [f for f in self.choices if self.framework is None or f.id != self.framework.id]

    def argument(self, framework: Framework | None = None) -> str | None:
        """The ``?framework=`` of a link to the pages of a person's competences in ``framework`` (by default the
        one shown, so that the links between the pages keep it): none for the configured framework, whose
        addresses stay as they were."""
        return framework_argument(framework or self.framework)


def framework_argument(framework: Framework | None) -> str | None:
    """The ``?framework=`` naming ``framework`` on the pages of a person's competences: none for the configured
    framework (and for None)."""
    if framework is None or framework.slug == current_app.config["COMPETENCE_FRAMEWORK"]:
        return None
    return framework.slug


def framework_choice(slug: str | None = None) -> FrameworkChoice | None:
    """The framework of a person's competences pages (theirs, and staff's page about them): the one ``slug`` names
    (``?framework=``), or without one the configured COMPETENCE_FRAMEWORK (the first framework that can be chosen
    when that one is not loaded). None when ``slug`` names no framework with a current version: the page is not
    found, rather than showing another framework than the one asked for. Three queries, however many frameworks."""
    choices = [framework for framework in frameworks() if framework.current is not None]
    framework = get_framework(slug or current_app.config["COMPETENCE_FRAMEWORK"] or "")
    if framework is not None and framework.current is None:
        framework = None
    if slug and framework is None:
        return None
    if framework is None and choices:
        framework = choices[0]
    return FrameworkChoice(framework, choices)


def profile(viewer: User, user: User, framework: str | None = None) -> tuple[FrameworkVersion | None, list]:
    """The current version of the framework and, for each of its competences, the person's level with its
    evidence and their self-declared level: what the person and those who may see them read. Evidence of a
    competence the current version no longer has (that counts now, or counted once and has expired) is listed after
    them, as the version it was earned under has it; a level is named as that version names it (a later version may
    have fewer levels)."""
    check(can_view_user(viewer, user))
    known = get_framework(framework or current_app.config["COMPETENCE_FRAMEWORK"])
    if known is None:
        return None, []
    return known.current, _profile_rows(user, known)


def own_level(user: User, framework: str, code: str) -> ProfileRow | None:
    """The person's row of profile() for the competence ``code`` (what its page says of their own level), also for a
    competence the current version no longer has that they only estimated (the profile leaves such an estimate
    out: the self-assessment asks the current competences only), as the newest version that has it; None when
    the framework has no such competence."""
    known = get_framework(framework)
    if known is None:
        return None
    return next((row for row in _profile_rows(user, known, estimated=code) if row.competence.code == code), None)


def _profile_rows(user: User, known: Framework, estimated: str | None = None) -> list[ProfileRow]:
    """profile()'s rows; ``estimated``: the code of a competence the current version may no longer have whose row
    an estimate alone gives too."""
    levels, expired = _levels(user, framework=known.slug)
    current, by_number = known.current, {v.number: v for v in known.versions}
    names: dict[int, dict[int, dict]] = {}

    def name(version: FrameworkVersion, number: int | None) -> str:
        if not number:
            return ""
        if not names:  # every version's scale in one query, however many versions the rows name
            names.update(level_names_in(known, by_number))
        return text_in(names.get(version.number, {}).get(number))

    def row(competence: Competence, found: Level | None) -> ProfileRow:
        gone = expired.get(competence.code)
        if gone is not None and found is not None and (found.level or 0) >= gone.level:
            gone = None  # a level as high counts now (renewed): the expired one says nothing more
        gone_name = name(by_number.get(gone.version, current), gone.level) if gone else ""
        if found is None:
            return ProfileRow(competence, None, expired=gone, expired_name=gone_name)
        earned = by_number.get(found.evidence[0].version, current) if found.evidence else competence.version
        return ProfileRow(competence, found, name(earned, found.level),
                          name(current, found.self_declared) or name(earned, found.self_declared),
                          expired=gone, expired_name=gone_name)

    rows = [row(competence, levels.get(competence.code)) for competence in current.competences]
    kept = {competence.code for competence in current.competences}
    shown: dict[str, int | None] = {}  # code: the number of the version whose competence the row shows
    for code in (set(levels) | set(expired)) - kept:
        found = levels.get(code)
        if found is not None and found.evidence:  # as the version the evidence was earned under has it
            shown[code] = found.evidence[0].version
        elif code in expired:
            shown[code] = expired[code].version
        elif code == estimated:  # only an estimate of a competence no longer in the framework: its page says it
            shown[code] = None  # as the newest version that has it
    if shown:
        having: dict[str, list[Competence]] = {}
        for competence in db.session.scalars(  # newest version first, in one query however many versions
                sa.select(Competence).join(Competence.version)
                .where(FrameworkVersion.framework_id == known.id, Competence.code.in_(list(shown)))
                .order_by(FrameworkVersion.number.desc())):
            having.setdefault(competence.code, []).append(competence)
        for code in sorted(shown):
            competence = next((c for c in having.get(code, [])
                               if shown[code] is None or c.version.number == shown[code]), None)
            if competence is not None:
                rows.append(row(competence, levels.get(code)))
    return rows


def latest_self_assessments(user: User, at: datetime | None = None) -> list[SelfAssessment]:
    """The person's latest answer per framework and competence at ``at`` (now by default), withdrawals (rows
    without a level) included."""
    query = sa.select(SelfAssessment).where(SelfAssessment.user_id == user.id)
    if at is not None:
        query = query.where(SelfAssessment.assessed_at <= at)
    latest: dict[tuple[int, str], SelfAssessment] = {}
    for row in db.session.scalars(query.order_by(SelfAssessment.assessed_at, SelfAssessment.id)):
        latest[(row.framework_id, row.code)] = row
    return list(latest.values())


def self_assess(user: User, framework: Framework, answers: dict[str, int | None]) -> int:
    """A person records their own levels ({code: level}) of the framework's current version; earlier answers
    stay as history. An answer equal to the person's latest one adds nothing. ``None`` ("Not sure") withdraws
    the latest estimate: it stops being self-declared and the baseline, and stays in the history; where there is
    no estimate it adds nothing. Returns how many changed (withdrawals included)."""
    saved, withdrawn = record_self_assessment(user, framework, answers)
    return saved + withdrawn


def record_self_assessment(user: User, framework: Framework, answers: dict[str, int | None]) -> tuple[int, int]:
    """self_assess, telling apart (how many estimates were saved, how many withdrawn): counted from what the
    person's latest answers are once their earlier submission (a double click) has been recorded."""
    version = framework.current
    numbers = {level.number for level in version.levels}
    codes = {c.code for c in version.competences}
    errors = {f"level_{code}": _l("Choose a level of the scale for %(code)s", code=code)
              for code, level in answers.items() if code not in codes or (level is not None and level not in numbers)}
    if errors:
        raise ValidationError(errors)
    lock_for_write("self-assessment", user.id)  # a double click: the second submit finds what the first saved
    latest = latest_self_declared(user, framework)
    now = utcnow()
    changed = [SelfAssessment(user_id=user.id, framework_id=framework.id, code=code, level=level, assessed_at=now)
               for code, level in answers.items() if latest.get(code) != level]
    db.session.add_all(changed)
    db.session.flush()
    withdrawn = sum(1 for row in changed if row.level is None)
    return len(changed) - withdrawn, withdrawn


def has_self_assessed(user: User, framework: Framework) -> bool:
    """Whether an estimate of the person stands in ``framework`` (the dashboard invites them to estimate the
    configured one until one does, and again once they have withdrawn every estimate)."""
    return bool(latest_self_declared(user, framework))


def latest_self_declared(user: User, framework: Framework) -> dict[str, int]:
    """{code: level} of the person's latest estimates in one framework (withdrawn ones left out)."""
    return {row.code: row.level for row in latest_self_assessments(user)
            if row.framework_id == framework.id and row.level is not None}


def can_validate_levels(actor, user: User) -> bool:
    """A coordinator of the person's country, or an admin, confirms (and withdraws) levels of trainees; nobody
    their own (an admin may follow the training too). A deactivated account keeps its validations, to withdraw
    one made by mistake, but gets no new one (validate_level)."""
    return (actor.id != user.id and actor.has_role(Role.ADMIN, Role.COORDINATOR) and user.has_role(Role.TRAINEE)
            and can_manage_user(actor, user))


NOTE_MAX_LENGTH = 2000
DEACTIVATED = _l("The levels of a deactivated account cannot be validated: reactivate it first")


def _named(version: FrameworkVersion, code: str, number: int) -> tuple[Competence | None, ProficiencyLevel | None]:
    """The competence ``code`` and the level ``number`` of a version (None for one it does not have)."""
    return (next((c for c in version.competences if c.code == code), None),
            next((level for level in version.levels if level.number == number), None))


def validate_level(actor, user: User, framework: Framework, code: str, level: int, note: str = "") -> ValidatedLevel:
    """A coordinator of the person's country (or an admin) confirms a level, e.g. after a workshop or an
    assessment outside Itinera. It counts as evidence (current_levels) until withdrawn; the person is told."""
    from app.notifications.services import notify

    check(can_validate_levels(actor, user))
    if not user.is_active:  # the page offers no form: only a page opened before the deactivation sends one
        raise ValidationError({"": DEACTIVATED})
    version = framework.current
    errors = {}
    competence, level_row = _named(version, code, level)
    if competence is None:
        errors["code"] = _l("Choose a competence of the framework")
    if level_row is None:
        errors["level"] = _l("Choose a level of the scale")
    note = kept_lines(note)
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = _l("Keep the note under %(num)s characters", num=format_decimal(NOTE_MAX_LENGTH))
    if not errors:
        hold_row(user)  # an account removed meanwhile (an invitation withdrawn) is not found; one being removed waits
        if not user.is_active:  # read again: deactivated since it was read above
            raise ValidationError({"": DEACTIVATED})
        lock_for_write("level-validation", user.id)  # two submits at once (a double click): one after the other
        if _still_validated(user, framework, code, level):
            errors["level"] = _l("Level %(level)s of %(code)s is already validated for %(name)s", level=level,
                                 code=code, name=user.full_name)
    if errors:
        raise ValidationError(errors)
    row = ValidatedLevel(user_id=user.id, framework_id=framework.id, code=code, level=level,
                         validated_by_id=actor.id, note=note)
    db.session.add(row)
    db.session.flush()
    notify(user, "level_validated", code=code, competence=competence.title, level=level, level_name=level_row.name,
           validator=actor.full_name, framework=framework.slug, framework_title=version.title)
    return row


def _still_validated(user: User, framework: Framework, code: str, level: int) -> bool:
    """Whether a validation of this very level, not withdrawn, still counts (a competence may count for some
    months only: after them the level is validated again)."""
    rules, now = _rules(framework), utcnow()
    for validated_at in db.session.scalars(sa.select(ValidatedLevel.validated_at).where(
            ValidatedLevel.user_id == user.id, ValidatedLevel.framework_id == framework.id,
            ValidatedLevel.code == code, ValidatedLevel.level == level, ValidatedLevel.withdrawn_at.is_(None))):
        expires_at = _validity(rules, code, validated_at)[1]
        if expires_at is None or now < expires_at:
            return True
    return False


def has_validations(user: User) -> bool:
    """Whether a level validated for the person stands (an invitation is then not withdrawn, which would remove it
    with the account). A withdrawn one does not count: it was a mistake, and goes with an account never used."""
    return db.session.scalar(sa.select(sa.exists().where(ValidatedLevel.user_id == user.id,
                                                         ValidatedLevel.withdrawn_at.is_(None))))


def validations_of(viewer, user: User, framework: Framework) -> list[ValidatedLevel]:
    """The levels validated for the person in one framework and not withdrawn, newest first."""
    check(can_view_user(viewer, user))
    return list(db.session.scalars(
        sa.select(ValidatedLevel).where(ValidatedLevel.user_id == user.id, ValidatedLevel.framework_id == framework.id,
                                        ValidatedLevel.withdrawn_at.is_(None))
        .options(so.joinedload(ValidatedLevel.validated_by))
        .order_by(ValidatedLevel.validated_at.desc(), ValidatedLevel.id.desc())))


def withdraw_validation(actor, validation: ValidatedLevel) -> None:
    """A validation made by mistake stops counting; it stays on record, withdrawn, and the person is told."""
    from app.notifications.services import notify

    user = db.session.get(User, validation.user_id)
    check(can_validate_levels(actor, user))
    hold_row(validation)  # sent twice at once (a double click): the second finds it withdrawn, and tells nobody
    if validation.withdrawn_at is not None:
        return
    validation.withdrawn_at = utcnow()
    framework = validation.framework
    made_under = _earned_under(_rules(framework), validation.code, validation.validated_at)  # a later one may lack it
    competence, level = _named(get_version(framework, made_under.number) if made_under else framework.current,
                               validation.code, validation.level)
    db.session.flush()
    notify(user, "level_validated", withdrawn=True, code=validation.code,
           competence=competence.title if competence else {"en": ""}, level=validation.level,
           level_name=level.name if level else {"en": ""}, validator=actor.full_name,
           framework=framework.slug, framework_title=framework.current.title if framework.current else {"en": ""})


