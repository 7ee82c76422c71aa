import uuid

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import format_decimal, ngettext
from flask_login import current_user
from markupsafe import Markup
from werkzeug.exceptions import NotFound

from app.admin import bp
from app.args import page_arg, paginate, parse_id
from app.admin.forms import AddMembersForm, CohortForm, ConfirmForm, InstitutionForm, UserForm
from app.auth import services as accounts
from app.auth import tokens
from app.auth.models import Role, User
from app.auth.permissions import (MANAGERS, STAFF, can_manage_country, can_manage_user, check, managed_country,
                                  role_required)
from app.cohorts import services as cohorts
from app.confirm import ask, confirmed
from app.competences import services as competences
from app.competences.forms import validate_level_form
from app.competences.models import ValidatedLevel
from app.competences.services import profile
from app.courses.services import courses_started
from app.errors import ValidationError
from app.db import commit_once_more_on_conflict, utcnow
from app.once import new_token
from app.extensions import db
from app.forms import apply_errors, more_errors, options
from app.notifications.services import delivery_problem, delivery_problems
from app.places import services as places
from app.urls import local_path, url_with_query
from app.places.models import Institution
from app.template_helpers import ROLE_LABELS
from app.text import typed_search

STATUSES = ("active", "invited", "inactive", "all")  # the people list's status filter
# a person's institution is chosen among radio buttons (a select cut long names on a phone); a country with more
# institutions than this is searched by name first, and shows its first MATCHES_SHOWN matches
INSTITUTIONS_LISTED = places.INSTITUTIONS_LISTED
MATCHES_SHOWN = 20


def _paginate(query, name: str = "page"):
    return paginate(query, name)


def _country_choices(blank: str | None = None):
    choices = [(c.code, c.name) for c in places.countries_for(current_user)]
    return options(([("", blank)] if blank is not None else []) + choices)


def _country_filter(countries) -> tuple[str | None, str | None]:
    """The country a list is filtered by (its code in either case) and, for one the list does not offer (no such
    code, or a country the person does not see), the message that says so: the list is then empty, as its form
    cannot show that country chosen."""
    wanted = request.args.get("country", "").strip().upper()
    if not wanted or wanted in {c.code for c in countries}:
        return wanted or None, None
    return wanted, _("This country was not found. Choose a country from the list.")


def _default_country() -> str:
    return managed_country(current_user) or ""


def _user_or_404(user_uuid: str) -> User:
    try:
        wanted = uuid.UUID(user_uuid)
    except ValueError:
        abort(404)
    user = accounts.get_visible_user(current_user, wanted)
    if user is None:
        abort(404)
    return user


# --- people -------------------------------------------------------------------------------------------

@bp.route("/users")
@role_required(*STAFF)
def users():
    role = request.args.get("role") or None
    status = request.args.get("status", "active")
    if status not in STATUSES:  # what the form shows chosen for a value it does not offer
        status = "active"
    countries = places.visible_countries(current_user)
    country, country_error = _country_filter(countries)
    wanted = request.args.get("institution", "").strip()
    # one of another country is not found either: its name and its people stay unknown
    institution = places.find_institution(current_user, parse_id(wanted)) if wanted else None
    institution_error = _("This institution was not found. Choose an institution from the list.") \
        if wanted and institution is None else None
    if institution is not None and country not in (None, institution.country_code):
        institution = None  # another country was chosen: the list offers its institutions instead
    shown_country = country or (institution.country_code if institution else None)
    offered = (shown_country if not country_error else None) or managed_country(current_user)
    institutions, finder = _institution_filter(offered, institution)
    words = finder["words"] if finder else ""
    if words and institution is not None and institution not in institutions:
        institution = None  # chosen among the matches of other words: the words typed last are searched
    filters = accounts.UserFilter(
        q=request.args.get("q", "").strip(),
        country=shown_country,
        role=Role(role) if role in set(Role) else None,
        is_active={"active": True, "inactive": False, "invited": True}.get(status),
        institution_id=institution.id if institution else None,
        institution_q=words,
        has_password=False if status == "invited" else None,
    )
    query = accounts.visible_users(current_user, filters).options(so.joinedload(User.institution))
    if institution_error or country_error:
        query = query.where(sa.false())  # nobody, rather than everyone, for a filter that was not found
    return render_template("admin/users.html", pagination=_paginate(query), filters=filters, status=status,
                           countries=countries, roles=list(Role), country_error=country_error,
                           institutions=institutions, finder=finder, institution_error=institution_error,
                           can_create=current_user.has_role(*MANAGERS))


