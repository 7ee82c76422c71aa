"""The catalogue, syncing course versions from files, and following a course (every event through record())."""
import hashlib
import io
import math
import mimetypes
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import imagesize
import sqlalchemy as sa
import sqlalchemy.orm as so
from babel.lists import format_list
from flask import current_app, url_for
from flask_babel import get_locale, gettext, lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.auth.models import Role, User
from app.auth.permissions import check
from app.competences import services as competences
from app.competences.services import Evidence, evidence_source, text_in
from app.courses.loader import CourseContent, Tree, highest_levels, images_shown
from app.courses.render import asset_name
from app.courses.models import AssetBlob, Course, CourseAsset, CourseVersion, Enrolment, Module
from app.db import among, lock_for_write, utcnow
from app.errors import ValidationError
from app.extensions import db
from app.signals import module_completed, module_undone, progress_rebuilt
from app.text import sort_key
from app.xapi import vocabulary as v
from app.xapi.models import Statement
from app.xapi.services import completions_of, moments_of, progress_of, progress_of_people, record, recorded, void


def content_root() -> Path:
    return Path(current_app.config["COURSES_DIR"])


# --- syncing ------------------------------------------------------------------------------------------

@dataclass
class SyncResult:
    slug: str
    version: int
    outcome: str  # "created", "new version", "unchanged" or "refused"
    message: str = ""
    where: str = ""  # for a refusal: the file and line to change, e.g. s3-foundations/course.yaml:2


def _refused(content: CourseContent, message: str, key: str = "version") -> SyncResult:
    line = content.lines.get(key)
    where = f"{content.path}/course.yaml" + (f":{line}" if line else "")
    return SyncResult(content.slug, content.version, "refused", message, where)


def sync_course(content: CourseContent, file_framework_version: int | None = None,
                framework_file: Path | None = None) -> SyncResult:
    """Record a course version from its files. A version already synced must keep its content hash: changed
    content needs a new version number, so nothing changes under learners and issued certificates. Two syncs of
    the course at once (the command run twice) take turns: the second finds what the first made."""
    lock_for_write("course-sync", content.slug)
    course = db.session.scalar(sa.select(Course).where(Course.slug == content.slug))
    if course is None:
        course = Course(slug=content.slug)
        db.session.add(course)
        outcome = "created"
    else:
        outcome = "new version"
        existing = next((v for v in course.versions if v.version == content.version), None)
        if existing is not None:
            if existing.content_hash == content.content_hash:
                if content.assets and not existing.assets:  # synced before assets were kept with versions
                    _keep_assets(existing, content)
                return SyncResult(content.slug, content.version, "unchanged")
            return _refused(content, f"version {content.version} is already synced with different content: raise "
                                     f"the version in course.yaml to {max(v.version for v in course.versions) + 1}")
        newest = max(v.version for v in course.versions)
        if content.version < newest:
            return _refused(content, f"version {content.version} is older than the synced version {newest}: raise the "
                                     f"version in course.yaml to {newest + 1}")
    framework_version = None
    if content.framework:
        framework = competences.get_framework(content.framework)
        file = framework_file or Path("_frameworks") / f"{content.framework}.yaml"
        importing = f"flask --app wsgi competences import {file}"
        if framework is None:
            return _refused(content, f"framework {content.framework!r} is not loaded: import it first with "
                                     f"{importing}", "framework")
        framework_version = framework.current
        unknown = unknown_competences(content.modules, framework_version)
        if unknown:
            # importing the file again helps only when the file is newer than the database's version
            newer = file_framework_version is not None and framework_version.number > file_framework_version
            advice = (f"importing the framework file does not help, since it is at version {file_framework_version}, "
                      f"older: edit the framework in Itinera (or the file, raising its version) to give them back, "
                      f"or change the modules" if newer else f"import the framework file first with {importing}")
            return _refused(content, f"version {framework_version.number} of framework {content.framework!r} in "
                                     f"the database lacks {_listed(unknown)}, which the modules give: {advice}",
                            "framework")
    notes = [_modules_left_behind(course, content)]
    if framework_version is not None and file_framework_version is not None \
            and file_framework_version > framework_version.number:
        # the author edited the framework file and never imported it: the course is not built on what they wrote
        notes.append(f"built on version {framework_version.number} of framework {content.framework!r}, the version "
                     f"Itinera holds, while its file is at version {file_framework_version}: to build it on that "
                     f"one, run {importing}, then flask --app wsgi competences move course "
                     f"{use_reference(content.slug, content.version)} {file_framework_version}")
    note = "; ".join(text for text in notes if text)
    for version in course.versions:
        version.is_current = False
    version = CourseVersion(
        course=course, version=content.version, content_hash=content.content_hash, is_current=True,
        title=content.title, summary=content.summary, audience=list(content.audience),
        estimated_hours=content.estimated_hours, locales=list(content.locales), framework_slug=content.framework,
        framework_version_id=framework_version.id if framework_version else None, path=content.path,
        modules=[Module(slug=m.slug, position=m.position, duration=m.duration,
                        competences=[list(c) for c in m.competences], completion=m.completion,
                        texts={locale: {"title": t.title, "objectives": list(t.objectives), "body": t.body}
                               for locale, t in m.texts.items()})
                 for m in content.modules])
    db.session.add(version)
    _keep_assets(version, content)
    db.session.flush()
    if framework_version is not None:
        competences.record_use(framework_version, "course", use_reference(content.slug, content.version))
    return SyncResult(content.slug, content.version, outcome, note)


