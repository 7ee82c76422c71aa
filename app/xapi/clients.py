"""LRS client credentials: random keys and secrets; the secret is stored as an HMAC-SHA-256, checked in
constant time (a slow password hash on every xAPI request would cap throughput for no gain: the secret is
random, not chosen by a person)."""
import base64
import binascii
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_number
from flask_babel import lazy_gettext as _l

from app.auth.permissions import check
from app.db import check_revision, revision_of, utcnow
from app.args import MAX_ID
from app.errors import ValidationError, problems
from app.extensions import db
from app.text import one_line
from app.xapi.models import ClientScope, LrsClient
from app.xapi.validation import MAX_IRI_BYTES, is_iri, too_long


def _pepper() -> bytes:
    secret = current_app.config.get("LRS_SECRET_KEY") or current_app.config["SECRET_KEY"]
    return hashlib.sha256(b"itinera-lrs-client\x00" + secret.encode()).digest()


def hash_secret(secret: str) -> str:
    return hmac.new(_pepper(), secret.encode(), hashlib.sha256).hexdigest()


MAX_RATE_WINDOW = 366 * 24 * 3600  # seconds
MAX_RATE_LIMIT_LENGTH = 100  # characters: LrsClient.rate_limit
MAX_NAME_LENGTH = 200  # characters: LrsClient.name


# the words of a rate limit in Spanish and Portuguese ("600 por minuto"), for the limit library's English
LIMIT_WORDS = {"por": "per", "segundo": "second", "segundos": "second", "minuto": "minute", "minutos": "minute",
               "hora": "hour", "horas": "hour", "día": "day", "días": "day", "dia": "day", "dias": "day",
               "mes": "month", "meses": "month", "mês": "month", "año": "year", "años": "year", "ano": "year",
               "anos": "year"}
NO_TIME = re.compile(r"(?:\bper\b|/)\s*0+\s*[a-z]", re.I)  # "1 per 0 seconds", "1/0 minutes"
LIMIT_WORD = re.compile(r"\b(" + "|".join(LIMIT_WORDS) + r")\b", re.I)


def rate_limit_in_english(rate_limit: str | None) -> str | None:
    """A rate limit as the LRS reads it: "600 por minuto; 10000 por día" is "600 per minute; 10000 per day"."""
    if not rate_limit:
        return rate_limit
    return LIMIT_WORD.sub(lambda match: LIMIT_WORDS[match.group(1).lower()], rate_limit.strip())


MIN_REQUEST_BYTES = 1024  # the smallest request-size limit a client may be given


def _validate_limits(max_request_bytes, rate_limit) -> dict:
    """What is wrong with a request-size and rate limit, by field (empty when both are valid)."""
    from limits import parse_many

    errors = {}
    largest = min(current_app.config.get("MAX_CONTENT_LENGTH") or MAX_ID, MAX_ID)  # MAX_ID: what the column keeps
    if max_request_bytes is not None and (not isinstance(max_request_bytes, int)
                                          or max_request_bytes < MIN_REQUEST_BYTES):
        errors["max_request_bytes"] = _l("Give a size of at least %(size)s bytes, or leave it empty",
                                         size=format_number(MIN_REQUEST_BYTES))
    elif max_request_bytes is not None and max_request_bytes > largest:
        errors["max_request_bytes"] = _l("Give at most %(size)s bytes, the largest request this site accepts, or "
                                         "leave it empty", size=format_number(largest))
    if rate_limit and len(rate_limit) > MAX_RATE_LIMIT_LENGTH:  # what the column keeps (the form says so too)
        errors["rate_limit"] = _l("Write the limit in at most 100 characters, or leave it empty")
    elif rate_limit:
        try:
            items = parse_many(rate_limit)
        except ValueError:
            errors["rate_limit"] = _l("Write a limit such as “600 per minute”, or leave it empty")
        else:
            # "0 per minute" refuses every request; "1 per 0 seconds" is a period of no time; a window beyond a
            # year is more than the shared storage (Redis) takes: its error counted every client in each worker's
            # memory for a while
            if (any(item.amount < 1 or item.get_expiry() > MAX_RATE_WINDOW for item in items)
                    or NO_TIME.search(rate_limit)):  # the library reads "per 0 seconds" as "per 1 second"
                errors["rate_limit"] = _l("Allow at least 1 request, in a period of 1 second to a year, or leave it "
                                          "empty")
    return errors


MAX_PREFIXES = 50


