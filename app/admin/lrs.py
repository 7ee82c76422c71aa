"""Administrators manage the credentials of outside xAPI clients."""
from flask import abort, flash, redirect, render_template, request, url_for
from babel.lists import format_list
from flask_babel import format_decimal, get_locale, gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user

from app.admin import bp
from app.admin.forms import ConfirmForm, LrsClientForm
from app.args import paginate
from app.auth.models import Role
from app.auth.permissions import role_required
from app.confirm import ask, confirmed
from app.errors import ValidationError
from app.extensions import db
from app.forms import apply_errors, more_errors
from app.template_helpers import when
from app.urls import absolute_url
from app.xapi import clients, forwarding
from app.xapi.models import ClientScope, LrsClient

# what each access is called where the clients are listed
ACCESS = {ClientScope.READ_WRITE: _l("Read and write"), ClientScope.WRITE_OWN: _l("Write, read its own"),
          ClientScope.READ: _l("Read only")}


# a rate limit's period (flask-limiter's units): the requests in one period, and several periods ("5 minutes")
PER_PERIOD = {
    "second": lambda n: ngettext("%(count)s request per second", "%(count)s requests per second", n,
                                 count=format_decimal(n)),
    "minute": lambda n: ngettext("%(count)s request per minute", "%(count)s requests per minute", n,
                                 count=format_decimal(n)),
    "hour": lambda n: ngettext("%(count)s request per hour", "%(count)s requests per hour", n, count=format_decimal(n)),
    "day": lambda n: ngettext("%(count)s request per day", "%(count)s requests per day", n, count=format_decimal(n)),
    "month": lambda n: ngettext("%(count)s request per month", "%(count)s requests per month", n,
                                count=format_decimal(n)),
    "year": lambda n: ngettext("%(count)s request per year", "%(count)s requests per year", n, count=format_decimal(n)),
}
PERIODS = {
    "second": lambda n: ngettext("%(count)s second", "%(count)s seconds", n, count=format_decimal(n)),
    "minute": lambda n: ngettext("%(count)s minute", "%(count)s minutes", n, count=format_decimal(n)),
    "hour": lambda n: ngettext("%(count)s hour", "%(count)s hours", n, count=format_decimal(n)),
    "day": lambda n: ngettext("%(count)s day", "%(count)s days", n, count=format_decimal(n)),
    "month": lambda n: ngettext("%(count)s month", "%(count)s months", n, count=format_decimal(n)),
    "year": lambda n: ngettext("%(count)s year", "%(count)s years", n, count=format_decimal(n)),
}


def rate_limit_text(rate_limit: str | None) -> str:
    """A client's rate limit as the reader says it ("600 solicitudes por minuto"), each of its parts: the form keeps
    the syntax the administrator typed ("600 per minute"), which the parser reads."""
    from limits import parse_many

    if not rate_limit:
        return _("No rate limit")
    try:
        items = parse_many(rate_limit)
    except ValueError:  # not written by the form, which checks it
        return rate_limit
    parts = []
    for item in items:
        unit = item.GRANULARITY.name
        if item.multiples == 1:
            parts.append(PER_PERIOD[unit](item.amount))
        else:
            parts.append(_("%(requests)s every %(period)s",
                           requests=ngettext("%(count)s request", "%(count)s requests", item.amount,
                                             count=format_decimal(item.amount)),
                           period=PERIODS[unit](item.multiples)))
    return format_list(parts, locale=get_locale())


def _endpoint() -> str:
    """The LRS's address as content is given it: with its final slash, to which libraries append "statements"."""
    return absolute_url("xapi.about").rsplit("/", 1)[0] + "/"


@bp.route("/lrs-clients")
@role_required(Role.ADMIN)
def lrs_clients():
    pagination = paginate(clients.clients(), per_page=25)
    return render_template("admin/lrs_clients.html", pagination=pagination, access=ACCESS,
                           endpoint=_endpoint(), forwarding=forwarding.status(), rate_limit_text=rate_limit_text)