def _modules_left_behind(course: Course, content: CourseContent) -> str:
    """What a new version drops that learners have worked on: a module is the same activity only under the same
    folder name, so a renamed one starts again from nothing (said, not refused: it may be meant)."""
    previous = course.current
    if previous is None:
        return ""
    gone = sorted({m.slug for m in previous.modules} - {m.slug for m in content.modules})
    if not gone:
        return ""
    from app.xapi.models import Progress
    from app.xapi.services import activity_key

    keys = [activity_key(v.module_iri(course.slug, slug)) for slug in gone]
    people = db.session.scalar(sa.select(sa.func.count(sa.distinct(Progress.user_id)))
                               .where(Progress.activity_key.in_(keys)))
    return (f"modules of version {previous.version} not in this one: {', '.join(gone)}; "
            f"{people} people have progress on them, which no longer counts for the course (a module keeps its "
            f"progress only under the same folder name)")


def use_reference(slug: str, number: int) -> str:
    """How a course version names itself among a framework version's uses: "<course-slug>@<version>"."""
    return f"{slug}@{number}"


def version_of_use(reference: str) -> CourseVersion | None:
    slug, _sep, number = reference.rpartition("@")
    course = get_course(slug)
    return next((v for v in course.versions if str(v.version) == number), None) if course else None


def unknown_competences(modules, framework_version) -> list[tuple[str, int]]:
    """The (code, level) pairs ``modules`` give that ``framework_version`` lacks: a course can only be built on,
    or moved to, a version holding every competence and level its modules name."""
    codes = {c.code for c in framework_version.competences}
    scale = {level.number for level in framework_version.levels}
    return sorted({(code, level) for module in modules for code, level in module.competences
                   if code not in codes or level not in scale})


def _listed(pairs: list[tuple[str, int]]) -> str:
    """"level 1 of B1, level 2 of B1 and level 1 of C3", as the pages name levels."""
    items = [f"level {level} of {code}" for code, level in pairs]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _keep_assets(version: CourseVersion, content: CourseContent) -> None:
    """Copy the course's asset files into the database with the version, each file's bytes stored once."""
    files = {path: (content.directory / path).read_bytes() for path in content.assets}
    digests = {path: hashlib.sha256(data).hexdigest() for path, data in files.items()}
    known = set(db.session.scalars(sa.select(AssetBlob.sha256).where(AssetBlob.sha256.in_(set(digests.values())))))
    for path, data in files.items():
        digest = digests[path]
        if digest not in known:
            db.session.add(AssetBlob(sha256=digest, data=data))
            known.add(digest)
        name = path.removeprefix("assets/")
        media_type = media_type_of(name)
        width, height = image_size(data, media_type) or (None, None)
        version.assets.append(CourseAsset(path=name, sha256=digest, size=len(data), media_type=media_type,
                                          width=width, height=height))


COMPRESSED = {"gzip": "application/gzip", "bzip2": "application/x-bzip2", "xz": "application/x-xz"}


def media_type_of(name: str) -> str:
    """The type an asset is served as: a compressed file (map.svgz, data.csv.gz) as the compressed bytes it holds,
    not as what it unpacks to, which a browser would fail to show."""
    media_type, encoding = mimetypes.guess_type(name)
    if encoding is not None:
        return COMPRESSED.get(encoding, "application/octet-stream")
    return media_type or "application/octet-stream"


def image_size(data: bytes, media_type: str) -> tuple[int, int] | None:
    """(width, height) of an image file as it says them (an SVG's width and height attributes, a PNG's, JPEG's,
    GIF's or WebP's header), rounded to whole pixels; None for another file, or an image that does not say."""
    if not media_type.startswith("image/"):
        return None
    try:
        width, height = imagesize.get(io.BytesIO(data))
    except Exception:  # a damaged image: the reader's browser copes, the page just does not reserve its place
        return None
    if not (0 < width < 100_000 and 0 < height < 100_000):
        return None
    return max(1, round(width)), max(1, round(height))


_SIZES: dict[str, dict[str, tuple[int, int]]] = {}


_BYTES: dict[str, dict[str, int]] = {}


def asset_bytes(version: CourseVersion) -> dict[str, int]:
    """{path: size in bytes} of the version's assets: one query the first time, then remembered by the version's
    content hash, as image_sizes() does, so that a module page that says what its offline copy weighs asks no
    more of the database."""
    found = _BYTES.get(version.content_hash)
    if found is None:
        found = dict(db.session.execute(sa.select(CourseAsset.path, CourseAsset.size).where(
            CourseAsset.course_version_id == version.id)).all())
        if len(_BYTES) >= 256:
            _BYTES.clear()
        _BYTES[version.content_hash] = found
    return found


def image_sizes(version: CourseVersion) -> dict[str, tuple[int, int]]:
    """{path: (width, height)} of the version's images that say their size: one query the first time, then
    remembered by the version's content hash, which covers every byte of its assets (they cannot change under it),
    so that a module page asks no more of the database for its images."""
    found = _SIZES.get(version.content_hash)
    if found is None:
        found = {row.path: (row.width, row.height) for row in db.session.execute(
            sa.select(CourseAsset.path, CourseAsset.width, CourseAsset.height).where(
                CourseAsset.course_version_id == version.id, CourseAsset.width.is_not(None)))}
        if len(_SIZES) >= 256:
            _SIZES.clear()
        _SIZES[version.content_hash] = found
    return found