def _activity_prefixes(value: str | Iterable[str] | None) -> str | None:
    """The starts of activity IRIs a client may write about, as kept: one per line, blank lines, spaces around
    and repeats left out; None for none (any activity but ours). Raises ValidationError on one that is not an IRI."""
    lines = value.splitlines() if isinstance(value, str) else list(value or ())
    kept: list[str] = []
    for number, line in enumerate(lines, start=1):
        prefix = line.strip()
        if not prefix or prefix in kept:
            continue
        if not is_iri(prefix):
            raise ValidationError({"activity_prefixes": _l(
                "Line %(line)s: “%(value)s” is not the start of an IRI: write a full address, such as "
                "https://partner.example/simulation/", line=format_number(number), value=prefix[:100])})
        if too_long(prefix):
            raise ValidationError({"activity_prefixes": _l(
                "Line %(line)s is longer than an IRI this LRS stores (%(size)s bytes)", line=format_number(number),
                size=format_number(MAX_IRI_BYTES))})
        kept.append(prefix)
    if len(kept) > MAX_PREFIXES:
        raise ValidationError({"activity_prefixes": _l("Give at most %(count)s addresses, or leave it empty",
                                                       count=format_number(MAX_PREFIXES))})
    return "\n".join(kept) or None


def _checked(name: str | None, max_request_bytes, rate_limit, activity_prefixes) -> tuple[str, str | None]:
    """The name on one line and the activity prefixes as kept, once everything a client is given is valid; raises
    ValidationError otherwise, naming every field in error at once."""
    name = one_line(name)
    errors = {} if name else {"name": _l("Give the client a name")}
    if len(name) > MAX_NAME_LENGTH:  # what the column keeps (the form says so too)
        errors["name"] = _l("Give a name of at most %(count)s characters", count=MAX_NAME_LENGTH)
    errors.update(_validate_limits(max_request_bytes, rate_limit or None))
    try:
        prefixes = _activity_prefixes(activity_prefixes)
    except ValidationError as error:
        errors.update(error.errors)
    if errors:
        raise ValidationError(errors)
    return name, prefixes


def client_problems(name: str | None, max_request_bytes, rate_limit, activity_prefixes) -> dict:
    """What create_client or update_client would refuse, by field, saving nothing: a form that failed its own
    checks shows these too."""
    return problems(_checked, name, max_request_bytes, rate_limit_in_english(rate_limit), activity_prefixes)


def create_client(actor, name: str, scope: ClientScope = ClientScope.READ_WRITE, max_request_bytes=None,
                  rate_limit: str | None = None, *, activity_prefixes: str | Iterable[str] | None = None,
                  _secret_from=None) -> tuple[LrsClient, str]:
    """A new client; returns it with its secret, which is shown once and never stored."""
    check(actor.is_admin)
    rate_limit = rate_limit_in_english(rate_limit)
    name, prefixes = _checked(name, max_request_bytes, rate_limit, activity_prefixes)
    key = _not_an_option(secrets.token_urlsafe(18))
    secret = _secret_from(key) if _secret_from is not None else _not_an_option(secrets.token_urlsafe(32))
    client = LrsClient(name=name, key=key, secret_hash=hash_secret(secret),
                       scope=ClientScope(scope), max_request_bytes=max_request_bytes,
                       rate_limit=rate_limit or None, activity_prefixes=prefixes,
                       created_by_id=getattr(actor, "id", None))
    db.session.add(client)
    db.session.flush()
    return client, secret


def _not_an_option(text: str) -> str:
    """A key or secret as typed on a command line, where one starting with "-" reads as an option (the ADL
    conformance suite's runner refused such a key): its first character is then a letter (one in 64 is "-")."""
    return "A" + text[1:] if text.startswith("-") else text


def _form_secret(actor, once: str, key: str) -> str:
    """The secret of the client with ``key`` made by the form carrying the one-time token ``once``: keyed by
    the site's secret (as the stored fingerprint), from the token only the admin's browser holds and the
    client's random key, so that the same form sent again shows the same secret without its being stored."""
    mac = hmac.new(_pepper(), f"lrs-client-secret\x1f{actor.id}\x1f{once}\x1f{key}".encode(), hashlib.sha256)
    return _not_an_option(base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode())


SECRET_REISSUED_FOR = timedelta(minutes=10)


def create_client_once(actor, once: str | None, name: str, scope: ClientScope = ClientScope.READ_WRITE,
                       max_request_bytes=None, rate_limit: str | None = None,
                       activity_prefixes: str | None = None) -> tuple[LrsClient, str | None, bool]:
    """create_client for a form carrying the one-time token ``once``; returns (client, secret, sent again).
    The same form sent again (a double click, or Back then Save) makes no second client and leaves its secret
    as it is (the first answer may have been read, and the secret copied into a partner's platform). The browser
    shows only the last answer, so that answer shows the same secret again (it is derived from the token: see
    _form_secret), as long as the client is a few minutes old and still active; later, or when it was not made
    from the token, the secret is not shown again (None)."""
    from app.once import earlier, remember

    check(actor.is_admin)
    rate_limit = rate_limit_in_english(rate_limit)
    _checked(name, max_request_bytes, rate_limit, activity_prefixes)
    before = earlier(actor, once, "lrs-client")
    made = db.session.get(LrsClient, int(before.result)) if before is not None else None
    if made is not None:
        secret = _form_secret(actor, once, made.key)
        if made.is_active and made.created_at > utcnow() - SECRET_REISSUED_FOR \
                and hmac.compare_digest(made.secret_hash, hash_secret(secret)):
            return made, secret, True
        return made, None, True
    derived = (lambda key: _form_secret(actor, once, key)) if once else None
    client, secret = create_client(actor, name, scope, max_request_bytes, rate_limit,
                                   activity_prefixes=activity_prefixes, _secret_from=derived)
    remember(actor, once, client.id, "lrs-client")
    return client, secret, False