@bp.route("/lrs-clients/forwarding/retry", methods=["POST"])
@role_required(Role.ADMIN)
def lrs_forward_retry():
    """Send again the statements the external LRS refused (once the problem on its side is fixed)."""
    count = forwarding.retry_failed(current_user)
    db.session.commit()
    if count:
        flash(ngettext("%(count)s statement will be sent again.", "%(count)s statements will be sent again.", count,
                       count=format_decimal(count)), "success")
    else:  # an old tab, or a second click: the first one already queued them
        flash(_("No statement was waiting to be sent again."), "info")
    return redirect(url_for("admin.lrs_clients"))


@bp.route("/lrs-clients/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def lrs_client_new():
    form = LrsClientForm()
    if form.validate_on_submit():
        try:
            client, secret, again = clients.create_client_once(
                current_user, form.once.data, form.name.data, form.scope.data, form.max_request_bytes.data,
                form.rate_limit.data, form.activity_prefixes.data)
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            if secret is None:  # the form was sent again long after: the secret is not shown twice
                flash(_("These credentials were created when the form was first sent, and their secret was shown "
                        "then. If it was not copied, revoke them and create new ones."), "info")
                return redirect(url_for("admin.lrs_client_edit", client_id=client.id))
            return render_template("admin/lrs_client_created.html", client=client, secret=secret, again=again,
                                   access=ACCESS,
                                   endpoint=_endpoint())
    elif form.is_submitted():
        more_errors(form, clients.client_problems(form.name.data, form.max_request_bytes.data, form.rate_limit.data,
                                                  form.activity_prefixes.data))
    return render_template("admin/lrs_client_form.html", form=form, client=None), 400 if form.errors else 200


def _client_or_404(client_id: int) -> LrsClient:
    client = db.session.get(LrsClient, client_id)
    if client is None:
        abort(404)
    return client


def _revoked(client: LrsClient):
    """Back to the list, for credentials revoked meanwhile (an old tab, a bookmark): they change no more."""
    flash(_("The credentials of “%(name)s” were revoked on %(when)s: they can no longer be changed.",
            name=client.name, when=when(client.revoked_at)), "error")
    return redirect(url_for("admin.lrs_clients"), 303)


@bp.route("/lrs-clients/<int:client_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def lrs_client_edit(client_id):
    client = _client_or_404(client_id)
    if not client.is_active:
        return _revoked(client)
    form = LrsClientForm(obj=client)
    if request.method == "GET":
        form.scope.data = client.scope.value
        form.revision.data = clients.edit_revision(client)
    del form.name
    if form.validate_on_submit():
        try:
            clients.update_client(current_user, client, scope=form.scope.data,
                                  max_request_bytes=form.max_request_bytes.data, rate_limit=form.rate_limit.data,
                                  activity_prefixes=form.activity_prefixes.data, revision=form.revision.data or None)
        except ValidationError as error:
            db.session.rollback()
            if not client.is_active:  # revoked meanwhile by a colleague
                return _revoked(client)
            apply_errors(form, error)
        else:
            db.session.commit()
            flash(_("The client “%(name)s” has been updated.", name=client.name), "success")
            return redirect(url_for("admin.lrs_clients"))
    elif form.is_submitted():
        more_errors(form, clients.client_problems(client.name, form.max_request_bytes.data, form.rate_limit.data,
                                                  form.activity_prefixes.data))
    return render_template("admin/lrs_client_form.html", form=form, client=client, revoke_form=ConfirmForm()), \
        400 if form.errors else 200


@bp.route("/lrs-clients/<int:client_id>/revoke", methods=["POST"])
@role_required(Role.ADMIN)
def lrs_client_revoke(client_id):
    client = _client_or_404(client_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if client.is_active and not confirmed():  # revoked already (a second click, another admin): nothing to ask
        return ask(_("Revoke the credentials of “%(name)s”?", name=client.name),
                   [_("Whatever uses them (content, a partner's platform) can no longer send or read statements. "
                      "This cannot be undone: new credentials would have to be given to it.")],
                   _("Revoke"), url_for("admin.lrs_client_edit", client_id=client.id),
                   crumbs=[(_("xAPI clients"), url_for("admin.lrs_clients")),
                           (client.name, url_for("admin.lrs_client_edit", client_id=client.id))])
    clients.revoke_client(current_user, client)
    db.session.commit()
    flash(_("The credentials of “%(name)s” no longer work.", name=client.name), "success")
    return redirect(url_for("admin.lrs_clients"))
