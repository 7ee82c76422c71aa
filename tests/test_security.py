from html import unescape
import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.auth.models import User
from app.config import Config, config_from_environment
from app.extensions import db

APP = Path(__file__).resolve().parent.parent / "app"


def test_forms_need_a_csrf_token(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        make_user(email="ana@example.org")
    response = client.post("/auth/login", data={"email": "ana@example.org", "password": "whatever"})
    assert response.status_code == 400
    assert "The CSRF token is missing" not in response.get_data(as_text=True)  # our own 400 page, not Werkzeug's
    html = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/auth/login", data={"email": "ana@example.org", "password": "correct-horse-battery",
                                               "csrf_token": token})
    assert response.status_code == 302


# POST addresses that read the form before checking its token, and why (each checks it itself, or needs none)
OWN_CSRF_CHECK = {
    "auth.accept_invitation": "the token is checked once the link is known: an unknown link is a 404 first",
    "auth.reset_password": "the same",
}


def _any_address(rule) -> str:
    """An address of ``rule`` with made-up arguments: routing (405) and the CSRF check come before any object is
    looked up."""
    values = {name: 1 if type(converter).__name__ == "IntegerConverter" else "x"
              for name, converter in rule._converters.items()}
    return rule.build(values, append_unknown=False)[1]


def test_every_form_address_needs_a_csrf_token(make_app, make_user):
    """Every address that takes a POST (but the LRS, whose clients send credentials, not cookies) refuses one
    without the form's token, signed in or not, before it reads anything."""
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        admin = make_user(roles=("admin",), country=None)
        from tests.fixtures.factories import session_id

        signed_in = session_id(admin)
    rules = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods
             and not rule.endpoint.startswith("xapi.") and rule.endpoint not in OWN_CSRF_CHECK]
    assert len(rules) > 40
    for rule in rules:
        for session in (None, signed_in):
            with client.session_transaction() as kept:
                kept.clear()
                if session:
                    kept["_user_id"] = session
            response = client.post(_any_address(rule), data={"confirmed": "1"})
            assert response.status_code == 400, (rule.rule, session)
            assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_pages_refuse_other_methods_with_the_site_s_headers(client, login_as, method):
    """The site's pages and forms take GET (HEAD) and POST only: anything else is a 405, whose page carries the
    security headers as every other page does."""
    login_as("admin", country=None)
    rules = [rule for rule in client.application.url_map.iter_rules() if not rule.endpoint.startswith("xapi.")]
    for rule in rules:
        assert method not in rule.methods, rule.rule
        response = client.open(_any_address(rule), method=method)
        assert response.status_code == 405, (rule.rule, response.status_code)
        for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
            assert header in response.headers, (rule.rule, header)


