import base64
import io
import math
import os
import re
from urllib.parse import unquote, urlsplit

from babel.units import format_unit
from flask import abort, current_app, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale, format_decimal, get_locale, gettext as _, ngettext
from flask_login import current_user, login_required
from markupsafe import Markup

from app.args import is_prefetch
from app.auth.permissions import check, role_required
from app.competences.services import locale_in, text_in
from app.confirm import ask, confirmed
from app.auth.models import Role
from app.courses import bp, render, services
from app.db import utcnow
from app.errors import abort_with_page, error_page
from app.extensions import db
from app.urls import absolute_url

OFFLINE_IMAGE_BYTES = 512 * 1024  # larger images stay links in the offline copy
ASSET_MAX_AGE = 365 * 24 * 3600  # an asset of a version never changes
# an asset opened on its own that a browser would run script in: a sandbox takes its origin away (shown as an
# image in a module, an SVG is not affected)
ACTIVE_MEDIA_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml")
ASSET_SANDBOX = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'"
# a script asset would be a script of the site (script-src 'self'): it is served as text, which no browser runs
SCRIPT_MEDIA_TYPES = ("text/javascript", "application/javascript", "application/x-javascript", "text/ecmascript",
                      "application/ecmascript")


def _is_active(media_type: str) -> bool:
    """HTML, SVG and any XML document (browsers run XHTML script in every ...+xml type: RDF, XSLT, MathML)."""
    return media_type in ACTIVE_MEDIA_TYPES or media_type.endswith("+xml")


def _course_or_404(slug: str):
    course = services.get_course(slug)
    if course is None or course.current is None:
        abort(404)
    if not services.can_read(current_user, course):
        if services.has_started(current_user, course):  # a bookmark or an old link of theirs: say what happened
            abort(make_response(*error_page(404, "courses/withdrawn.html", version=course.current)))
        abort(404)
    return course, course.current


def _not_in_course(version):
    """A 404 for a module or version the course does not have (an old bookmark, a link to a module since renamed),
    whose page leads to the course it asked for rather than only to the home page."""
    abort_with_page(404, course=version)


def _version_or_404(slug: str, number: int | None):
    course, current = _course_or_404(slug)
    if number is None:
        return course, current
    version = next((v for v in course.versions if v.version == number), None)
    if version is None:
        _not_in_course(current)
    return course, version


def _module_or_404(version, slug: str):
    module = next((m for m in version.modules if m.slug == slug), None)
    if module is None:
        _not_in_course(version.course.current or version)
    return module


@bp.route("/")
@login_required
def catalogue():
    versions = services.catalogue(current_user)
    states = services.states_of(current_user, versions)
    progress = {v.id: services.course_progress(current_user, v, states[v.id]) for v in versions}
    # the tag each course shows, as on the dashboard and the course page: completed, in progress or none
    status = {v.id: "completed" if services.course_finished(states[v.id], *progress[v.id])
              else "in-progress" if any(s.status != "not-started" for s in states[v.id]) else None
              for v in versions}
    return render_template("courses/catalogue.html", versions=versions, progress=progress, status=status)


@bp.route("/<slug>/")
@login_required
def course(slug):
    course, version = _course_or_404(slug)
    enrolment = services.enrolment_of(current_user, course)
    states = services.states(current_user, version)
    done, total = services.course_progress(current_user, version, states)
    objectives: dict[str, str] = {}  # an objective two modules share shows once, where it first appears
    for text in map(services.text_of, version.modules):
        for objective in text.objectives:
            objectives.setdefault(objective, text.locale)
    # started here, or through outside content that reports to the LRS (no enrolment until it completes the course)
    started = enrolment is not None or any(state.status != "not-started" for state in states)
    finished = started and services.course_finished(states, done, total)
    resume = services.continue_at(enrolment, states) if started and not finished else None
    earlier = [v for v in reversed(course.versions) if v is not version]
    services.load_modules(earlier)  # each listed with its modules
    return render_template("courses/course.html", course=course, version=version, states=states, done=done,
                           total=total, resume=resume, started=started, objectives=list(objectives.items()),
                           finished=finished,
                           competences=services.competences_developed(version),
                           # the competences' pages as the framework version the course is built on has them
                           framework_version=version.framework_version.number if version.framework_version
                           and not version.framework_version.is_current else None,
                           grants_evidence=services.grants_evidence(version),
                           earlier=earlier, offline_size=_weight(_offline_size(version)),
                           can_publish=services.can_publish(current_user),
                           in_english=str(get_locale() or "en") not in version.locales)


