from datetime import timedelta
from functools import wraps
from uuid import UUID

import sqlalchemy as sa

from flask import (Response, abort, current_app, flash, g, make_response, redirect, render_template, request,
                   session, stream_with_context, url_for)
from flask_babel import get_locale
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required, login_user, logout_user
from wtforms.fields.choices import SelectChoice

from app import kept, once
from app.auth import bp, devices, personal_data, services, sign_ins
from app.auth import tokens
from app.auth.forms import (ForgotPasswordForm, InvitationForm, LanguageForm, LoginForm, PasswordForm,
                            ResetPasswordForm, TimezoneForm)
from app.auth.models import TokenPurpose, User, is_email_address, normalise_email
from app.auth.permissions import can_manage_user
from app.db import utcnow
from app.errors import ValidationError, error_page
from app.extensions import csrf, db, limiter
from app.forms import Form, apply_errors
from app.notifications.services import user_locale
from app.places import services as place_services
from app.places import timezones
from app.urls import openable_path


def _login_email() -> str:
    """The address a sign-in (or reset) is for, however the form came: Flask-WTF also reads a JSON body."""
    email = request.form.get("email")
    if email is None and request.is_json:
        data = request.get_json(silent=True)
        email = data.get("email") if isinstance(data, dict) else None
    # as the account is looked up: "ana@ex.test" with an invisible character is the same account's limit
    return normalise_email(email if isinstance(email, str) else "") or "-"


def _device_key() -> str:
    return devices.key_for(_login_email()) or "-"


def _on_a_known_device() -> bool:
    """The attempt comes with a valid device cookie for the account it names: it is counted against that cookie,
    not against the address (which a stranger may have spent)."""
    return devices.key_for(_login_email()) is not None


def _sign_in(user, remember: bool = False) -> None:
    """Start a new session for ``user``: nothing of the session before carries over, its CSRF token included (a
    token planted or read before signing in would otherwise stay valid for the signed-in person), but for the key to
    the forms this browser kept for ``user`` (app.kept; anyone else's are forgotten). The sign-in this
    browser had ends, and without "keep me signed in" its remember-me cookie goes: it would otherwise sign the
    browser in again, maybe as someone else, once this session is over. The sign-in is recorded (flushed: the
    view commits). The browser gets a device cookie for ``user`` (app.auth.devices)."""
    if current_user.is_authenticated:
        sign_ins.end(current_user)
    kept_key = kept.carry_over(user)  # what this person typed before signing in, to show them again
    session.clear()
    if kept_key is not None:
        session[kept.SESSION_KEY] = kept_key
    sign_ins.start(user, remember=remember, user_agent=request.headers.get("User-Agent", ""))
    login_user(user, remember=remember)
    devices.remember(user)
    if not remember and current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        session["_remember"] = "clear"


def _failed(response) -> bool:
    return response.status_code != 302


# the address of a sign-in that failed, for the forgotten-password form this browser opens next: it travels in the
# session cookie (signed, not hidden), which a shared computer's browser keeps after a sign-in given up, so it is
# offered once, and only within TYPED_EMAIL_FOR of the failure
TYPED_EMAIL = "sign_in_email"
TYPED_EMAIL_FOR = timedelta(minutes=10)


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt  # checked below, once a repeat of a sign-in made (whose answer changed the cookies) is answered
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], key_func=_login_email,
               methods=["POST"], deduct_when=_failed, exempt_when=_on_a_known_device)
@limiter.limit(lambda: current_app.config["DEVICE_RATE_LIMIT"], key_func=_device_key,
               methods=["POST"], deduct_when=_failed, exempt_when=lambda: not _on_a_known_device())
