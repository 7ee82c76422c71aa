"""The xAPI 1.0.3 HTTP interface: /xapi/statements and /xapi/about.

Clients authenticate with HTTP Basic (LRS client key and secret); session cookies are ignored here and CSRF
does not apply. Every response carries X-Experience-API-Version; errors are JSON naming the problem."""
import json
import re
import uuid
from datetime import datetime, timezone

from flask import current_app, g, jsonify, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from app.extensions import csrf, db, limiter
from app.xapi import bp, clients, queries
from app.xapi.services import Conflict, store
from app.xapi.validation import StatementError, is_uuid

VERSION = "1.0.3"
VERSION_HEADER = "X-Experience-API-Version"
ACCEPTED_VERSION = re.compile(r"^1\.0(\.\d+)?$")

csrf.exempt(bp)
limiter.exempt(bp)


class ApiError(Exception):
    def __init__(self, status: int, message: str, prop: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.prop, self.headers = status, message, prop, headers or {}


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    body = {"error": error.status, "message": error.message}
    if error.prop:
        body["property"] = error.prop
    return jsonify(body), error.status, error.headers


@bp.errorhandler(StatementError)
def _statement_error(error: StatementError):
    return jsonify(error=400, message=f"{error.path} {error.message}", property=error.path), 400


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return jsonify(error=error.code, message=error.description), error.code


@bp.before_request
def _check_request():
    if request.endpoint == "xapi.about":
        return
    client = clients.authenticate(request.headers.get("Authorization"))
    if client is None:
        raise ApiError(401, "valid LRS client credentials are required (HTTP Basic)",
                       headers={"WWW-Authenticate": 'Basic realm="Itinera LRS"'})
    version = request.headers.get(VERSION_HEADER)
    if version is None:
        raise ApiError(400, f"the {VERSION_HEADER} header is required")
    if not ACCEPTED_VERSION.match(version.strip()):
        raise ApiError(400, f"{VERSION_HEADER} {version!r} is not supported: use 1.0.x")
    g.lrs_client = client
    limit = client.max_request_bytes or current_app.config["XAPI_MAX_REQUEST_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, f"the request is larger than this client's limit of {limit} bytes")
    if client.rate_limit and current_app.config.get("RATELIMIT_ENABLED"):
        from limits import parse_many

        for item in parse_many(client.rate_limit):
            if not limiter.limiter.hit(item, "lrs-client", client.key):
                raise ApiError(429, f"this client's rate limit ({client.rate_limit}) is exceeded")
    if request.method not in ("GET", "HEAD") and not client.can_write:
        raise ApiError(403, "this client may only read")


@bp.after_request
def _headers(response):
    if request.endpoint == "xapi.statements":
        response.headers["X-Experience-API-Consistent-Through"] = _now_iso()
    response.headers["Cache-Control"] = "no-store"
    return response


def _json_body():
    if not (request.mimetype or "").startswith("application/json"):
        raise ApiError(400, "the body must be JSON (Content-Type: application/json)")
    try:
        return json.loads(request.get_data(as_text=True) or "null")
    except ValueError as error:
        raise ApiError(400, f"the body is not valid JSON: {error}") from error


def _languages() -> list[str]:
    return queries.accepted_languages(request.accept_languages)


@bp.route("/about")
def about():
    return jsonify(version=[VERSION], extensions={})


@bp.route("/statements", methods=["GET", "HEAD", "PUT", "POST"])
def statements():
    if request.method in ("GET", "HEAD"):
        return _get_statements()
    body = _json_body()
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
        _store([body])
        return "", 204
    batch = body if isinstance(body, list) else [body]
    if not batch:
        raise ApiError(400, "no statements in the request", "statements")
    stored = _store(batch)
    return jsonify([str(s.id) for s in stored])


def _store(batch: list, retry: bool = True) -> list:
    client = g.lrs_client
    try:
        stored = store(batch, clients.authority_of(client), client_id=client.id)
        db.session.commit()
    except Conflict as conflict:
        db.session.rollback()
        raise ApiError(409, f"statement {conflict} already exists and differs from this one", "statement.id")
    except StatementError:
        db.session.rollback()
        raise
    except IntegrityError:  # the same id arrived at the same moment from another request: compare with it
        db.session.rollback()
        if not retry:
            raise
        return _store(batch, retry=False)
    return stored


SINGLE_ALLOWED = {"statementId", "voidedStatementId", "format", "attachments"}


def _get_statements():
    args = request.args
    single = args.get("statementId") or args.get("voidedStatementId")
    if "statementId" in args and "voidedStatementId" in args:
        raise ApiError(400, "use statementId or voidedStatementId, not both")
    if "statementId" in args or "voidedStatementId" in args:
        extra = set(args) - SINGLE_ALLOWED
        if extra:
            raise ApiError(400, f"{', '.join(sorted(extra))} cannot be used with a statement id")
        if not is_uuid(single):
            raise ApiError(400, "the statement id must be a UUID")
        fmt = queries.parse({"format": args["format"]} if "format" in args else {}).format
        return _single(uuid.UUID(single), voided="voidedStatementId" in args, fmt=fmt)
    if "more" in args:
        query = queries.from_more_token(args["more"])
    else:
        unknown = set(args) - set(queries.FILTERS) - {"format", "attachments"}
        if unknown:
            raise ApiError(400, f"unknown parameter {sorted(unknown)[0]}", sorted(unknown)[0])
        query = queries.parse(args)
    rows, has_more = queries.run(query)
    result = {"statements": [queries.formatted(r.data, query.format, _languages()) for r in rows], "more": ""}
    if has_more:
        query.after_seq = rows[-1].seq
        result["more"] = f"{request.script_root}/xapi/statements?more={queries.more_token(query)}"
    response = jsonify(result)
    newest = max((r.stored for r in rows), default=None)
    if newest is not None:
        response.last_modified = newest
    return response


def _single(statement_id: uuid.UUID, voided: bool, fmt: str):
    from app.xapi.models import Statement

    row = db.session.scalar(db.select(Statement).where(Statement.id == statement_id))
    if row is None or row.is_voided != voided:
        raise ApiError(404, "no such statement" if not voided else "no such voided statement")
    response = jsonify(queries.formatted(row.data, fmt, _languages()))
    response.last_modified = row.stored
    return response
