"""What a person typed into a form that could not be taken: sent once their sign-in had ended, or from a page whose
security (CSRF) token had expired. Nothing of it is saved then; instead the fields they typed are kept here, on the
server, and the form is shown to them again filled in (after they sign in, as the same person), with a message to
check it and send it again. It is never sent for them.

Every form of app.forms.Form does this without code of its own: ``hidden_tag`` adds a signed token (KEPT_FIELD)
naming the person the form was shown to and the form (its class and prefix). Only a form carrying a valid token is
kept: a form another site makes a signed-out browser send has none, so no one is shown fields they did not type.
What is kept belongs to the browser that sent it (a random key in its session, carried over a sign-in) and to the
person the token names; the page showing that form again (the same address, read with GET, by that person, in that
browser) fills it in from the fields kept, once, and they are forgotten. Passwords, files, the CSRF token and
fields beyond MAX_CHARS are not kept; anything kept is forgotten after KEEP_FOR, and a person's oldest forms beyond
MAX_PER_PERSON.
"""
import hashlib
import json
import secrets
from datetime import datetime, timedelta
from uuid import UUID
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import after_this_request, current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from itsdangerous import BadData, URLSafeTimedSerializer
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from app.db import UTCDateTime, utcnow
from app.extensions import db

KEPT_FIELD = "kept_for"  # the form's hidden token: whom it was shown to, which form
SESSION_KEY = "_kept"  # this browser's key to what was kept
KEEP_FOR = timedelta(hours=24)  # what was kept and not shown again by then is forgotten
TOKEN_MAX_AGE = timedelta(days=7)  # a form open longer than this is not kept (the token may have been seen)
MAX_CHARS = 100_000  # of the names and values kept for one form: fields beyond are not kept
MAX_PER_PERSON = 20  # forms kept for one person (in all their browsers): the oldest beyond go
NOT_KEPT = ("csrf_token", KEPT_FIELD, "form_page")  # (form_page: app.template_helpers.FORM_PAGE)
SECRET_FIELD_TYPES = ("PasswordField", "FileField", "MultipleFileField")

SIGNED_OUT = "signed-out"
EXPIRED = "expired"
MESSAGES = {
    SIGNED_OUT: _l("Your sign-in had ended, so this was not saved. We kept what you typed: check it and send it "
                   "again."),
    EXPIRED: _l("This page had expired, so this was not saved. We kept what you typed: check it and send it again."),
}


class KeptForm(db.Model):
    """The fields of a form that ``user`` sent but that could not be taken (``reason``), to show them again on
    ``page`` in the browser whose key hashes to ``browser``."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    browser: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    page: so.Mapped[str] = so.mapped_column(sa.String(2000))
    form: so.Mapped[str] = so.mapped_column(sa.String(200))
    fields: so.Mapped[str] = so.mapped_column(sa.Text)  # JSON: [[name, value], ...] in the order sent
    reason: so.Mapped[str] = so.mapped_column(sa.String(20))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, index=True)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="kept-form")


def form_name(form) -> str:
    return f"{type(form).__name__}/{form._prefix}"[:200]


def token_field(form) -> Markup:
    """The hidden KEPT_FIELD input of ``form`` for a signed-in person (nothing for anyone else): the names of its
    password and file fields go with it, and are never kept."""
    fields = list(_leaves(form))
    if not getattr(current_user, "is_authenticated", False) or all(
            field.type in ("CSRFTokenField", "HiddenField", "SubmitField") for field in fields):
        return Markup("")  # (a form of buttons only has nothing typed to keep)
    secret = [field.name for field in fields if field.type in SECRET_FIELD_TYPES]
    token = _serializer().dumps([str(current_user.uuid), form_name(form), secret])
    return Markup('<input type="hidden" name="%s" value="%s">') % (KEPT_FIELD, token)


def _leaves(form):
    from app.forms import leaf_fields

    return leaf_fields(form)


def _browser_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _page_path(url: str | None) -> str | None:
    """The path (within the site) of a page's address."""
    if not url:
        return None
    path = unquote(urlsplit(url).path)
    root = request.script_root
    return path[len(root):] if root and path.startswith(root) else path