def test_session_cookie_flags_in_production(make_app, make_user):
    app = make_app(TESTING=False, SESSION_COOKIE_SECURE=True, RATELIMIT_ENABLED=False)
    with app.app_context():
        make_user(email="ana@example.org")
    response = app.test_client().post("/auth/login", data={"email": "ana@example.org",
                                                           "password": "correct-horse-battery"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert "Strict-Transport-Security" in response.headers


def test_production_is_the_default(monkeypatch):
    monkeypatch.delenv("ITINERA_ENV", raising=False)
    assert config_from_environment() is Config
    assert Config.SESSION_COOKIE_SECURE and Config.REMEMBER_COOKIE_SECURE and not Config.DEVELOPMENT
    monkeypatch.setenv("ITINERA_ENV", "development")
    assert config_from_environment().SESSION_COOKIE_SECURE is False


def test_secret_key_is_required_outside_development():
    config = type("Config", (Config,), {"SECRET_KEY": None})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


@pytest.mark.parametrize("url, said", [
    ("itinera.db", "is not a database URL"),  # a file name, not a URL
    ("postgresql//postgres@db/itinera", "is not a database URL"),
    ("mysql://itinera:secret-pass@db/itinera", "mysql"),  # no driver installed: it would fail on an import
    ("postgresql+psycopg2://itinera:secret-pass@db/itinera", "psycopg2"),
])
def test_a_wrong_database_url_stops_the_start_naming_the_variable(url, said):
    config = type("Config", (Config,), {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": url})
    with pytest.raises(RuntimeError, match="DATABASE_URL") as raised:
        create_app(config)
    assert said in str(raised.value) and "secret-pass" not in str(raised.value)


def test_content_security_policy_allows_no_inline_script(client):
    policy = client.get("/auth/login").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_templates_hold_no_inline_script_or_style():
    templates = sorted(APP.rglob("templates/**/*.html"))  # (from the tests' folder: pytest may run from anywhere)
    assert len(templates) > 40, templates
    for path in templates:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), f"inline script in {path}"
        assert not re.search(r"\sstyle=|<style", text), f"inline style in {path}"
        assert not re.search(r"\son[a-z]+=", text), f"inline event handler in {path}"


def test_error_pages_are_translated_and_hide_tracebacks(make_app):
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    client = app.test_client()
    response = client.get("/boom?lang=es")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in html and "Traceback" not in html
    assert '<html lang="es">' in html
    not_found = app.test_client().get("/nothing-here", headers={"Accept-Language": "pt-BR"})
    assert not_found.status_code == 404 and '<html lang="pt-BR">' in not_found.get_data(as_text=True)
    assert client.get("/nothing-here", headers={"Accept": "application/json"}).get_json()["error"] == "Not Found"


@pytest.mark.parametrize("locale", ["es", "pt_BR"])
def test_the_403_404_and_500_pages_speak_the_readers_language(make_app, make_user, locale):
    from flask_babel import force_locale

    from app.errors import TITLES
    from tests.fixtures.factories import session_id

    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    with app.app_context():
        trainee_session = session_id(make_user(locale=locale))
    signed_in, visitor = app.test_client(), app.test_client()
    with signed_in.session_transaction() as session:
        session["_user_id"], session["_fresh"] = trainee_session, True
    language = {"Accept-Language": locale.replace("_", "-")}
    pages = {403: signed_in.get("/admin/users"), 404: visitor.get("/nothing-here", headers=language),
             500: visitor.get("/boom", headers=language)}
    for code, response in pages.items():
        with app.test_request_context(), force_locale(locale):
            title = str(TITLES[code])
        with app.test_request_context(), force_locale("en"):
            assert title != str(TITLES[code])  # translated, not the English words
        assert response.status_code == code and f"<h1>{title}</h1>" in response.get_data(as_text=True), code


def test_every_response_has_the_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_keep_other_sites_windows_apart_and_ask_for_no_device(client, login_as):
    """A page that opened Itinera (a link with a target, window.open) gets no handle on it, nor Itinera on the
    page it opened; no page of the site, nor a player embedded in it, may ask for the camera, microphone,
    location or payments."""
    login_as("trainee")
    for url in ("/", "/auth/login", "/auth/account", "/no-such-page"):
        response = client.get(url)
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin", url
        policy = {item.strip() for item in response.headers["Permissions-Policy"].split(",")}
        assert {"camera=()", "microphone=()", "geolocation=()", "payment=()"} <= policy, url


def test_form_errors_quoting_what_was_typed_are_escaped(app):
    """A lazy translation counts as safe HTML in Jinja; the form macros must still escape what it quotes."""
    from flask_babel import lazy_gettext as _l
    from flask_wtf import FlaskForm
    from wtforms import StringField

    class Form(FlaskForm):
        name = StringField("Name")

    with app.test_request_context():
        form = Form(meta={"csrf": False})
        form.name.errors = [_l("Unknown institution %(name)s", name="<img src=x onerror=alert(1)>")]
        form.form_errors.append(_l("Problem with %(value)s", value="<b>bold</b>"))
        html = app.jinja_env.from_string(
            '{% import "macros/forms.html" as f %}{{ f.error_summary(form) }}{{ f.field(form.name) }}'
        ).render(form=form)
    assert "<img" not in html and "<b>" not in html
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") == 2 and "&lt;b&gt;bold&lt;/b&gt;" in html


def _csrf_token(client, path):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                     client.get(path).get_data(as_text=True)).group(1)


def test_a_form_left_open_across_a_sign_in_says_so_and_leads_back_to_it(make_app, make_user):
    """Two tabs: signing in on one starts a new session, so the other's forms carry a token of the old one. Sending
    one said only "the request could not be understood"; it says the page had expired, nothing was saved, and
    links back to the form (the page it came from, or the form's own address)."""
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        make_user(email="ana@example.org", locale="en")
    stale = _csrf_token(client, "/auth/login")  # the second tab's sign-in form
    client.post("/auth/login", data={"email": "ana@example.org", "password": "correct-horse-battery",
                                     "csrf_token": _csrf_token(client, "/auth/login")})
    response = client.post("/auth/login?next=/courses/", data={
        "email": "ana@example.org", "password": "correct-horse-battery", "csrf_token": stale})
    assert response.status_code == 400
    page = unescape(response.get_data(as_text=True))
    assert "This page had expired" in page and "Nothing was saved" in page
    assert '<a href="/auth/login?next=/courses/">Open the page again</a>' in page
    response = client.post("/auth/account/language", data={"locale": "es", "csrf_token": stale},
                           headers={"Referer": "http://localhost/auth/account?tab=1"})
    assert response.status_code == 400
    assert '<a href="/auth/account?tab=1">' in unescape(response.get_data(as_text=True))
    for referer in ("https://elsewhere.example/form", "http://localhost.evil.example/x", "//localhost/x",
                    "http://[::1"):  # never another site
        response = client.post("/auth/account/language", data={"locale": "es", "csrf_token": stale},
                               headers={"Referer": referer})
        assert ">Open the page again</a>" not in response.get_data(as_text=True)  # (the address takes POST only)
    with app.app_context():
        assert db.session.scalar(sa.select(User.locale).where(User.email == "ana@example.org")) == "en"  # unchanged
    as_json = client.post("/auth/account/language", data={"csrf_token": stale}, headers={"Accept": "application/json"})
    assert as_json.status_code == 400 and as_json.is_json


def test_signing_in_starts_a_new_session(make_app, make_user):
    """Session fixation: nothing of the session before signing in carries over, above all its CSRF token (one
    planted in the victim's browser, or read by someone at the same computer, would forge the person's forms)."""
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        make_user(email="ana@example.org")
    before = _csrf_token(client, "/auth/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    response = client.post("/auth/login", data={"email": "ana@example.org", "password": "correct-horse-battery",
                                               "csrf_token": before})
    assert response.status_code == 302
    _assert_a_new_session(client, before)


def _assert_a_new_session(client, before):
    """Signed in, nothing planted kept, and only a CSRF token of the new session (not ``before``) works."""
    with client.session_transaction() as session:
        assert "planted" not in session and session["_user_id"]
    assert client.post("/auth/account/language", data={"locale": "es", "csrf_token": before}).status_code == 400
    fresh = _csrf_token(client, "/auth/account")
    assert fresh != before
    assert client.post("/auth/account/language", data={"locale": "es", "csrf_token": fresh}).status_code == 302


def test_a_sign_in_restored_by_keep_me_signed_in_starts_a_new_session_too(make_app, make_user):
    """The remember-me cookie signs the person in again once their session is gone: a session planted in their
    browser meanwhile (someone else's, whose CSRF token they know) must lend the restored sign-in nothing."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user(email="ana@example.org")
    browser = app.test_client()
    response = browser.post("/auth/login", data={"email": "ana@example.org", "password": "correct-horse-battery",
                                                 "remember": "y", "csrf_token": _csrf_token(browser, "/auth/login")})
    assert response.status_code == 302
    victim = app.test_client()  # the browser reopened, holding a session cookie someone else planted
    known = _csrf_token(victim, "/auth/login")
    with victim.session_transaction() as session:
        session["planted"] = "by someone else"
    victim.set_cookie("remember_token", browser.get_cookie("remember_token").value)
    assert victim.get("/auth/account").status_code == 200  # signed in again by the remember-me cookie
    _assert_a_new_session(victim, known)

    forged = app.test_client()  # the same, but its first request is a form of someone else's site, with their token
    known = _csrf_token(forged, "/auth/login")
    forged.set_cookie("remember_token", browser.get_cookie("remember_token").value)
    assert forged.post("/auth/account/language", data={"locale": "pt_BR", "csrf_token": known}).status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(User.locale).where(User.email == "ana@example.org")) == "es"


@pytest.mark.parametrize("name, value", [("ITINERA_PROXY_FIX", "one"), ("MAIL_PORT", "587/tcp"),
                                         ("XAPI_FORWARD_TIMEOUT", "nan"), ("ITINERA_JOB_TIMEOUT", "-5"),
                                         ("MAIL_USE_TLS", "flase"), ("MAIL_USE_SSL", "si")])
def test_a_number_or_yes_no_setting_that_is_neither_names_its_variable(name, value):
    """Settings are read when the app starts: a typo stops it with the variable named, not a ValueError
    (MAIL_USE_TLS=flase read as "no" would send the SMTP password without TLS)."""
    import subprocess
    import sys

    env = {**os.environ, name: value, "ITINERA_ENV": "development"}
    done = subprocess.run([sys.executable, "-c", "import app.config"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("RuntimeError") and name in last and repr(value) in last, last


@pytest.mark.parametrize("url, engine", [
    (None, "sqlite:///{instance}/itinera.db"),
    ("sqlite:///other.db", "sqlite:///{instance}/other.db"),
    ("postgres://itinera:secret-pass@db.example/itinera", "postgresql+psycopg://itinera:***@db.example/itinera"),
])
def test_the_database_is_the_one_database_url_names_else_sqlite_in_instance(tmp_path, url, engine):
    """What `gunicorn wsgi:app` and `flask --app wsgi db upgrade` open, started from any folder: the README's
    default (instance/itinera.db in the source folder), a relative SQLite path read from there too, and
    postgres:// taken as PostgreSQL through psycopg 3."""
    import subprocess
    import sys

    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "ITINERA_ENV"}}
    env.update(SECRET_KEY="x" * 32, PYTHONPATH=str(APP.parent), **({"DATABASE_URL": url} if url else {}))
    done = subprocess.run([sys.executable, "-c", "import wsgi; from app.extensions import db\n"
                           "with wsgi.app.app_context(): print(db.engine.url)"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == engine.format(instance=APP.parent / "instance")


def test_the_readme_s_configuration_table_names_every_variable_the_app_reads():
    """Configuration comes from environment variables, all of them in the README's table: a variable added to
    the code and not to the table (or one the table still names after the code stopped reading it) fails here."""
    readme = (APP.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    documented = {name for row in re.findall(r"^\| ([^|]+) \|", table, re.M)
                  for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row)}
    reading = re.compile(r'(?:os\.environ\.get\(|os\.environ\[|_env_(?:number|flag)\(|envvar=)"([A-Z][A-Z0-9_]+)"')
    read = set()
    for path in [*APP.rglob("*.py"), APP.parent / "wsgi.py"]:
        read |= set(reading.findall(path.read_text(encoding="utf-8")))
    assert "SECRET_KEY" in read and "MAIL_SERVER" in read and "ITINERA_ADMIN_PASSWORD" in read  # the scan works
    assert read - documented == set(), "read by the app, missing from the README's table"
    assert documented - read == set(), "in the README's table, read by nothing"


@pytest.mark.parametrize("name, value", [
    ("REDIS_URL", "localhost:6379"), ("REDIS_URL", "redis://:secret-pass@localhost:port/0"),
    ("BASE_URL", "itinera.example.org"), ("BASE_URL", "ftp://itinera.example.org"),
    ("XAPI_FORWARD_URL", "lrs.example.org/xapi/"), ("XAPI_FORWARD_URL", "https:///xapi/"),
])
def test_a_wrong_redis_base_or_forward_url_stops_the_start_naming_the_variable(name, value):
    """Not a traceback of the rate limiter, jobs that never reach a queue, or xAPI IRIs without a scheme."""
    config = type("Config", (Config,), {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                                        name: value})
    with pytest.raises(RuntimeError, match="ITINERA_BASE_URL" if name == "BASE_URL" else name) as raised:
        create_app(config)
    assert "secret-pass" not in str(raised.value)


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/15", "unix:///run/redis/redis.sock"])
def test_a_redis_url_redis_accepts_starts_the_app(url):
    config = type("Config", (Config,), {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                                        "REDIS_URL": url, "BASE_URL": "https://example.org/itinera"})
    assert create_app(config).config["REDIS_URL"] == url


def test_behind_a_proxy_under_a_path_the_links_keep_the_prefix(make_app):
    """ITINERA_BASE_URL=https://example.org/itinera behind nginx, which strips /itinera and says so in
    X-Forwarded-Prefix: the pages link under /itinera, not to the site's root."""
    app = make_app(PROXY_FIX=1, BASE_URL="https://example.org/itinera")
    headers = {"X-Forwarded-Prefix": "/itinera", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "example.org"}
    response = app.test_client().get("/auth/login", headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="/itinera/static/' in html or 'href="/itinera/' in html
    assert re.search(r'(href|action|src)="/(?!itinera/)', html) is None, "a link without the prefix"
    redirect = app.test_client().get("/", headers=headers)
    assert redirect.status_code in (200, 302)
    if redirect.status_code == 302:
        assert redirect.headers["Location"].startswith(("/itinera/", "https://example.org/itinera/"))


@pytest.mark.parametrize("settings, port", [({"MAIL_USE_SSL": "true"}, "465"), ({"MAIL_USE_SSL": "no"}, "587"),
                                            ({"MAIL_USE_SSL": "1", "MAIL_PORT": "2465"}, "2465"),
                                            ({"MAIL_USE_TLS": "off"}, "587")])
def test_the_mail_port_follows_the_kind_of_tls(settings, port):
    """SMTP over TLS from the first byte (MAIL_USE_SSL) is port 465: 587 would never answer it."""
    import subprocess
    import sys

    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MAIL_")}, **settings,
           "ITINERA_ENV": "development"}
    done = subprocess.run([sys.executable, "-c", "from app.config import Config; print(Config.MAIL_PORT)"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == port, done.stderr


@pytest.mark.parametrize("value", ["ten per minute", "10 a minute", ""])
def test_a_login_rate_limit_the_limiter_cannot_read_stops_the_start(value):
    """Flask-Limiter skips a limit it cannot parse: sign-ins would be unlimited, silently."""
    config = type("Config", (Config,), {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                                        "LOGIN_RATE_LIMIT": value})
    with pytest.raises(RuntimeError, match="ITINERA_LOGIN_RATE_LIMIT"):
        create_app(config)


def test_the_lrs_never_reads_a_sign_in_even_one_kept_by_keep_me_signed_in(make_app, make_user):
    """/xapi opens no session, so the remember-me cookie cannot restore a sign-in there: a ?lang= on an LRS
    address, which the language hook took as a person's choice of language, sent a browser holding that cookie
    (its session over) a 500."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user(email="ana@example.org", locale="es")
    browser = app.test_client()
    response = browser.post("/auth/login", data={"email": "ana@example.org", "password": "correct-horse-battery",
                                                 "remember": "y", "csrf_token": _csrf_token(browser, "/auth/login")})
    assert response.status_code == 302
    reopened = app.test_client()
    reopened.set_cookie("remember_token", browser.get_cookie("remember_token").value)
    assert reopened.get("/xapi/about?lang=pt_BR").status_code == 400  # a parameter it does not know
    assert reopened.get("/xapi/statements?lang=pt_BR").status_code == 401
    with app.app_context():
        assert db.session.scalar(sa.select(User.locale).where(User.email == "ana@example.org")) == "es"