OFFLINE_PAGE_BYTES = 2000  # the whole course's copy around its modules: title, contents, notes


def _offline_size(version, module=None) -> int:
    """About how many bytes the offline copy of the whole course (or of ``module``) weighs for this reader (see
    services.offline_size)."""
    styles = os.path.getsize(current_app.static_folder + "/css/print.css")
    modules = version.modules if module is None else [module]
    return (services.offline_size(version, str(get_locale() or "en"), OFFLINE_IMAGE_BYTES, modules)
            + math.ceil(styles / 3) * 4 + OFFLINE_PAGE_BYTES + 100 * len(modules))


def _weight(size: int) -> str:
    """A download's size as people read it in their language: "58 kB", "1,2 MB"."""
    locale = get_locale()
    if size < 999_500:
        return format_unit(max(1, round(size / 1000)), "digital-kilobyte", length="short", locale=locale)
    return format_unit(round(size / 1_000_000, 1), "digital-megabyte", length="short", locale=locale,
                       format="#,##0.#")


def _asset_url(version):
    return lambda path: url_for("courses.asset", slug=version.course.slug, number=version.version, filename=path)


def _module_url(version, number: int | None = None):
    """Where a link to another module goes: its page in the reader, or, from a copy of an earlier version, that
    version's copy of the module."""
    if number is None:
        return lambda module, fragment: url_for("courses.module", slug=version.course.slug, module=module) + fragment
    return lambda module, fragment: url_for("courses.printable", slug=version.course.slug, number=number,
                                            module=module) + fragment


@bp.route("/<slug>/modules/<module>")
@login_required
def module(slug, module):
    course, version = _course_or_404(slug)
    item = _module_or_404(version, module)
    # a HEAD request (a link checker, a download manager) reads nothing, nor does a page fetched ahead: no record
    if request.method == "GET" and not is_prefetch():
        services.open_module(current_user, version, item)
    shown = services.text_of(item)
    index = version.modules.index(item)
    done, total = services.course_progress(current_user, version)
    html = render.to_html(shown.body, _asset_url(version), _module_url(version), services.image_sizes(version))
    page = render_template("courses/module.html", course=course, version=version, module=item, shown=shown,
                           html=render.lazy_images(render.lazy_players(html)), sections=render.sections(html),
                           previous=version.modules[index - 1] if index > 0 else None,
                           following=version.modules[index + 1] if index + 1 < len(version.modules) else None,
                           done=done, total=total, number=index + 1,
                           offline_size=_weight(_offline_size(version, item)))
    db.session.commit()  # after rendering, so the page reads no object again
    return page


SITE_ADDRESS = re.compile(r'\b(src|href)="(/(?!/)[^"]*)"')


def _offline(parts: list[str], version) -> list[str]:
    """For the offline copy (of one module, or of each module of the whole course): small asset images become
    data: URLs, so the file needs nothing else; larger images, links to assets and every other address of the
    site (another module, a page) name the site in full, so they still work when online (the file is opened from
    a disk, where /courses/... means nothing). The images of every part are read in one query."""
    prefix = _asset_url(version)("")
    site = _site()
    absolute = site + prefix
    pattern = re.compile(r'(src|href)="' + re.escape(prefix) + r'([^"]+)"')
    assets = {asset.path: asset for asset in version.assets}
    def file_of(name: str) -> str:  # map.svg#legend is the file map.svg
        return unquote(name.partition("#")[0])

    inline = {file_of(name) for html in parts for attribute, name in pattern.findall(html) if attribute == "src"}
    data = services.asset_data([assets[name] for name in sorted(inline)
                                if name in assets and assets[name].size <= OFFLINE_IMAGE_BYTES])

    def replace(match):
        attribute, name = match.group(1), match.group(2)
        asset = assets.get(file_of(name))
        if attribute == "src" and asset is not None and asset.sha256 in data:
            return f'src="data:{asset.media_type};base64,{base64.b64encode(data[asset.sha256]).decode()}"'
        return f'{attribute}="{absolute}{name}"'

    return [SITE_ADDRESS.sub(lambda match: f'{match.group(1)}="{site}{match.group(2)}"', pattern.sub(replace, html))
            for html in parts]


