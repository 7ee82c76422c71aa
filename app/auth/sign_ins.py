"""Sign-ins: each browser where a person signed in, kept on the server so that signing out ends it for good.

Flask's session is a signed cookie: without a record on the server, a copy of it (or of the remember-me cookie)
would stay valid after its owner signed out. Each sign-in therefore has a random key, named by the cookies
(``User.get_id``); only a hash of the key is stored. A sign-in is open while it has not been ended, the person's
password has not changed since (``version``) and it has been used recently enough: within 12 hours for a
browser session (``SIGN_IN_IDLE``); "keep me signed in" lasts the 30 days of its cookie
(``REMEMBER_COOKIE_DURATION``).
"""
import hashlib
import re
import secrets
from datetime import datetime, timedelta
from uuid import UUID

import sqlalchemy as sa
from flask import current_app

from app.auth.models import SignIn, User
from app.db import utcnow
from app.extensions import db

NOTE_USE_EVERY = timedelta(minutes=5)  # how stale "last used" may be: one write per person every 5 minutes at most
MAX_USER_AGENT = 1000  # characters of a User-Agent header read to name the browser
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def idle_limit(sign_in: SignIn) -> timedelta:
    """How long a sign-in may go unused before it ends."""
    config = current_app.config
    return config["REMEMBER_COOKIE_DURATION"] if sign_in.remember else config["SIGN_IN_IDLE"]


def _is_current(sign_in: SignIn, user: User, now: datetime) -> bool:
    return (sign_in.ended_at is None and sign_in.version == user.session_version
            and now - sign_in.last_seen_at < idle_limit(sign_in))


def _describe(user_agent: str) -> tuple[str | None, str | None]:
    """The browser and the operating system a User-Agent header names ("Chrome Mobile", "Android"), if known."""
    if not user_agent:
        return None, None
    from ua_parser import parse_os, parse_user_agent  # its regular expressions load on first use, at a sign-in

    # control characters named nothing (and PostgreSQL keeps no NUL): a family read from them would not be saved
    user_agent = _CONTROL.sub("", user_agent[:MAX_USER_AGENT])
    browser, system = parse_user_agent(user_agent), parse_os(user_agent)
    return (browser.family[:80] if browser and browser.family != "Other" else None,
            system.family[:80] if system and system.family != "Other" else None)


def forget_unused(now=None) -> int:
    """Forget everyone's sign-ins unused for longer than any sign-in lasts; returns how many. Flushes."""
    config = current_app.config
    longest = max(config["REMEMBER_COOKIE_DURATION"], config["SIGN_IN_IDLE"])
    return db.session.execute(sa.delete(SignIn).where(SignIn.last_seen_at < (now or utcnow()) - longest)
                              .execution_options(synchronize_session=False)).rowcount


def start(user: User, *, remember: bool = False, user_agent: str = "") -> SignIn:
    """Open a sign-in for ``user``: afterwards ``user.get_id()`` names it, for the cookies. The person's sign-ins
    that have ended are forgotten now, and so is anyone's that went unused for longer than any sign-in lasts (of
    people who never came back). Flushes."""
    now = utcnow()
    # everyone's first, then one's own: two sign-ins at once then take the rows they share in the same order
    # (the other way round, each could hold a row the other waits for: a deadlock on PostgreSQL)
    forget_unused(now)
    finished = [s for s in db.session.scalars(sa.select(SignIn).where(SignIn.user_id == user.id))
                if not _is_current(s, user, now)]
    if finished:
        db.session.execute(sa.delete(SignIn).where(SignIn.id.in_([s.id for s in finished])))
    key = secrets.token_urlsafe(32)
    browser, system = _describe(user_agent)
    sign_in = SignIn(user_id=user.id, key_hash=_hash(key), version=user.session_version, remember=remember,
                     browser=browser, system=system, created_at=now, last_seen_at=now)
    db.session.add(sign_in)
    db.session.flush()
    user.sign_in, user.sign_in_key = sign_in, key
    return sign_in


