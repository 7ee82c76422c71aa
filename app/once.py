"""Forms sent twice (a double click, a tap again on a slow phone, Back then Send): a form that makes or sends
something with no natural unique key carries a one-time token (``OnceForm``, or ``once_token()`` in a template
for a button of a list); the first submission records what it made under that token, in its own transaction,
and the next one finds it there instead of making it again.

The record lives in the database, not in the session: the two requests of a double click leave the browser
with the same cookie, so neither could see the other's session."""
import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from wtforms import HiddenField

from app.db import UTCDateTime, lock_for_write, utcnow
from app.extensions import db
from app.forms import Form

KEPT_FOR = timedelta(days=2)  # a form left open longer than this and sent again makes its thing again


def new_token() -> str:
    return secrets.token_urlsafe(16)


class OnceForm(Form):
    """A form whose submission must make its thing once: ``once`` is a hidden token, new for every form shown
    (and kept when the form comes back with errors, since nothing was made)."""

    once = HiddenField(default=new_token)


class FormSubmission(db.Model):
    """A form token already used by ``user`` (a digest of it and of the action it was used for) and what its
    submission made (``result``, e.g. an id)."""

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    token: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    result: so.Mapped[str] = so.mapped_column(sa.String(200))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, index=True)


def _key(actor, token: str | None, action: str) -> str | None:
    if not token or len(token) > 64 or getattr(actor, "id", None) is None:
        return None
    return hashlib.sha256(f"{action}\x1f{token}".encode()).hexdigest()


def earlier(actor, token: str | None, action: str = "") -> FormSubmission | None:
    """The submission that used ``token`` for ``action`` (what the form does, e.g. "resend/42": one page's
    buttons may share a token) before, if any. Two requests with the same token take turns here (the second
    waits until the first has committed or rolled back, then finds what it recorded): call this once the
    request has checked what it was sent, just before it writes, and ``remember`` in the same transaction."""
    key = _key(actor, token, action)
    if key is None:
        return None
    lock_for_write("form-once", f"{actor.id}\x1f{key}")
    return db.session.get(FormSubmission, (actor.id, key))


def remember(actor, token: str | None, result, action: str = "") -> None:
    """Record that ``token`` made ``result`` (flushed with the caller's change); forget tokens past KEPT_FOR."""
    key = _key(actor, token, action)
    if key is None:
        return
    forget_old()
    db.session.add(FormSubmission(user_id=actor.id, token=key, result=str(result)))
    db.session.flush()


def forget_old() -> int:
    """Forget the tokens used more than KEPT_FOR ago; returns how many."""
    return db.session.execute(sa.delete(FormSubmission).where(FormSubmission.created_at < utcnow() - KEPT_FOR)).rowcount
