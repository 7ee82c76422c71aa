"""Bulk import of trainees: upload, preview with every problem by line, then import all rows or none."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from app.admin import bp
from app.admin.forms import ConfirmForm, ImportForm
from app.args import parse_id
from app.auth.permissions import MANAGERS, managed_country, role_required
from app.cohorts import services as cohorts
from app.confirm import ask, confirmed
from app.db import commit_once_more_on_conflict
from app.errors import ValidationError, error_page, handle_http_error
from app.extensions import db
from app.forms import apply_errors, options
from app.imports import services as imports
from app.imports.models import BatchStatus
from app.places import services as places
from app.text import attachment

PREVIEW_ROWS = 50
PREVIEW_PROBLEMS = 200  # the page lists these; the CSV download has them all

# the template in the reader's language, and the name it is saved under: column names and a position the import
# reads in every language
TEMPLATE_CSV = {
    "en": ("itinera-trainees.csv",
           "email;full name;position;institution;region;language\r\nana.perez@example.org;Ana Pérez;technician;;;\r\n"),
    "es": ("itinera-participantes.csv",
           "correo;nombre completo;cargo;institución;región;idioma\r\nana.perez@example.org;Ana Pérez;técnico;;;\r\n"),
    "pt_BR": ("itinera-participantes.csv",
              "e-mail;nome completo;cargo;instituição;região;idioma\r\nana.souza@example.org;Ana Souza;técnico;;;\r\n"),
}


def _import_form(form: ImportForm, submitted: bool) -> ImportForm:
    countries = [(c.code, c.name) for c in places.countries_for(current_user)]
    # whoever may choose among countries (an admin) chooses one: a list imported into the first of them by default
    # (Argentina) went there without a word when it named no institution or region
    blank = [("", _("Choose a country"))] if len(countries) > 1 else []
    form.country_code.choices = options(blank + countries)
    # one country, already chosen: the list is not marked required, as HTML allows that only for a list that starts
    # with an empty placeholder (the check that a country was sent stays)
    form.country_code.flags.required = bool(blank)
    if not submitted:  # a corrected file keeps what the first upload chose (the preview's link says)
        form.country_code.data = request.args.get("country") or managed_country(current_user)
        form.cohort_id.data = request.args.get("cohort") or ""
        form.send_invitations.data = request.args.get("invitations", "1") != "0"
        if form.country_code.data not in {code for code, _name in countries}:
            form.country_code.data = managed_country(current_user) or ("" if blank or not countries
                                                                       else countries[0][0])
    form.choices_from(lambda: _cohort_choices(form))
    return form


def _cohort_choices(form: ImportForm) -> None:
    """The cohorts of the country the form holds."""
    form.cohort_id.choices = options([("", _("No cohort"))] + [
        (c.id, c.name) for c in db.session.scalars(cohorts.visible_cohorts(current_user, form.country_code.data))])


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A file over the site's limit (MAX_CONTENT_LENGTH) is said at the file field of the upload form, like any
    other file it cannot take. The request was not read: its other choices start again from the page's link."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    # only a body over that limit is a file too large: a 413 for one oversized text field (Werkzeug's limit of
    # form memory) is not, nor one for someone who may not import
    if request.endpoint != "admin.import_upload" or not current_user.is_authenticated \
            or not current_user.has_role(*MANAGERS) or not limit or (request.content_length or 0) <= limit:
        return handle_http_error(error)
    form = _import_form(ImportForm(formdata=None), submitted=False)
    form.file.errors = [_("The file is larger than %(size)s MB: keep only the list of people in it, or split the "
                          "list into several files", size=format_decimal(
                              limit / 1024 / 1024, format="#,##0.#"))]
    return _upload_page(form, 413)


@bp.route("/import", methods=["GET", "POST"])
@role_required(*MANAGERS)
def import_upload():
    form = ImportForm()
    _import_form(form, form.is_submitted())
    if form.is_submitted() and not form.is_refresh and form.validate():
        upload = form.file.data
        try:
            batch = imports.preview(current_user, filename=upload.filename, data=upload.read(),
                                    country_code=form.country_code.data,
                                    cohort_id=parse_id(form.cohort_id.data),
                                    send_invitations=form.send_invitations.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            db.session.commit()
            return redirect(url_for("admin.import_preview", batch_id=batch.id))
    chosen = form.is_submitted() and form.file.data and form.file.data.filename and not form.file.errors
    if chosen and form.errors:
        form.file.errors = [_("Choose the file again: a browser does not keep it when the form is sent back")]
    # the lists shown for another country, as asked (no mistake of the person's): the file is asked for again
    # in a notice, as the person form asks again for a password
    return _upload_page(form, 400 if form.errors and not form.is_refresh else 200,
                        choose_again=bool(chosen and form.is_refresh))


def _upload_page(form: ImportForm, status: int, choose_again: bool = False):
    """The upload form; the region column's hint names a region of the country chosen as its example."""
    regions = places.regions_of(form.country_code.data) if form.country_code.data else []
    return render_template("admin/import_upload.html", form=form, region=regions[0] if regions else None,
                           choose_again=choose_again), status


