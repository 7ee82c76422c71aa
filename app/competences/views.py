from babel.lists import format_list
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.args import paginate, parse_id
from app.auth.models import Role
from app.auth.permissions import STAFF, role_required
from app.competences import bp, files, linked_data, services
from app.competences.forms import (FIELD_LABELS, LOCALES, AreaForm, CompetenceForm, FrameworkForm, LevelForm, MoveForm,
                                   NewAreaForm, NewCompetenceForm, RemoveForm)
from app.competences.models import FrameworkUse
from app.confirm import ask, confirmed
from app.errors import TITLES, ValidationError
from app.extensions import db
from app.forms import apply_errors, leaf_fields, more_errors, options
from app.template_helpers import LANGUAGE_NAMES, POSITION_LABELS
from app.urls import absolute_url

EDITORS = (Role.ADMIN, Role.TRAINER)


def _framework_or_404(slug: str):
    framework = services.get_framework(slug)
    if framework is None:
        abort(404)
    return framework


def _version_arg() -> int | None:
    """The version number asked for with ``?version=N``: None (the current version) when there is none, 404 when
    it is not a number."""
    text = request.args.get("version")
    if text is None:
        return None
    number = parse_id(text)
    if number is None:
        abort(404)
    return number


def _version_or_404(framework):
    version = services.get_version(framework, _version_arg())
    if version is None:
        abort(404)
    return version


@bp.route("/")
@role_required(*STAFF)
def index():
    frameworks = services.frameworks()
    counts = services.competence_counts([f.current for f in frameworks if f.current is not None])
    return render_template("competences/index.html", frameworks=frameworks, counts=counts)


def _move_form(framework, use, formdata=None):
    """The form that moves a use to another version of the framework (None when there is no other version)."""
    others = [v for v in framework.versions if v.id != use.version_id]
    if not others:
        return None
    form = MoveForm(prefix=f"use-{use.id}", formdata=formdata)
    form.version.label.text = _("Move %(reference)s to", reference=use.reference)
    form.version.choices = options([(v.number, _("Version %(number)s", number=v.number)) for v in reversed(others)])
    return form


def _framework_page(framework, version, moving=None):
    """The framework page; ``moving`` is a move form sent with errors, shown in place of its blank one."""
    uses = services.uses_of(version)
    forms = {use.id: _move_form(framework, use) for use in uses if services.can_move(current_user, use)}
    if moving is not None:
        forms[moving[0]] = moving[1]
    return render_template("competences/framework.html", framework=framework, version=services.load_areas(version),
                           uses=uses, described={use.id: services.describe_use(use) for use in uses},
                           use_counts=services.use_counts(framework), alignment_name=services.alignment_name,
                           move_forms={k: f for k, f in forms.items() if f is not None}, USE_KINDS=services.USE_KINDS,
                           failed=moving[1] if moving else None, remove_form=RemoveForm(),
                           can_edit=services.can_edit(current_user) and version.is_current, level_label=_level_label,
                           is_editor=services.can_edit(current_user))


HTML, JSON_LD, JSON = "text/html", "application/ld+json", "application/json"
FORMATS = {"jsonld": JSON_LD, "json": JSON}  # ?format=: what a link (from the page's head) asks for


def _wanted() -> str:
    """What the client asked for: ``?format=``, else the Accept header's best of HTML (also what a browser and a
    client that says nothing get), JSON-LD (linked-data clients, credential verifiers) and JSON (an LRS looking an
    activity id up sends ``Accept: application/json, */*``)."""
    asked = FORMATS.get(request.args.get("format", ""))
    return asked or request.accept_mimetypes.best_match([HTML, JSON_LD, JSON], default=HTML)


def _not_found_as_json():
    """A client that asked for JSON is answered in JSON, whatever its Accept header says."""
    return jsonify(error="Not Found", message=str(TITLES[404])), 404


def _json_ld(document: dict):
    response = current_app.json.response(document)
    response.mimetype = JSON_LD
    return response