def _institution_filter(country: str | None, chosen: Institution | None) -> tuple[list[Institution], dict | None]:
    """The institutions the people list's filter offers: every one of ``country``, or for a country with more than
    INSTITUTIONS_LISTED, the first MATCHES_SHOWN of those whose name holds the words searched (``institution_q``)
    and the one ``chosen`` if it matches them (or if none were typed: the link to an institution's people), with
    what the search found (None: no search)."""
    if not country:
        return [], None
    if places.institution_count(current_user, country) <= INSTITUTIONS_LISTED:
        return list(db.session.scalars(places.visible_institutions(current_user, country))), None
    words = typed_search(request.args.get("institution_q"))
    found, total = places.search_institutions(current_user, country, words, MATCHES_SHOWN) if words else ([], 0)
    if chosen is not None and chosen not in found and (not words or places.institution_matches(chosen, words)):
        found.insert(0, chosen)
    return found, dict(words=words, total=total, shown=min(total, MATCHES_SHOWN))


def _prepare_user_form(form: UserForm, user: User | None = None) -> None:
    form.country_code.choices = _country_choices(_("No country") if current_user.is_admin else None)
    form.roles.choices = options((r.value, ROLE_LABELS[r]) for r in accounts.grantable_roles(current_user))
    form.choices_from(lambda: _user_form_places(form, user))


def _user_form_places(form: UserForm, user: User | None) -> None:
    """The institutions and regions of the country the form holds (else of the person's): every institution, or
    for a country with more than INSTITUTIONS_LISTED, those whose name holds the words searched (the institution
    chosen among them, always)."""
    country = form.country_code.data if form.country_code.data is not None else (user.country_code if user else "")
    form.finder, form.listed = None, INSTITUTIONS_LISTED
    if country and places.institution_count(current_user, country) > INSTITUTIONS_LISTED:
        words = form.institution_q.data or ""
        found, total = places.search_institutions(current_user, country, words, MATCHES_SHOWN) if words else ([], 0)
        chosen = places.find_institution(current_user, parse_id(form.institution_id.data or ""))
        if chosen is not None and chosen.country_code == country and chosen not in found:
            found.insert(0, chosen)
        institutions = found
        form.institution_searched.data = words
        form.finder = dict(words=words, total=total, shown=min(total, MATCHES_SHOWN))
    else:
        institutions = db.session.scalars(places.visible_institutions(current_user, country)) if country else []
    form.institution_id.choices = options([("", _("No institution"))] + [(i.id, i.name) for i in institutions])
    if not form.is_saving and form.institution_id.data not in {choice.value for choice in form.institution_id.choices}:
        form.institution_id.data = ""  # of the country left: "No institution" shows chosen (sent to be saved, refused)
    regions = places.regions_of(country) if country else []
    form.region_code.choices = options([("", _("No region"))] + [(r.code, r.name) for r in regions])


def _user_fields(form: UserForm) -> dict:
    fields = dict(
        email=form.email.data, full_name=form.full_name.data, country_code=form.country_code.data or None,
        institution_id=parse_id(form.institution_id.data),
        region_code=form.region_code.data or None, position=form.position.data or None,
        locale=form.locale.data or None, is_active=form.is_active.data,
    )
    try:
        fields["roles"] = {Role(r) for r in form.roles.data or []}
    except ValueError:
        fields["roles"] = set()  # an unknown role: the service answers "choose at least one role"
    return fields


@bp.route("/users/new", methods=["GET", "POST"])
@role_required(*MANAGERS)
def user_new():
    form = UserForm()
    if request.method == "GET":
        form.country_code.data = _default_country()
        form.roles.data = [Role.TRAINEE.value]
    _prepare_user_form(form)
    if form.is_refresh:
        _ask_password_again(form)
    elif form.is_saving and form.validate():
        def create():
            if form.password.data:
                return accounts.create_user(current_user, password=form.password.data, **_user_fields(form))
            return tokens.invite(current_user, **_user_fields(form))

        try:
            user = commit_once_more_on_conflict(create)
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            if form.password.data:
                flash(_("Account created for %(name)s.", name=user.full_name), "success")
            else:
                flash(_("Account created for %(name)s. An invitation has been sent to %(email)s.",
                        name=user.full_name, email=user.email), "success")
            return redirect(url_for("admin.user_detail", user_uuid=user.uuid))
    elif form.is_saving:  # the form's own checks failed: show the service's findings with them
        more_errors(form, tokens.account_problems(current_user, None, password=form.password.data or None,
                                                  **_user_fields(form)))
    if form.is_saving and form.errors and form.password.data and not form.password.errors:
        # sent back for another mistake: an empty field would invite the person at the next Save
        form.password.errors = [_("The password is not sent back with the form: type it again, or leave it empty "
                                  "to e-mail the person an invitation.")]
    return render_template("admin/user_form.html", form=form, user=None), \
        400 if form.errors and not form.is_refresh else 200


def _ask_password_again(form: UserForm) -> None:
    """The lists were refreshed for another country: a typed password is not sent back to the browser, so
    the page says so rather than let Save invite the person instead."""
    if form.password.data:
        form.password.errors = [_("The password is not kept when the lists are refreshed: type it again, or "
                                  "leave it empty to e-mail the person an invitation.")]


