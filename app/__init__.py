"""Itinera: a learning management system for competence-based capacity building."""
import logging
import os
from urllib.parse import urlsplit

from flask import Flask, g, request, session
from flask_login import current_user
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from app import static_files
from app.config import LOCALES, config_from_environment
from app.errors import reject_unreadable_input, sign_in_first
from app.extensions import babel, csrf, db, limiter, login_manager, migrate
from app.xapi.wsgi import SECURITY_HEADERS as XAPI_SECURITY_HEADERS


def _query_as_sent_by_browsers(wsgi_app):
    """A query string's bytes beyond ASCII percent-encoded, as a browser sends them: a raw client's were read as
    UTF-8 text by Werkzeug, and one that is no UTF-8 made every page a 500 (its error page too). The WSGI server
    gives each byte as one character (latin-1)."""
    def app(environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if not query.isascii():
            environ["QUERY_STRING"] = "".join(c if c.isascii() else f"%{ord(c):02X}" for c in query)
        return wsgi_app(environ, start_response)
    return app


def parse_locale(value: str | None, loose: bool = False) -> str | None:
    """'pt-br', 'pt_BR' and 'pt' all mean pt_BR; anything unsupported is None.

    ``loose`` also matches on the language alone ('es-MX' -> es, 'pt-PT' -> pt_BR), as for Accept-Language."""
    if not value:
        return None
    value = value.strip().replace("-", "_").lower()
    candidates = (value, value.split("_")[0]) if loose else (value,)
    for candidate in candidates:
        for locale in LOCALES:
            if candidate in (locale.lower(), locale.split("_")[0].lower()):
                return locale
    return None


def select_locale() -> str:
    """?lang= -> the user's saved preference -> the lang cookie -> the language of the person an e-mailed link is
    for -> Accept-Language -> en."""
    if not request:
        return "en"
    chosen = g.get("lang")
    if chosen:
        return chosen
    if current_user and current_user.is_authenticated:
        saved = parse_locale(current_user.locale)
        if saved:
            return saved
    cookie = parse_locale(request.cookies.get("lang"))
    if cookie:
        return cookie
    linked = parse_locale(g.get("linked_locale"))  # a page for one person, reached by a link e-mailed to them
    if linked:
        return linked
    for value, quality in request.accept_languages:
        if quality <= 0:  # "q=0" means "not this language", never a choice
            continue
        found = parse_locale(value, loose=True)
        if found:
            return found
    return "en"


def select_timezone() -> str | None:
    """A signed-in person's time zone (their choice, else their country's main zone); UTC for everyone else."""
    if request and current_user and current_user.is_authenticated:
        from app.places.timezones import zone_of

        return zone_of(current_user)
    return None


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'; "
    "frame-src https://www.youtube-nocookie.com https://player.vimeo.com"  # the video players modules may embed
)


# what no page asks of the browser, nor lets a player it embeds ask (app.courses.render.PLAYER_FEATURES)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class ItineraSessionInterface(SecureCookieSessionInterface):
    """The usual signed-cookie session, except on the xAPI endpoints: there a browser's session cookie
    must not authenticate anything (clients use HTTP Basic), so no session is opened or saved."""

    def open_session(self, app, request):
        if _is_xapi(request.path):
            return None  # Flask then uses a null session
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        super().save_session(app, session, response)
        if static_files.same_for_everyone(response):  # (Flask-Login reads the session after every request)
            response.vary.discard("Cookie")


def _reads_no_sign_in() -> bool:
    """Static files, xAPI (no session there) and the health check (which must answer 503, not fail reading one,
    when the database is down) are served without reading the person's sign-in."""
    return request.endpoint in ("static", "main.healthz") or _is_xapi(request.path)


def _load_user_before_csrf_check() -> None:
    """The person is read before the CSRF check: a sign-in that the remember-me cookie restores then starts its
    new session (app.auth.models) first, so a token of the session it replaces (maybe planted) does not pass."""
    if not _reads_no_sign_in():
        current_user._get_current_object()


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def _is_xapi(path: str) -> bool:
    return path == "/xapi" or path.startswith("/xapi/")


DATABASE_DRIVERS = ("postgresql+psycopg", "sqlite", "sqlite+pysqlite")  # what Itinera installs and runs on