def _site() -> str:
    """The site's public address (ITINERA_BASE_URL), not the Host this request came with: behind a proxy that
    may be an inner name, and a file kept for months must point where readers can reach."""
    return "{0.scheme}://{0.netloc}".format(urlsplit(current_app.config["BASE_URL"]))


def _offline_styles() -> str:
    """The copies' stylesheet as a data: address, so that the offline file carries it."""
    with open(current_app.static_folder + "/css/print.css", "rb") as handle:
        return "data:text/css;base64," + base64.b64encode(handle.read()).decode()


def _offline_policy() -> str:
    """The saved file has no headers: its own policy lets it run no script and load only its data: parts and the
    site's larger images (named in full, see _offline)."""
    return f"default-src 'none'; img-src data: {_site()}; style-src data:"


def _as_download(response, name: str):
    """``name`` ends with the version, the current one's too: a copy saved before the course changed and one
    saved after are two files, never one overwriting the other."""
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.html"'
    # the offline copy carries its stylesheet and images as data: addresses and runs no script
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src data:; style-src data:"
    return response


@bp.route("/<slug>/modules/<module>/print", defaults={"number": None})
@bp.route("/<slug>/v<int:number>/modules/<module>/print")
@login_required
def printable(slug, module, number):
    """A module on its own page, for paper or (``?download=1``) as one file to read offline; with a version
    number, the text of that version as it was, which records nothing."""
    course, version = _version_or_404(slug, number)
    item = _module_or_404(version, module)
    shown = services.text_of(item)
    html = render.to_html(shown.body, _asset_url(version), _module_url(version, number),
                          services.image_sizes(version))
    note = (_("This module is not available in your language yet, so it is shown in English."),
            str(get_locale())) if shown.is_fallback else None  # in the reader's language, before force_locale
    download = request.args.get("download") == "1"
    styles = None
    if download:
        html = _offline([render.players_as_links(html)], version)[0]
        styles = _offline_styles()
    with force_locale(shown.locale):  # one language throughout the copy, even when the content fell back
        page = render_template("courses/printable.html", course=course, version=version, module=item,
                               shown=shown, html=html, styles=styles, note=note, earlier=number is not None,
                               position=version.modules.index(item) + 1, made=utcnow(),
                               # where to read it with progress: an earlier version's module, on the course page
                               address=absolute_url("courses.course", slug=course.slug) if number is not None
                               else absolute_url("courses.module", slug=course.slug, module=item.slug),
                               policy=_offline_policy() if download else None)
    response = make_response(page)
    if download:
        _as_download(response, f"{course.slug}-{item.slug}-{shown.locale}-v{version.version}")
    return response


@bp.route("/<slug>/print", defaults={"number": None})
@bp.route("/<slug>/v<int:number>/print")
@login_required
def printable_course(slug, number):
    """The whole course on one page, every module in order, for paper or (``?download=1``) as one file that a
    trainee downloads once and reads offline; with a version number, that version as it was. Like a module's
    copy it records nothing: reading a copy is nothing Itinera can see."""
    course, version = _version_or_404(slug, number)
    reader = str(get_locale() or "en")
    texts = [services.text_of(item, reader) for item in version.modules]
    # in the reader's language when any module is written in it; else in English throughout, as a module's copy
    locale = reader if any(not text.is_fallback for text in texts) else "en"
    # in the reader's language, before force_locale
    note = (_("This course is not available in your language yet, so its modules are shown in English."), reader)
    module_note = (_("This module is not available in your language yet, so it is shown in English."), reader)
    slugs = {item.slug for item in version.modules}
    elsewhere = _module_url(version, number)

    def module_url(module: str, fragment: str) -> str:  # another module of the copy is a part of the same page
        return "#" + render.anchored(module, fragment) if module in slugs else elsewhere(module, fragment)

    asset_url, sizes = _asset_url(version), services.image_sizes(version)
    bodies = []
    for item, text in zip(version.modules, texts):
        with force_locale(text.locale):  # (a table's name, in the language of the text around it)
            bodies.append(render.shift_headings(render.to_html(text.body, asset_url, module_url, sizes,
                                                               anchors=item.slug)))
    download = request.args.get("download") == "1"
    if download:
        bodies = _offline([render.players_as_links(body) for body in bodies], version)
    else:  # a player weighs hundreds of kilobytes of script: each loads when the reader nears it, as in the reader
        bodies = [render.lazy_players(body) for body in bodies]
    # each module's section, in the language of its text: one shown in English is in English throughout (the
    # template alone, without the site's context, which render_template would read again for every module)
    section = current_app.jinja_env.get_template("courses/_printable_section.html")
    sections = []
    for position, (item, text, body) in enumerate(zip(version.modules, texts, bodies), 1):
        with force_locale(text.locale):
            sections.append(Markup(section.render(
                module=item, shown=text, html=body, position=position, count=len(texts),
                lang=text.locale if text.locale != locale else None,
                note=module_note if text.locale != locale else None)))
    with force_locale(locale):
        page = render_template("courses/printable_course.html", course=course, version=version, texts=texts,
                               sections=sections, locale=locale, note=note if locale != reader else None,
                               made=utcnow(),
                               address=absolute_url("courses.course", slug=course.slug),
                               styles=_offline_styles() if download else None,
                               policy=_offline_policy() if download else None)
    response = make_response(page)
    if download:
        _as_download(response, f"{course.slug}-{locale}-v{version.version}")
    return response


