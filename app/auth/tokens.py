"""Invitations and password resets: single-use, expiring links sent by e-mail."""
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app import signals
from app.auth import services as accounts
from app.auth.models import AccountToken, Role, TokenPurpose, User, UserRole, normalise_email
from app.auth.permissions import can_manage_user, check, managed_country
from app.auth.services import create_user, get_user_by_email, password_problem, update_user
from app.db import SWEEP_LIMIT, among, delete_some, hold_row, sweep_due, utcnow
from app.errors import ValidationError
from app.extensions import db
from app.jobs.services import enqueue, task
from app.notifications.services import enqueue_deliveries, queue_email, user_locale
from app.places.timezones import moment_for, zone_of
from app.urls import absolute_url

COUNTRY_LOCALES = {"BR": "pt_BR", "PT": "pt_BR", "AR": "es", "CL": "es", "CO": "es", "MX": "es", "PE": "es",
                   "ES": "es"}


def default_locale_for(country_code: str | None) -> str:
    return COUNTRY_LOCALES.get(country_code or "", "en")


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _lifetime(purpose: TokenPurpose) -> timedelta:
    if purpose is TokenPurpose.INVITATION:
        return timedelta(days=current_app.config["INVITATION_DAYS"])
    return timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"])


def _new_token(user: User, purpose: TokenPurpose, actor, now) -> tuple[str, AccountToken]:
    raw = secrets.token_urlsafe(32)
    return raw, AccountToken(user_id=user.id, purpose=purpose, token_hash=_hash(raw), created_at=now,
                             expires_at=now + _lifetime(purpose), created_by_id=getattr(actor, "id", None))


def issue_token(user: User, purpose: TokenPurpose, actor=None) -> str:
    """A fresh token for ``user``; earlier open tokens of the same purpose stop working. Returns the raw token."""
    return _issue(user, purpose, actor)[0]


def _issue(user: User, purpose: TokenPurpose, actor=None) -> tuple[str, AccountToken]:
    now = utcnow()
    db.session.execute(sa.update(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None),
        AccountToken.revoked_at.is_(None)).values(revoked_at=now))
    raw, token = _new_token(user, purpose, actor, now)
    db.session.add(token)
    return raw, token


class TokenProblem(Exception):
    """Why a link cannot be used: 'unknown', 'expired' or 'used'; ``user``, whom an expired or used link was for."""

    def __init__(self, reason: str, user: User | None = None):
        super().__init__(reason)
        self.reason = reason
        self.user = user


def open_token(raw: str, purpose: TokenPurpose) -> AccountToken:
    """The token behind a link, if it can still be used; raises TokenProblem otherwise."""
    token = db.session.scalar(sa.select(AccountToken).where(AccountToken.token_hash == _hash(raw or ""),
                                                            AccountToken.purpose == purpose))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        raise TokenProblem("unknown")
    if token.used_at is not None:
        raise TokenProblem("used", token.user)
    if token.expires_at <= utcnow():
        raise TokenProblem("expired", token.user)
    return token


def open_links(raws) -> set[str]:
    """Those of ``raws`` (the tokens of links in e-mails) that still open: not used, replaced, withdrawn or expired.
    An e-mail held back by a mail server that was down must not bring a link that stopped working meanwhile."""
    hashes = {_hash(raw): raw for raw in raws}
    if not hashes:
        return set()
    query = sa.select(AccountToken.token_hash).join(AccountToken.user).where(
        among(AccountToken.token_hash, hashes), AccountToken.used_at.is_(None), AccountToken.revoked_at.is_(None),
        AccountToken.expires_at > utcnow(), User.is_active.is_(True))
    return {hashes[found] for found in db.session.scalars(query)}


def _locale_of(user: User) -> str:
    return user_locale(user)


def _send(user: User, template: str, subject, token: AccountToken, **context) -> None:
    """E-mail ``user`` the link of ``token``. The e-mail gives until when it works as the moment itself, in the
    person's zone: a message read late must not promise more time than is left."""
    locale = _locale_of(user)
    with force_locale(locale):
        body = render_template(template, user=user, until=moment_for(user, token.expires_at, locale), **context)
        queue_email(user.email, str(subject), body, user=user, locale=locale)


# --- invitations --------------------------------------------------------------------------------------

INVITATION_SUBJECT = _l("You are invited to Itinera")