def sync(tree: Tree, progress=None) -> list[SyncResult]:
    results = []
    for content in tree.courses:
        framework = tree.frameworks.get(content.framework) if content.framework else None
        results.append(sync_course(content, framework.version if framework else None,
                                   tree.framework_files.get(content.framework)))
        if progress is not None:
            progress(content)
    return results


# --- the catalogue and the reader ---------------------------------------------------------------------

def can_publish(user: User) -> bool:
    """Administrators and trainers put courses in the catalogue, and may open those withdrawn from it."""
    return user.has_role(Role.ADMIN, Role.TRAINER)


def can_read(user: User, course: Course) -> bool:
    return course.is_published or can_publish(user)


# a course's modules without their texts (every module's body in every language: about 40 KB of JSON each, which
# the catalogue and the dashboard would read on every request only to count modules and check their rules)
_MODULES_WITHOUT_TEXTS = so.selectinload(CourseVersion.modules).defer(Module.texts)


def catalogue(user: User) -> list[CourseVersion]:
    """The current versions the user may open, with their course and modules (read with them, not per course,
    and without the modules' texts), in the alphabetical order of their titles in the reader's language."""
    query = (sa.select(CourseVersion).where(CourseVersion.is_current.is_(True)).join(Course).order_by(Course.slug)
             .options(so.contains_eager(CourseVersion.course), _MODULES_WITHOUT_TEXTS))
    if not can_publish(user):
        query = query.where(Course.is_published.is_(True))
    # by title in the reader's language (the slug is read by nobody), accents and case aside
    return sorted(db.session.scalars(query),
                  key=lambda version: (sort_key(text_in(version.title)), version.course.slug))


@dataclass(frozen=True)
class Developing:
    """A course that develops a competence: up to which level, and whether completing it proves that level."""

    version: CourseVersion
    level: int
    proves: bool


def courses_developing(user: User | None, framework_slug: str, code: str) -> list[Developing]:
    """The courses (current versions, those of the catalogue for ``user``; published ones for visitors) with a
    module that grants a level of the competence ``code`` of the framework, by title in the reader's language:
    where a person goes to raise that level. Reads the modules' levels and rules only, not their texts."""
    query = (sa.select(CourseVersion).join(Course)
             .where(CourseVersion.is_current.is_(True), CourseVersion.framework_slug == framework_slug)
             .options(so.contains_eager(CourseVersion.course)))
    if user is None or not user.is_authenticated or not can_publish(user):
        query = query.where(Course.is_published.is_(True))
    versions = {version.id: version for version in db.session.scalars(query)}
    if not versions:
        return []
    granting: dict[int, list[tuple[int, str | None]]] = {}
    for version_id, levels, rule in db.session.execute(
            sa.select(Module.course_version_id, Module.competences, Module.completion)
            .where(Module.course_version_id.in_(list(versions)))):
        for given, level in levels or []:
            if given == code:
                granting.setdefault(version_id, []).append((level, rule))
    # a module proves its level when its rule is a quiz, an assignment or a workshop (Module.rule: a module
    # without a rule is read, or optional)
    found = [Developing(versions[version_id], max(level for level, _rule in modules),
                        any(rule in EVIDENCE_RULES for _level, rule in modules))
             for version_id, modules in granting.items()]
    return sorted(found, key=lambda d: (sort_key(text_in(d.version.title)), d.version.course.slug))


def set_published(actor: User, course: Course, published: bool) -> None:
    check(can_publish(actor))
    course.is_published = published
    db.session.flush()


def learner_count(course: Course) -> int:
    """How many people have started the course."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment).where(Enrolment.course_id == course.id))


def get_asset(version: CourseVersion, path: str) -> CourseAsset | None:
    return db.session.scalar(sa.select(CourseAsset).where(CourseAsset.course_version_id == version.id,
                                                          CourseAsset.path == path))


def asset_data(assets: list[CourseAsset]) -> dict[str, bytes]:
    """{sha256: bytes} of these assets, in one query."""
    digests = {asset.sha256 for asset in assets}
    if not digests:
        return {}
    return {row.sha256: row.data for row in db.session.execute(
        sa.select(AssetBlob.sha256, AssetBlob.data).where(AssetBlob.sha256.in_(digests)))}


# about how much a module's HTML weighs more than its Markdown: tags, ids, the tables' column names
_HTML_OVER_MARKDOWN = 1.25


# the course assets each module text shows, by the text's digest (the texts themselves are not kept: one may be
# a megabyte); a text never changes once synced, and reading one takes milliseconds
_SHOWN: dict[bytes, tuple[str, ...]] = {}
_SHOWN_KEPT = 2048


def _assets_shown(body: str) -> tuple[str, ...]:
    """The course assets a module's text shows as images, as often as it shows them, however it writes them (see
    loader.images_shown); each text is read once, as the course page asks for every module's on each visit."""
    key = hashlib.blake2b(body.encode(), digest_size=16).digest()
    shown = _SHOWN.get(key)
    if shown is None:
        if len(_SHOWN) >= _SHOWN_KEPT:
            _SHOWN.clear()
        shown = _SHOWN[key] = tuple(name for name in map(asset_name, images_shown(body)) if name)
    return shown


