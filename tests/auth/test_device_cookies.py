"""Device cookies: a stranger who spends the sign-in attempts of an address keeps out only the browsers its owner
has never signed in with (OWASP's "device cookies")."""
import json
import re

import pytest

from tests.fixtures.factories import PASSWORD

COOKIE = "itinera_device"


def sign_in(client, email, password=PASSWORD, **kwargs):
    return client.post("/auth/login", data={"email": email, "password": password}, **kwargs)


def _app(make_app, make_user, **settings):
    """An app allowing three failed sign-ins per address an hour (and per device), where ana@ and bob@ exist."""
    settings = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", "LOGIN_RATE_LIMIT": "1000 per minute",
                "LOGIN_ACCOUNT_RATE_LIMIT": "3 per hour", "DEVICE_RATE_LIMIT": "3 per hour"} | settings
    app = make_app(**settings)
    with app.app_context():
        make_user(email="ana@example.org")
        make_user(email="bob@example.org")
    return app


def _device_of(app, email):
    """A browser where ``email`` has signed in (and out again): it holds that account's device cookie."""
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    assert client.get_cookie(COOKIE, path="/auth/") is not None
    client.post("/auth/logout")
    return client


def _exhaust(app, email="ana@example.org"):
    stranger = app.test_client()
    for _ in range(3):
        assert sign_in(stranger, email, "guess").status_code == 400
    assert sign_in(stranger, email, PASSWORD).status_code == 429
    return stranger


def _with_cookie(app, value):
    client = app.test_client()
    client.set_cookie(COOKIE, value, path="/auth/")
    return client


def test_the_owner_on_their_device_gets_in_while_a_stranger_is_held_back(make_app, make_user):
    app = _app(make_app, make_user)
    owners_phone = _device_of(app, "ana@example.org")
    _exhaust(app)
    assert sign_in(app.test_client(), "ana@example.org").status_code == 429  # a new browser: held back as before
    assert sign_in(owners_phone, "ana@example.org").status_code == 302
    assert owners_phone.get("/auth/account").status_code == 200


def test_the_device_cookie_is_httponly_lax_secure_and_lasts_its_duration(make_app, make_user):
    app = _app(make_app, make_user, SESSION_COOKIE_SECURE=True)
    response = sign_in(app.test_client(), "ana@example.org")
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "=")]
    assert "HttpOnly" in header and "Secure" in header and "SameSite=Lax" in header and "Path=/auth/" in header
    assert f"Max-Age={90 * 24 * 3600}" in header
    value = header.split(";")[0].partition("=")[2]
    assert "ana@example.org" not in value and PASSWORD not in value


def test_in_development_the_device_cookie_is_not_secure(make_app, make_user):
    app = _app(make_app, make_user)  # the tests' settings, as development's: plain http
    response = sign_in(app.test_client(), "ana@example.org")
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "=")]
    assert "Secure" not in header


def test_a_failed_sign_in_gives_no_device_cookie(make_app, make_user):
    app = _app(make_app, make_user)
    client = app.test_client()
    assert sign_in(client, "ana@example.org", "guess").status_code == 400
    assert client.get_cookie(COOKIE, path="/auth/") is None


@pytest.mark.parametrize("forge", ["garbage", "other-key", "other-salt", "unsigned", "altered"])
def test_a_forged_device_cookie_counts_as_none(make_app, make_user, forge):
    from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer
    from itsdangerous.encoding import base64_encode

    app = _app(make_app, make_user)
    owners_phone = _device_of(app, "ana@example.org")
    real = owners_phone.get_cookie(COOKIE, path="/auth/").value
    payload = URLSafeTimedSerializer("test-secret-key", salt="itinera.device-cookie").loads(real)
    value = {"garbage": "not-a-cookie",
             "other-key": URLSafeTimedSerializer("another-key", salt="itinera.device-cookie").dumps(payload),
             "other-salt": URLSafeTimedSerializer("test-secret-key", salt="itsdangerous").dumps(payload),
             "unsigned": URLSafeSerializer("", salt="itinera.device-cookie").dumps(payload).split(".")[0],
             # another device id under the real cookie's signature
             "altered": ".".join([base64_encode(json.dumps(payload | {"d": "mine"}, separators=(",", ":"))).decode(),
                                  *real.split(".")[1:]])}[forge]
    _exhaust(app)
    assert sign_in(_with_cookie(app, value), "ana@example.org").status_code == 429