def _check_database_url(uri: str) -> None:
    """A mistyped DATABASE_URL stops the start with a message that names it, rather than with a traceback of
    SQLAlchemy or of a driver import (and never repeats the URL: it may hold a password)."""
    import sqlalchemy as sa

    example = "write postgresql://user:password@host/database (or sqlite:////path/to/itinera.db)"
    try:
        drivername = sa.make_url(uri).drivername
    except (sa.exc.ArgumentError, ValueError):
        raise RuntimeError(f"DATABASE_URL is not a database URL: {example}.") from None
    if drivername not in DATABASE_DRIVERS:
        raise RuntimeError(f"DATABASE_URL asks for {drivername}, which Itinera does not run on: it runs on "
                           f"PostgreSQL through psycopg 3 or on SQLite; {example}.")


def _check_redis_url(url: str | None) -> None:
    """A mistyped REDIS_URL (``localhost:6379``, a port that is no number) stops the start with a message naming
    it, rather than a traceback of the rate limiter or jobs that never reach a queue (the URL is not repeated:
    it may hold a password)."""
    if not url:
        return
    from redis.connection import parse_url

    try:
        parse_url(url)
    except ValueError as error:
        raise RuntimeError(f"REDIS_URL is not a Redis URL ({error}): write redis://host:6379/0 "
                           "(rediss:// with TLS, unix:///path/to/redis.sock for a socket).") from None