def offline_size(version: CourseVersion, locale: str, image_limit: int, modules: list[Module] | None = None) -> int:
    """About how many bytes the offline copy of ``modules`` (by default the whole course) weighs in ``locale``
    (without its stylesheet): the modules' texts as HTML, and each image up to ``image_limit`` bytes as base64 as
    often as it is shown (larger ones stay links). Without making the file: one query, for the sizes of the
    version's images."""
    bodies = [text_of(module, locale).body for module in (version.modules if modules is None else modules)]
    shown: dict[str, int] = {}
    for body in bodies:
        for name in _assets_shown(body):
            shown[name] = shown.get(name, 0) + 1
    sizes = asset_bytes(version) if shown else {}
    images = sum(math.ceil(sizes[path] / 3) * 4 * count for path, count in shown.items()
                 if sizes.get(path, image_limit + 1) <= image_limit)
    return round(sum(len(body.encode()) for body in bodies) * _HTML_OVER_MARKDOWN) + images


def get_course(slug: str) -> Course | None:
    return db.session.scalar(sa.select(Course).where(Course.slug == slug))


@dataclass
class Shown:
    """A module's text in the reader's language, or in English when that language is missing."""

    title: str
    objectives: list
    body: str
    locale: str
    is_fallback: bool


def text_of(module: Module, locale: str | None = None) -> Shown:
    locale = locale or str(get_locale() or "en")
    chosen = locale if locale in module.texts else "en"
    text = module.texts[chosen]
    return Shown(text["title"], text["objectives"], text["body"], chosen, chosen != locale)


def course_iri(course: Course) -> str:
    return v.course_iri(course.slug)


def module_iri(course: Course, module: Module) -> str:
    return v.module_iri(course.slug, module.slug)


def has_started(user: User, course: Course) -> bool:
    """Started here (an enrolment), or through outside content that reports its modules to the LRS."""
    return enrolment_of(user, course) is not None or (
        course.current is not None and any(state.status != "not-started" for state in states(user, course.current)))


def enrolment_of(user: User, course: Course) -> Enrolment | None:
    return db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == user.id,
                                                        Enrolment.course_id == course.id))


def _definition(kind: str, title: dict) -> dict:
    names = {locale.replace("_", "-"): text for locale, text in title.items() if text}
    return {"type": kind, "name": names}


def _context(version: CourseVersion, module: Module | None = None, language: str | None = None) -> dict:
    """The course version as the revision; the language the learner reads the module in, or the course (English
    when their language is missing), or ``language`` (one of the course's)."""
    if module is not None:
        language = text_of(module).locale
    elif language is None:
        language = str(get_locale() or "en")
        language = language if language in version.locales else "en"
    context = {"revision": str(version.version), "platform": v.PLATFORM, "language": language.replace("_", "-")}
    if module is not None:
        context["contextActivities"] = {"parent": [{"id": course_iri(version.course), "objectType": "Activity"}]}
    return context


def start(user: User, version: CourseVersion) -> Enrolment:
    """Self-enrolment on first visit: the registration of every statement; records ``launched`` once."""
    check(can_read(user, version.course))
    enrolment, created = _enrol(user, version.course)
    if created:
        record(user, v.LAUNCHED, course_iri(version.course), registration=enrolment.registration,
               context=_context(version), definition=_definition(v.COURSE, version.title))
    return enrolment


def _enrol(user: User, course: Course) -> tuple[Enrolment, bool]:
    """The person's enrolment on the course, made now when there is none: (enrolment, whether made now)."""
    enrolment = enrolment_of(user, course)
    if enrolment is not None:
        return enrolment, False
    # the person's progress lock first, as the LRS takes it before it enrols someone whose outside content completes
    # the course (_course_completed_by): taken after the new row, each would wait for the other
    lock_for_write("xapi-progress", user.id)
    enrolment = Enrolment(user_id=user.id, course_id=course.id)
    try:
        with db.session.begin_nested():  # two first visits at once (a double tap): one enrols
            db.session.add(enrolment)
    except IntegrityError:
        found = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == user.id,
                                                             Enrolment.course_id == course.id))
        if found is None:
            raise
        return found, False
    return enrolment, True


def required_modules(version: CourseVersion) -> list[Module]:
    """The modules the course asks for: those with a completion rule (``Module.rule``: every module of a course
    that names no rule)."""
    return [m for m in version.modules if m.rule]


def open_module(user: User, version: CourseVersion, module: Module) -> None:
    """The reader shows a module: ``experienced``; for a module completed by viewing (or in a course that names
    no rule), ``completed`` (once); and when every module with a rule is done, the course is ``completed`` (once:
    the projection has it recorded as the last module's statement is stored, see _course_completed_by)."""
    enrolment = start(user, version)
    enrolment.last_module, enrolment.last_seen_at = module.slug, utcnow()
    definition = _definition(v.MODULE, {locale: t["title"] for locale, t in module.texts.items()})
    iri, course = module_iri(version.course, module), course_iri(version.course)
    context = _context(version, module)
    record(user, v.EXPERIENCED, iri, registration=enrolment.registration, context=context, definition=definition)
    known = progress_of(user, [iri, course])
    if module.rule == "viewed" and not (iri in known and known[iri].is_completed):
        record(user, v.COMPLETED, iri, registration=enrolment.registration, context=context,
               result={"completion": True}, definition=definition)
    elif not (course in known and known[course].is_completed):
        # modules done before the course's statement was recorded as they were (progress from outside content
        # before 2026-12-06): recorded at this visit
        check_course_completion(user, version, enrolment)