def send_invitation(actor, user: User) -> None:
    """E-mail ``user`` a link to choose a password (replacing any earlier link)."""
    raw, token = _issue(user, TokenPurpose.INVITATION, actor)
    _send(user, "auth/email/invitation.txt", INVITATION_SUBJECT, token,
          link=absolute_url("auth.accept_invitation", token=raw), inviter=getattr(actor, "full_name", None),
          days=current_app.config["INVITATION_DAYS"], ask_coordinator=accounts.asks_a_coordinator(user))


ADDRESS_CHANGED_SUBJECT = _l("Your e-mail address in Itinera was changed")


def update_account(actor, user: User, *, revision: str | None = None, **changes) -> bool:
    """Change an account as ``update_user`` does (``revision`` too). The links sent to an old e-mail address
    stop working there; someone still invited gets a new invitation at the new address, and someone who has
    signed up hears at the old one that the account moved (whoever reads the new one can choose its password).
    Returns whether an invitation was sent."""
    accounts.check_unchanged(user, revision)
    old_email = user.email
    update_user(actor, user, revision=revision, **changes)
    if user.email == old_email or not user.is_active:
        return False
    if is_pending(user):  # the old address was maybe a typo, and a stranger's: it hears nothing
        send_invitation(actor, user)
        return True
    locale = _locale_of(user)
    with force_locale(locale):
        body = render_template("auth/email/address_changed.txt", user=user, new=user.email,
                               by=getattr(actor, "full_name", None) or "Itinera",
                               when=moment_for(user, utcnow(), locale))
        queue_email(old_email, str(ADDRESS_CHANGED_SUBJECT), body, user=user, locale=locale)
    return False


def send_invitations(actor, users: list[User]) -> None:
    """Invite many new accounts at once (a bulk import): one template per language, a few delivery jobs."""
    now, days = utcnow(), current_app.config["INVITATION_DAYS"]
    template = current_app.jinja_env.get_template("auth/email/invitation.txt")
    inviter = getattr(actor, "full_name", None)
    coordinated = accounts.coordinated_countries({user.country_code for user in users})
    tokens, messages = [], []
    for locale in sorted({_locale_of(user) for user in users}):
        untils: dict[tuple, str] = {}  # every link ends at the same moment: written once per zone, not per person
        with force_locale(locale):
            subject = str(INVITATION_SUBJECT)
            for user in (u for u in users if _locale_of(u) == locale):
                raw, token = _new_token(user, TokenPurpose.INVITATION, actor, now)
                key = (zone_of(user), token.expires_at)
                if key not in untils:
                    untils[key] = moment_for(user, token.expires_at, locale)
                body = template.render(user=user, inviter=inviter, days=days, until=untils[key],
                                       link=absolute_url("auth.accept_invitation", token=raw),
                                       ask_coordinator=accounts.asks_a_coordinator(user, coordinated))
                tokens.append(token)
                messages.append(queue_email(user.email, subject, body, user=user, locale=locale,
                                            deliver_now=False))
    db.session.add_all(tokens)
    enqueue_deliveries(messages)


INACTIVE_INVITATION = _l("The account is inactive, so no invitation can be sent: make it active first.")


def account_problems(actor, user: User | None, **fields) -> dict:
    """What invite, create_user (``user`` None) or update_account would refuse in these fields, by field,
    without saving anything."""
    found = accounts.account_problems(actor, user, **fields)
    if user is None and not fields.get("password") and not fields.get("is_active", True):
        found.setdefault("is_active", INACTIVE_INVITATION)
    return found


def invite(actor, **fields) -> User:
    """Create an account without a password and e-mail an invitation to it (an inactive account's link would be
    dead, so an inactive account needs a password instead)."""
    if not fields.get("is_active", True):  # said with the account's other problems: one round of corrections
        raise ValidationError(account_problems(actor, None, **fields))
    fields.setdefault("locale", None)
    fields["locale"] = fields["locale"] or default_locale_for(fields.get("country_code"))
    user = create_user(actor, password=None, **fields)
    send_invitation(actor, user)
    return user


def is_pending(user: User) -> bool:
    return user.password_hash is None


def latest_invitation(user: User) -> AccountToken | None:
    return db.session.scalar(sa.select(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.purpose == TokenPurpose.INVITATION)
        .order_by(AccountToken.id.desc()).limit(1))


def pending_invitations(actor, q: str = "") -> sa.Select:
    """People ``actor`` manages who have not chosen a password yet; ``q``: words of a name or address."""
    query = sa.select(User).where(User.password_hash.is_(None), User.is_active.is_(True))
    if q:
        query = query.where(accounts.person_matches(q))
    if not actor.is_admin:  # those one manages: a coordinator who also trains sees every country, manages one
        query = query.where(User.country_code == managed_country(actor),
                            ~User.role_rows.any(UserRole.role != Role.TRAINEE))
    return query.order_by(User.created_at.desc(), User.id.desc()).options(so.selectinload(User.role_rows))


