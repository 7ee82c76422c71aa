"""Forms sent twice (a double click, a tap again on a slow phone, Back then Send): a form that makes something
with no natural unique key carries a one-time token (``OnceForm``); the first submission records what it made
under that token, in its own transaction, and the next one finds it there instead of making it again.

The record lives in the database, not in the session: the two requests of a double click leave the browser
with the same cookie, so neither could see the other's session."""
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_wtf import FlaskForm
from wtforms import HiddenField

from app.db import UTCDateTime, lock_for_write, utcnow
from app.extensions import db

KEPT_FOR = timedelta(days=2)  # a form left open longer than this and sent again makes its thing again


def new_token() -> str:
    return secrets.token_urlsafe(16)


class OnceForm(FlaskForm):
    """A form whose submission must make its thing once: ``once`` is a hidden token, new for every form shown
    (and kept when the form comes back with errors, since nothing was made)."""

    once = HiddenField(default=new_token)


class FormSubmission(db.Model):
    """A form token already used by ``user`` and what its submission made (``result``, e.g. an id)."""

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    token: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    result: so.Mapped[str] = so.mapped_column(sa.String(200))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, index=True)


def earlier(actor, token: str | None) -> FormSubmission | None:
    """The submission that used ``token`` before, if any. Two requests with the same token take turns here (the
    second waits until the first has committed or rolled back, then finds what it recorded): call this once the
    request has checked what it was sent, just before it writes, and ``remember`` in the same transaction."""
    if not token or len(token) > 64 or getattr(actor, "id", None) is None:
        return None
    lock_for_write("form-once", f"{actor.id}\x1f{token}")
    return db.session.get(FormSubmission, (actor.id, token))


def remember(actor, token: str | None, result) -> None:
    """Record that ``token`` made ``result`` (flushed with the caller's change); forget tokens past KEPT_FOR."""
    if not token or len(token) > 64 or getattr(actor, "id", None) is None:
        return
    db.session.execute(sa.delete(FormSubmission).where(FormSubmission.created_at < utcnow() - KEPT_FOR))
    db.session.add(FormSubmission(user_id=actor.id, token=token, result=str(result)))
    db.session.flush()