def check_course_completion(user: User, version: CourseVersion, enrolment: Enrolment | None = None,
                            language: str | None = None) -> bool:
    """A course is achieved when every module with a completion rule is completed successfully: record its
    ``completed`` (once), with the registration of the person's enrolment (made now, without ``launched``, when
    their progress came only from outside content) and ``language`` (one of the course's; by default the
    reader's). True when recorded now."""
    course = course_iri(version.course)
    states = progress_of(user, [course] + [module_iri(version.course, m) for m in required_modules(version)])
    if (course in states and states[course].is_completed) or not achieved(user, version, states):
        return False
    enrolment = enrolment or _enrol(user, version.course)[0]
    record(user, v.COMPLETED, course, registration=enrolment.registration,
           context=_context(version, language=language), result={"completion": True},
           definition=_definition(v.COURSE, version.title))
    return True


@module_completed.connect
def _course_completed_by(user_id: int, course: str, modules: list[tuple[str, dict | None]], **_) -> None:
    """The projection shows modules done, whatever sent their statements (the reader, or outside content through
    the LRS): when that completes the course, the course's ``completed`` is recorded now, in the same transaction,
    in the language of the first of them the course asks for (what its check would have seen first). It goes
    through record() and the projection too, but a course is no module: nothing more follows from it."""
    found = get_course(course)
    version = found.current if found is not None else None
    if version is None:
        return
    counted = {m.slug for m in version.modules if m.rule}
    statement = next((statement for module, statement in modules if module in counted), False)
    if statement is False:  # none of them is a module the course asks for (an optional one, or one it dropped)
        return
    user = db.session.get(User, user_id)
    check_course_completion(user, version, language=_language_for(user, version, statement))


def achieved(user: User, version: CourseVersion, states: dict | None = None) -> bool:
    """Whether the projection shows every module the course version asks for done (False when it asks for none);
    ``states``: the person's progress rows by IRI, read already."""
    required = required_modules(version)
    if states is None:
        states = progress_of(user, [module_iri(version.course, m) for m in required])
    return bool(required) and all(module_done(m, states.get(module_iri(version.course, m))) for m in required)


@module_undone.connect
def _course_undone_by(user_id: int, course: str, modules: list[tuple[str, dict | None]], **_) -> None:
    """The projection no longer shows modules done (a voiding, or a failure scored above a pass): the course's
    ``completed`` that Itinera recorded is voided, by Itinera and in the same transaction, once the version it was
    recorded under (its context.revision) is no longer achieved; one completed under an earlier version stands
    while what that version asked for stands. The current version is then checked as a module visit would check
    it, in the language of the voided statement: the course is completed again at once when that version is
    achieved (it asks for less), else when its last module is done again. A ``completed`` that a client sent
    about the course itself is that client's to void."""
    found = get_course(course)
    if found is None:
        return
    user = db.session.get(User, user_id)
    voided = _void_unsupported(user, found)
    if voided and found.current is not None:
        check_course_completion(user, found.current, language=_language_for(user, found.current, voided[-1].data))


def _void_unsupported(user: User, course: Course, states: dict | None = None) -> list[Statement]:
    """Void the course's ``completed`` statements Itinera recorded whose version (their context.revision, else
    the current one) is no longer achieved; returns them. ``states``: the person's progress rows by IRI, read
    already (every module the course's versions ask for)."""
    voided = []
    for statement in recorded(user, v.COMPLETED, course_iri(course)):
        revision = str((statement.data.get("context") or {}).get("revision", ""))
        version = next((version for version in course.versions if str(version.version) == revision), course.current)
        if version is None or not achieved(user, version, states):
            void(statement)
            voided.append(statement)
    return voided


@progress_rebuilt.connect
def _courses_reconciled(_sender, people: dict[int, list[str]], **_) -> tuple[int, int]:
    """The rebuilt projection decides, as the receivers above decide statement by statement, which courses stand
    completed: for each person and course their progress names, the ``completed`` statements Itinera recorded
    that nothing supports any more are voided (_course_undone_by), and the course is completed when its current
    version is achieved and it was not (_course_completed_by), in the language of the statement with which its
    last module was done. The batch's progress is read in one query: a person and course with nothing to do cost
    none (a course not completed) or one (a completed one's statements). Returns (completions recorded,
    statements voided)."""
    users = {user.id: user for user in db.session.scalars(sa.select(User).where(among(User.id, list(people))))}
    courses = {slug: get_course(slug) for slug in sorted({slug for slugs in people.values() for slug in slugs})}
    courses = {slug: course for slug, course in courses.items() if course is not None}
    iris = {course_iri(course) for course in courses.values()} | {
        module_iri(course, m) for course in courses.values() for version in course.versions
        for m in required_modules(version)}
    progress = progress_of_people(list(people), sorted(iris))
    recorded_now = voided_now = 0
    for user_id, slugs in sorted(people.items()):
        user, states = users[user_id], progress.get(user_id, {})
        for course in (courses[slug] for slug in slugs if slug in courses):
            row = states.get(course_iri(course))
            completed = row is not None and row.is_completed  # what Itinera recorded and stands is folded
            voided = _void_unsupported(user, course, states) if completed else []
            voided_now += len(voided)
            version = course.current
            if version is None or (completed and not voided) or not achieved(user, version, states):
                continue
            statement = voided[-1].data if voided else _last_completing(version, states)
            recorded_now += check_course_completion(user, version, language=_language_for(user, version, statement))
    return recorded_now, voided_now


