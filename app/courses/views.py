import base64
import mimetypes
import re

from flask import abort, current_app, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale
from flask_login import current_user, login_required

from app.courses import bp, render, services
from app.courses.loader import asset_path
from app.extensions import db


OFFLINE_IMAGE_BYTES = 512 * 1024  # larger images stay links in the offline copy


def _course_or_404(slug: str):
    course = services.get_course(slug)
    if course is None or course.current is None:
        abort(404)
    return course, course.current


def _module_or_404(version, slug: str):
    module = next((m for m in version.modules if m.slug == slug), None)
    if module is None:
        abort(404)
    return module


@bp.route("/")
@login_required
def catalogue():
    versions = services.catalogue()
    progress = {v.id: services.course_progress(current_user, v) for v in versions}
    return render_template("courses/catalogue.html", versions=versions, progress=progress)


@bp.route("/<slug>/")
@login_required
def course(slug):
    course, version = _course_or_404(slug)
    enrolment = services.enrolment_of(current_user, course)
    states = services.states(current_user, version)
    done, total = services.course_progress(current_user, version, states)
    resume = services.resume_point(enrolment, states)
    objectives = [o for m in version.modules for o in services.text_of(m).objectives]
    return render_template("courses/course.html", course=course, version=version, states=states, done=done,
                           total=total, resume=resume, started=enrolment is not None, objectives=objectives,
                           competences=services.competences_developed(version))


def _asset_url(course):
    return lambda path: url_for("courses.asset", slug=course.slug, filename=path)


@bp.route("/<slug>/modules/<module>")
@login_required
def module(slug, module):
    course, version = _course_or_404(slug)
    item = _module_or_404(version, module)
    services.open_module(current_user, version, item)
    db.session.commit()
    shown = services.text_of(item)
    index = version.modules.index(item)
    done, total = services.course_progress(current_user, version)
    return render_template("courses/module.html", course=course, version=version, module=item, shown=shown,
                           html=render.to_html(shown.body, _asset_url(course)),
                           previous=version.modules[index - 1] if index > 0 else None,
                           following=version.modules[index + 1] if index + 1 < len(version.modules) else None,
                           done=done, total=total, number=index + 1)


def _offline(html: str, course, version) -> str:
    """For the offline copy: small asset images become data: URLs, so the file needs nothing else; larger
    images and links to assets point at the site with absolute addresses, so they still work when online."""
    root = services.content_root()
    prefix = url_for("courses.asset", slug=course.slug, filename="")
    absolute = url_for("courses.asset", slug=course.slug, filename="", _external=True)

    def replace(match):
        attribute, address = match.group(1), match.group(2)
        path = asset_path(root, version.path, address[len(prefix):])
        if attribute == "src" and path is not None and path.stat().st_size <= OFFLINE_IMAGE_BYTES:
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return f'src="data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"'
        return f'{attribute}="{absolute}{address[len(prefix):]}"'

    return re.sub(r'(src|href)="(' + re.escape(prefix) + r'[^"]+)"', replace, html)


@bp.route("/<slug>/modules/<module>/print")
@login_required
def printable(slug, module):
    course, version = _course_or_404(slug)
    item = _module_or_404(version, module)
    shown = services.text_of(item)
    html = render.to_html(shown.body, _asset_url(course))
    download = request.args.get("download") == "1"
    styles = None
    if download:
        html = _offline(html, course, version)
        with open(current_app.static_folder + "/css/print.css", "rb") as handle:
            styles = "data:text/css;base64," + base64.b64encode(handle.read()).decode()
    with force_locale(shown.locale):  # one language throughout the copy, even when the content fell back
        page = render_template("courses/printable.html", course=course, version=version, module=item,
                               shown=shown, html=html, styles=styles)
    response = make_response(page)
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="{course.slug}-{item.slug}-{shown.locale}.html"'
        # the offline copy carries its stylesheet and images as data: addresses and runs no script
        response.headers["Content-Security-Policy"] = "default-src 'none'; img-src data:; style-src data:"
    return response


@bp.route("/<slug>/assets/<path:filename>")
@login_required
def asset(slug, filename):
    _course, version = _course_or_404(slug)
    path = asset_path(services.content_root(), version.path, filename)
    if path is None:
        abort(404)
    return send_file(path, max_age=3600)


@bp.route("/<slug>/start")
@login_required
def start(slug):
    _course, version = _course_or_404(slug)
    return redirect(url_for("courses.module", slug=slug, module=version.modules[0].slug))