def _is_web_address(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _check_base_url(url: str) -> None:
    """ITINERA_BASE_URL names the site in e-mails and in xAPI IRIs kept for good: without http(s):// and a host
    (``itinera.example.org``) those IRIs would be no IRIs, so the start stops instead."""
    parts = urlsplit(url)
    if not _is_web_address(url) or parts.query or parts.fragment:
        raise RuntimeError(f"ITINERA_BASE_URL must be the site's public address, such as "
                           f"https://itinera.example.org (or https://example.org/itinera), not {url!r}.")


def _check_forward_url(url: str | None) -> None:
    """XAPI_FORWARD_URL without http(s):// and a host would look like an outage of the external LRS for ever."""
    if url and not _is_web_address(url):
        raise RuntimeError("XAPI_FORWARD_URL must be the external LRS's xAPI address, such as "
                           "https://lrs.example.org/xapi/ (http:// or https:// and a host).")


def _check_rate_limit(value: str) -> None:
    """The rate limiter ignores a limit it cannot read (``ten per minute``): sign-ins would go unlimited, so the
    start stops instead."""
    from limits import parse_many

    try:
        parse_many(value)
    except ValueError:
        raise RuntimeError(f"ITINERA_LOGIN_RATE_LIMIT must be limits such as '10 per minute;50 per hour', "
                           f"not {value!r}.") from None


def create_app(config=None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    from app.jsonutil import JSONProvider

    app.json = JSONProvider(app)
    config = config or config_from_environment()
    app.config.from_object(config)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set. Set it in the environment (or ITINERA_ENV=development for local work)."
        )
    _check_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    _check_redis_url(app.config.get("REDIS_URL"))
    _check_base_url(app.config["BASE_URL"])
    _check_rate_limit(app.config["LOGIN_RATE_LIMIT"])
    _check_forward_url(app.config.get("XAPI_FORWARD_URL"))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)
    if not app.logger.level:  # unless a logging configuration chose one: INFO, so that e-mails written to the
        app.logger.setLevel(logging.INFO)  # log without a mail server are there (Python's default is WARNING)
    production = not (app.config.get("DEVELOPMENT") or app.config.get("TESTING"))
    if production and not app.config.get("MAIL_SERVER"):
        app.logger.warning("MAIL_SERVER is not set: e-mails (invitations, password resets, notifications) are "
                           "written to the log and the admins' outbox page, not sent.")
    if production and _is_loopback(app.config["BASE_URL"]):
        app.logger.warning("ITINERA_BASE_URL is %s: links in e-mails, and the activity and competence IRIs of "
                               "xAPI statements (kept for good), will name this machine. Set it to the public "
                               "address.", app.config["BASE_URL"])
    from app.xapi.wsgi import AlternateRequestSyntax

    app.wsgi_app = AlternateRequestSyntax(_query_as_sent_by_browsers(app.wsgi_app),
                                          max_bytes=app.config["XAPI_MAX_REQUEST_BYTES"])
    if app.config.get("PROXY_FIX"):
        hops = app.config["PROXY_FIX"]
        # X-Forwarded-Prefix too: a site served under a path (ITINERA_BASE_URL=https://example.org/itinera) links
        # under it when the proxy strips the path before passing the request on
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)

    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from app.db import configure_sqlite

        with app.app_context():
            configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.unauthorized_handler(sign_in_first)
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.before_request(reject_unreadable_input)  # first: a NUL reaches neither the CSRF check nor what it keeps
    app.before_request(_load_user_before_csrf_check)
    csrf.init_app(app)
    redis_url = app.config.get("REDIS_URL")
    if redis_url and redis_url.startswith("unix://"):
        redis_url = "redis+" + redis_url  # the rate limiter's name for a Redis socket
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://", "redis+unix://")):
        # an unreachable Redis must not hold a sign-in for minutes: give up soon and use the memory fallback
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 2, "socket_timeout": 2})
    # The limiter is one object for the process: init_app gives it this app's storage but keeps its note that the
    # storage before was down, and it would count in a stand-in memory until it next checked on this one (dropping
    # those counts then). Each app starts with its own storage taken as up.
    limiter._storage_dead = False
    limiter.init_app(app)

    from app import models  # noqa: F401  (every model, for Alembic and create_all)
    from app.admin.views import bp as admin_bp
    from app.competences.views import bp as competences_bp
    from app.courses.views import bp as courses_bp
    from app.auth.views import bp as auth_bp
    from app.main.views import bp as main_bp
    from app.xapi.views import bp as xapi_bp
    from app.notifications.views import bp as notifications_bp
    from app.places.views import bp as places_bp
    from app.notifications import receivers  # noqa: F401  (connects signal receivers)

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(places_bp, url_prefix="/places")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(notifications_bp, url_prefix="/notifications")
    app.register_blueprint(xapi_bp, url_prefix="/xapi")
    app.register_blueprint(competences_bp, url_prefix="/competences")
    app.register_blueprint(courses_bp, url_prefix="/courses")
    app.session_interface = ItineraSessionInterface()


    static_files.register(app)

    from app.errors import register_error_handlers

    register_error_handlers(app)
    _register_request_hooks(app)
    from flask import before_render_template

    from app import kept

    before_render_template.connect(kept.fill_in, app)  # a form kept for its person, filled in again (app.kept)
    _register_template_helpers(app)

    from app.cli import register_cli

    register_cli(app)
    return app


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def note_sign_in_use():
        """First thing, while nothing else is written: the person's sign-in is in use (it ends when unused)."""
        if _reads_no_sign_in():
            return
        if current_user.is_authenticated:
            from app.auth.sign_ins import note_use

            note_use(current_user._get_current_object())

    @app.before_request
    def remember_requested_locale():
        lang = parse_locale(request.args.get("lang"))
        if lang is None:
            return
        g.lang = lang
        if _reads_no_sign_in():  # no person there (xAPI opens no session a remember-me cookie could restore)
            return
        if current_user.is_authenticated and current_user.locale != lang:
            from app.auth.services import set_preferred_locale

            set_preferred_locale(current_user, lang)
            db.session.commit()

    @app.after_request
    def jobs_after_response(response):
        from app.jobs.services import run_after_response

        return run_after_response(response)

    @app.after_request
    def security_headers(response):
        if _is_xapi(request.path):
            response.headers["X-Experience-API-Version"] = "1.0.3"  # on every xAPI response, errors included
            for name, value in XAPI_SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response
        lang = g.get("lang")
        if lang:
            response.set_cookie("lang", lang, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                                secure=app.config["SESSION_COOKIE_SECURE"])
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if not app.config.get("DEVELOPMENT") and not app.config.get("TESTING"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if static_files.same_for_everyone(response):
            return response
        if session.get("_user_id"):  # signed in (without reloading a user the view's commit expired)
            response.headers.setdefault("Cache-Control", "private, no-store")
        response.vary.add("Cookie")
        response.vary.add("Accept-Language")
        return response


def _register_template_helpers(app: Flask) -> None:
    from app import template_helpers

    template_helpers.register(app)