@bp.route("/<slug>/v<int:number>/assets/<path:filename>")
@login_required
def asset(slug, number, filename):
    """A file of a version's assets, as it was synced: the same address always gives the same bytes."""
    _course, version = _version_or_404(slug, number)
    found = services.get_asset(version, filename)
    if found is None:
        abort(404)
    media_type = "text/plain" if found.media_type in SCRIPT_MEDIA_TYPES else found.media_type
    response = send_file(io.BytesIO(services.asset_data([found])[found.sha256]), mimetype=media_type,
                         etag=found.sha256,
                         max_age=ASSET_MAX_AGE, conditional=True, last_modified=version.synced_at)
    if _is_active(found.media_type):
        response.headers["Content-Security-Policy"] = ASSET_SANDBOX
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.immutable = True
    return response


@bp.route("/<slug>/start")
@login_required
def start(slug):
    """Where the trainee goes on with the course (as on its page and the dashboard); the first module when there
    is nothing left to do."""
    course, version = _course_or_404(slug)
    enrolment, states = services.enrolment_of(current_user, course), services.states(current_user, version)
    module = services.continue_at(enrolment, states)
    return redirect(url_for("courses.module", slug=slug, module=(module or version.modules[0]).slug))


@bp.route("/<slug>/publication", methods=["POST"])
@role_required(Role.ADMIN, Role.TRAINER)
def publication(slug):
    """Put a course in the catalogue, or withdraw it (its learners keep their records; the pages close)."""
    course, version = _course_or_404(slug)
    published = request.form.get("published") == "1"
    if not published and course.is_published and not confirmed():
        check(services.can_publish(current_user))
        learners = services.learner_count(course)
        title = text_in(version.title) if version else course.slug
        return ask(_("Withdraw “%(title)s” from the catalogue?", title=title),
                   [ngettext("%(count)s person has started this course. They keep what they achieved, but can no "
                             "longer open its pages until it is put back in the catalogue.",
                             "%(count)s people have started this course. They keep what they achieved, but can no "
                             "longer open its pages until it is put back in the catalogue.",
                             learners, count=format_decimal(learners)) if learners else
                    # its own message: some languages read 0 as singular ("0 pessoa começou")
                    _("0 people have started this course, so no one loses access to it."),
                    _("Only administrators and trainers can open a course that is not in the catalogue.")],
                   _("Withdraw from the catalogue"), url_for("courses.course", slug=slug),
                   crumbs=[(_("Courses"), url_for("courses.catalogue")),
                           (title, url_for("courses.course", slug=slug), locale_in(version.title).replace("_", "-"))],
                   published="0")
    services.set_published(current_user, course, published)
    db.session.commit()
    flash(_("The course is in the catalogue.") if published else
          _("The course is withdrawn from the catalogue: only administrators and trainers can open it."), "success")
    return redirect(url_for("courses.course", slug=slug))