def test_another_accounts_device_cookie_counts_as_none(make_app, make_user):
    app = _app(make_app, make_user)
    bobs_phone = _device_of(app, "bob@example.org")
    _exhaust(app)
    assert sign_in(bobs_phone, "ana@example.org").status_code == 429
    assert sign_in(bobs_phone, "bob@example.org").status_code == 302  # still Bob's own device


def test_guesses_through_another_accounts_device_cookie_count_against_the_address(make_app, make_user):
    app = _app(make_app, make_user)
    bobs_phone = _device_of(app, "bob@example.org")
    for _ in range(3):
        assert sign_in(bobs_phone, "ana@example.org", "guess").status_code == 400
    assert sign_in(app.test_client(), "ana@example.org").status_code == 429


def test_an_expired_device_cookie_counts_as_none(make_app, make_user, monkeypatch):
    import time

    from itsdangerous.timed import TimestampSigner

    app = _app(make_app, make_user)
    with monkeypatch.context() as patched:  # the cookie was given 91 days ago
        patched.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 91 * 24 * 3600)
        old_phone = _device_of(app, "ana@example.org")
    _exhaust(app)
    assert sign_in(old_phone, "ana@example.org").status_code == 429


def test_a_new_password_ends_the_device_cookies_given_before(make_app, make_user):
    """A copy of the cookie (or a device the person no longer trusts) stops counting once the password changes;
    the browser that changed it gets a new one."""
    app = _app(make_app, make_user)
    laptop, old_phone = _device_of(app, "ana@example.org"), _device_of(app, "ana@example.org")
    assert sign_in(laptop, "ana@example.org").status_code == 302
    changed = laptop.post("/auth/account/password",
                          data={"current_password": PASSWORD, "new_password": "a-brand-new-password"})
    assert changed.status_code == 302
    laptop.post("/auth/logout")
    _exhaust(app)
    assert sign_in(old_phone, "ana@example.org", "a-brand-new-password").status_code == 429
    assert sign_in(laptop, "ana@example.org", "a-brand-new-password").status_code == 302


def test_a_deactivated_account_s_device_cookie_counts_as_none(make_app, make_user):
    import sqlalchemy as sa

    from app.auth.models import User
    from app.extensions import db

    app = _app(make_app, make_user)
    owners_phone = _device_of(app, "ana@example.org")
    with app.app_context():
        db.session.scalar(sa.select(User).where(User.email == "ana@example.org")).is_active = False
        db.session.commit()
    for _ in range(3):
        assert sign_in(owners_phone, "ana@example.org").status_code == 400
    assert sign_in(app.test_client(), "ana@example.org").status_code == 429  # its attempts counted for the address


def test_guessing_through_the_owners_device_is_limited_too(make_app, make_user):
    """Whoever holds the device (or a copy of its cookie) gets the device's own attempts, no more; they do not
    spend the address's."""
    app = _app(make_app, make_user)
    owners_phone = _device_of(app, "ana@example.org")
    for _ in range(3):
        assert sign_in(owners_phone, "ana@example.org", "guess").status_code == 400
    held_back = sign_in(owners_phone, "ana@example.org")
    assert held_back.status_code == 429
    assert re.search(r"You can try again in \d+ minutes", held_back.get_data(as_text=True))
    assert sign_in(app.test_client(), "ana@example.org").status_code == 302  # the address's attempts are whole


def test_each_device_has_its_own_attempts(make_app, make_user):
    app = _app(make_app, make_user)
    phone, laptop = _device_of(app, "ana@example.org"), _device_of(app, "ana@example.org")
    for _ in range(3):
        assert sign_in(phone, "ana@example.org", "guess").status_code == 400
    assert sign_in(phone, "ana@example.org").status_code == 429
    assert sign_in(laptop, "ana@example.org").status_code == 302


def test_the_per_client_address_limit_still_holds_with_a_device_cookie(make_app, make_user):
    app = _app(make_app, make_user, LOGIN_RATE_LIMIT="2 per minute", DEVICE_RATE_LIMIT="100 per hour")
    owners_phone = _device_of(app, "ana@example.org")
    for _ in range(2):
        assert sign_in(owners_phone, "ana@example.org", "guess").status_code == 400
    assert sign_in(owners_phone, "ana@example.org").status_code == 429