@bp.route("/users/<user_uuid>")
@role_required(*STAFF)
def user_detail(user_uuid):
    user = _user_or_404(user_uuid)
    return _user_page(user, _framework_choice())


def _framework_choice() -> competences.FrameworkChoice:
    """The framework of the person's competences that ``?framework=`` names (the configured one without it)."""
    choice = competences.framework_choice(request.args.get("framework"))
    if choice is None:
        abort(404)
    return choice


def _user_page(user: User, choice: competences.FrameworkChoice, level_form=None, status: int = 200):
    """A person's page, their competences in the framework ``choice`` names; ``level_form``: the level validation
    sent back with its errors."""
    pending = tokens.is_pending(user)
    invitation = tokens.latest_invitation(user) if pending else None
    framework = choice.framework
    version, rows = profile(current_user, user, framework.slug) if framework and user.has_role(Role.TRAINEE) \
        else (None, [])
    can_validate = framework is not None and version is not None and competences.can_validate_levels(current_user,
                                                                                                   user)
    if can_validate and level_form is None and user.is_active:  # a deactivated account: withdrawals only
        level_form = validate_level_form(version)
    return render_template("admin/user_detail.html", user=user, can_edit=can_manage_user(current_user, user),
                           user_cohorts=cohorts.cohorts_of(user), pending=pending, courses=courses_started(user),
                           competence_profile=(version, rows), choice=choice,
                           level_form=level_form if can_validate else None,
                           validations=competences.validations_of(current_user, user, framework)
                           if can_validate else None,
                           invitation=invitation, invitation_mail=delivery_problem(user, invitation.created_at)
                           if invitation is not None and invitation.is_open else None,
                           kept=_kept(user) if pending and can_manage_user(current_user, user) else None,
                           action_form=ConfirmForm()), status


def _kept(user: User) -> str | None:
    """Why the invitation of ``user`` cannot be withdrawn (records about the person keep the account), said on
    the page instead of a button that would fail; None when it can be."""
    try:
        tokens.check_withdrawable(current_user, user)
    except ValidationError as error:
        return " ".join(str(message) for message in error.errors.values())
    return None


@bp.route("/users/<user_uuid>/levels", methods=["POST"])
@role_required(*MANAGERS)
def user_validate_level(user_uuid):
    """A coordinator of the person's country (or an admin) confirms a level of a competence."""
    user = _user_or_404(user_uuid)
    if not competences.can_validate_levels(current_user, user):
        abort(403)
    choice = _framework_choice()
    framework = choice.framework
    if framework is None:
        abort(404)
    form = validate_level_form(framework.current)
    if form.validate_on_submit():
        try:
            validation = competences.validate_level(current_user, user, framework, form.code.data,
                                                    form.level_number(), form.note.data)
            # what the page says, read before the commit: the account may be removed right after it
            said, uuid = dict(level=validation.level, code=validation.code, name=user.full_name), user.uuid
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            flash(_("Level %(level)s of %(code)s validated for %(name)s.", **said), "success")
            return redirect(url_for("admin.user_detail", user_uuid=uuid, framework=choice.argument(),
                                    _anchor="competences"))
    return _user_page(user, choice, level_form=form, status=400)


@bp.route("/validated-levels/<int:validation_id>/withdraw", methods=["POST"])
@role_required(*MANAGERS)
def validation_withdraw(validation_id):
    """A level validated by mistake stops counting (asked first)."""
    validation = db.session.get(ValidatedLevel, validation_id)
    if validation is None:
        abort(404)
    user = db.session.get(User, validation.user_id)
    if not competences.can_validate_levels(current_user, user):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = url_for("admin.user_detail", user_uuid=user.uuid, framework=competences.framework_argument(
        validation.framework), _anchor="competences")
    if validation.withdrawn_at is None and not confirmed():  # withdrawn already (an old tab): nothing to ask
        return ask(_("Withdraw the validation of level %(level)s of %(code)s?", level=validation.level,
                     code=validation.code),
                   [_("%(name)s keeps the levels that other evidence supports. The validation stays on record as "
                      "withdrawn.", name=user.full_name)],
                   _("Withdraw validation"), back,
                   crumbs=[(_("People"), url_for("admin.users")), (user.full_name, back)])
    competences.withdraw_validation(current_user, validation)
    db.session.commit()
    flash(_("The validation of level %(level)s of %(code)s has been withdrawn.", level=validation.level,
            code=validation.code), "success")
    return redirect(back)