def _last_completing(version: CourseVersion, states: dict) -> dict | None:
    """The statement with which the last of the version's required modules was done (its pass, else its
    completion), all of them done in ``states``."""
    rows = [states[module_iri(version.course, m)] for m in required_modules(version)]
    last = max(rows, key=lambda row: (row.completed_at, row.last_seen_at))
    statement_id = last.passed_statement or last.completed_statement
    return db.session.scalar(sa.select(Statement.data).where(Statement.id == statement_id)) if statement_id else None


def _language_for(user: User, version: CourseVersion, statement: dict | None) -> str:
    """The course language the completing statement names (content reports the language it was followed in), else
    the person's own if the course has it, else English."""
    said = ((statement or {}).get("context") or {}).get("language")
    offered = {locale.lower(): locale for locale in version.locales}  # "pt-br" is pt_BR: tags have no case
    candidates = [said.replace("-", "_"), said.split("-")[0]] if isinstance(said, str) else []
    return next((offered[c.lower()] for c in candidates + [user.locale or ""] if c.lower() in offered), "en")


def module_done(module: Module, state) -> bool:
    """Completed as the module's rule asks: read (viewed, or no rule), attended (workshop), or completed
    successfully (a quiz passed, an assignment approved). ``state`` is its progress row, if any."""
    if state is None or not state.is_completed:
        return False
    return module.rule in (None, "viewed", "workshop") or bool(state.success)


@dataclass
class ModuleState:
    module: Module
    status: str  # "not-started", "in-progress", "completed"; "read": an optional module opened (nothing more to do)


def states(user: User, version: CourseVersion) -> list[ModuleState]:
    """Each module's status from the progress projection."""
    return states_of(user, [version])[version.id]


def states_of(user: User, versions: list[CourseVersion], found: dict | None = None) -> dict[int, list[ModuleState]]:
    """states() of several course versions, by version id, in one query however many they are (none when
    ``found``, the person's progress rows by IRI, is given)."""
    iris = {version.id: {module_iri(version.course, m): m for m in version.modules} for version in versions}
    if found is None:
        found = progress_of(user, [iri for modules in iris.values() for iri in modules])
    result = {}
    for version_id, modules in iris.items():
        result[version_id] = []
        for iri, module in modules.items():
            state = found.get(iri)
            if state is None:
                status = "not-started"
            elif module_done(module, state):
                status = "completed"
            elif module.rule is None:  # optional: never completed, and nothing left to do once opened
                status = "read"
            else:
                status = "in-progress"
            result[version_id].append(ModuleState(module, status))
    return result


def course_progress(user: User, version: CourseVersion,
                    module_states: list[ModuleState] | None = None) -> tuple[int, int]:
    """(modules completed, modules with a completion rule): what the progress bar shows. Pass the
    ``states()`` already read, if any, to spare the query."""
    required = {m.slug for m in required_modules(version)}
    module_states = states(user, version) if module_states is None else module_states
    done = sum(1 for s in module_states if s.module.slug in required and s.status == "completed")
    return done, len(required)


def competences_developed(version: CourseVersion) -> list[tuple[str, str, str]]:
    """(code, title, level name) of each competence the course develops, up to the highest level its modules
    give, in the reader's language and from the framework version the course was synced against; in the
    framework's order, as every other list of competences (codes the framework lacks come last)."""
    framework_version = version.framework_version
    if framework_version is None and version.framework_slug:
        framework = competences.get_framework(version.framework_slug)
        framework_version = framework.current if framework else None
    titles = {c.code: competences.text_in(c.title) for c in framework_version.competences} \
        if framework_version else {}
    names = {l.number: competences.text_in(l.name) for l in framework_version.levels} if framework_version else {}
    rank = {code: index for index, code in enumerate(titles)}  # (the version's competences come in its order)
    developed = sorted(highest_levels(version.modules).items(), key=lambda item: (rank.get(item[0], len(rank)), item))
    return [(code, titles.get(code, code), names.get(level, str(level))) for code, level in developed]


def continue_at(enrolment: Enrolment | None, module_states: list[ModuleState]) -> Module | None:
    """Where a trainee goes on with a course, wherever it is offered (course page, dashboard, /start): the module
    last read here while it is not completed; else the next one not completed, or an earlier one left behind.
    Without a last module (progress made through outside content only, or a module gone in a newer version), the
    first module not completed. An optional module once opened has nothing left to do (it is never completed).
    None when every module is completed."""
    def pending(state: ModuleState) -> bool:
        return state.status == "not-started" or (state.status != "completed" and state.module.rule is not None)

    left = [s.module for s in module_states if pending(s)]
    slug = enrolment.last_module if enrolment is not None else None
    last = next((s for s in module_states if slug and s.module.slug == slug), None)
    if last is not None and pending(last):
        return last.module
    following = next((m for m in left if m.position > last.module.position), None) if last is not None else None
    return following or next(iter(left), None)