def test_the_owner_on_their_device_can_still_ask_for_a_reset_link(make_app, make_user):
    """A stranger can also spend the address's requests for a reset link (five an hour): the owner's device asks
    on its own count."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.notifications.models import OutboxMessage

    app = _app(make_app, make_user)
    owners_phone = _device_of(app, "ana@example.org")
    stranger = app.test_client()
    for _ in range(5):
        assert stranger.post("/auth/password/forgot", data={"email": "ana@example.org"}).status_code == 200
    assert stranger.post("/auth/password/forgot", data={"email": "ana@example.org"}).status_code == 429
    assert app.test_client().post("/auth/password/forgot", data={"email": "ana@example.org"}).status_code == 429
    assert owners_phone.post("/auth/password/forgot", data={"email": "ana@example.org"}).status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 6
    for _ in range(4):
        assert owners_phone.post("/auth/password/forgot", data={"email": "ana@example.org"}).status_code == 200
    assert owners_phone.post("/auth/password/forgot", data={"email": "ana@example.org"}).status_code == 429


def test_with_redis_a_device_cookie_is_honoured_across_workers(make_app, make_user, redis_url):
    """The device's count and the address's are kept in Redis like the other limits: a worker started later holds
    the stranger back and lets the owner's device in."""
    import uuid

    email = f"{uuid.uuid4().hex[:10]}@example.org"
    settings = dict(REDIS_URL=redis_url, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="1000 per minute",
                    LOGIN_ACCOUNT_RATE_LIMIT="2 per hour")
    first = make_app(**settings)
    with first.app_context():
        make_user(email=email)
    phone = first.test_client()
    assert sign_in(phone, email).status_code == 302
    cookie = phone.get_cookie(COOKIE, path="/auth/").value
    for _ in range(2):
        assert sign_in(first.test_client(), email, "guess").status_code == 400
    second = make_app(**settings)
    assert sign_in(second.test_client(), email).status_code == 429
    assert sign_in(_with_cookie(second, cookie), email).status_code == 302


def test_a_reset_link_gives_the_browser_a_device_cookie(make_app, make_user):
    """The link proved the address: the browser that used it is the owner's from then on."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.notifications.models import OutboxMessage

    app = _app(make_app, make_user)
    owner = app.test_client()
    owner.post("/auth/password/forgot", data={"email": "ana@example.org"})
    with app.app_context():
        body = db.session.scalars(sa.select(OutboxMessage.body)).one()
    link = re.search(r"http://itinera\.test(/auth/password/reset/\S+)", body).group(1)
    assert owner.post(link, data={"password": "a-brand-new-password"}).status_code == 302
    owner.post("/auth/logout")
    _exhaust(app)
    assert sign_in(owner, "ana@example.org", "a-brand-new-password").status_code == 302


def test_signing_out_every_other_device_ends_their_device_cookies(make_app, make_user):
    """A lost phone signed out from the laptop is a stranger again at the sign-in page: its guesses count against
    the address, while the laptop, still signed in, gets a new cookie of its own."""
    app = _app(make_app, make_user)
    laptop, lost_phone = app.test_client(), app.test_client()
    for browser in (laptop, lost_phone):
        assert sign_in(browser, "ana@example.org").status_code == 302
    before = laptop.get_cookie(COOKIE, path="/auth/").value
    assert laptop.post("/auth/account/sign-ins/end-others").status_code == 302
    assert laptop.get_cookie(COOKIE, path="/auth/").value != before
    assert laptop.get("/auth/account").status_code == 200
    assert lost_phone.get("/auth/account").status_code == 302
    for _ in range(3):  # the phone's old cookie counts as none: these spend the address's attempts
        assert sign_in(lost_phone, "ana@example.org", "guess").status_code == 400
    assert sign_in(app.test_client(), "ana@example.org").status_code == 429
    laptop.post("/auth/logout")
    assert sign_in(laptop, "ana@example.org").status_code == 302  # its new cookie counts as its own


def test_a_copy_of_this_browsers_old_device_cookie_ends_with_the_others(make_app, make_user):
    app = _app(make_app, make_user)
    laptop = app.test_client()
    assert sign_in(laptop, "ana@example.org").status_code == 302
    copy = _with_cookie(app, laptop.get_cookie(COOKIE, path="/auth/").value)
    assert laptop.post("/auth/account/sign-ins/end-others").status_code == 302
    _exhaust(app)
    assert sign_in(copy, "ana@example.org").status_code == 429
