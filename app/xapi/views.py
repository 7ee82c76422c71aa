"""The xAPI 1.0.3 HTTP interface: /xapi/statements and /xapi/about.

Clients authenticate with HTTP Basic (LRS client key and secret); session cookies are ignored here and CSRF
does not apply. Every response carries X-Experience-API-Version; errors are JSON naming the problem."""
import math
import re
import time
import uuid
from urllib.parse import unquote_to_bytes

from flask import current_app, g, jsonify, request
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from app import jsonutil
from app.db import RETRY_AT_ONCE_SQLSTATES, lock_for_write
from app.errors import as_outage
from app.extensions import csrf, db, limiter
from app.xapi import attachments, bp, clients, documents, queries
from app.xapi.models import DocumentKind
from app.xapi.services import (Conflict, OutOfReach, VoidingRefused, agent_key, check_reach, consistent_through,
                                 consistent_through_at_store, store)
from app.xapi.validation import (MAX_IRI_BYTES, MAX_MEDIA_TYPE, StatementError, format_timestamp, is_iri,
                                 is_media_type, is_uuid, parse_query_timestamp, too_long, validate_actor,
                                 validate_agent)
from app.xapi.wsgi import CORS_HEADERS, error_body, error_format

VERSION = "1.0.3"
# what the About resource lists: every 1.0.x is accepted (Communication 3.3.s3.b5), and 2.8.s5.b1.b1 asks for 1.0.0
ABOUT_VERSIONS = ["1.0.3", "1.0.2", "1.0.1", "1.0.0"]
VERSION_HEADER = "X-Experience-API-Version"
ACCEPTED_VERSION = re.compile(r"^1\.0(\.\d+)?\Z", re.ASCII)  # \d alone takes any script's digits

csrf.exempt(bp)
limiter.exempt(bp)