@bp.route("/users/<user_uuid>/edit", methods=["GET", "POST"])
@role_required(*MANAGERS)
def user_edit(user_uuid):
    user = _user_or_404(user_uuid)
    if not can_manage_user(current_user, user):
        abort(403)
    form = UserForm(obj=user) if request.method == "GET" else UserForm()
    if request.method == "GET":
        form.roles.data = [r.value for r in user.roles]
        form.institution_id.data = str(user.institution_id or "")
        form.region_code.data = user.region_code or ""
        form.position.data = user.position.value if user.position else ""
        form.locale.data = user.locale or ""
        form.country_code.data = user.country_code or ""
        form.revision.data = accounts.edit_revision(user)
    del form.password
    _prepare_user_form(form, user)
    if form.is_saving and form.validate():
        try:
            reinvited, name, email, uuid = commit_once_more_on_conflict(lambda: _save_user(user, form))
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            if reinvited:
                flash(_("The account of %(name)s has been updated. A new invitation has been sent to %(email)s.",
                        name=name, email=email), "success")
            else:
                flash(_("The account of %(name)s has been updated.", name=name), "success")
            return redirect(url_for("admin.user_detail", user_uuid=uuid))
    elif form.is_saving:
        more_errors(form, tokens.account_problems(current_user, user, **_user_fields(form)))
    return render_template("admin/user_form.html", form=form, user=user), 400 if form.errors else 200


def _save_user(user, form) -> tuple:
    """Save the form; what was saved is read before the commit (a colleague may withdraw an invitation, which
    removes the account, right after)."""
    reinvited = tokens.update_account(current_user, user, revision=form.revision.data or None, **_user_fields(form))
    return reinvited, user.full_name, user.email, user.uuid


# --- institutions -------------------------------------------------------------------------------------

def _institution_or_404(institution_id: int) -> Institution:
    institution = places.get_institution(current_user, institution_id)
    if institution is None:
        abort(404)
    return institution


@bp.route("/institutions")
@role_required(*STAFF)
def institutions():
    countries = places.visible_countries(current_user)
    country, country_error = _country_filter(countries)
    q = request.args.get("q", "").strip()
    query = places.visible_institutions(current_user, country, q).options(so.joinedload(Institution.region))
    if country_error:
        query = query.where(sa.false())
    pagination = _paginate(query)
    counts = places.member_counts([i.id for i in pagination.items])
    # a coordinator who also trains sees every country's institutions, and may change only their own country's
    editable = {i.id for i in pagination.items if can_manage_country(current_user, i.country_code)}
    return render_template("admin/institutions.html", pagination=pagination, counts=counts, q=q, country=country,
                           countries=countries, country_error=country_error, editable=editable,
                           can_create=current_user.has_role(*MANAGERS))


def _new_record_countries() -> list:
    """The countries offered for a new institution or cohort: whoever chooses among several (an admin) starts from
    "Choose a country", as a browser would otherwise show the first (Argentina) as chosen."""
    choices = _country_choices()
    return _country_choices(_("Choose a country")) if len(choices) > 1 else choices


def _asked_country(choices) -> str:
    """The country of the list the form was opened from (its "country" in the query string), if one offered."""
    wanted = request.args.get("country", "")
    return wanted if wanted and wanted in {choice.value for choice in choices} else ""


def _prepare_institution_form(form: InstitutionForm, institution: Institution | None = None) -> None:
    form.country_code.choices = _country_choices() if institution else _new_record_countries()
    form.choices_from(lambda: _institution_form_regions(form, institution))


def _institution_form_regions(form: InstitutionForm, institution: Institution | None) -> None:
    """The regions of the country the form holds (else of the institution, of the list it was opened from, of
    the coordinator)."""
    country = form.country_code.data or (institution.country_code if institution else "") or \
        _asked_country(form.country_code.choices) or _default_country()
    form.country_code.data = country
    form.region_code.choices = options([("", _("No region"))] + [(r.code, r.name) for r in places.regions_of(country)])


def _institution_fields(form: InstitutionForm) -> dict:
    return dict(name=form.name.data, country_code=form.country_code.data, level=form.level.data,
                region_code=form.region_code.data or None)


@bp.route("/institutions/new", methods=["GET", "POST"])
@role_required(*MANAGERS)
def institution_new():
    form = InstitutionForm()
    _prepare_institution_form(form)
    if form.is_saving and form.validate():
        try:
            institution = commit_once_more_on_conflict(
                lambda: places.create_institution(current_user, **_institution_fields(form)))
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            flash(_("Institution “%(name)s” added.", name=institution.name), "success")
            return redirect(url_for("admin.institutions", country=institution.country_code))
    elif form.is_saving:
        more_errors(form, places.institution_problems(current_user, None, **_institution_fields(form)))
    return render_template("admin/institution_form.html", form=form, institution=None), 400 if form.errors else 200


