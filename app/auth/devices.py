"""Device cookies: the browsers where a person has signed in, known again at the sign-in page.

Failed sign-ins are limited per e-mail address (LOGIN_ACCOUNT_RATE_LIMIT) so that no one guesses one person's
password from many client addresses; but then anyone who knows an address can spend its attempts and keep its
owner out. As in OWASP's "device cookies" scheme, a browser where the person has proved who they are (a sign-in,
an invitation or reset link, a password change) gets a cookie naming the account. An attempt for that account
that carries it is counted against that cookie alone (DEVICE_RATE_LIMIT), not against the address: the owner gets
in from their usual browsers while a stranger, who has no such cookie, is held back as before.

The cookie is signed with SECRET_KEY (and a salt of its own), HttpOnly, SameSite=Lax, Secure as the session cookie
is, and sent to the sign-in pages only. It names the account by UUID, its session version (a new password or a
deactivation ends every cookie given before, as it ends every sign-in; so does "Sign out of every other device",
whose browser gets a new cookie: app.auth.sign_ins.end_others) and a random id that keys its count of failures. It
lasts DEVICE_COOKIE_DURATION from the last time it was given. Nothing of it is stored on the server but the rate
limiter's counts, so no one cookie can be ended alone: signing out (of this browser, or of one other from the
account page) keeps it. A cookie that is forged, altered, expired, of another account or of another session version
counts as none.
"""
import secrets

import sqlalchemy as sa
from flask import after_this_request, current_app, g, request, url_for
from itsdangerous import BadData, URLSafeTimedSerializer

from app.auth.models import User
from app.extensions import db

COOKIE = "itinera_device"
SALT = "itinera.device-cookie"
MAX_COOKIE = 400  # characters: a real cookie has about 150


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _path() -> str:
    """Where the browser sends the cookie: the sign-in pages (``/auth/``, under the site's prefix if any)."""
    return url_for("auth.login").rpartition("/")[0] + "/"


def remember(user: User) -> None:
    """Give this browser a device cookie for ``user`` with the answer to this request (a new one each time: a
    new count of failures, and a new expiry)."""
    value = _serializer().dumps({"u": str(user.uuid), "v": user.session_version, "d": secrets.token_urlsafe(12)})
    duration = current_app.config["DEVICE_COOKIE_DURATION"]

    @after_this_request
    def set_cookie(response):
        response.set_cookie(COOKIE, value, max_age=int(duration.total_seconds()), path=_path(), httponly=True,
                            samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
        return response


def key_for(email: str) -> str | None:
    """The rate limiter's key of this browser's device cookie when it is a valid one for the account with the
    (normalised) address ``email``; None when there is no such cookie. Read once a request."""
    known = g.setdefault("device_keys", {})
    if email not in known:
        known[email] = _read(email)
    return known[email]


def _read(email: str) -> str | None:
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > MAX_COOKIE:
        return None
    try:
        data = _serializer().loads(raw, max_age=int(current_app.config["DEVICE_COOKIE_DURATION"].total_seconds()))
    except BadData:
        return None
    if not isinstance(data, dict):
        return None
    uuid, version, device = data.get("u"), data.get("v"), data.get("d")
    if not (isinstance(uuid, str) and isinstance(version, int) and isinstance(device, str)):
        return None
    # looked up only for a cookie this site signed: a stranger's request costs no query and tells nothing
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None or not user.is_active or str(user.uuid) != uuid or user.session_version != version:
        return None
    return f"device:{uuid}:{device}"
