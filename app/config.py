"""Configuration from environment variables (see the README's table)."""
import math
import os
from datetime import timedelta
from pathlib import Path

from app import jsonutil

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"

LOCALES = ("es", "pt_BR", "en")


def _env_flag(name: str, default: bool = False) -> bool:
    """A yes or no (``default`` when unset or empty); anything else stops the start with a message naming the
    variable: MAIL_USE_TLS=flase read as "no" would send the SMTP password in the clear."""
    value = (os.environ.get(name) or "").strip()
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise RuntimeError(f"{name} must be true or false (1/0, yes/no, on/off), not {value!r}.")


def _env_number(name: str, default, kind=int):
    """A number from the environment (``default`` when unset or empty); anything else stops the start with a
    message naming the variable, instead of Python's ValueError."""
    value = (os.environ.get(name) or "").strip()
    if not value:
        return default
    try:
        number = kind(value)
    except ValueError:
        number = None
    if number is None or not math.isfinite(number) or number < 0:
        what = "a whole number" if kind is int else "a number"
        raise RuntimeError(f"{name} must be {what} of 0 or more, not {value!r}.")
    return number


def normalise_database_url(url: str) -> str:
    """Let people write postgres:// or postgresql:// and still get psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    """Production settings; DevelopmentConfig and TestConfig relax them."""

    ENV = "production"
    DEVELOPMENT = False
    TESTING = False
    SECRET_KEY = os.environ.get("SECRET_KEY")

    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'itinera.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "json_serializer": jsonutil.dumps,
                                 "json_deserializer": jsonutil.loads}
    REDIS_URL = os.environ.get("REDIS_URL") or None
    BASE_URL = os.environ.get("ITINERA_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    PROXY_FIX = _env_number("ITINERA_PROXY_FIX", 0)

    LANGUAGES = LOCALES
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    # a sign-in ends after 12 hours unused; "keep me signed in" keeps one for 30 days (app/auth/sign_ins.py)
    SIGN_IN_IDLE = timedelta(hours=12)
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down: count in each worker's memory meanwhile rather than refuse every sign-in with a 500
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    LOGIN_RATE_LIMIT = os.environ.get("ITINERA_LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    LOGIN_ACCOUNT_RATE_LIMIT = "20 per hour"
    # failed sign-ins through one browser's device cookie, counted instead of the address's (app/auth/devices.py)
    DEVICE_RATE_LIMIT = "10 per hour"
    DEVICE_COOKIE_DURATION = timedelta(days=90)
    DATA_EXPORT_RATE_LIMIT = "10 per hour"  # downloads of one's own data (a long read), per account

    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _env_flag("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _env_flag("MAIL_USE_SSL", False)
    MAIL_PORT = _env_number("MAIL_PORT", 465 if MAIL_USE_SSL else 587)  # TLS from the first byte is port 465
    MAIL_FROM = os.environ.get("MAIL_FROM", "Itinera <no-reply@itinera.test>")
    MAIL_TIMEOUT = 10  # seconds to wait for the SMTP server
    # without a mail server, keep invitation and reset links in the log and the outbox (development only: there
    # anyone reading them could take over the account)
    MAIL_LOG_LINKS = False

    PAGE_SIZE = 25
    COURSES_DIR = os.environ.get("ITINERA_COURSES_DIR") or str(ROOT / "courses")
    COMPETENCE_FRAMEWORK = os.environ.get("ITINERA_COMPETENCE_FRAMEWORK") or "s3"  # current_levels() by default
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024  # uploads (trainee imports) up to 10 MB
    INVITATION_DAYS = 14
    # days an uploaded trainee list keeps its rows: a preview never imported then says it was removed, an import
    # keeps its record (who imported how many people, when) but no longer the file's rows
    IMPORT_PREVIEW_DAYS = _env_number("ITINERA_IMPORT_PREVIEW_DAYS", 7)
    PASSWORD_RESET_MINUTES = 60
    # days the record of a password-reset link (its dates; the link is kept as a hash) stays after it expired
    PASSWORD_RESET_DAYS = _env_number("ITINERA_PASSWORD_RESET_DAYS", 30)
    JOB_QUEUE = os.environ.get("ITINERA_JOB_QUEUE", "itinera")
    JOB_MAX_ATTEMPTS = 4
    JOB_RETRY_INTERVALS = [30, 120, 600]  # seconds before the 2nd, 3rd and 4th attempts
    JOB_RETRIES_PER_DISPATCH = 2  # without Redis: due retries run after a request's own jobs, at most this many
    JOB_RETRY_CHECK_SECONDS = 15  # without Redis: how often a commit with no job of its own looks for due retries
    # seconds an attempt may run under RQ before it is stopped and counted as failed (RQ's default is 180 s,
    # short for a delivery of 200 e-mails to a slow server); keep it well below JOB_STALLED_MINUTES
    JOB_TIMEOUT = _env_number("ITINERA_JOB_TIMEOUT", 900)
    JOB_STALLED_MINUTES = 30  # a job running longer than this was cut off; admins see it as stalled
    # how long finished background work is kept: a job done (its arguments may name someone), and a job that
    # failed for good (admins see it on the background tasks page until then, and can retry it)
    JOB_DONE_DAYS = _env_number("ITINERA_JOB_DONE_DAYS", 30)
    JOB_FAILED_DAYS = _env_number("ITINERA_JOB_FAILED_DAYS", 90)
    # days an e-mail stays in the outbox once a mail server took it (or the log, or it was cancelled); one that
    # failed is kept JOB_FAILED_DAYS, as the job that can send it again
    OUTBOX_DAYS = _env_number("ITINERA_OUTBOX_DAYS", 30)
    SWEEP_SECONDS = 300  # each process deletes old operational rows, beside its work, at most this often
    PASSWORD_HASH_METHOD = "scrypt"  # werkzeug's scrypt, n=2**15, r=8, p=1
    LRS_SECRET_KEY = os.environ.get("ITINERA_LRS_SECRET_KEY") or None  # keys the LRS client secrets' HMAC
    XAPI_MAX_LIMIT = 500  # statements per page of GET /xapi/statements
    XAPI_MAX_REQUEST_BYTES = 10 * 1024 * 1024
    # failed LRS authentications (a wrong key or secret) per client address; a client's successes never count
    XAPI_AUTH_FAILURE_LIMIT = "30 per minute;300 per hour"
    XAPI_FORWARD_URL = os.environ.get("XAPI_FORWARD_URL") or None  # e.g. https://lrs.example.org/xapi/
    XAPI_FORWARD_USERNAME = os.environ.get("XAPI_FORWARD_USERNAME") or None
    XAPI_FORWARD_PASSWORD = os.environ.get("XAPI_FORWARD_PASSWORD") or None
    XAPI_FORWARD_TIMEOUT = _env_number("XAPI_FORWARD_TIMEOUT", 10.0, float)
    XAPI_FORWARD_BATCH = 200
    # without Redis the send job runs inside the request that stored the statements: after this long it starts no
    # further request to the remote; the rest goes with the next write or `flask lrs forward`
    XAPI_FORWARD_IN_REQUEST_SECONDS = _env_number("XAPI_FORWARD_IN_REQUEST_SECONDS", 2.0, float)
    # during an outage of the external LRS, a write starts a new send job at most this often
    XAPI_FORWARD_RETRY_SECONDS = _env_number("XAPI_FORWARD_RETRY_SECONDS", 60)
    # days the forwarding queue remembers a statement the external LRS accepted (0: until the next sweep); the
    # newest delivery is always kept, as the last sign the remote was working
    XAPI_FORWARD_SENT_DAYS = _env_number("XAPI_FORWARD_SENT_DAYS", 0)


class DevelopmentConfig(Config):
    ENV = "development"
    DEVELOPMENT = True
    SECRET_KEY = os.environ.get("SECRET_KEY") or "development-only-secret-key"
    MAIL_LOG_LINKS = True  # without a mail server, the invitation and reset links are read in the log
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


class TestConfig(Config):
    ENV = "testing"
    DEVELOPMENT = False
    TESTING = True
    MAIL_LOG_LINKS = True  # as in development: tests follow the links of the e-mails kept in the outbox
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SQLALCHEMY_ENGINE_OPTIONS = {"json_serializer": jsonutil.dumps, "json_deserializer": jsonutil.loads}
    REDIS_URL = None
    BASE_URL = "http://itinera.test"
    WTF_CSRF_ENABLED = False
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    RATELIMIT_ENABLED = False
    MAIL_SERVER = None
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # still scrypt, cheaper, so the suite stays quick
    JOB_RETRY_INTERVALS = [0]
    JOB_RETRY_CHECK_SECONDS = 3600  # retries run when a test asks for them, not when a slow test happens to pass 15 s
    SWEEP_SECONDS = 0  # every sweep runs each time, as a test expects


def config_from_environment() -> type[Config]:
    return DevelopmentConfig if os.environ.get("ITINERA_ENV") == "development" else Config