@bp.route("/institutions/<int:institution_id>/edit", methods=["GET", "POST"])
@role_required(*MANAGERS)
def institution_edit(institution_id):
    institution = _institution_or_404(institution_id)
    if not can_manage_country(current_user, institution.country_code):
        abort(403)
    form = InstitutionForm(obj=institution)
    if request.method == "GET":
        form.region_code.data = institution.region_code or ""
        form.level.data = institution.level.value
        form.revision.data = places.edit_revision(institution)
    _prepare_institution_form(form, institution)
    if form.is_saving and form.validate():
        try:
            name, country = commit_once_more_on_conflict(lambda: _save_institution(institution, form))
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            flash(_("Institution “%(name)s” updated.", name=name), "success")
            return redirect(url_for("admin.institutions", country=country))
    elif form.is_saving:
        more_errors(form, places.institution_problems(current_user, institution, **_institution_fields(form)))
    members = places.member_count(institution)
    others, finder = _move_targets(institution) if members else ([], None)
    return render_template("admin/institution_form.html", form=form, institution=institution,
                           delete_form=ConfirmForm(), members=members, others=others, finder=finder,
                           unmovable=_unmovable(institution) if others or finder else None), \
        400 if form.errors else 200


def _move_targets(institution) -> tuple[list[Institution], dict | None]:
    """The institutions the people of ``institution`` may move to, offered as the person form offers them: each,
    or for a country with more than INSTITUTIONS_LISTED others, those whose name holds the words searched
    (``move_q``); and then what was searched (``words``, how many match: ``total``, ``shown``)."""
    country = institution.country_code
    if places.institution_count(current_user, country) - 1 <= INSTITUTIONS_LISTED:
        return list(db.session.scalars(places.visible_institutions(current_user, country)
                                       .where(Institution.id != institution.id))), None
    words = typed_search(request.args.get("move_q"))
    found, total = places.search_institutions(current_user, country, words, MATCHES_SHOWN, but=institution) \
        if words else ([], 0)
    return found, dict(words=words, total=total, shown=min(total, MATCHES_SHOWN))


def _unmovable(institution) -> str | None:
    """Why the people of ``institution`` cannot be moved, said on the page instead of a button that would fail;
    None when they can be."""
    try:
        places.check_movable(current_user, institution)
    except ValidationError as error:
        return " ".join(str(message) for message in error.errors.values())
    return None


def _save_institution(institution, form) -> tuple[str, str]:
    """Save the form; what was saved is read before the commit (a colleague may delete it right after)."""
    saved = places.update_institution(current_user, institution, revision=form.revision.data or None,
                                      **_institution_fields(form))
    return saved.name, saved.country_code


@bp.route("/institutions/<int:institution_id>/move", methods=["POST"])
@role_required(*MANAGERS)
def institution_move(institution_id):
    institution = _institution_or_404(institution_id)
    if not can_manage_country(current_user, institution.country_code):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    edit = url_for("admin.institution_edit", institution_id=institution.id)
    # the words the institutions offered were found by: the page a refusal leads back to shows them again
    words = typed_search(request.form.get("move_q"))
    back = url_for("admin.institution_edit", institution_id=institution.id, move_q=words, _anchor="move") \
        if words else edit
    target = places.find_institution(current_user, parse_id(request.form.get("target_id")))
    try:
        if not confirmed():
            places.check_move(current_user, institution, target)  # refused at once, not after asking
            count = places.member_count(institution)
            return ask(ngettext("Move the %(count)s person of “%(name)s” to “%(target)s”?",
                                "Move the %(count)s people of “%(name)s” to “%(target)s”?", count,
                                count=format_decimal(count), name=institution.name, target=target.name),
                       [_("Their records then name “%(target)s” as their institution.", target=target.name)],
                       _("Move people"), back, target_id=target.id, once=new_token(),
                       **({"move_q": words} if words else {}),
                       crumbs=[(_("Institutions"), url_for("admin.institutions", country=institution.country_code)),
                               (institution.name, edit)])
        count, name = places.move_members(current_user, institution, target, request.form.get("once")), target.name
        db.session.commit()
    except ValidationError as error:
        db.session.rollback()
        flash(" ".join(str(m) for m in error.errors.values()), "error")
        return redirect(back)
    flash(ngettext("%(count)s person moved to “%(name)s”.", "%(count)s people moved to “%(name)s”.", count,
                   count=format_decimal(count), name=name), "success")
    return redirect(edit)


@bp.route("/institutions/<int:institution_id>/delete", methods=["POST"])
@role_required(*MANAGERS)
def institution_delete(institution_id):
    action = f"delete-institution/{institution_id}"
    institution = places.get_institution(current_user, institution_id)
    if institution is None:
        return _institution_deleted(_deleted_before(action), managed_country(current_user))
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    name, country = institution.name, institution.country_code
    edit = url_for("admin.institution_edit", institution_id=institution.id)
    try:
        places.check_deletable(current_user, institution)  # refused at once, not after asking
        if not confirmed():
            return ask(_("Delete the institution “%(name)s”?", name=name), [_("This cannot be undone.")],
                       _("Delete institution"), edit,
                       crumbs=[(_("Institutions"), url_for("admin.institutions", country=country)), (name, edit)],
                       once=new_token())
        # someone added to it by a request that committed first: the second look counts them
        name = commit_once_more_on_conflict(lambda: places.delete_institution(current_user, institution,
                                                                              request.form.get("once")))
    except ValidationError as error:
        db.session.rollback()
        flash(" ".join(str(m) for m in error.errors.values()), "error")
        return redirect(edit)
    return _institution_deleted(name, country)