def _spelled_as_iri(slug: str, code: str | None = None, unless: tuple | None = None):
    """A redirect, for good, to the address as the framework's slug and the competence's code are spelled (an
    address asked for in other capitals, or with a final slash), the query kept; None when there is nothing to
    lead to (the caller answers 404 as before), or when it would lead to ``unless`` (the address asked for)."""
    parts = services.iri_parts(slug, code)
    if parts is None or parts == unless:
        return None
    target = (url_for("competences.framework", slug=parts[0]) if code is None
              else url_for("competences.competence", slug=parts[0], code=parts[1]))
    query = request.query_string.decode("latin-1")
    return redirect(f"{target}?{query}" if query else target, code=301)


@bp.route("/<slug>/")
def framework(slug):
    """The framework page, for staff; asked for as JSON(-LD), the framework's description, for anyone: what it
    says (the scale, the areas, the competences) every competence's public page says already."""
    if services.get_framework(slug) is None and (moved := _spelled_as_iri(slug)) is not None:
        return moved
    if _wanted() != HTML:
        found, text = services.get_framework(slug), request.args.get("version")
        number = None if text is None else parse_id(text)
        version = services.get_version(found, number) if found and (text is None or number is not None) else None
        if version is None:
            return _not_found_as_json()
        return _json_ld(linked_data.framework_document(version))
    return _framework_for_staff(slug)


@role_required(*STAFF)
def _framework_for_staff(slug):
    framework = _framework_or_404(slug)
    return _framework_page(framework, _version_or_404(framework))


HISTORY_PAGE_SIZE = 20


@bp.route("/<slug>/history")
def history(slug):
    """The framework's history, for editors. A competence may be coded "history": its address is its IRI, public
    and lasting, so it stays that competence's page."""
    if services.competence_for_iri(slug, "history") is not None:
        return competence(slug, "history")
    return _history_for_editors(slug)


@role_required(*EDITORS)
def _history_for_editors(slug):
    framework = _framework_or_404(slug)
    pagination = paginate(services.history(current_user, framework), per_page=HISTORY_PAGE_SIZE)
    present = services.parts_in(framework, {c.version_number for c in pagination.items
                                            if c.kind in ("competence", "area")})
    scales = services.scales_of(framework, pagination.items)
    return render_template("competences/history.html", framework=framework, pagination=pagination,
                           rows_of=lambda change: _change_rows(change, *scales[change.id]),
                           state_of=services.change_state, PARTS=CHANGE_PARTS, present=present)


# What the history page calls the parts a change is about and the fields an edit changes.
CHANGE_PARTS = {"competence": _l("Competence %(key)s"), "level": _l("Level %(key)s"), "area": _l("Area %(key)s"),
                "framework": _l("Title and description")}
CHANGE_FIELDS = {"area": _l("Area"), **FIELD_LABELS, "validity_months": _l("Valid for"),
                 "targets": _l("Target levels"), "alignments": _l("Aligned with")}


def _shown(field: str, value, levels: dict) -> str:
    """A field's value before or after a change as the page shows it ("" for none); a target level with its name
    in ``levels`` (the scale it is named in: {number: name})."""
    if value is None or value == [] or value == "":
        return ""
    if field == "targets" and value in levels:
        return _level_label(value, levels[value])
    if field == "validity_months":
        return ngettext("%(num)s month", "%(num)s months", value)
    if field == "alignments":
        return "; ".join(" ".join(str(a.get(k)) for k in ("framework", "code") if a.get(k))
                         + (f": {services.alignment_name(a)}" if services.alignment_name(a) else "") for a in value)
    return str(value)


