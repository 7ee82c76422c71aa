"""Errors services raise, and the handlers that turn errors into translated pages."""
from flask import abort, current_app, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask.globals import request_ctx
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_login.utils import login_url
from markupsafe import escape
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from app.args import MAX_ID
from app.db import database_unavailable
from app.extensions import login_manager


class ValidationError(Exception):
    """Raised by a service when input breaks a rule; maps field name -> message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class EditConflict(ValidationError):
    """Someone else saved a change to the record after this form was opened (``revision`` is what it is now):
    nothing was saved. Sending the form again, with that revision, replaces their change."""

    def __init__(self, revision: str):
        super().__init__({"edited_meanwhile": _l(
            "Someone else saved a change to this after you opened the page, so yours was not saved. Your values "
            "are kept below: check the record as it is now (in another tab), then save again to replace their "
            "change with yours.")})
        self.revision = revision


def problems(check, *args, **kwargs) -> dict:
    """What ``check(*args, **kwargs)`` (a service's validation, which saves nothing) refuses, by field."""
    try:
        check(*args, **kwargs)
    except ValidationError as error:
        return dict(error.errors)
    return {}


TITLES = {
    400: _l("The request could not be understood"),
    401: _l("Sign in to continue"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    410: _l("This is no longer available"),
    413: _l("The upload is too large"),
    429: _l("Too many attempts"),
    500: _l("Sorry, something went wrong on our side"),
    503: _l("The service is temporarily unavailable"),
}

EXPLANATIONS = {
    400: _l("Go back, check what you entered and try again. If you submitted a form, reload it first."),
    403: _l("Your account does not have permission to see this. If you think it should, contact your country coordinator."),
    404: _l("If you typed the web address, check it is correct. If you followed a link, it may be out of date."),
    405: _l("Go back to the previous page and use the buttons it offers."),
    413: _l("Choose a smaller file and try again."),
    429: _l("Wait a few minutes before you try again."),
    500: _l("Your work has not been lost. Try again in a few minutes; if it keeps happening, tell the programme team."),
    503: _l("Try again in a few minutes."),
}
# a coordinator is the one others ask for access, and a trainer (who may have no country) has no coordinator: they
# ask the programme's administrators, as their account page and invitation do, and so does a trainee of a country
# without one (a European peer)
FORBIDDEN_TO_STAFF = _l("Your account does not have permission to see this. If you think it should, contact "
                        "the programme's administrators.")


def _explanation(code: int):
    if code == 403 and getattr(current_user, "is_authenticated", False):
        from app.auth.services import asks_a_coordinator

        if not asks_a_coordinator(current_user):
            return FORBIDDEN_TO_STAFF
    return EXPLANATIONS.get(code, "")


def abort_with_page(code: int, **context):
    """Stop the request with the site's error page for ``code``, given more to show on it (``course``: a link
    back to that course). A client that asks for JSON is answered as by any other error (handle_http_error)."""
    abort(make_response(*error_page(code, "errors/error.html", title=TITLES.get(code),
                                    explanation=_explanation(code), **context)))


def error_page(code: int, template: str, **context):
    """The answer of an error that has a page of its own (a link that cannot be used, a course withdrawn), to
    return from a view; a client that asks for JSON is answered as by any other error instead (handle_http_error),
    not with a page it cannot read."""
    if wants_json():
        abort(code)
    return render_template(template, code=code, **context), code


def wants_json() -> bool:
    """The error goes as JSON: to the APIs, to a JSON document's address (regions.json), to who asks for it.
    A route's own address decides, not the path: a course file that happens to end in .json is a link a person
    follows (signed out, they go to the sign-in page)."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    address = request.url_rule.rule if request.url_rule is not None else request.path
    return request.path.startswith(("/xapi", "/api")) or address.endswith(".json") or request.is_json or (
        best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def sign_in_first():
    """Flask-Login's answer to someone not signed in: the sign-in page, then back here. A client that wants JSON
    (a .json address, a script asking for JSON) gets a 401 in JSON instead of a redirect to a page it cannot read."""
    if wants_json():
        abort(401)
    try:
        target = request.url
    except UnicodeError:  # a Host header that is no IDNA name ("xn--zz"): no address to come back to
        abort(400)
    rule = request.url_rule
    if request.method not in ("GET", "HEAD"):  # a form from a page left open: said, or thought saved
        if rule is None or "GET" not in (rule.methods or ()):
            # back to the page the form was on, not to an address that takes POST only (a 405 page once signed
            # in); home when it is not known
            from app.template_helpers import form_page

            target = form_page()
        return _sign_in_to_send_again(target)
    return redirect(login_url(login_manager.login_view, next_url=target))


def _sign_in_to_send_again(page: str | None):
    """To the sign-in page, then back to ``page`` (home when it is None), for a form sent once its person's sign-in
    had ended: said not saved, and what they typed kept to be shown to them on ``page`` again (app.kept)."""
    from app import kept

    if kept.keep(kept.SIGNED_OUT, page):
        flash(_("Your sign-in had ended, so what you sent was not saved. Sign in: we kept what you typed, for you "
                "to check and send again."), "error")
    else:
        flash(_("Your sign-in had ended, so what you sent was not saved. Sign in, then send it again."), "error")
    if page is None:
        return redirect(url_for(login_manager.login_view))
    return redirect(login_url(login_manager.login_view, next_url=page))


RETRY_AFTER_OUTAGE = 30  # seconds: what a database restarting or failing over takes, give or take


def as_outage(error: HTTPException) -> HTTPException:
    """A request that failed because the database cannot be reached (down, restarting, busy) is no fault of the
    page: a 503 with the time to try again after (Retry-After), for people and clients alike, not a 500."""
    if error.code != 500 or not database_unavailable(getattr(error, "original_exception", None)):
        return error
    return ServiceUnavailable(f"the database is unavailable or busy: try again in {RETRY_AFTER_OUTAGE} s",
                              retry_after=RETRY_AFTER_OUTAGE)


def handle_http_error(error: HTTPException):
    error = as_outage(error)
    code = error.code or 500
    if code >= 500:
        _discard_failed_transaction()
    if code == 503:
        _without_the_person()
    # what the error says in its headers besides its body: a 405's Allow (RFC 9110 15.5.6: MUST), a 503's
    # Retry-After
    headers = [(name, value) for name, value in error.get_headers() if name.lower() in ("allow", "retry-after")]
    if wants_json():
        if request.path == "/xapi" or request.path.startswith("/xapi/"):  # as the LRS's own refusals say it
            return jsonify(error=code, message=error.description or error.name), code, headers
        return jsonify(error=error.name, message=str(TITLES.get(code, error.name))), code, headers
    title = TITLES.get(code, error.name)
    explanation = _explanation(code)
    if code == 429:
        explanation = _too_many_attempts()
    if request_ctx.url_adapter is None:  # a Host header no address can be built with (BadHost): a page without links
        return _plain_page(title, explanation), code, headers
    try:
        return render_template("errors/error.html", code=code, title=title, explanation=explanation), code, headers
    except Exception:  # noqa: BLE001  (the page itself failed, e.g. the database is down: answer in plain HTML)
        if code < 500:
            raise
        current_app.logger.exception("the error page could not be rendered")
        _discard_failed_transaction()
        if code == 503:  # the person, read before the database went away, cannot be read again for their language
            _as_visitor()
        return _plain_page(title, explanation), code, headers


# the pages where someone locked out of their account can be told how to get in all the same
SIGN_IN_PAGES = ("auth.login", "auth.forgot_password")


def _too_many_attempts() -> str:
    """What a person held back by a rate limit can do: use a reset link already sent, and when to try again."""
    import time

    from app.extensions import limiter

    said = []
    if request.endpoint in SIGN_IN_PAGES:
        said.append(_("A password-reset link already sent to your inbox still works: open it to choose a new "
                      "password and sign in."))
    try:
        held = limiter.current_limit
        minutes = max(1, round((held.reset_at - time.time()) / 60)) if held is not None else None
    except Exception:  # noqa: BLE001  (the limiter's storage is unreachable: no time to give)
        minutes = None
    if minutes is None:
        said.append(str(EXPLANATIONS[429]))
    else:
        said.append(ngettext("You can try again in %(num)s minute.", "You can try again in %(num)s minutes.",
                             minutes))
    return " ".join(said)


EXPIRED_FORM = _l("This page had expired")
EXPIRED_FORM_EXPLANATION = _l("Nothing was saved. A page left open while you sign in or out (in another tab, say) "
                              "can no longer send its forms: open it again, then send the form again.")


def handle_csrf_error(error: CSRFError):
    """A form whose security token no longer matches the session: most often a page left open while its person
    signed in or out in another tab (signing in starts a new session). A form that carries its person's token
    (app.kept) goes back to its page, filled in with what they typed (after signing in again, if they are signed
    out); any other is said so, with the way back to the form, rather than "the request could not be understood"."""
    if wants_json():
        return handle_http_error(error)
    from app import kept
    from app.template_helpers import form_page

    rule = request.url_rule
    again = request.script_root + request.full_path.rstrip("?") if rule is not None and "GET" in (
        rule.methods or ()) else form_page()  # a POST-only address: the page its form was on (the Referer)
    if again is not None and request.method == "POST":
        # a form of a signed-in person (app.kept): shown to them again, filled in, with the problem atop it; signed
        # out meanwhile, once they have signed in again
        if current_user.is_authenticated and kept.keep(kept.EXPIRED, again):
            return redirect(again, 303)
        if not current_user.is_authenticated and request.form.get(kept.KEPT_FIELD):
            return _sign_in_to_send_again(again)
    return render_template("errors/error.html", code=400, title=EXPIRED_FORM, explanation=EXPIRED_FORM_EXPLANATION,
                           again=again), 400


def _plain_page(title, explanation) -> str:
    return PLAIN_PAGE.format(lang=escape(str(get_locale() or "en")).replace("_", "-"), title=escape(str(title)),
                             explanation=escape(str(explanation)))


PLAIN_PAGE = ('<!doctype html><html lang="{lang}"><meta charset="utf-8"><title>{title} – Itinera</title>'
              "<h1>{title}</h1><p>{explanation}</p></html>")


def _without_the_person() -> None:
    """With the database out of reach before the person could be read, nor can what the navigation shows them, nor
    their saved language: the error page is the one a visitor gets, in the language their browser asks for. (Read
    already, they are shown the page as signed in, as far as the database lets it be drawn.)"""
    from flask import g

    if "_login_user" not in g:
        _as_visitor()


def _as_visitor() -> None:
    """The rest of the request is drawn for a signed-out visitor (Flask-Login reads its user from g)."""
    from flask import g

    g._login_user = login_manager.anonymous_user()


def _discard_failed_transaction() -> None:
    """After a database error the session is unusable until rolled back, and the error page (its navigation,
    the unread count) queries it again; nothing of the failed request is kept anyway."""
    from app.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001  (the connection itself may be gone)
        current_app.logger.warning("could not roll back the session after an error", exc_info=True)


def reject_unreadable_input():
    """A NUL character fits in no database text (PostgreSQL refuses it) and in no honest form: answer 400 before
    anything reads the request, the CSRF check included (its refusal keeps the form and its address: app.kept).
    Ids in the path beyond what an INTEGER column holds cannot name anything: 404.
    The xAPI blueprint has its own rules and is left alone. Registered first, by create_app."""
    if request.path == "/xapi" or request.path.startswith("/xapi/"):
        return
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            abort(404)
        if isinstance(value, str) and "\x00" in value:
            abort(400)
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400)


def register_error_handlers(app) -> None:
    # Unhandled exceptions reach the 500 handler after Flask has logged them;
    # under TESTING they propagate so that tests see the real traceback.
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