def latest_invitations(users: list[User]) -> dict[int, AccountToken]:
    """The newest invitation token of each user, in one query."""
    if not users:
        return {}
    rows = db.session.scalars(sa.select(AccountToken).where(
        AccountToken.user_id.in_([u.id for u in users]), AccountToken.purpose == TokenPurpose.INVITATION)
        .order_by(AccountToken.id))
    return {token.user_id: token for token in rows}


def _expired_invitations(actor, now) -> sa.Select:
    """The people of ``pending_invitations`` whose latest invitation expired unused (not withdrawn, not replaced):
    those the list shows as "Expired"."""
    latest = (sa.select(sa.func.max(AccountToken.id)).where(AccountToken.user_id == User.id,
                                                            AccountToken.purpose == TokenPurpose.INVITATION)
              .correlate(User).scalar_subquery())
    return pending_invitations(actor).where(sa.exists().where(
        AccountToken.id == latest, AccountToken.used_at.is_(None), AccountToken.revoked_at.is_(None),
        AccountToken.expires_at <= now))


def expired_invitation_count(actor) -> int:
    """How many invitations ``resend_expired_invitations`` would send again, counted by the database."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        _expired_invitations(actor, utcnow()).order_by(None).subquery()))


def resend_expired_invitations(actor) -> int:
    """Send a new invitation to each person ``actor`` manages whose invitation expired unused (after a big import,
    say), as an import does: the e-mails go out through a few delivery jobs, and the expired links are withdrawn.
    Each expired link is claimed in the database first: of two requests sent at once (a double click), the second
    waits for the first and finds nobody left, rather than sending links that replace the first one's. Returns how
    many were sent."""
    now = utcnow()
    people = list(db.session.scalars(_expired_invitations(actor, now)))
    if not people:
        return 0
    claimed = set(db.session.scalars(
        sa.update(AccountToken).where(among(AccountToken.user_id, [person.id for person in people]),
                                      AccountToken.purpose == TokenPurpose.INVITATION,
                                      AccountToken.used_at.is_(None), AccountToken.revoked_at.is_(None),
                                      AccountToken.expires_at <= now)
        .values(revoked_at=now).returning(AccountToken.user_id).execution_options(synchronize_session=False)))
    people = [person for person in people if person.id in claimed]
    if people:
        send_invitations(actor, people)
        db.session.flush()
    return len(people)


def resend_invitation(actor, user: User, once: str | None = None) -> bool:
    """Send a new invitation (the earlier link stops working). ``once``: the button's one-time token; the same
    button sent again (a double click) sends nothing more, since a second e-mail would kill the first one's link.
    Returns whether an invitation was sent."""
    from app.once import earlier, remember

    check(can_manage_user(actor, user))
    hold_row(user)  # an invitation withdrawn meanwhile (the account removed) is not found; one under way waits
    if not is_pending(user):
        raise ValidationError({"invitation": _l("This person has already chosen a password")})
    if not user.is_active:
        raise ValidationError({"invitation": INACTIVE_INVITATION})
    if earlier(actor, once, f"resend-invitation/{user.id}") is not None:
        return False
    send_invitation(actor, user)
    remember(actor, once, user.id, f"resend-invitation/{user.id}")
    return True


def check_withdrawable(actor, user: User) -> None:
    """Whether ``actor`` may withdraw the invitation of ``user``: raises 403, or ValidationError when there is
    no pending invitation any more, or when records about the person exist, which removing the account would
    delete (validated levels) or leave without their person (xAPI statements)."""
    from app.competences.services import has_validations
    from app.xapi.services import has_statements

    check(can_manage_user(actor, user))
    if not is_pending(user) or user.last_login_at is not None:
        raise ValidationError({"invitation": _l("This person has already chosen a password")})
    if has_validations(user) or has_statements(user):
        raise ValidationError({"invitation": _l(
            "Records about this person are kept (validated levels or learning statements), so the account cannot "
            "be removed: make it inactive instead.")})


def withdraw_invitation(actor, user: User, once: str | None = None) -> bool:
    """Cancel a pending invitation: the account, never used, is removed. Its row is held first, so that a record
    about the person written meanwhile is either counted here or waits, then finds no account. ``once``: the
    confirmation's one-time token; the same confirmation sent again at once (a double click) waits for the first
    and removes nothing more. Returns whether this call removed the account."""
    from app.notifications.services import cancel_undelivered
    from app.once import earlier, remember

    check(can_manage_user(actor, user))
    action = f"withdraw-invitation/{user.uuid}"
    if earlier(actor, once, action) is not None:
        return False
    hold_row(user)
    check_withdrawable(actor, user)
    name = user.full_name
    cancel_undelivered(user)  # the invitation not sent yet (a mail server down) would bring a dead link
    db.session.delete(user)
    db.session.flush()
    remember(actor, once, name, action)  # what a sending that comes later, once it is gone, tells (the name)
    return True


def _set_password_with(raw: str, purpose: TokenPurpose, password: str) -> AccountToken:
    """Use a link to set a password: the link stops working, and so does every other open link of the user."""
    token = open_token(raw, purpose)
    problem = password_problem(password, token.user.email)
    if problem:
        raise ValidationError({"password": problem})
    # the person's row first: two of their links used at once (a reset asked twice, or an invitation too) each
    # claimed its own and then waited to end the other's, a deadlock on PostgreSQL; now the second waits here
    hold_row(token.user)
    now = utcnow()
    # claim the link in one conditional UPDATE: of two requests sending it at once, the second waits for the
    # first and then finds it used (a read, then a write, would let both through)
    claimed = db.session.execute(sa.update(AccountToken).where(
        AccountToken.id == token.id, AccountToken.used_at.is_(None), AccountToken.revoked_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise TokenProblem("used")
    token.used_at = now
    token.user.set_password(password)  # also signs out every other session
    accounts.revoke_links(token.user, keep=token)
    db.session.flush()
    return token


def accept_invitation(raw: str, password: str) -> User:
    """The invited person chooses a password."""
    token = _set_password_with(raw, TokenPurpose.INVITATION, password)
    signals.invitation_accepted.send(token.user, invited_by=token.created_by)
    return token.user


# --- password reset -----------------------------------------------------------------------------------

def request_password_reset(email: str) -> None:
    """E-mail a reset link if an active account has this address; say nothing either way.

    The request does the same work for every address, known or not (it only queues a job), so its timing tells
    nothing; the job looks the address up, after the answer has been sent when it runs in the web process."""
    enqueue(send_password_reset, normalise_email(email or ""), after_response=True)


@task(_l("Send a password-reset link"), forget_args=True)  # an address typed by anyone
def send_password_reset(email: str) -> None:
    """Background job: the reset link, for an active account with this address only.

    A link sent earlier keeps working until it expires or one of them is used: someone who asked twice (the
    first e-mail was slow to come) can follow whichever arrives; using one ends the others."""
    if sweep_due("password_resets"):  # requests sweep some old ones (and `flask purge`, by cron)
        purge_password_resets()
    user = get_user_by_email(email)
    if user is None or not user.is_active:
        return
    raw, token = _new_token(user, TokenPurpose.PASSWORD_RESET, None, utcnow())
    db.session.add(token)
    invited = is_pending(user)  # the invitation's link lost or expired: a password to choose, none to reset
    subject = _l("Choose your password for Itinera") if invited else _l("Choose a new password for Itinera")
    _send(user, "auth/email/password_reset.txt", subject, token,
          link=absolute_url("auth.reset_password", token=raw), invited=invited,
          minutes=current_app.config["PASSWORD_RESET_MINUTES"])


def purge_password_resets(limit: int | None = SWEEP_LIMIT) -> int:
    """Forget the password-reset links that expired more than PASSWORD_RESET_DAYS ago, used or not (until then an
    old link says it expired or was used, in the person's language, rather than that it is unknown). Invitations
    stay: they are the account's record of who invited whom. At most ``limit`` (None: all); returns how many went;
    flushes."""
    before = utcnow() - timedelta(days=current_app.config["PASSWORD_RESET_DAYS"])
    return delete_some(AccountToken, AccountToken.purpose == TokenPurpose.PASSWORD_RESET,
                       AccountToken.expires_at < before, oldest_first=AccountToken.expires_at, limit=limit)


def reset_password(raw: str, password: str) -> User:
    """Choose a new password from a reset link. Someone still invited (the invitation was lost) has thereby
    accepted it: the inviter and the cohorts they joined meanwhile hear of it as on accepting."""
    invited = is_pending(open_token(raw, TokenPurpose.PASSWORD_RESET).user)
    user = _set_password_with(raw, TokenPurpose.PASSWORD_RESET, password).user
    if invited:
        invitation = latest_invitation(user)
        signals.invitation_accepted.send(user, invited_by=invitation.created_by if invitation else None)
    return user