def _institution_deleted(name: str, country: str | None):
    flash(_("Institution “%(name)s” deleted.", name=name), "success")
    return redirect(url_for("admin.institutions", country=country))


def _deleted_before(action: str) -> str:
    """A deletion's confirmation sent again once the first sending has deleted the thing (a double click, a tap
    again on a slow phone): the name the first sending recorded under the form's one-time token, so that the page
    the browser shows last says what the first said. Any other request for something gone: 404."""
    from app.once import earlier

    if not ConfirmForm().validate_on_submit() or not confirmed():
        abort(404)
    done = earlier(current_user, request.form.get("once"), action)
    if done is None:
        abort(404)
    return done.result


# --- cohorts ------------------------------------------------------------------------------------------

def _cohort_or_404(cohort_id: int):
    cohort = cohorts.get_cohort(current_user, cohort_id)
    if cohort is None:
        abort(404)
    return cohort


@bp.route("/cohorts", endpoint="cohorts")
@role_required(*STAFF)
def cohorts_list():
    countries = places.visible_countries(current_user)
    country, country_error = _country_filter(countries)
    q = request.args.get("q", "").strip()
    query = cohorts.visible_cohorts(current_user, country, q)
    pagination = _paginate(query.where(sa.false()) if country_error else query)
    sizes = cohorts.sizes([c.id for c in pagination.items])
    return render_template("admin/cohorts.html", pagination=pagination, sizes=sizes, q=q, country=country,
                           countries=countries, country_error=country_error,
                           can_create=current_user.has_role(*MANAGERS))


@bp.route("/cohorts/new", methods=["GET", "POST"])
@role_required(*MANAGERS)
def cohort_new():
    form = CohortForm()
    form.country_code.choices = _new_record_countries()
    if request.method == "GET":
        form.country_code.data = _asked_country(form.country_code.choices) or _default_country()
    if form.validate_on_submit():
        try:
            cohort = commit_once_more_on_conflict(lambda: cohorts.create_cohort(
                current_user, name=form.name.data, country_code=form.country_code.data,
                description=form.description.data))
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            flash(_("Cohort “%(name)s” created. Now add its members.", name=cohort.name), "success")
            return redirect(url_for("admin.cohort_detail", cohort_id=cohort.id))
    elif form.is_submitted():
        more_errors(form, cohorts.cohort_problems(current_user, None, name=form.name.data,
                                                  country_code=form.country_code.data))
    return render_template("admin/cohort_form.html", form=form, cohort=None), 400 if form.errors else 200


@bp.route("/cohorts/<int:cohort_id>")
@role_required(*STAFF)
def cohort_detail(cohort_id):
    return _cohort_page(_cohort_or_404(cohort_id), AddMembersForm())


def _cohort_page(cohort, add_form: AddMembersForm):
    """The cohort with its members and, for those who manage it, the people who can be added (the search and
    page of them in the query string, which the add form posts back to)."""
    can_edit = can_manage_country(current_user, cohort.country_code)
    q = request.args.get("q", "").strip()
    candidates = None
    if can_edit:
        candidates = _paginate(cohorts.candidates(current_user, cohort, q).options(so.joinedload(User.institution)),
                               name="candidates_page")
        # two people of the same name told apart: their institution and address (those who add them manage the
        # country, so they see its people's addresses)
        add_form.members.choices = options((u.uuid, Markup('{} <span class="hint">{} · {}</span>').format(
            u.full_name, u.institution.name if u.institution else _("No institution"), u.email))
            for u in candidates.items)
    # members past the last page say so and link to the first (the page's title and count stay its own)
    member_q = request.args.get("member_q", "").strip()
    members = db.paginate(cohorts.members(cohort, member_q), page=page_arg(),
                          per_page=current_app.config["PAGE_SIZE"], error_out=False)
    # the heading counts the cohort's members, whatever the search
    member_count = cohorts.sizes([cohort.id]).get(cohort.id, 0) if member_q else members.total
    return render_template("admin/cohort_detail.html", cohort=cohort, members=members, member_q=member_q,
                           member_count=member_count,
                           can_edit=can_edit, candidates=candidates, add_form=add_form, q=q,
                           remove_form=ConfirmForm()), 400 if add_form.errors else 200


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@role_required(*MANAGERS)
def cohort_edit(cohort_id):
    cohort = _cohort_or_404(cohort_id)
    if not can_manage_country(current_user, cohort.country_code):
        abort(403)
    form = CohortForm(obj=cohort)
    form.country_code.choices = _country_choices()
    if request.method == "GET":
        form.revision.data = cohorts.edit_revision(cohort)
    if form.validate_on_submit():
        try:
            # its name as saved, read before the commit: a colleague may delete the cohort right after it
            name = commit_once_more_on_conflict(lambda: cohorts.update_cohort(
                current_user, cohort, name=form.name.data, country_code=form.country_code.data,
                description=form.description.data, revision=form.revision.data or None).name)
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            flash(_("Cohort “%(name)s” updated.", name=name), "success")
            return redirect(url_for("admin.cohort_detail", cohort_id=cohort_id))
    elif form.is_submitted():
        more_errors(form, cohorts.cohort_problems(current_user, cohort, name=form.name.data,
                                                  country_code=form.country_code.data))
    return render_template("admin/cohort_form.html", form=form, cohort=cohort, delete_form=ConfirmForm()), \
        400 if form.errors else 200