def login():
    if request.method == "POST" and current_user.is_authenticated and \
            once.earlier(current_user, request.form.get("once"), "sign-in") is not None:
        # a double tap on "Sign in", the repeat sent with the cookies the first one set: where the first went
        return redirect(openable_path(request.args.get("next")) or url_for("main.index"))
    if request.method == "POST" and current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()
    if current_user.is_authenticated:  # signed in meanwhile (in another tab): on to the page this one asked for
        return redirect(openable_path(request.args.get("next")) or url_for("main.index"))
    form = LoginForm()
    if request.method == "POST" and not request.form.get("once"):
        form.once.data = ""  # none sent, none made up: a failed attempt's page stays the same whatever the address
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append(_("The e-mail address or password is not right"))
        else:
            if not user.locale:
                services.set_preferred_locale(user, str(get_locale()))
            # the same form sent again with the cookies from before (the first answer not yet back, or dropped by
            # the browser): its sign-in replaces the first one's, so the person's list shows this browser once
            earlier = once.earlier(user, form.once.data, "sign-in")
            if earlier is not None:
                sign_ins.end_one(user, int(earlier.result))
            _sign_in(user, remember=form.remember.data)
            if earlier is None:
                once.remember(user, form.once.data, user.sign_in.id, "sign-in")
            else:
                earlier.result = str(user.sign_in.id)
            db.session.commit()
            g.lang = user.locale  # the lang cookie follows, so the pages after signing out keep the language
            return redirect(openable_path(request.args.get("next")) or url_for("main.index"))
    if form.is_submitted():  # a sign-in that failed, or was sent with a box left empty
        # "Forgotten your password?" from here finds the address already typed (WCAG 3.3.7); signing in clears it
        # (an address only: a password typed in its box by mistake stays out of the cookie)
        if is_email_address(typed := (form.email.data or "").strip()):
            session[TYPED_EMAIL] = [typed, utcnow().timestamp()]
        else:  # nor the address an earlier failure (perhaps someone else's) typed
            session.pop(TYPED_EMAIL, None)
    status = 200 if request.method == "GET" or not (form.errors or form.form_errors) else 400
    # a link opened signed out (from an e-mail, a bookmark): the page says why it is a sign-in form
    asked_for = openable_path(request.args.get("next")) is not None
    return render_template("auth/login.html", form=form, asked_for=asked_for), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        sign_ins.end(current_user)  # a copy of this browser's cookies stops working too
        db.session.commit()
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("main.index"))


def _timezone_form(form: TimezoneForm | None = None) -> TimezoneForm:
    """The time zone form, with the zones of the person's country (of every country for people without one)."""
    form = form or TimezoneForm(timezone=current_user.timezone or "")
    locale = str(get_locale())
    countries = ([current_user.country_code] if current_user.country_code
                 else [country.code for country in place_services.countries()])
    # the automatic choice by its city alone: its offset is in the line under the list ("Time now: …")
    automatic = timezones.place(timezones.default_zone(current_user.country_code), locale)
    zones = [SelectChoice(zone, text, optgroup=group)
             for group, listed in timezones.choices(countries, locale) for zone, text in listed]
    if timezones.is_zone(current_user.timezone) and current_user.timezone not in {z.value for z in zones}:
        zones.insert(0, SelectChoice(current_user.timezone,  # chosen elsewhere
                                     timezones.label(current_user.timezone, locale, with_country=True)))
    form.timezone.choices = [SelectChoice("", _("Automatic: %(zone)s", zone=automatic))] + zones
    return form


def _account_page(status: int = 200, **forms):
    forms.setdefault("language_form", LanguageForm(locale=current_user.locale or str(get_locale())))
    forms.setdefault("password_form", PasswordForm())
    forms["timezone_form"] = _timezone_form(forms.get("timezone_form"))
    # who corrects the details shown: an administrator themselves; a trainee's coordinator; the administrators else
    corrected_by = "self" if can_manage_user(current_user, current_user) else \
        "coordinator" if services.asks_a_coordinator(current_user) else "administrators"
    return render_template("auth/account.html", sign_ins=sign_ins.open_sign_ins(current_user),
                           end_form=Form(), corrected_by=corrected_by, **forms), status


@bp.route("/account")
@login_required
def account():
    return _account_page()


def _account_key() -> str:
    return str(current_user.uuid) if current_user.is_authenticated else "-"


@bp.route("/account/data")
@login_required
@limiter.limit(lambda: current_app.config["DATA_EXPORT_RATE_LIMIT"], key_func=_account_key,
               exempt_when=lambda: not current_user.is_authenticated)