def course_finished(module_states: list[ModuleState], done: int, total: int) -> bool:
    """Every module the course requires is completed (every module, when it requires none)."""
    return done >= total if total else all(s.status == "completed" for s in module_states)


def courses_started(user: User) -> list[dict]:
    """The courses a person has started, the one read last first: the current version, modules done of those
    required, whether it is finished, the module to go on with (None when finished), and whether the course was
    withdrawn from the catalogue (its pages closed to the person, who keeps what they achieved). Started here,
    or through outside content that reports progress on its modules to the LRS (which makes no enrolment until it
    completes the course).
    The modules are read without their texts: ``load_texts`` the ones shown."""
    enrolments = list(db.session.scalars(sa.select(Enrolment).where(Enrolment.user_id == user.id).order_by(
        Enrolment.last_seen_at.desc().nulls_last(), Enrolment.started_at.desc())))
    # every current version (withdrawn ones too) with its course and modules, and the person's progress on all
    # of them: a few queries however many courses there are
    current = (sa.select(CourseVersion).where(CourseVersion.is_current.is_(True)).order_by(CourseVersion.id)
               .options(so.joinedload(CourseVersion.course), _MODULES_WITHOUT_TEXTS))
    versions: dict[int, CourseVersion] = {}
    for version in db.session.scalars(current):
        versions.setdefault(version.course_id, version)
    by_iri = {module_iri(version.course, module): version for version in versions.values()
              for module in version.modules}
    found = progress_of(user, list(by_iri))
    all_states = states_of(user, list(versions.values()), found)
    result = []
    for enrolment in enrolments:
        version = versions.get(enrolment.course_id)
        if version is not None:
            result.append(_course_item(user, version, enrolment, enrolment.last_seen_at or enrolment.started_at,
                                       all_states[version.id]))
    enrolled = {enrolment.course_id for enrolment in enrolments}
    seen: dict = {}
    for iri, row in found.items():
        version = by_iri[iri]
        if version.course_id not in enrolled:
            seen[version] = max(seen.get(version, row.last_seen_at), row.last_seen_at)
    for version, last_seen_at in sorted(seen.items(), key=lambda item: item[1], reverse=True):
        result.append(_course_item(user, version, None, last_seen_at, all_states[version.id]))
    return result


def load_modules(versions: list[CourseVersion]) -> None:
    """Read the modules of these course versions (a course's earlier versions, listed with their modules) in one
    query, not one per version."""
    pending = [v for v in versions if "modules" in sa.inspect(v).unloaded]
    if not pending:
        return
    found: dict[int, list[Module]] = {v.id: [] for v in pending}
    for module in db.session.scalars(sa.select(Module).where(Module.course_version_id.in_(list(found)))
                                     .order_by(Module.position)):
        found[module.course_version_id].append(module)
    for version in pending:
        so.attributes.set_committed_value(version, "modules", found[version.id])


def load_texts(modules) -> None:
    """Read the texts of these modules, read without them (``catalogue``, ``courses_started``), in one query
    rather than one each when they are shown (None in the list is skipped)."""
    ids = [m.id for m in modules if m is not None and "texts" in sa.inspect(m).unloaded]
    if ids:
        db.session.scalars(sa.select(Module).where(Module.id.in_(ids)).options(so.undefer(Module.texts))).all()


def _course_item(user: User, version: CourseVersion, enrolment: Enrolment | None, last_seen_at,
                 module_states: list[ModuleState]) -> dict:
    withdrawn = not can_read(user, version.course)
    done, total = course_progress(user, version, module_states)
    finished = course_finished(module_states, done, total)
    return {"version": version, "done": done, "total": total, "finished": finished,
            "resume": None if finished or withdrawn else continue_at(enrolment, module_states),
            "withdrawn": withdrawn, "last_seen_at": last_seen_at}


# --- evidence for current_levels ----------------------------------------------------------------------

# the completion rules whose success is evidence of the levels a module grants; reading alone never is
EVIDENCE_RULES = ("quiz", "assignment", "workshop")


def grants_evidence(version: CourseVersion) -> bool:
    """Whether completing the course can raise a competence level: a module of it grants a level and is completed
    by a quiz, an assignment or a workshop (a course only read develops competences but proves none)."""
    return any(module.competences and module.rule in EVIDENCE_RULES for module in version.modules)


def _granting_modules() -> dict[str, list[Module]]:
    """The modules that grant a level (quizzes, assignments, workshops naming competences) by their IRI, each
    version's: with their course versions, courses and the courses' versions (which version a learner did), read
    together rather than a course at a time, and without their texts."""
    modules = db.session.scalars(
        sa.select(Module).join(Module.course_version).where(Module.completion.in_(EVIDENCE_RULES))
        .options(so.defer(Module.texts), so.contains_eager(Module.course_version).joinedload(CourseVersion.course)
                 .selectinload(Course.versions))).all()
    by_iri: dict[str, list[Module]] = {}
    for module in modules:
        if module.competences:
            by_iri.setdefault(module_iri(module.course_version.course, module), []).append(module)
    return by_iri


def _done_and_when(versions: list[Module], state, moments) -> tuple[Module | None, datetime | None]:
    """The module (of the version the learner did) whose completion ``state`` shows done, and when its level was
    achieved: when the module was passed (the first success), not when it was first completed; (None, None)
    when it is not done."""
    decisive = moments.get(state.passed_statement) or moments.get(state.completed_statement)
    module = _module_done_in(versions, decisive)
    if module is None or not module_done(module, state):
        return None, None
    passed = moments.get(state.passed_statement)
    return module, state.completed_at if module.completion == "workshop" or passed is None else passed.timestamp