@bp.route("/cohorts/<int:cohort_id>/delete", methods=["POST"])
@role_required(*MANAGERS)
def cohort_delete(cohort_id):
    cohort = cohorts.get_cohort(current_user, cohort_id)
    if cohort is None:
        return _cohort_deleted(_deleted_before(f"delete-cohort/{cohort_id}"), managed_country(current_user))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name, country = cohort.name, cohort.country_code
    if not confirmed():
        check(can_manage_country(current_user, country))
        return ask(_("Delete the cohort “%(name)s”?", name=name),
                   [_("The people stay; only the group is removed, with its list of members. This cannot be undone.")],
                   _("Delete cohort"), url_for("admin.cohort_detail", cohort_id=cohort.id),
                   crumbs=[(_("Cohorts"), url_for("admin.cohorts")),
                           (name, url_for("admin.cohort_detail", cohort_id=cohort.id))], once=new_token())
    name = cohorts.delete_cohort(current_user, cohort, request.form.get("once"))  # the first sending's, if sent twice
    db.session.commit()
    return _cohort_deleted(name, country)


def _cohort_deleted(name: str, country: str | None):
    flash(_("Cohort “%(name)s” deleted.", name=name), "success")
    return redirect(url_for("admin.cohorts", country=country))


@bp.route("/cohorts/<int:cohort_id>/members", methods=["GET", "POST"])
@role_required(*MANAGERS)
def cohort_add_members(cohort_id):
    cohort = _cohort_or_404(cohort_id)
    if not can_manage_country(current_user, cohort.country_code):
        abort(403)
    if request.method == "GET":  # a link on the page shown after a mistake (another page, another language)
        return redirect(url_with_query("admin.cohort_detail", {"cohort_id": cohort.id}, request.args))
    form = AddMembersForm()
    if not form.validate_on_submit():
        abort(400)
    wanted = []
    for value in form.members.data or []:
        if not value.strip():  # an empty choice (sent by a tool, not a browser): nobody
            continue
        try:
            wanted.append(uuid.UUID(value))
        except ValueError:
            abort(400)
    if not wanted:
        form.members.errors = [_("Select at least one person to add.")]
        return _cohort_page(cohort, form)
    people = list(db.session.scalars(sa.select(User).where(User.uuid.in_(wanted))))
    if len(people) < len(set(wanted)):  # an invitation withdrawn meanwhile removed the unused account
        form.members.errors = [_("Someone chosen no longer has an account (their invitation was withdrawn "
                                 "meanwhile): nobody has been added. Choose the people again.")]
        return _cohort_page(cohort, form)
    try:
        # a double click: the second request finds the members the first added, and adds nobody twice
        added = commit_once_more_on_conflict(lambda: cohorts.add_members(current_user, cohort, people))
    except ValidationError as error:
        db.session.rollback()
        apply_errors(form, error)
        return _cohort_page(cohort, form)
    if added:
        flash(ngettext("%(count)s person added to the cohort.", "%(count)s people added to the cohort.", added,
                       count=format_decimal(added)), "success")
    else:
        flash(_("They were already members of the cohort."), "info")
    return redirect(url_for("admin.cohort_detail", cohort_id=cohort_id))  # (the cohort may be deleted by now)


@bp.route("/cohorts/<int:cohort_id>/members/<user_uuid>/remove", methods=["POST"])
@role_required(*MANAGERS)
def cohort_remove_member(cohort_id, user_uuid):
    cohort = _cohort_or_404(cohort_id)
    user = _user_or_404(user_uuid)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = user.full_name
    cohorts.remove_member(current_user, cohort, user)
    db.session.commit()
    flash(_("%(name)s removed from the cohort.", name=name), "success")
    return redirect(url_for("admin.cohort_detail", cohort_id=cohort_id))  # (the cohort may be deleted by now)