def load(user_uuid: UUID, key: str) -> User | None:
    """The person whose open sign-in has ``key``, or None (also when their account is inactive)."""
    if not key or len(key) > 100:
        return None
    found = db.session.execute(
        sa.select(User, SignIn).join(SignIn, SignIn.user_id == User.id)
        .where(User.uuid == user_uuid, SignIn.key_hash == _hash(key))
    ).first()
    if found is None:
        return None
    user, sign_in = found
    if not user.is_active or not _is_current(sign_in, user, utcnow()):
        return None
    user.sign_in, user.sign_in_key = sign_in, key
    return user


def note_use(user: User) -> None:
    """Remember that the sign-in of ``user`` is in use (at most every few minutes), and commit: called first thing
    in a request, before anything else has been written."""
    sign_in = user.sign_in
    if sign_in is None:
        return
    now = utcnow()
    if now - sign_in.last_seen_at < NOTE_USE_EVERY:
        return
    db.session.execute(sa.update(SignIn).where(SignIn.id == sign_in.id).values(last_seen_at=now))
    db.session.commit()


def end(user: User) -> None:
    """Sign-out: the sign-in of ``user`` in this browser ends. Flushes."""
    if user.sign_in is not None:
        db.session.execute(sa.update(SignIn).where(SignIn.id == user.sign_in.id, SignIn.ended_at.is_(None))
                           .values(ended_at=utcnow()))
        db.session.flush()


def open_sign_ins(user: User) -> list[SignIn]:
    """Where ``user`` is signed in now, the most recently used first."""
    now = utcnow()
    found = db.session.scalars(
        sa.select(SignIn).where(SignIn.user_id == user.id, SignIn.ended_at.is_(None),
                                SignIn.version == user.session_version)
        .order_by(SignIn.last_seen_at.desc(), SignIn.id.desc())
    )
    return [s for s in found if _is_current(s, user, now)]


def end_one(user: User, sign_in_id: int) -> SignIn | None:
    """``user`` signs out one of their own browsers (one ended already stays so: a double click); None when it is
    another person's, or forgotten. That browser's device cookie stays valid: it is not stored on the server, so it
    cannot be ended alone (``end_others`` and a new password end them all). Flushes."""
    sign_in = db.session.get(SignIn, sign_in_id)
    if sign_in is None or sign_in.user_id != user.id:
        return None
    if _is_current(sign_in, user, utcnow()):
        sign_in.ended_at = utcnow()
        db.session.flush()
    return sign_in


def end_others(user: User, once: str | None = None) -> int:
    """``user`` signs out every browser but this one; returns how many. Flushes. ``once``: the button's one-time
    token; the same button sent again (a double tap) ends nothing more and returns how many the first ended, unless
    browsers have signed in since (the form sent again later): those are ended, and counted.

    Those browsers become strangers at the sign-in page too: ``session_version`` goes up, which ends every device
    cookie given before (app.auth.devices), also those of browsers signed out earlier. This browser's sign-in
    follows the new version, so its session and "keep me signed in" cookie go on working; the view gives it a new
    device cookie (``devices.remember``). Signing out one other browser (``end_one``) cannot end that one's device
    cookie alone, since none is stored on the server: ending them all is this function's work."""
    from app.once import earlier, remember

    done = earlier(user, once, "end-other-sign-ins")
    if done is not None:
        db.session.refresh(user)  # the first sending's session version, which this browser's new device cookie names
    others = [s for s in open_sign_ins(user) if user.sign_in is None or s.id != user.sign_in.id]
    if done is not None and not others:
        return int(done.result)
    # (the same button sent again later, with browsers signed in since: those are signed out, as the button says)
    now = utcnow()
    for sign_in in others:
        sign_in.ended_at = now
    user.session_version = (user.session_version or 0) + 1
    if user.sign_in is not None:
        user.sign_in.version = user.session_version
    db.session.flush()
    if done is None:
        remember(user, once, len(others), "end-other-sign-ins")
    return len(others)