def _change_rows(change, before_levels: dict, after_levels: dict) -> list[dict]:
    """The rows of a change's table: field, what of it (a language, a position), before, after; a text's rows in
    the page's language first, then the others'. ``before_levels``, ``after_levels``: the names of the levels the
    values before and after are named with (services.scales_of)."""
    order = {locale: index for index, locale in enumerate(dict.fromkeys((services.locale_in(None), *LOCALES)))}
    entries = sorted(change.changes, key=lambda e: (list(CHANGE_FIELDS).index(e["field"])
                                                    if e["field"] in CHANGE_FIELDS else len(CHANGE_FIELDS),
                                                    order.get(e.get("key"), len(order))))
    rows = []
    for entry in entries:
        field, key = entry["field"], entry.get("key")
        lang = key if key in LANGUAGE_NAMES else None
        aspect = LANGUAGE_NAMES[key] if lang else POSITION_LABELS.get(key, key or "")
        rows.append({"field": CHANGE_FIELDS.get(field, field), "aspect": aspect, "lang": lang,
                     "before": _shown(field, entry.get("before"), before_levels),
                     "after": _shown(field, entry.get("after"), after_levels)})
    return rows


@bp.route("/<slug>/uses/<int:use_id>/move", methods=["POST"])
@role_required(*EDITORS)
def move_use(slug, use_id):
    framework = _framework_or_404(slug)
    use = db.session.get(FrameworkUse, use_id)
    if use is None or use.version.framework_id != framework.id:
        abort(404)
    if not services.can_move(current_user, use):
        abort(403)
    form = _move_form(framework, use, formdata=request.form)
    if form is None:
        form = MoveForm(prefix=f"use-{use.id}", formdata=None)
        form.version.choices = []
        form.form_errors.append(_("There is no other version to move to."))
    elif _sent(form, use):
        target = services.get_version(framework, form.version.data)
        before, dropped = use.version, []
        try:
            if target.id != use.version_id:  # else sent again (a double click): the first sending moved it
                dropped = services.dropped_between(before, target)
                services.move_use(current_user, use, target)
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            flash(_("%(kind)s %(reference)s is now built on version %(number)s.",
                    kind=services.USE_KINDS.get(use.kind, use.kind), reference=use.reference,
                    number=target.number), "success")
            if dropped:  # nothing built on it names them (a course naming one is refused): said all the same
                flash(ngettext("Version %(number)s has no competence %(codes)s, which version %(old)s has.",
                               "Version %(number)s has no competences %(codes)s, which version %(old)s has.",
                               len(dropped), number=target.number, old=before.number,
                               codes=format_list(dropped, locale=get_locale())), "info")
            return redirect(url_for("competences.framework", slug=slug, version=target.number) + "#uses")
    return _framework_page(framework, use.version, moving=(use.id, form)), 400


def _sent(form, use) -> bool:
    """Whether the move form was sent valid. The version the use is on now is no choice of the form, but a form
    sent again (a double click, a second tab) names it once the first sending has moved the use there."""
    shown = form.version.choices
    form.version.choices = [*shown, *options([(use.version.number, "")])]
    try:
        return form.validate_on_submit()
    finally:
        form.version.choices = shown  # a form shown again with errors offers the other versions only


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


def _saved(framework, before: int, changed: bool):
    if framework.current.number != before:
        flash(_("Saved as version %(number)s: what was built on version %(old)s keeps it.",
                number=framework.current.number, old=before), "success")
    elif changed:
        flash(_("Saved."), "success")
    else:
        flash(_("Nothing was changed."), "info")


def _commit_edit(save, form) -> bool:
    """Run an edit service and commit. A form opened before someone else saved a change to the same part is
    refused, and so is the second of two editors saving a used version at once (both make "version N+1"): the
    editor is told to check and save again (the form keeps their values) instead of an error page."""
    try:
        save()
        db.session.commit()
    except services.EditConflict as error:
        db.session.rollback()
        form.form_errors.extend(error.errors.values())
        form.revision.data = error.revision  # saving again, having been told, replaces the other change
        form.conflict = True
        return False
    except ValidationError as error:
        db.session.rollback()
        apply_errors(form, error)
        return False
    except IntegrityError:
        db.session.rollback()
        form.form_errors.append(_("Someone else saved a change to this framework at the same moment. Check the "
                                  "framework as it is now and save again."))
        form.conflict = True
        return False
    return True