# --- invitations --------------------------------------------------------------------------------------

@bp.route("/invitations")
@role_required(*MANAGERS)
def invitations():
    q = request.args.get("q", "").strip()
    pagination = _paginate(tokens.pending_invitations(current_user, q))
    sent = tokens.latest_invitations(pagination.items)
    undelivered = delivery_problems([(user, sent[user.id].created_at) for user in pagination.items
                                     if user.id in sent and sent[user.id].is_open])
    return render_template("admin/invitations.html", pagination=pagination, q=q, sent=sent, undelivered=undelivered,
                           action_form=ConfirmForm(), now=utcnow(),
                           expired=tokens.expired_invitation_count(current_user))


@bp.route("/invitations/resend-expired", methods=["POST"])
@role_required(*MANAGERS)
def invitations_resend_expired():
    """Send every expired invitation again at once (after a big import), after a page that says how many."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = url_for("admin.invitations")
    sent = 0
    if confirmed():
        sent = tokens.resend_expired_invitations(current_user)
        db.session.commit()
    elif count := tokens.expired_invitation_count(current_user):
        return ask(ngettext("Send a new invitation to %(count)s person?", "Send new invitations to %(count)s people?",
                            count, count=format_decimal(count)),
                   [_("Their invitations expired before they chose a password. Each of them gets an e-mail with a "
                      "new link, which works for %(days)s days; the expired links stop working for good.",
                      days=current_app.config["INVITATION_DAYS"])],
                   ngettext("Send %(count)s invitation", "Send %(count)s invitations", count,
                            count=format_decimal(count)),
                   back, crumbs=[(_("People"), url_for("admin.users")), (_("Pending invitations"), back)])
    if sent:
        flash(ngettext("A new invitation has been sent to %(count)s person. The expired link no longer works.",
                       "New invitations have been sent to %(count)s people. The expired links no longer work.",
                       sent, count=format_decimal(sent)), "success")
    else:  # a second click, or Back and the button again: nobody is left
        flash(_("No invitation is expired any more: there is nothing to send again."), "info")
    return redirect(back)


@bp.route("/users/<user_uuid>/invitation/resend", methods=["POST"])
@role_required(*MANAGERS)
def invitation_resend(user_uuid):
    user = _user_or_404(user_uuid)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        sent = tokens.resend_invitation(current_user, user, once=request.form.get("once"))
        email = user.email  # read before the commit: the account may be removed right after it
    except ValidationError as error:
        flash(" ".join(str(m) for m in error.errors.values()), "error")
    else:
        db.session.commit()
        if sent:
            flash(_("A new invitation has been sent to %(email)s. Earlier links no longer work.", email=email),
                  "success")
        else:  # the same button sent twice: its link must keep working
            flash(_("The invitation was sent to %(email)s at the first click; it has not been sent again.",
                    email=email), "success")
    return redirect(_back(url_for("admin.invitations")))


@bp.route("/users/<user_uuid>/invitation/withdraw", methods=["POST"])
@role_required(*MANAGERS)
def invitation_withdraw(user_uuid):
    back = local_path(request.form.get("next"))  # the list of pending invitations it was withdrawn from
    try:
        user = _user_or_404(user_uuid)
    except NotFound:
        try:  # the person's number as the service wrote it, however the address writes it
            action = f"withdraw-invitation/{uuid.UUID(user_uuid)}"
        except ValueError:
            abort(404)
        return _invitation_withdrawn(_deleted_before(action), back)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = user.full_name
    try:
        if not confirmed():
            tokens.check_withdrawable(current_user, user)
            return ask(_("Withdraw the invitation to %(name)s?", name=name),
                       [_("The link sent to %(email)s stops working, and the account, never used, is removed with "
                          "what was entered for it. This cannot be undone; you can invite the person again later.",
                          email=user.email)],
                       _("Withdraw the invitation"), back or url_for("admin.user_detail", user_uuid=user.uuid),
                       crumbs=[(_("People"), url_for("admin.users")),
                               (name, url_for("admin.user_detail", user_uuid=user.uuid))],
                       once=new_token(), **({"next": back} if back else {}))
        tokens.withdraw_invitation(current_user, user, request.form.get("once"))
    except ValidationError as error:
        flash(" ".join(str(m) for m in error.errors.values()), "error")
        return redirect(back or url_for("admin.user_detail", user_uuid=user_uuid))
    db.session.commit()
    return _invitation_withdrawn(name, back)


def _invitation_withdrawn(name: str, back: str | None):
    flash(_("The invitation to %(name)s has been withdrawn and the unused account removed.", name=name), "success")
    return redirect(back or url_for("admin.invitations"))


def _back(default: str) -> str:
    return local_path(request.form.get("next")) or default


from app.admin import imports, lrs, system  # noqa: E402,F401  (more screens on the same blueprint)