def keep(reason: str, page_url: str | None) -> bool:
    """Keep the fields of the form this request sent (a POST that will not be taken, for ``reason``) for the
    person its token names, to show again on the page at ``page_url``; commits. False (nothing kept) without a
    valid token, for a token naming someone else than the person signed in, or without a page to show it on."""
    from app.auth.models import User

    page = _page_path(page_url)
    try:
        sent = request.form
        token = sent.get(KEPT_FIELD)
    except HTTPException:  # a body refused (too large, cut off)
        return False
    if not token or page is None or len(page) > 2000:
        return False
    try:
        uuid, form, secret = _serializer().loads(token, max_age=int(TOKEN_MAX_AGE.total_seconds()))
    except (BadData, ValueError, TypeError):  # (not three values)
        return False
    try:
        user = db.session.scalar(sa.select(User).where(User.uuid == UUID(uuid)))
    except (TypeError, ValueError, AttributeError):
        return False
    if user is None or current_user.is_authenticated and current_user.id != user.id:
        return False
    skipped = set(NOT_KEPT) | set(secret if isinstance(secret, list) else [])
    fields, size = [], 0
    for name, value in sent.items(multi=True):
        if name in skipped or "password" in name.lower():
            continue
        size += len(name) + len(value)
        if size > MAX_CHARS:
            break
        fields.append([name, value])
    key = session.get(SESSION_KEY)
    if not isinstance(key, str):
        key = session[SESSION_KEY] = secrets.token_urlsafe(32)
    browser = _browser_hash(key)
    db.session.execute(sa.delete(KeptForm).where(
        sa.or_(KeptForm.created_at < utcnow() - KEEP_FOR,
               sa.and_(KeptForm.browser == browser, KeptForm.user_id == user.id, KeptForm.page == page,
                       KeptForm.form == str(form)[:200]))))
    db.session.add(KeptForm(browser=browser, user_id=user.id, page=page, form=str(form)[:200],
                            fields=json.dumps(fields), reason=reason))
    db.session.flush()
    oldest = db.session.scalars(sa.select(KeptForm.id).where(KeptForm.user_id == user.id)
                                .order_by(KeptForm.id.desc()).offset(MAX_PER_PERSON)).all()
    if oldest:
        db.session.execute(sa.delete(KeptForm).where(KeptForm.id.in_(oldest)))
    db.session.commit()
    return True


def carry_over(user) -> str | None:
    """Before a sign-in clears the session: this browser's key, to put back in the new session
    (``session[SESSION_KEY] = key``) once signed in as ``user``. What was kept here for anyone else is forgotten
    now, and anything kept anywhere for longer than KEEP_FOR (no one's text stays longer on a quiet site).
    Flushes."""
    key = session.get(SESSION_KEY)
    forgotten = KeptForm.created_at < utcnow() - KEEP_FOR
    if isinstance(key, str):
        forgotten = sa.or_(forgotten, sa.and_(KeptForm.browser == _browser_hash(key), KeptForm.user_id != user.id))
    db.session.execute(sa.delete(KeptForm).where(forgotten))
    db.session.flush()
    return key if isinstance(key, str) else None


def _forms_in(context: dict):
    """The forms of a page's context: its values, and those of its dicts, lists and tuples (a form per row, each
    with its own prefix)."""
    for value in context.values():
        if isinstance(value, FlaskForm):
            yield value
        elif isinstance(value, (dict, list, tuple)):
            yield from (item for item in (value.values() if isinstance(value, dict) else value)
                        if isinstance(item, FlaskForm))


def fill_in(_sender, template, context, **_extra) -> None:
    """On a page read with GET by a signed-in person whose browser kept a form for this page: the form of the
    page with the same class and prefix is filled in with what was kept (and its lists that follow its fields
    built again: app.forms.Form.choices_from), with a message, and what was kept is forgotten (committed after
    the page). A browser with nothing kept for its person any more forgets its key (and pages ask nothing more).
    Connected to ``before_render_template``."""
    if not request or request.method != "GET" or not isinstance(session.get(SESSION_KEY), str) or \
            not current_user.is_authenticated:
        return
    forms = {form_name(form): form for form in _forms_in(context)}
    if not forms:
        return
    waiting = db.session.scalars(sa.select(KeptForm).where(
        KeptForm.browser == _browser_hash(session[SESSION_KEY]), KeptForm.user_id == current_user.id,
        KeptForm.created_at >= utcnow() - KEEP_FOR)).all()
    found = [kept for kept in waiting if kept.page == request.path and kept.form in forms]
    if len(found) == len(waiting):
        session.pop(SESSION_KEY)
    for kept in found:
        form = forms[kept.form]
        form.process(MultiDict([tuple(pair) for pair in json.loads(kept.fields)]))
        if hasattr(form, "rebuild_choices"):
            form.rebuild_choices()  # the lists that follow its fields (app.forms.Form.choices_from)
        form.form_errors.append(MESSAGES.get(kept.reason, MESSAGES[EXPIRED]))
        db.session.delete(kept)
    if found:
        @after_this_request
        def forget(response):
            db.session.commit()
            return response


def forget_old() -> int:
    """Forget whatever was kept for longer than KEEP_FOR, anyone's; returns how many. Flushes."""
    return db.session.execute(sa.delete(KeptForm).where(KeptForm.created_at < utcnow() - KEEP_FOR)).rowcount