def _part_or_404(slug: str, collection: str, **key):
    """The framework and one of its current version's competences, levels or areas (by code or number)."""
    framework = _framework_or_404(slug)
    [(attribute, value)] = key.items()
    part = next((p for p in getattr(framework.current, collection) if getattr(p, attribute) == value), None)
    if part is None:
        abort(404)
    return framework, part


def _status(form) -> int:
    failed = form.form_errors or any(field.errors for field in leaf_fields(form))
    return 409 if getattr(form, "conflict", False) else 400 if failed else 200


BLANK_ALIGNMENT_ROWS = 3  # rows to add alignments in, without JavaScript


@bp.route("/<slug>/competences/<code>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_competence(slug, code):
    framework, competence = _part_or_404(slug, "competences", code=code)
    form = CompetenceForm()  # the alignment rows sent back, when saving
    _levels_of(form, framework)
    if request.method == "GET":
        form.revision.data = services.revision_of(competence)
        _fill_texts(form, competence, files.TRANSLATED_COMPETENCE_FIELDS)
        form.validity_months.data = competence.validity_months
        form.target_technician.data = competence.targets.get("technician")
        form.target_manager.data = competence.targets.get("manager")
        for alignment in [*(competence.alignments or []), *[{}] * BLANK_ALIGNMENT_ROWS]:
            form.alignments.append_entry(alignment)
    if form.validate_on_submit():
        before, shown = framework.current.number, _opened_on(form, competence)
        targets = {p: form[f"target_{p}"].data for p in ("technician", "manager")}
        if _commit_edit(lambda: services.edit_competence(
                current_user, framework, code, _texts_from(form, files.TRANSLATED_COMPETENCE_FIELDS),
                validity_months=form.validity_months.data, targets=targets, alignments=form.alignments.data,
                revision=form.revision.data or None), form):
            _saved(framework, before, _changed(framework, "competences", shown, code=code))
            return redirect(url_for("competences.framework", slug=slug) + f"#competence-{code}")
    elif form.is_submitted():  # the form's own checks failed: show the service's findings with them
        fine = {p: form[f"target_{p}"].data for p in ("technician", "manager") if not form[f"target_{p}"].errors}
        more_errors(form, services.competence_problems(
            framework, _texts_from(form, files.TRANSLATED_COMPETENCE_FIELDS), targets=fine,
            validity_months=None if form.validity_months.errors else form.validity_months.data,
            alignments=form.alignments.data))
    return render_template("competences/edit_competence.html", form=form, framework=framework,
                           competence=competence, used=_built_on(framework.current),
                           validated=services.validated_under(framework.current),
                           estimated=services.estimated_under(framework.current)), _status(form)


USE_COUNTS = {"course": lambda n: ngettext("%(num)s course", "%(num)s courses", n),
              "plan": lambda n: ngettext("%(num)s plan", "%(num)s plans", n),
              "itinerary": lambda n: ngettext("%(num)s itinerary", "%(num)s itineraries", n)}


def _built_on(version) -> str:
    """What is built on the version, counted by kind ("2 courses and 1 plan"); empty when nothing is."""
    named = [USE_COUNTS.get(kind, lambda n: ngettext("%(num)s use", "%(num)s uses", n))(n)
             for kind, n in services.built_on(version).items()]
    return format_list(named, locale=get_locale()) if named else ""


def _opened_on(form, part) -> str:
    """The revision of the part the form was opened on: a form sent again (a double click) finds its change saved
    by the first sending, and is told "Saved." as the first was, not "Nothing was changed."."""
    return form.revision.data or services.revision_of(part)


def _changed(framework, collection: str, shown: str, **key) -> bool:
    """Whether the part (by code or number) of the current version differs from what revision ``shown`` was."""
    [(attribute, value)] = key.items()
    part = next(p for p in getattr(framework.current, collection) if getattr(p, attribute) == value)
    return services.revision_of(part) != shown


def _edit_texts(framework, item, form, groups: tuple, save, anchor: str, heading: str, changed,
                problems=services.text_problems):
    """The form of a level, an area or the framework's title and description: only translated texts.
    ``save(texts, revision)`` calls the service; ``changed(shown)`` says whether the saved part differs from
    revision ``shown``; ``problems(texts)``, what the service would refuse, shown with the form's own errors."""
    if request.method == "GET":
        form.revision.data = services.revision_of(item)
        _fill_texts(form, item, groups)
    if form.validate_on_submit():
        before, shown = framework.current.number, _opened_on(form, item)
        if _commit_edit(lambda: save(_texts_from(form, groups), form.revision.data or None), form):
            _saved(framework, before, changed(shown))
            return redirect(url_for("competences.framework", slug=framework.slug) + anchor)
    elif form.is_submitted():
        more_errors(form, problems(_texts_from(form, groups)))
    return render_template("competences/edit_simple.html", form=form, framework=framework, heading=heading,
                           groups=groups, used=_built_on(framework.current),
                           validated=services.validated_under(framework.current),
                           estimated=services.estimated_under(framework.current)), _status(form)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
def edit_framework(slug):
    """The framework's own title and description, as its page and every competence's page show them. A competence
    may be coded "edit" (an imported framework's): its address is its IRI, public and lasting, so it stays that
    competence's page, for each method that page answers (a form sent here is still the framework's)."""
    if request.method != "POST" and services.competence_for_iri(slug, "edit") is not None:
        return competence(slug, "edit")
    return _edit_framework_for_editors(slug)


@role_required(*EDITORS)
def _edit_framework_for_editors(slug):
    framework = _framework_or_404(slug)
    return _edit_texts(framework, framework.current, FrameworkForm(), ("title", "description"),
                       lambda texts, revision: services.edit_framework(current_user, framework, texts["title"],
                                                                       texts["description"], revision=revision),
                       "", _("Change framework “%(title)s”", title=services.text_in(framework.current.title)),
                       lambda shown: services.revision_of(framework.current) != shown,
                       problems=lambda texts: services.framework_text_problems(texts["title"],
                                                                               texts["description"]))


@bp.route("/<slug>/levels/<int:number>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_level(slug, number):
    framework, level = _part_or_404(slug, "levels", number=number)
    return _edit_texts(framework, level, LevelForm(), ("name", "descriptor"),
                       lambda texts, revision: services.edit_level(current_user, framework, number, texts["name"],
                                                                   texts["descriptor"], revision=revision),
                       "#levels", _("Change level %(number)s", number=number),
                       lambda shown: _changed(framework, "levels", shown, number=number))


@bp.route("/<slug>/areas/<code>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_area(slug, code):
    framework, area = _part_or_404(slug, "areas", code=code)
    return _edit_texts(framework, area, AreaForm(), ("title",),
                       lambda texts, revision: services.edit_area(current_user, framework, code, texts["title"],
                                                                  revision=revision),
                       f"#area-{code}", _("Change area %(code)s", code=code),
                       lambda shown: _changed(framework, "areas", shown, code=code))


def _level_label(number: int, name: dict) -> str:
    """A level as the target fields (and the history of their changes) name it: "3 – Advanced"."""
    return f"{number} – {services.text_in(name)}"


def _levels_of(form, framework) -> None:
    levels = options([("", _("No target"))] + [(l.number, _level_label(l.number, l.name))
                                               for l in framework.current.levels])
    form.target_technician.choices = levels
    form.target_manager.choices = levels


def _added(framework, before: int, message: str) -> None:
    if framework.current.number != before:
        flash(_("Saved as version %(number)s: what was built on version %(old)s keeps it.",
                number=framework.current.number, old=before), "success")
    flash(message, "success")


def _code_hint(suggested: str) -> str:
    """The hint of a new part's code: its example is the code suggested, a free one; none when there is none."""
    if not suggested:
        return _("Up to 20 letters A-Z, digits, hyphens and underscores. It is part of the address and cannot be "
                 "changed later.")
    return _("Up to 20 letters A-Z, digits, hyphens and underscores, such as %(example)s. It is part of the address "
             "and cannot be changed later.", example=suggested)


@bp.route("/<slug>/areas/<area>/competences/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new_competence(slug, area):
    framework, part = _part_or_404(slug, "areas", code=area)
    form = NewCompetenceForm()
    _levels_of(form, framework)
    suggested = services.next_competence_code(framework, area)
    form.code.description = _code_hint(suggested)
    if request.method == "GET":
        form.code.data = suggested
        for _row in range(BLANK_ALIGNMENT_ROWS):
            form.alignments.append_entry({})
    texts = _texts_from(form, files.TRANSLATED_COMPETENCE_FIELDS)
    if form.validate_on_submit():
        before, code = framework.current.number, form.code.data
        targets = {p: form[f"target_{p}"].data for p in ("technician", "manager")}
        outcome = []
        if _commit_edit(lambda: outcome.extend(services.add_competence(
                current_user, framework, area, code, texts, validity_months=form.validity_months.data,
                targets=targets, alignments=form.alignments.data)), form):
            if outcome[1]:
                _added(framework, before, _("Competence %(code)s added.", code=code))
            else:  # the form sent twice (a double click): the first sending added it
                flash(_("Competence %(code)s was already in the framework as you sent it: nothing more was added.",
                        code=code), "success")
            return redirect(url_for("competences.framework", slug=slug) + f"#competence-{code}")
    elif form.is_submitted():
        fine = {p: form[f"target_{p}"].data for p in ("technician", "manager") if not form[f"target_{p}"].errors}
        problems = services.competence_problems(
            framework, texts, targets=fine, alignments=form.alignments.data,
            validity_months=None if form.validity_months.errors else form.validity_months.data)
        problem = services.new_code_problem(framework, "competence", form.code.data or "", suggested)
        more_errors(form, {**problems, **({"code": problem} if problem else {})})
    return render_template("competences/edit_competence.html", form=form, framework=framework, area=part,
                           competence=None, used=_built_on(framework.current),
                           validated=services.validated_under(framework.current),
                           estimated=services.estimated_under(framework.current)), _status(form)


@bp.route("/<slug>/areas/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new_area(slug):
    framework = _framework_or_404(slug)
    form = NewAreaForm()
    suggested = services.next_area_code(framework)
    form.code.description = _code_hint(suggested)
    if request.method == "GET":
        form.code.data = suggested
    if form.validate_on_submit():
        before, code = framework.current.number, form.code.data
        title = _texts_from(form, ("title",))["title"]
        outcome = []
        if _commit_edit(lambda: outcome.extend(services.add_area(current_user, framework, code, title)), form):
            if outcome[1]:
                _added(framework, before, _("Area %(code)s added.", code=code))
            else:  # the form sent twice (a double click): the first sending added it
                flash(_("Area %(code)s was already in the framework as you sent it: nothing more was added.",
                      code=code), "success")
            return redirect(url_for("competences.framework", slug=slug) + f"#area-{code}")
    elif form.is_submitted():
        problems = services.text_problems(_texts_from(form, ("title",)))
        problem = services.new_code_problem(framework, "area", form.code.data or "", suggested)
        more_errors(form, {**problems, **({"code": problem} if problem else {})})
    return render_template("competences/edit_simple.html", form=form, framework=framework, heading=_("Add an area"),
                           groups=("title",), used=_built_on(framework.current),
                           validated=services.validated_under(framework.current),
                           estimated=services.estimated_under(framework.current)), _status(form)


def _removal(framework, present, gone: str):
    """What a remove button's POST answers before anything else: back to the framework page when the current
    version has no such part (removed already: sent twice, from another tab), 400 without its form; None to go
    on."""
    if present is None:
        flash(gone, "success")
        return redirect(url_for("competences.framework", slug=framework.slug))
    if not RemoveForm().validate_on_submit():
        abort(400)
    return None


def _holding(framework, code: str) -> list[str]:
    """What the page asking to remove a competence says of the people who hold a level of it (the programme's,
    and apart, the deactivated accounts that keep one): none when nobody does."""
    found = services.holders(framework, code)
    said = []
    if found.evidence:
        said.append(ngettext("%(count)s person holds a level of it, validated or earned in a course.",
                             "%(count)s people hold a level of it, validated or earned in a course.",
                             found.evidence, count=format_decimal(found.evidence)))
    if found.self_declared:
        said.append(ngettext("%(count)s person declares a level of it in their self-assessment, without evidence.",
                             "%(count)s people declare a level of it in their self-assessment, without evidence.",
                             found.self_declared, count=format_decimal(found.self_declared)))
    if found.deactivated:  # people who left keep their records too: said apart from the programme's people
        said.append(ngettext("%(count)s deactivated account also holds a level of it, or declares one.",
                             "%(count)s deactivated accounts also hold a level of it, or declare one.",
                             found.deactivated, count=format_decimal(found.deactivated)))
    return said


@bp.route("/<slug>/competences/<code>/remove", methods=["POST"])
@role_required(*EDITORS)
def remove_competence(slug, code):
    framework = _framework_or_404(slug)
    competence = next((c for c in framework.current.competences if c.code == code), None)
    gone = _("Competence %(code)s is not in the framework.", code=code)
    answer = _removal(framework, competence, gone)
    if answer is not None:
        return answer
    back = url_for("competences.framework", slug=slug)
    problem = services.removal_problem(framework, code)
    if problem:
        flash(problem, "error")
        return redirect(back + f"#competence-{code}")
    if not confirmed():
        made = services.version_an_edit_makes(framework)
        return ask(_("Remove competence %(code)s %(title)s?", code=code, title=services.text_in(competence.title)),
                   [_("It leaves the framework's current version. People who hold a level of it keep that level, "
                      "shown as the version they earned it under describes it; the code %(code)s is not given to "
                      "another competence.", code=code), *_holding(framework, code),
                    _("Something is built on version %(number)s (or a level was validated under it): it keeps the "
                      "competence, and the change makes version %(next)s.", number=framework.current.number,
                      next=made) if made is not None else
                    _("Nothing is built on version %(number)s yet: it changes in place.",
                      number=framework.current.number)],
                   _("Remove competence"), back + f"#competence-{code}",
                   crumbs=[(_("Competence frameworks"), url_for("competences.index")),
                           (services.text_in(framework.current.title), back)])
    before = framework.current.number
    try:
        services.remove_competence(current_user, framework, code)
    except ValidationError as error:
        db.session.rollback()
        if not any(c.code == code for c in framework.current.competences):  # removed meanwhile: a double click
            return _removal(framework, None, gone)
        flash(" ".join(str(m) for m in error.errors.values()), "error")
        return redirect(back)
    db.session.commit()
    _added(framework, before, _("Competence %(code)s removed.", code=code))
    return redirect(back + f"#area-{competence.area.code}")


@bp.route("/<slug>/areas/<code>/remove", methods=["POST"])
@role_required(*EDITORS)
def remove_area(slug, code):
    framework = _framework_or_404(slug)
    area = next((a for a in framework.current.areas if a.code == code), None)
    gone = _("Area %(code)s is not in the framework.", code=code)
    answer = _removal(framework, area, gone)
    if answer is not None:
        return answer
    back = url_for("competences.framework", slug=slug)
    problem = services.area_removal_problem(framework, code)
    if problem:
        flash(problem, "error")
        return redirect(back + f"#area-{code}")
    if not confirmed():
        made = services.version_an_edit_makes(framework)
        return ask(_("Remove area %(code)s %(title)s?", code=code, title=services.text_in(area.title)),
                   [_("Something is built on version %(number)s (or a level was validated under it): it keeps the "
                      "area, and the change makes version %(next)s.", number=framework.current.number, next=made)
                    if made is not None else
                    _("Nothing is built on version %(number)s yet: it changes in place.",
                      number=framework.current.number)],
                   _("Remove area"), back + f"#area-{code}",
                   crumbs=[(_("Competence frameworks"), url_for("competences.index")),
                           (services.text_in(framework.current.title), back)])
    before = framework.current.number
    try:
        services.remove_area(current_user, framework, code)
    except ValidationError as error:
        db.session.rollback()
        if not any(a.code == code for a in framework.current.areas):  # removed meanwhile: a double click
            return _removal(framework, None, gone)
        flash(" ".join(str(m) for m in error.errors.values()), "error")
        return redirect(back + f"#area-{code}")
    db.session.commit()
    _added(framework, before, _("Area %(code)s removed.", code=code))
    return redirect(back)


@bp.after_request
def varies_with_accept(response):
    """A competence's address (and its framework's) answers HTML or JSON as the Accept header asks (its "not found"
    too): a cache must keep them apart, or serve a browser the JSON a client was given. The framework's pages whose
    address a competence may have (PAGE_NAMES: history, edit) hand over to it, and vary with it as well."""
    if request.endpoint in ("competences.competence", "competences.competence_with_slash", "competences.framework",
                            "competences.history", "competences.edit_framework"):
        response.vary.add("Accept")
    return response


@bp.route("/<slug>/<code>/")
def competence_with_slash(slug, code):
    """A competence's address with a final slash (as a person may type it, or a link be written): the IRI has none."""
    moved = _spelled_as_iri(slug, code)
    if moved is None:
        if _wanted() != HTML:
            return _not_found_as_json()
        abort(404)
    return moved


@bp.route("/<slug>/<code>")
def competence(slug, code):
    """The public page of a competence; its address is the competence's IRI, the same in every version.
    ``?version=N`` shows it as version N of the framework has it (what a course or certificate was built on)."""
    wanted = _wanted()
    text = request.args.get("version")
    number = None if text is None else parse_id(text)
    found = None
    if text is None or number is not None:
        found = (services.competence_for_iri(slug, code) if number is None
                 else services.find_competence(slug, code, number))
    if found is None and (moved := _spelled_as_iri(slug, code, (slug, code))) is not None:
        return moved
    if found is None:
        if wanted != HTML:
            return _not_found_as_json()
        abort(404)
    if wanted == JSON_LD:
        return _json_ld(linked_data.competence_document(found))
    version = found.version
    versions = services.versions_with(version.framework, code)
    if wanted == JSON:  # an xAPI Activity Definition (what an LRS reads), with the competence's own fields beside it
        return jsonify({
            "id": absolute_url("competences.competence", slug=slug, code=code),
            **linked_data.activity_definition(found),
            "framework": slug, "frameworkVersion": version.number, "code": found.code,
            "area": {"code": found.area.code, "title": found.area.title}, "title": found.title,
            "knowledge": found.knowledge, "skills": found.skills, "attitudesAndValues": found.attitudes,
            "levels": [{"number": l.number, "name": l.name, "descriptor": l.descriptor} for l in version.levels],
            "alignments": found.alignments, "validityMonths": found.validity_months,
            "sources": version.sources or [],
            "versions": [{"number": v.number, "isCurrent": v.is_current,
                          "url": absolute_url("competences.competence", slug=slug, code=code, version=v.number)}
                         for v in versions],
        })
    from app.courses.services import courses_developing

    developing = courses_developing(current_user, slug, found.code) if version.is_current else []
    # the signed-in person's own level of it; a visitor's page asks nothing more
    mine = services.own_level(current_user, slug, found.code) if current_user.is_authenticated else None
    return render_template("competences/competence.html", competence=found, version=version, versions=versions,
                           alignment_name=services.alignment_name, developing=developing, mine=mine,
                           framework_arg=services.framework_argument(version.framework))