class ApiError(Exception):
    def __init__(self, status: int, message: str, prop: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.prop, self.headers = status, message, prop, headers or {}


def _consistent_through() -> str:
    try:
        return format_timestamp(consistent_through())
    except SQLAlchemyError:  # the database is not answering: a moment no statement being written can precede
        db.session.rollback()
        return "1970-01-01T00:00:00.000Z"


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    body = {"error": error.status, "message": error.message}
    if error.prop:
        body["property"] = error.prop
    return jsonify(body), error.status, error.headers


@bp.errorhandler(OutOfReach)
def _out_of_reach(error: OutOfReach):
    return jsonify(error=403, message=str(error), property=error.path), 403


@bp.errorhandler(StatementError)
def _statement_error(error: StatementError):
    return jsonify(error=400, message=f"{error.path} {error.message}", property=error.path), 400


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    if isinstance(error, RequestEntityTooLarge):
        return _too_large()
    error = as_outage(error)
    headers = [(name, value) for name, value in error.get_headers() if name.lower() == "retry-after"]
    return jsonify(error=error.code, message=error.description), error.code, headers


def _too_large():
    limit = g.get("max_request_bytes") or current_app.config["XAPI_MAX_REQUEST_BYTES"]
    return jsonify(error=413, message=f"the request is larger than this client's limit of {limit} bytes"), 413


def _body() -> bytes:
    """The request body, held to the client's limit also when it came without a Content-Length (chunked)."""
    data = request.get_data()
    if len(data) > g.max_request_bytes:
        raise RequestEntityTooLarge()
    return data


@bp.before_request
def _check_request():
    if request.endpoint == "xapi.about" or request.method == "OPTIONS":
        return  # the About resource is public, and a CORS preflight carries no credentials
    limit_failures = current_app.config.get("RATELIMIT_ENABLED")
    if limit_failures:
        _refuse_after_failures()
    client = clients.authenticate(request.headers.get("Authorization"))
    if client is None:
        if limit_failures:
            _count_failure()
        raise ApiError(401, "valid LRS client credentials are required (HTTP Basic)",
                       headers={"WWW-Authenticate": 'Basic realm="Itinera LRS"'})
    version = request.headers.get(VERSION_HEADER)
    if version is None:
        raise ApiError(400, f"the {VERSION_HEADER} header is required", VERSION_HEADER)
    if not ACCEPTED_VERSION.match(version.strip()):
        raise ApiError(400, f"{VERSION_HEADER} {version!r} is not supported: use 1.0.x", VERSION_HEADER)
    g.lrs_client = client
    _check_utf8_query(request.query_string)
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:  # no database keeps a NUL character in its text
            raise ApiError(400, f"the {name.replace(chr(0), '')} parameter contains a NUL character",
                           name.replace("\x00", ""))
    for name in request.args:
        if len(request.args.getlist(name)) > 1:  # only the first would be used, the others silently dropped
            raise ApiError(400, f"the {name} parameter is given more than once", name)
    if "\x00" in request.headers.get("Content-Type", ""):  # kept with a document (the alternate syntax sets it)
        raise ApiError(400, "the Content-Type header contains a NUL character", "Content-Type")
    limit = client.max_request_bytes or current_app.config["XAPI_MAX_REQUEST_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, f"the request is larger than this client's limit of {limit} bytes")
    g.max_request_bytes = limit
    request.max_content_length = limit + 1  # a body without Content-Length (chunked) is read one byte too far
    if client.rate_limit and current_app.config.get("RATELIMIT_ENABLED"):
        from limits import parse_many

        for item in parse_many(client.rate_limit):
            allowed, counter = _count_request(item, client.key)
            if not allowed:
                reset = counter.get_window_stats(item, "lrs-client", client.key).reset_time
                wait = max(1, math.ceil(reset - time.time()))
                raise ApiError(429, f"this client's rate limit ({client.rate_limit}) is exceeded: try again in "
                                    f"{wait} s", headers={"Retry-After": str(wait)})
    if request.method not in ("GET", "HEAD") and not client.can_write:
        raise ApiError(403, "this client may only read")


def _check_utf8_query(query: bytes) -> None:
    """A 400 for a parameter whose %-escapes are not UTF-8 (Communication 1.4.s1.b1): Werkzeug keeps such an escape
    as written, so stateId=%FF would be the document another client names with the text "%FF"."""
    for pair in query.split(b"&"):
        name, _, value = pair.partition(b"=")
        try:
            unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8")
            unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            shown = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace")
            raise ApiError(400, f"the {shown} parameter is not UTF-8 text", shown) from None


# Redis (REDIS_URL) not answering: clients' requests are counted in this worker's memory meanwhile, as the sign-in
# limits are (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED), rather than failing every request of a rate-limited client;
# the shared storage is asked again after SHARED_RETRY_SECONDS
SHARED_RETRY_SECONDS = 30


def _count_request(item, key: str):
    """Count one request of an LRS client against ``item``: whether it is allowed, and the limiter that counted."""
    return _counted(lambda counter: counter.hit(item, "lrs-client", key))


def _counted(call):
    """``call(counter)`` on the shared rate-limit storage, or on this worker's memory while that does not answer;
    returns what it returned and the counter."""
    shared = limiter.limiter
    state = current_app.extensions.setdefault("itinera_lrs_client_limits", {"down_until": 0.0, "memory": None})
    if time.monotonic() >= state["down_until"]:
        try:
            return call(shared), shared
        except Exception:  # noqa: BLE001  (whatever the storage raises: redis' ConnectionError, TimeoutError...)
            current_app.logger.warning("rate limit storage unreachable: counting LRS clients in memory for %s s",
                                       SHARED_RETRY_SECONDS, exc_info=True)
            state["down_until"] = time.monotonic() + SHARED_RETRY_SECONDS
    if state["memory"] is None:
        from limits.storage import MemoryStorage

        state["memory"] = type(shared)(MemoryStorage())  # the same strategy (fixed or moving window)
    return call(state["memory"]), state["memory"]


def _failure_limits():
    from limits import parse_many

    return parse_many(current_app.config["XAPI_AUTH_FAILURE_LIMIT"])


def _refuse_after_failures() -> None:
    """A 429 for an address that sent too many wrong credentials lately, before its credentials are looked at
    (whether a guess was right must not show); only failures count (_count_failure), so clients that
    authenticate are never held back by their own requests."""
    address = get_remote_address()
    for item in _failure_limits():
        allowed, counter = _counted(lambda c: c.test(item, "lrs-auth-failure", address))  # noqa: B023 (called now)
        if not allowed:
            reset = counter.get_window_stats(item, "lrs-auth-failure", address).reset_time
            wait = max(1, math.ceil(reset - time.time()))
            raise ApiError(429, f"too many failed authentications from this address: try again in {wait} s",
                           headers={"Retry-After": str(wait)})


def _count_failure() -> None:
    address = get_remote_address()
    for item in _failure_limits():
        _counted(lambda c: c.hit(item, "lrs-auth-failure", address))  # noqa: B023 (called now)


@bp.after_app_request
def _headers(response):
    """On every /xapi response, also the errors of paths and methods no route here takes (404, 405)."""
    if request.path != "/xapi" and not request.path.startswith("/xapi/"):
        return response
    if request.headers.get("Origin"):  # xAPI content in a browser, served from another site
        response.headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
        response.headers.update(CORS_HEADERS)
        response.vary.add("Origin")
    if request.path == "/xapi/statements":
        through = g.get("consistent_through") or _consistent_through()
        response.headers["X-Experience-API-Consistent-Through"] = through
    if request.method in ("GET", "HEAD") and response.status_code == 200 and "ETag" not in response.headers \
            and not response.is_streamed:
        response.add_etag()  # every GET (Communication 3.1.s4.b1): the SHA-1 of the body, statements included
    response.headers["Cache-Control"] = "no-store"
    if response.status_code >= 400 and response.mimetype == "application/json":
        _error_as_asked(response)
    return response


def _error_as_asked(response) -> None:
    """An error in plain text or HTML for a client that prefers it (Communication 3.2.s3.b3, b4); else JSON."""
    mimetype = error_format(request.headers.get("Accept"))
    document = response.get_json(silent=True) if mimetype != "application/json" else None
    if isinstance(document, dict) and isinstance(document.get("error"), int):
        response.set_data(error_body(document, mimetype))
        response.content_type = f"{mimetype}; charset=utf-8"


def _statements_body() -> tuple[object, dict]:
    """The statements of a PUT or POST, and the attachment contents sent with them (by hash)."""
    mimetype = (request.mimetype or "").lower()
    parts = {}
    if mimetype == "multipart/mixed":
        raw, other_parts = attachments.split_multipart(_body(), request.headers["Content-Type"])
        parts = attachments.collect(other_parts)
    elif mimetype == "application/json":
        raw = _body()
        problem = attachments.charset_problem(request.headers["Content-Type"], raw or b"")
        if problem:
            raise ApiError(400, f"statements {problem}", "Content-Type")
    else:
        raise ApiError(400, "statements are sent as application/json, or multipart/mixed with attachments",
                       "Content-Type")
    try:
        return jsonutil.parse(raw or b"null"), parts
    except jsonutil.JSONError as error:
        if error.path:  # named as the validator names properties: statement.x, or statements[i].x in a batch
            name = "statements" if error.path.startswith("[") else "statement"
        else:
            name = "statement" if request.method == "PUT" else "statements"
        raise ApiError(400, f"{error.at(name)} {error.message}", error.at(name)) from error


def _languages() -> dict[str, float]:
    return queries.accepted_languages(request.accept_languages)


@bp.route("/about")
def about():
    _only()
    return jsonify(version=ABOUT_VERSIONS, extensions={})


@bp.route("/statements", methods=["GET", "HEAD", "PUT", "POST"])
def statements():
    if request.method in ("GET", "HEAD"):
        return _get_statements()
    _only(*(("statementId",) if request.method == "PUT" else ()))
    body, parts = _statements_body()
    if request.method == "PUT":
        statement_id = request.args.get("statementId")
        if not statement_id:
            raise ApiError(400, "PUT needs the statementId parameter", "statementId")
        if not is_uuid(statement_id):
            raise ApiError(400, "statementId must be a UUID", "statementId")
        if not isinstance(body, dict):
            raise ApiError(400, "PUT takes a single statement", "statement")
        if "id" in body and (not is_uuid(body["id"]) or uuid.UUID(body["id"]) != uuid.UUID(statement_id)):
            raise ApiError(400, "the statement's id does not match statementId", "statement.id")
        body = dict(body, id=statement_id)
        _store([body], parts)
        return "", 204
    batch = body if isinstance(body, list) else [body]
    if not batch:
        raise ApiError(400, "no statements in the request", "statements")
    stored = _store(batch, parts)
    return jsonify([str(s.id) for s in stored])


def _store(batch: list, parts: dict, attempts: int = 3) -> list:
    """Store and commit; when a concurrent request got in the way (the same new statement id, the same new
    activity definition, a deadlock), roll back and try again: the second look sees what the other committed."""
    client = g.lrs_client
    try:
        stored = store(batch, clients.authority_of(client), client_id=client.id, attachment_parts=parts,
                       reach=client.reach)
        through = consistent_through_at_store()
        db.session.commit()
        if through is not None:  # read with the stored time: no query after the commit
            g.consistent_through = format_timestamp(through)
    except Conflict as conflict:
        db.session.rollback()
        raise ApiError(409, f"statement {conflict} already exists and differs from this one", "statement.id")
    except VoidingRefused as refused:
        db.session.rollback()
        raise ApiError(403, str(refused), "statement.object.id")
    except OutOfReach:
        db.session.rollback()
        raise
    except StatementError:
        db.session.rollback()
        raise
    except (IntegrityError, OperationalError) as error:
        db.session.rollback()
        sqlstate = getattr(error.orig, "sqlstate", None)
        transient = isinstance(error, IntegrityError) or sqlstate in RETRY_AT_ONCE_SQLSTATES
        if not transient or attempts <= 1:
            raise
        return _store(batch, parts, attempts - 1)
    return stored


SINGLE_ALLOWED = {"statementId", "voidedStatementId", "format", "attachments"}


def _get_statements():
    g.consistent_through = _consistent_through()  # before reading: what it promises must be in the answer
    args = request.args
    single = args.get("statementId") or args.get("voidedStatementId")
    if "statementId" in args and "voidedStatementId" in args:
        raise ApiError(400, "use statementId or voidedStatementId, not both", "voidedStatementId")
    if "statementId" in args or "voidedStatementId" in args:
        name = "statementId" if "statementId" in args else "voidedStatementId"
        extra = set(args) - SINGLE_ALLOWED
        if extra:
            raise ApiError(400, f"{', '.join(sorted(extra))} cannot be used with {name}", sorted(extra)[0])
        if not is_uuid(single):
            raise ApiError(400, f"{name} must be a UUID", name)
        fmt = queries.parse({"format": args["format"]} if "format" in args else {}).format
        return _single(uuid.UUID(single), voided="voidedStatementId" in args, fmt=fmt,
                       with_attachments=_wants_attachments())
    if "more" in args:
        extra = set(args) - {"more", "attachments"}
        if extra:  # the link carries its whole query: a filter, limit or format added to it would be ignored
            name = sorted(extra)[0]
            raise ApiError(400, f"{name} cannot be used with more: the more link carries the whole query", name)
        query = queries.from_more_token(args["more"])
        query.attachments = query.attachments or _wants_attachments()
    else:
        unknown = set(args) - set(queries.FILTERS) - {"format", "attachments"}
        if unknown:
            raise ApiError(400, f"unknown parameter {sorted(unknown)[0]}", sorted(unknown)[0])
        query = queries.parse(args)
        query.attachments = _wants_attachments()
    query.client_id = g.lrs_client.id if g.lrs_client.reads_own else None
    rows, has_more = queries.run(query)
    result = {"statements": queries.formatted_all([r.data for r in rows], query.format, _languages()), "more": ""}
    if has_more:
        query.after_seq = rows[-1].seq
        result["more"] = f"{request.script_root}/xapi/statements?more={queries.more_token(query)}"
    response = _respond(result, [r.data for r in rows], query.attachments)
    newest = max((r.stored for r in rows), default=None)
    if newest is not None:
        response.last_modified = newest
    return response


def _wants_attachments() -> bool:
    return queries.boolean(request.args.get("attachments", "false"), "attachments")


def _respond(document, statements: list[dict], with_attachments: bool):
    if not with_attachments:
        return jsonify(document)
    body, content_type = attachments.multipart_response(document, statements)
    return current_app.response_class(body, headers={"Content-Type": content_type})


def _single(statement_id: uuid.UUID, voided: bool, fmt: str, with_attachments: bool):
    from app.xapi.models import Statement

    row = db.session.scalar(db.select(Statement).where(Statement.id == statement_id))
    if row is not None and g.lrs_client.reads_own and row.client_id != g.lrs_client.id:
        row = None  # another's statement is none of its business
    if row is None or row.is_voided != voided:
        raise ApiError(404, "no such statement" if not voided else "no such voided statement")
    [document] = queries.formatted_all([row.data], fmt, _languages())
    response = _respond(document, [row.data], with_attachments)
    response.last_modified = row.stored
    return response


# --- document resources -------------------------------------------------------------------------------

def _param_agent(required: bool = True):
    raw = request.args.get("agent")
    if raw is None:
        if required:
            raise ApiError(400, "the agent parameter is required", "agent")
        return None
    try:
        agent = jsonutil.parse(raw)
    except ValueError as error:
        raise ApiError(400, f"agent must be a JSON Agent ({error})", "agent") from error
    validate_actor(agent, "agent")
    if agent_key(agent) is None:
        raise ApiError(400, "agent must be identified (mbox, mbox_sha1sum, openid or account)", "agent")
    return agent


def _param_activity(held: bool = True) -> str:
    """The activityId parameter; ``held``: within the client's reach, reads included (the documents of an activity,
    which other clients keep there), else a 403 as for a write."""
    activity_id = request.args.get("activityId")
    if activity_id is None:
        raise ApiError(400, "the activityId parameter is required", "activityId")
    if not is_iri(activity_id):
        raise ApiError(400, "activityId must be an IRI", "activityId")
    if too_long(activity_id):
        raise ApiError(400, f"activityId is longer than {MAX_IRI_BYTES} bytes, the longest IRI this LRS stores",
                       "activityId")
    if held:
        check_reach(activity_id, g.lrs_client.reach)
    return activity_id


def _param_since():
    since = request.args.get("since")
    return parse_query_timestamp(since, "since") if since is not None else None


def _only(*allowed: str) -> None:
    extra = set(request.args) - set(allowed)
    if extra:
        name = sorted(extra)[0]
        raise ApiError(400, f"{name} is not a parameter of a {request.method} to this resource", name)


def _document_response(document):
    response = current_app.response_class(document.content, mimetype=None,
                                          headers={"Content-Type": document.content_type})
    response.headers["ETag"] = f'"{document.etag}"'
    response.headers["Content-Disposition"] = "attachment"  # a browser saves what a client stored, never shows it
    response.last_modified = document.updated
    return response


def _list_response(names, newest):
    response = jsonify(names)
    if newest is not None:
        response.last_modified = newest
    return response


def _document_resource(kind: DocumentKind, id_param: str, *, activity_id=None, agent=None, registration=None,
                       concurrency: bool):
    scope_key = documents.scope(kind, activity_id, agent, registration)
    if documents.adopt_documents_stored_as_written(kind, activity_id, agent, registration):
        db.session.commit()
    where = {"activity_id": activity_id, "agent": agent, "registration": registration}
    document_id = request.args.get(id_param)
    method = request.method
    if method in ("PUT", "POST") and document_id is None:
        raise ApiError(400, f"the {id_param} parameter is required", id_param)
    if document_id is not None and too_long(document_id):
        raise ApiError(400, f"{id_param} is longer than {MAX_IRI_BYTES} bytes, the longest this LRS stores", id_param)
    if method not in ("GET", "HEAD") and "since" in request.args:
        raise ApiError(400, f"since is only for listing documents (GET without {id_param})", "since")
    # a client that reads back only its own statements keeps only the documents it created (README, Clients)
    own = g.lrs_client.id if g.lrs_client.reads_own else None
    if method in ("GET", "HEAD"):
        if document_id is None:
            return _list_response(*documents.ids(documents.covered(kind, scope_key, **where, created_by=own),
                                                 _param_since()))
        if "since" in request.args:
            raise ApiError(400, f"since cannot be used with {id_param}", "since")
        document = documents.get(scope_key, document_id)
        if document is None:
            raise ApiError(404, "no such document")
        _check_own(document, own, id_param)
        return _document_response(document)
    if_match, if_none_match = request.headers.get("If-Match"), request.headers.get("If-None-Match")
    if method != "DELETE":  # the body is read first: a slow upload must not hold the lock below
        content_type = request.headers.get("Content-Type", "")
        body = _body()
    # from reading the document to writing it, no other request changes it: concurrent POSTs all merge, and of
    # concurrent writers with the same If-Match one wins and the others get 412
    lock_for_write("xapi-document", f"{scope_key}\x1f{document_id or ''}")
    try:
        if method == "DELETE" and document_id is None:
            documents.delete_all(documents.covered(kind, scope_key, **where, created_by=own))
        elif method == "DELETE":
            current = documents.get(scope_key, document_id)
            _check_own(current, own, id_param)
            documents.check_preconditions(current, if_match, if_none_match, need_one=False)
            documents.delete(scope_key, document_id)
        else:
            current = documents.get(scope_key, document_id, for_update=True)
            _check_own(current, own, id_param)
            documents.check_preconditions(current, if_match, if_none_match,
                                          need_one=concurrency and method == "PUT")
            if concurrency and method == "PUT" and if_match is None and if_none_match is None:
                raise documents.DocumentError(400, "PUT to a profile needs If-Match or If-None-Match", "If-Match")
            if content_type and not is_media_type(content_type):
                raise documents.DocumentError(400, "Content-Type must be an Internet media type, such as "
                                              f"application/json (at most {MAX_MEDIA_TYPE} characters)",
                                              "Content-Type")
            if method == "PUT":
                documents.check_json(body, content_type)
                documents.put(kind, scope_key, document_id, body, content_type, **where, client_id=g.lrs_client.id)
            else:
                documents.post(kind, scope_key, document_id, body, content_type, max_bytes=g.max_request_bytes,
                               **where, client_id=g.lrs_client.id)
    except documents.DocumentError as error:
        db.session.rollback()
        raise ApiError(error.status, error.message, error.prop) from error
    except ApiError:
        db.session.rollback()
        raise
    db.session.commit()
    return "", 204


def _check_own(document, own: int | None, id_param: str) -> None:
    """A 403 for a client that reads back only its own statements (``own``: its id), unless it created the
    document: another's, whoever's person or activity it is about, it neither reads nor changes."""
    if document is not None and own is not None and document.client_id != own:
        raise ApiError(403, "this document was created by another client: a client that reads back only its own "
                            "statements reads and changes only the documents it created", id_param)


@bp.route("/activities/state", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def state():
    _only("activityId", "agent", "registration", "stateId", "since")
    registration = request.args.get("registration")
    if registration is not None and not is_uuid(registration):
        raise ApiError(400, "registration must be a UUID", "registration")
    return _document_resource(DocumentKind.STATE, "stateId", activity_id=_param_activity(), agent=_param_agent(),
                              registration=str(uuid.UUID(registration)) if registration else None,
                              concurrency=False)


@bp.route("/activities/profile", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def activity_profile():
    _only("activityId", "profileId", "since")
    if request.method == "DELETE" and "profileId" not in request.args:
        raise ApiError(400, "the profileId parameter is required", "profileId")
    return _document_resource(DocumentKind.ACTIVITY_PROFILE, "profileId", activity_id=_param_activity(),
                              concurrency=True)


@bp.route("/agents/profile", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def agent_profile():
    _only("agent", "profileId", "since")
    if request.method == "DELETE" and "profileId" not in request.args:
        raise ApiError(400, "the profileId parameter is required", "profileId")
    return _document_resource(DocumentKind.AGENT_PROFILE, "profileId", agent=_param_agent(), concurrency=True)


@bp.route("/activities", methods=["GET", "HEAD"])
def activities():
    _only("activityId")
    return jsonify(documents.activity(_param_activity(held=False)))  # a definition, shared by every client


@bp.route("/agents", methods=["GET", "HEAD"])
def agents():
    _only("agent")
    agent = _param_agent()
    validate_agent(agent, "agent")  # "not a Person Object, nor is it a Group" (Communication 2.4)
    return jsonify(documents.person(agent, own_client=g.lrs_client.id if g.lrs_client.reads_own else None))