def account_data():
    """The signed-in person's own data as one JSON file (no one else's: there is no argument to name someone)."""
    filename = f"itinera-data-{utcnow():%Y-%m-%d}.json"
    user_id = current_user.id

    def pieces():
        # made after the view has returned, when its request's database session has been put away (a server
        # sends the file after that): the person is read again in the session the file is made in
        yield from personal_data.export(db.session.get(User, user_id))

    response = Response(stream_with_context(pieces()), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/competences")
@login_required
def account_competences():
    from app.competences.services import framework_choice, profile

    choice = framework_choice(request.args.get("framework"))
    if choice is None:
        abort(404)
    version, rows = profile(current_user, current_user, choice.framework.slug) if choice.framework else (None, [])
    blank = not any((row.level and (row.level.level or row.level.self_declared)) or row.expired for row in rows)
    return render_template("auth/competences.html", version=version, rows=rows, blank=blank, choice=choice)


@bp.route("/account/competences/estimate", methods=["GET", "POST"])
@login_required
def account_self_assessment():
    """A person estimates their own level of each competence: the baseline of their plan until evidence comes."""
    from app.competences import services as competences
    from app.competences.forms import self_assessment_form

    choice = competences.framework_choice(request.args.get("framework"))
    if choice is None:
        abort(404)
    framework = choice.framework
    if framework is None:
        return render_template("auth/self_assessment.html", version=None, form=None, choice=choice)
    version = competences.load_areas(framework.current)
    level_names = {level.number: competences.text_in(level.name) for level in version.levels}
    latest = competences.latest_self_declared(current_user, framework)
    form = self_assessment_form(version, latest, level_names)
    if form.validate_on_submit():
        answers = form.answers()
        try:
            # the same form sent again (a double tap) is told what its first sending saved, not "nothing changed"
            before = once.earlier(current_user, form.once.data, "self-assessment")
            if before is not None:
                saved, withdrawn = (int(n) for n in before.result.split(","))
            else:
                saved, withdrawn = competences.record_self_assessment(current_user, framework, answers)
                once.remember(current_user, form.once.data, f"{saved},{withdrawn}", "self-assessment")
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            said = [ngettext("%(num)s estimate has been saved.", "%(num)s estimates have been saved.", saved)
                    if saved else "",
                    ngettext("%(num)s estimate has been withdrawn.", "%(num)s estimates have been withdrawn.",
                             withdrawn) if withdrawn else ""]
            if any(said):
                flash(" ".join(filter(None, said)), "success")
            elif latest or any(level is not None for level in answers.values()):
                flash(_("Nothing changed: your estimates are as they were."), "info")
            else:  # no estimate to keep, and none chosen (a tap on Save before choosing)
                flash(_("You chose no level, so nothing has been saved."), "info")
            return redirect(url_for("auth.account_competences", framework=choice.argument()))
    return (render_template("auth/self_assessment.html", version=version, form=form, choice=choice),
            400 if form.errors else 200)


@bp.route("/account/language", methods=["POST"])
@login_required
def account_language():
    form = LanguageForm()
    if form.validate_on_submit():
        services.set_preferred_locale(current_user, form.locale.data)
        db.session.commit()
        g.lang = form.locale.data  # this answer, and the lang cookie for when the person signs out
        flash(_("Your language has been saved."), "success")
        return redirect(url_for("auth.account"))
    return _account_page(400, language_form=form)


@bp.route("/account/timezone", methods=["POST"])
@login_required
def account_timezone():
    form = _timezone_form(TimezoneForm())
    if form.validate_on_submit():
        try:
            services.set_timezone(current_user, form.timezone.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            db.session.commit()
            flash(_("Your time zone has been saved."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(400, timezone_form=form)


@bp.route("/account/sign-ins/<int:sign_in_id>/end", methods=["POST"])
@login_required
def account_sign_in_end(sign_in_id):
    """Sign out one browser of one's own (a phone lost, a shared computer left signed in)."""
    form = Form()
    if not form.validate_on_submit():
        abort(400)
    ended = sign_ins.end_one(current_user, sign_in_id)
    if ended is None:
        abort(404)
    this_one = current_user.sign_in is not None and ended.id == current_user.sign_in.id
    db.session.commit()
    if this_one:
        logout_user()
        flash(_("You have signed out."), "success")
        return redirect(url_for("main.index"))
    flash(_("That device has been signed out."), "success")
    return redirect(url_for("auth.account", _anchor="sign-ins"))


@bp.route("/account/sign-ins/end-others", methods=["POST"])
@login_required
def account_sign_ins_end_others():
    """Sign out every other browser of one's own, and end their device cookies: a lost phone is a stranger again at
    the sign-in page (app.auth.sign_ins.end_others). This browser stays signed in, with a new device cookie."""
    form = Form()
    if not form.validate_on_submit():
        abort(400)
    ended = sign_ins.end_others(current_user._get_current_object(), request.form.get("once"))
    devices.remember(current_user._get_current_object())  # the ones given before have ended, this one's too
    db.session.commit()
    flash(ngettext("%(num)s other device has been signed out.", "%(num)s other devices have been signed out.",
                   ended) if ended else _("You were signed in on no other device."), "success" if ended else "info")
    return redirect(url_for("auth.account", _anchor="sign-ins"))


# the current password is guessed here as on the sign-in page (by whoever finds a session open): the same limits.
# No device cookie spares the account's count here: only a browser signed in as the person can spend it (no
# stranger can lock them out), and that browser holds the device cookie too, so it would only add guesses.
@bp.route("/account/password", methods=["POST"])
@csrf.exempt  # checked below, once a repeat of the change already made (whose answer changed the cookies) is known
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], key_func=_account_key, deduct_when=_failed)
def account_password():
    repeated = _password_change_repeated()
    if repeated is not None:
        return repeated
    if current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    form = PasswordForm()
    if form.validate_on_submit():  # (a repeat of this form has been answered above, before any other check)
        try:
            services.change_own_password(current_user, form.current_password.data, form.new_password.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            once.remember(current_user, form.once.data, "changed", "password")
            # a new sign-in (the others ended with the old password), kept as long as this one was
            remember = current_user.sign_in is not None and current_user.sign_in.remember
            _sign_in(current_user._get_current_object(), remember=remember)
            db.session.commit()
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(400, password_form=form)


def _password_change_repeated():
    """The answer to the password form sent again (a double tap) after its first sending changed the password:
    that first answer started a new sign-in, so the second one comes with the cookies of the sign-in that ended
    (or with new cookies that its CSRF token no longer matches). The one-time token of the change made, with the
    person the cookies name, is recognised: they are told the password is changed, never "nothing was saved"
    (they would then try the old one). Nothing is changed here. None when this is no such repeat."""
    token = request.form.get("once")
    if current_user.is_authenticated:
        user = current_user
    else:
        raw_uuid = str(session.get("_user_id") or "").partition(":")[0]
        try:
            user = db.session.scalar(sa.select(User).where(User.uuid == UUID(raw_uuid)))
        except ValueError:
            return None
    if user is None or once.earlier(user, token, "password") is None:
        return None
    if current_user.is_authenticated:
        flash(_("Your password has been changed. Other devices have been signed out."), "success")
        return redirect(url_for("auth.account"))
    flash(_("Your password has been changed. Sign in with your new password."), "success")
    return redirect(url_for("auth.login"))


def _not_stored(view):
    """A page whose address holds a token and whose body the person's e-mail address: kept in no cache (a shared
    proxy's, or the browser's on a shared computer), whoever is signed in."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapped


def _reset_repeated(user, action: str = "password-reset"):
    """The answer to a reset (or invitation) link's form sent again (a double tap) once its first sending set the
    password: the one-time token of that form, recorded then, says it is the same person (whatever cookies the
    repeat carries), who is told the password is set rather than to ask for a new link. Changes nothing. None when
    this is no such repeat."""
    if request.method != "POST" or user is None or once.earlier(user, request.form.get("once"), action) is None:
        return None
    _in_their_language(user)
    return render_template("auth/password_set.html", invitation=action == "invitation")


def _link_problem(problem: tokens.TokenProblem, purpose: TokenPurpose):
    status = 404 if problem.reason == "unknown" else 410
    # a coordinator or a trainer is invited again by the programme's administrators, a trainee by their coordinator
    # (by the administrators too where the country has none)
    staff = problem.user is not None and not services.asks_a_coordinator(problem.user)
    if problem.user is not None:  # expired or used: still the person's link, as its e-mail
        _in_their_language(problem.user)
    # signed in (and not another account's link): their password changes on their account page, without a link
    signed_in = current_user.is_authenticated and (problem.user is None or problem.user.id == current_user.id)
    return error_page(status, "auth/link_problem.html", reason=problem.reason, purpose=purpose.value, staff=staff,
                      signed_in=signed_in)


def _in_their_language(user: User) -> None:
    """A link e-mailed to a person opens in the language of the e-mail (their account's, else their country's)
    rather than the browser's Accept-Language, also once it has expired or been used; a language chosen in this
    browser (?lang=, the cookie) still wins (see select_locale)."""
    from flask_babel import refresh

    g.linked_locale = user_locale(user)
    refresh()


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@csrf.exempt  # checked below, once a repeat of the form that used the link (with changed cookies) is known
@_not_stored
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], deduct_when=_failed)
def accept_invitation(token):
    try:
        invitation = tokens.open_token(token, TokenPurpose.INVITATION)
    except tokens.TokenProblem as problem:
        return _reset_repeated(problem.user, "invitation") or _link_problem(problem, TokenPurpose.INVITATION)
    _in_their_language(invitation.user)
    if request.method == "POST" and current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()
    form = InvitationForm()
    if form.validate_on_submit():
        try:
            user = tokens.accept_invitation(token, form.password.data)
        except tokens.TokenProblem as problem:  # used by a request that got there first (a double submit)
            db.session.rollback()
            return (_reset_repeated(invitation.user, "invitation")
                    or _link_problem(problem, TokenPurpose.INVITATION))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            once.remember(user, form.once.data, "set", "invitation")
            _sign_in(user)
            db.session.commit()
            flash(_("Welcome to Itinera. Your password is saved; use it with your e-mail address to sign in."),
                  "success")
            return redirect(url_for("main.index"))
    user = invitation.user
    return render_template("auth/choose_password.html", form=form, user=user, heading=_("Choose your password"),
                           intro=_("Welcome, %(name)s. Choose the password you will use with %(email)s to sign in "
                                   "to Itinera.", name=user.full_name, email=user.email)), \
        400 if form.errors else 200


def _typed_email() -> str | None:
    """The address of this browser's failed sign-in, if it failed within TYPED_EMAIL_FOR; forgotten once read."""
    typed = session.pop(TYPED_EMAIL, None)
    try:
        email, at = typed
        if utcnow().timestamp() - float(at) <= TYPED_EMAIL_FOR.total_seconds():
            return str(email)
    except (TypeError, ValueError):  # none, or kept by an earlier version as the address alone
        pass
    return None


@bp.route("/password/forgot", methods=["GET", "POST"])
@_not_stored  # the address of the failed sign-in it opens with (TYPED_EMAIL)
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
# no flooding one inbox; the owner's own browsers ask on their own count, which a stranger cannot spend
@limiter.limit("5 per hour", key_func=_login_email, methods=["POST"], exempt_when=_on_a_known_device)
@limiter.limit("5 per hour", key_func=_device_key, methods=["POST"], exempt_when=lambda: not _on_a_known_device())
def forgot_password():
    form = ForgotPasswordForm()
    if request.method == "GET":
        form.email.data = _typed_email()
    if form.validate_on_submit():
        tokens.request_password_reset(form.email.data)
        db.session.commit()
        session.pop(TYPED_EMAIL, None)  # asked for: not offered to whoever uses this browser next
        return render_template("auth/reset_sent.html", email=form.email.data.strip(),
                               minutes=current_app.config["PASSWORD_RESET_MINUTES"])
    return render_template("auth/forgot_password.html", form=form), 400 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@csrf.exempt  # checked below, once a repeat of the form that used the link (with changed cookies) is known
@_not_stored
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], deduct_when=_failed)
def reset_password(token):
    try:
        reset = tokens.open_token(token, TokenPurpose.PASSWORD_RESET)
    except tokens.TokenProblem as problem:
        return _reset_repeated(problem.user) or _link_problem(problem, TokenPurpose.PASSWORD_RESET)
    _in_their_language(reset.user)
    if request.method == "POST" and current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = tokens.reset_password(token, form.password.data)
        except tokens.TokenProblem as problem:  # used by a request that got there first (a double submit)
            db.session.rollback()
            return _reset_repeated(reset.user) or _link_problem(problem, TokenPurpose.PASSWORD_RESET)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            # the link proved the address: signed in at once, also when sign-in attempts for this address are
            # held back (someone else may have spent them guessing)
            once.remember(user, form.once.data, "set", "password-reset")
            _sign_in(user)
            db.session.commit()
            g.lang = user.locale or g.get("lang")
            flash(_("Your password has been changed and you are signed in. Other devices have been signed out."),
                  "success")
            return redirect(url_for("main.index"))
    if tokens.is_pending(reset.user):  # invited, and never chose one: nothing to reset, nobody to sign out
        heading, intro = _("Choose your password"), _(
            "Welcome, %(name)s. Choose the password you will use with %(email)s to sign in to Itinera.",
            name=reset.user.full_name, email=reset.user.email)
    else:
        heading, intro = _("Choose a new password"), _(
            "For the account %(email)s. Other devices where you are signed in will be signed out.",
            email=reset.user.email)
    return render_template("auth/choose_password.html", form=form, user=reset.user, heading=heading,
                           intro=intro), 400 if form.errors else 200


def _to_section(anchor: str):
    """The address of a form of the account page, opened (a form sent back with a problem shows at it: opened
    again from the address bar, or by a phone reloading a tab it had put away) leads to the form's section of the
    account page rather than to a "not allowed here" page. A redirect of the routing, made before any view: the
    address stays one no page is at (a form sent back from it still goes back to the page it was on)."""
    return lambda adapter, **_values: f"{adapter.build('auth.account')}#{anchor}"


for _path, _endpoint, _anchor in (("/account/language", "account_language", "language"),
                                  ("/account/timezone", "account_timezone", "time-zone"),
                                  ("/account/password", "account_password", "password")):
    bp.add_url_rule(_path, _endpoint, methods=["GET"], redirect_to=_to_section(_anchor))