@evidence_source
def _module_evidence(user: User):
    """Modules that grant a level and were completed successfully: a quiz passed, an assignment approved, a
    workshop attended; never a module only viewed. What a module grants is what the version the learner did
    says (the statement's context.revision), not what a later version of the course says."""
    by_iri = _granting_modules()
    if not by_iri:
        return
    states = progress_of(user, list(by_iri))
    moments = moments_of(statement for state in states.values()
                         for statement in (state.passed_statement, state.completed_statement))
    for iri, state in states.items():
        module, achieved = _done_and_when(by_iri[iri], state, moments)
        if module is None:
            continue
        framework = module.course_version.framework_slug
        for code, level in module.competences:
            yield Evidence("module", framework, code, level, achieved, iri)


@competences.holder_source
def _module_holders(framework_slug: str, code: str):
    """_module_evidence() of everyone, for one competence: the modules that grant a level of it, everyone's
    completions of them and the statements that date them, in a query each however many people did them."""
    by_iri = _granting_modules()

    def granted(module: Module) -> int | None:
        if module.course_version.framework_slug != framework_slug:
            return None
        return max((level for given, level in module.competences if given == code), default=None)

    by_iri = {iri: found for iri, found in by_iri.items() if any(granted(module) is not None for module in found)}
    completions = completions_of(list(by_iri))
    moments = moments_of(statement for _iri, state in completions
                         for statement in (state.passed_statement, state.completed_statement))
    for iri, state in completions:
        module, achieved = _done_and_when(by_iri[iri], state, moments)
        level = granted(module) if module is not None else None
        if level is None:
            continue
        yield state.user_id, Evidence("module", framework_slug, code, level, achieved, iri)


@dataclass(frozen=True)
class ModuleName:
    """How a person's profile names the module some evidence comes from."""

    title: str
    locale: str  # of the title (English when the module is missing in the reader's language)
    course: str
    course_locale: str


def modules_named(iris) -> dict[str, ModuleName]:
    """The modules of ours named by these IRIs (evidence's sources), as their newest version names them, in the
    reader's language: one query, and only those modules' rows of the newest version that has each (a row holds
    the module's body in every language, and each version of a course has its own)."""
    pairs = {iri: pair for iri in set(iris) if (pair := v.module_of(iri)) is not None}
    if not pairs:
        return {}
    later, later_module = so.aliased(CourseVersion), so.aliased(Module)
    newest_synced = (sa.select(sa.func.max(later.synced_at)).select_from(later_module)
                     .join(later, later_module.course_version_id == later.id)
                     .where(later.course_id == CourseVersion.course_id, later_module.slug == Module.slug)
                     .scalar_subquery())
    rows = db.session.execute(
        sa.select(Course.slug, CourseVersion.title, Module).join(Module.course_version).join(CourseVersion.course)
        .where(Course.slug.in_({course for course, _ in pairs.values()}),
               Module.slug.in_({module for _, module in pairs.values()}), CourseVersion.synced_at == newest_synced)
        .order_by(CourseVersion.synced_at))
    newest = {(slug, module.slug): (title, module) for slug, title, module in rows}  # the newest version last
    named = {}
    for iri, pair in pairs.items():
        if pair in newest:
            title, module = newest[pair]
            shown = text_of(module)
            named[iri] = ModuleName(shown.title, shown.locale, text_in(title), competences.locale_in(title))
    return named


def _module_done_in(modules: list[Module], moment) -> Module | None:
    """Which version of a module the learner did, among those that grant levels: the version Itinera recorded as
    the statement's revision; else (outside content, whose revision is its own) the version that was current
    then. None when that version's module grants nothing."""
    if moment is None:
        return None
    by_number = {module.course_version.version: module for module in modules}
    versions = sorted(modules[0].course_version.course.versions, key=lambda version: version.synced_at)
    revision = moment.revision.strip() if moment.by_itinera and moment.revision else ""
    if revision.isdigit() and int(revision) in {version.version for version in versions}:
        return by_number.get(int(revision))
    then = [version for version in versions if version.synced_at <= moment.timestamp] or versions[:1]
    return by_number.get(then[-1].version)


def _describe_course_use(use) -> tuple[str, str] | None:
    version = version_of_use(use.reference)
    if version is None:
        return None
    return text_in(version.title), url_for("courses.course", slug=version.course.slug)


@competences.use_mover("course", describe=_describe_course_use)
def _move_course(use, framework_version) -> None:
    """Point the course version behind a use at another version of its framework (admins and trainers may);
    refused when a module names a competence or a level that version lacks."""
    version = version_of_use(use.reference)
    if version is None:
        raise ValidationError({"version": _l("The course version %(reference)s no longer exists",
                                             reference=use.reference)})
    unknown = unknown_competences(version.modules, framework_version)
    if unknown:
        items = format_list([gettext("level %(level)s of %(code)s", level=level, code=code) for code, level in unknown],
                            locale=get_locale())
        raise ValidationError({"version": _l("Version %(number)s of the framework lacks %(items)s, which the "
                                             "course's modules give", number=framework_version.number, items=items)})
    version.framework_version = framework_version