def _shown(client: LrsClient) -> dict:
    return dict(scope=client.scope.value, max_request_bytes=client.max_request_bytes, rate_limit=client.rate_limit,
                activity_prefixes=client.activity_prefixes)


def edit_revision(client: LrsClient) -> str:
    """What the credentials' form shows, as a revision (see app.db.check_revision)."""
    return revision_of(_shown(client))


def update_client(actor, client: LrsClient, *, scope, max_request_bytes, rate_limit,
                  activity_prefixes: str | Iterable[str] | None = None, revision: str | None = None) -> None:
    """Change what credentials may do; ``revision``: what edit_revision said when the form was opened (another
    admin has saved a change since: nothing is saved, EditConflict; None: no comparison)."""
    check(actor.is_admin)
    check_revision(client, revision, _shown)  # (the row held first: revoked by a colleague meanwhile is seen now)
    if not client.is_active:  # revoked for good: nothing it could do would change
        raise ValidationError({"": _l("These credentials have been revoked: they can no longer be changed.")})
    rate_limit = rate_limit_in_english(rate_limit)
    _, prefixes = _checked(client.name, max_request_bytes, rate_limit, activity_prefixes)
    client.scope, client.max_request_bytes = ClientScope(scope), max_request_bytes
    client.rate_limit, client.activity_prefixes = rate_limit or None, prefixes
    db.session.flush()
    forget(client)


def revoke_client(actor, client: LrsClient) -> None:
    check(actor.is_admin)
    if client.revoked_at is None:
        client.revoked_at = utcnow()
    db.session.flush()
    forget(client)


@dataclass(frozen=True)
class Credentials:
    """What a request needs of its client, kept a few seconds per process so that a busy client does not
    cost a query per request. A revoked client is refused within CACHE_SECONDS in every process (at once in
    the one that revoked it). Unknown keys are not kept: a new client works at once, and made-up keys cannot
    fill the memory (which holds at most CACHE_SIZE clients, the least recently used leaving first)."""

    id: int
    name: str
    key: str
    secret_hash: str
    can_write: bool
    reads_own: bool  # it reads back only the statements it wrote
    max_request_bytes: int | None
    rate_limit: str | None
    is_active: bool
    reach: tuple[str, ...]  # LrsClient.reach


CACHE_SECONDS = 10
CACHE_SIZE = 1000
_CACHE_LOCK = threading.Lock()


def _cache() -> OrderedDict:
    return current_app.extensions.setdefault("itinera_lrs_credentials", OrderedDict())


def _credentials(key: str) -> Credentials | None:
    cache = _cache()
    with _CACHE_LOCK:
        cached = cache.get(key)
        if cached is not None and cached[1] > time.monotonic():
            cache.move_to_end(key)
            return cached[0]
    client = db.session.scalar(sa.select(LrsClient).where(LrsClient.key == key))
    if client is None:
        return None
    credentials = Credentials(client.id, client.name, client.key, client.secret_hash, client.can_write,
                              client.reads_own, client.max_request_bytes, client.rate_limit, client.is_active,
                              client.reach)
    with _CACHE_LOCK:
        cache[key] = (credentials, time.monotonic() + CACHE_SECONDS)
        cache.move_to_end(key)
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return credentials


def forget(client: LrsClient) -> None:
    with _CACHE_LOCK:
        _cache().pop(client.key, None)


def authenticate(header: str | None) -> Credentials | None:
    """The active client named by an HTTP Basic Authorization header, if its secret is right."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        key, _, secret = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    # no key holds a NUL character, which PostgreSQL refuses in a query's text (a 500)
    client = _credentials(key) if "\x00" not in key else None
    expected = client.secret_hash if client is not None else hash_secret("")
    if not hmac.compare_digest(expected, hash_secret(secret)) or client is None or not client.is_active:
        return None
    return client


def clients() -> sa.Select:
    return sa.select(LrsClient).order_by(LrsClient.revoked_at.is_not(None), LrsClient.created_at.desc())


def authority_of(client) -> dict:
    from app.xapi.vocabulary import base

    return {"objectType": "Agent", "name": client.name,
            "account": {"homePage": base(), "name": f"lrs-client/{client.key}"}}
