from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.models import Role
from app.auth.permissions import role_required
from app.competences import bp, files, services
from app.competences.forms import LOCALES, AreaForm, CompetenceForm, LevelForm
from app.errors import ValidationError
from app.extensions import db
from app.forms import apply_errors, options
from app.urls import absolute_url

STAFF = (Role.ADMIN, Role.TRAINER, Role.COORDINATOR)
EDITORS = (Role.ADMIN, Role.TRAINER)


def _framework_or_404(slug: str):
    framework = services.get_framework(slug)
    if framework is None:
        abort(404)
    return framework


def _version_or_404(framework):
    number = request.args.get("version", type=int)
    version = services.get_version(framework, number)
    if version is None:
        abort(404)
    return version


@bp.route("/")
@role_required(*STAFF)
def index():
    return render_template("competences/index.html", frameworks=services.frameworks())


@bp.route("/<slug>/")
@role_required(*STAFF)
def framework(slug):
    framework = _framework_or_404(slug)
    version = _version_or_404(framework)
    return render_template("competences/framework.html", framework=framework, version=version,
                           uses=services.uses_of(version), can_edit=services.can_edit(current_user)
                           and version.is_current)


@bp.route("/<slug>/export/<fmt>")
@role_required(*STAFF)
def export(slug, fmt):
    framework = _framework_or_404(slug)
    data = services.data_of(_version_or_404(framework))
    if fmt == "yaml":
        body, mimetype = files.write_yaml(data), "application/yaml"
    elif fmt == "csv":
        body, mimetype = "\ufeff" + files.write_csv(data), "text/csv"
    else:
        abort(404)
    name = f"{data.slug}-v{data.version}.{fmt}"
    return body, 200, {"Content-Type": f"{mimetype}; charset=utf-8",
                       "Content-Disposition": f'attachment; filename="{name}"'}


def _texts_from(form, names) -> dict:
    return {name: {locale: getattr(form, f"{name}_{locale}").data or "" for locale in LOCALES} for name in names}


def _fill_texts(form, item, names) -> None:
    for name in names:
        for locale in LOCALES:
            getattr(form, f"{name}_{locale}").data = (getattr(item, name) or {}).get(locale, "")


def _saved(framework, before: int):
    if framework.current.number != before:
        flash(_("Saved as version %(number)s: what was built on version %(old)s keeps it.",
                number=framework.current.number, old=before), "success")
    else:
        flash(_("Saved."), "success")


@bp.route("/<slug>/competences/<code>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_competence(slug, code):
    framework = _framework_or_404(slug)
    competence = next((c for c in framework.current.competences if c.code == code), None)
    if competence is None:
        abort(404)
    form = CompetenceForm()
    levels = options([("", _("No target"))] + [(l.number, f"{l.number} – {services.text_in(l.name)}")
                                               for l in framework.current.levels])
    form.target_technician.choices = levels
    form.target_manager.choices = levels
    if request.method == "GET":
        _fill_texts(form, competence, files.TRANSLATED_COMPETENCE_FIELDS)
        form.validity_months.data = competence.validity_months
        form.target_technician.data = str(competence.targets.get("technician", ""))
        form.target_manager.data = str(competence.targets.get("manager", ""))
    if form.validate_on_submit():
        before = framework.current.number
        targets = {p: int(getattr(form, f"target_{p}").data) if getattr(form, f"target_{p}").data else None
                   for p in ("technician", "manager")}
        try:
            services.edit_competence(current_user, framework, code,
                                     _texts_from(form, files.TRANSLATED_COMPETENCE_FIELDS),
                                     validity_months=form.validity_months.data, targets=targets)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            db.session.commit()
            _saved(framework, before)
            return redirect(url_for("competences.framework", slug=slug) + f"#competence-{code}")
    return render_template("competences/edit_competence.html", form=form, framework=framework,
                           competence=competence), 400 if form.errors else 200


def _edit_texts(framework, item, form, groups: tuple, save, anchor: str, heading: str):
    """The form of a level or an area: only translated texts. ``save(texts)`` calls the service."""
    if request.method == "GET":
        _fill_texts(form, item, groups)
    if form.validate_on_submit():
        before = framework.current.number
        try:
            save(_texts_from(form, groups))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            db.session.commit()
            _saved(framework, before)
            return redirect(url_for("competences.framework", slug=framework.slug) + anchor)
    return render_template("competences/edit_simple.html", form=form, framework=framework, heading=heading,
                           groups=groups), 400 if form.errors else 200


@bp.route("/<slug>/levels/<int:number>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_level(slug, number):
    framework = _framework_or_404(slug)
    level = next((l for l in framework.current.levels if l.number == number), None)
    if level is None:
        abort(404)
    return _edit_texts(framework, level, LevelForm(), ("name", "descriptor"),
                       lambda texts: services.edit_level(current_user, framework, number, texts["name"],
                                                         texts["descriptor"]),
                       "#levels", _("Change level %(number)s", number=number))


@bp.route("/<slug>/areas/<code>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_area(slug, code):
    framework = _framework_or_404(slug)
    area = next((a for a in framework.current.areas if a.code == code), None)
    if area is None:
        abort(404)
    return _edit_texts(framework, area, AreaForm(), ("title",),
                       lambda texts: services.edit_area(current_user, framework, code, texts["title"]),
                       f"#area-{code}", _("Change area %(code)s", code=code))


@bp.route("/<slug>/<code>")
def competence(slug, code):
    """The public page of a competence; its address is the competence's IRI, the same in every version."""
    found = services.competence_for_iri(slug, code)
    if found is None:
        abort(404)
    version = found.version
    wanted = request.accept_mimetypes.best_match(["text/html", "application/json", "application/ld+json"])
    if request.args.get("format") == "json" or wanted in ("application/json", "application/ld+json"):
        return jsonify({
            "id": absolute_url("competences.competence", slug=slug, code=code),
            "type": "Competence", "framework": slug, "frameworkVersion": version.number, "code": found.code,
            "area": {"code": found.area.code, "title": found.area.title}, "title": found.title,
            "knowledge": found.knowledge, "skills": found.skills, "attitudesAndValues": found.attitudes,
            "levels": [{"number": l.number, "name": l.name, "descriptor": l.descriptor} for l in version.levels],
            "alignments": found.alignments, "validityMonths": found.validity_months,
        })
    return render_template("competences/competence.html", competence=found, version=version)