@bp.route("/import/template.csv")
@role_required(*MANAGERS)
def import_template():
    name, text = TEMPLATE_CSV.get(str(get_locale()), TEMPLATE_CSV["en"])
    return text.encode("utf-8-sig"), 200, {"Content-Type": "text/csv; charset=utf-8",
                                           "Content-Disposition": attachment(name)}


def _batch_or_404(batch_id: int):
    batch = imports.get_batch(current_user, batch_id)
    if batch is None:
        abort(404)
    return batch


def _purged_page(batch):
    """A preview whose rows were purged (IMPORT_PREVIEW_DAYS): what became of it, and the way to import the file."""
    return error_page(410, "admin/import_purged.html", batch=batch, message=imports.purged_message())


@bp.route("/import/<int:batch_id>")
@role_required(*MANAGERS)
def import_preview(batch_id):
    batch = _batch_or_404(batch_id)
    if batch.purged_at is not None and batch.status is BatchStatus.PREVIEW:
        return _purged_page(batch)
    problems = [dict(p, message=imports.message(p)) for p in batch.problems[:PREVIEW_PROBLEMS]]
    rows = batch.rows[:PREVIEW_ROWS]
    lines_with_problems = {p["line"] for p in batch.problems}
    gone = imports.cohort_problem(batch)
    return render_template("admin/import_preview.html", batch=batch, problems=problems,
                           problem_count=len(batch.problems), rows=rows,
                           more=max(len(batch.rows) - PREVIEW_ROWS, 0),
                           lines_with_problems=lines_with_problems, confirm_form=ConfirmForm(),
                           notes=[imports.note_message(note) for note in batch.notes or []
                                  if note["code"] != imports.COHORT_DELETED],
                           cohort_gone=gone if batch.status is BatchStatus.PREVIEW else None,
                           can_import=batch.status is BatchStatus.PREVIEW and not batch.problems and gone is None,
                           uninvited=imports.uninvited_count(current_user, batch),
                           read=imports.as_read(current_user, batch, rows))


@bp.route("/import/<int:batch_id>/problems.csv")
@role_required(*MANAGERS)
def import_problems(batch_id):
    """Every problem of a batch, for a file too long to correct from the first ones on the page."""
    batch = _batch_or_404(batch_id)
    if batch.purged_at is not None and batch.status is BatchStatus.PREVIEW:
        return _purged_page(batch)
    data, name = imports.problems_csv(batch)
    return data, 200, {"Content-Type": "text/csv; charset=utf-8",
                       "Content-Disposition": attachment(name)}


@bp.route("/import/<int:batch_id>/invitations", methods=["POST"])
@role_required(*MANAGERS)
def import_invitations(batch_id):
    """Invite at once the people of an import who have never been sent an invitation (imported without), after a
    page that says how many."""
    batch = _batch_or_404(batch_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = url_for("admin.import_preview", batch_id=batch.id)
    sent = 0
    if confirmed():
        sent = imports.send_missing_invitations(current_user, batch)
        db.session.commit()
    elif count := imports.uninvited_count(current_user, batch):
        return ask(ngettext("Send an invitation to %(count)s person?", "Send invitations to %(count)s people?",
                            count, count=format_decimal(count)),
                   [_("Each of them gets an e-mail with a link to choose a password, which works for %(days)s days.",
                      days=current_app.config["INVITATION_DAYS"])],
                   ngettext("Send %(count)s invitation", "Send %(count)s invitations", count,
                            count=format_decimal(count)),
                   back, crumbs=[(_("People"), url_for("admin.users")),
                                 (_("Import trainees"), url_for("admin.import_upload")), (batch.filename, back)])
    if sent:
        flash(ngettext("An invitation has been sent to %(count)s person.",
                       "Invitations have been sent to %(count)s people.", sent, count=format_decimal(sent)), "success")
    else:  # a second click, or Back and the button again: nobody is left
        flash(_("Nobody imported from this file is left to invite."), "info")
    return redirect(back)


@bp.route("/import/<int:batch_id>/confirm", methods=["POST"])
@role_required(*MANAGERS)
def import_confirm(batch_id):
    batch = _batch_or_404(batch_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if batch.purged_at is not None and batch.status is BatchStatus.PREVIEW:  # its page says so
        return redirect(url_for("admin.import_preview", batch_id=batch_id))
    try:
        # another import that adds the same people at the same moment: the second look finds them (RowsChanged)
        count = commit_once_more_on_conflict(lambda: imports.run_import(current_user, batch))
    except ValidationError as error:
        if isinstance(error, imports.RowsChanged):
            db.session.commit()  # keep the problems found on this second check
        else:
            db.session.rollback()  # nothing of a refused import is kept, not even the claim on the batch
        flash(" ".join(str(m) for m in error.errors.values()), "error")
        return redirect(url_for("admin.import_preview", batch_id=batch_id))
    done = ngettext("%(count)s person imported.", "%(count)s people imported.", count, count=format_decimal(count))
    if batch.send_invitations:  # else the import's page offers to send them
        done += " " + ngettext("An invitation has been sent to %(count)s person.",
                               "Invitations have been sent to %(count)s people.", count, count=format_decimal(count))
    flash(done, "success")
    if batch.cohort_id is not None:  # the people just imported are found there, with the cohort's own search
        return redirect(url_for("admin.cohort_detail", cohort_id=batch.cohort_id))
    return redirect(url_for("admin.users", country=batch.country_code, status="all"))


