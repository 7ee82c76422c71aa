"""The Alternate Request Syntax of xAPI (Communication 1.3), as WSGI middleware in front of the app.

A client that cannot send headers or other methods POSTs to ``/xapi/...?method=PUT`` a form whose fields are the
headers (Authorization, X-Experience-API-Version, Content-Type, Content-Length, If-Match, If-None-Match), the
body (``content``) and the query parameters; the request is rewritten into the ordinary one before Flask sees it.

The form is read before the client is known, so it is held to the site's XAPI_MAX_REQUEST_BYTES (413 without
reading a larger one); the client's own limit applies to the rewritten request as to any other."""
import io
import json
from datetime import datetime, timezone
from html import escape
from urllib.parse import parse_qsl, urlencode

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import HTTP_STATUS_CODES, parse_accept_header

HEADER_FIELDS = {
    "authorization": "HTTP_AUTHORIZATION",
    "x-experience-api-version": "HTTP_X_EXPERIENCE_API_VERSION",
    "content-type": "CONTENT_TYPE",
    "content-length": "CONTENT_LENGTH",
    "if-match": "HTTP_IF_MATCH",
    "if-none-match": "HTTP_IF_NONE_MATCH",
}
METHODS = {"GET", "HEAD", "PUT", "POST", "DELETE"}
# on every answer of the LRS: what clients store (a state document of type text/html, say) is data, never a page
# of this site, even when a browser is brought to it by a form posting the alternate request syntax
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; sandbox; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # a stored page's links name nothing of the LRS's addresses
}

# CORS, for xAPI content served from other sites (the browser sends credentials in Authorization, not cookies)
CORS_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, PUT, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, X-Experience-API-Version, If-Match, "
                                    "If-None-Match",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, X-Experience-API-Version, "
                                     "X-Experience-API-Consistent-Through, Retry-After",
    "Access-Control-Max-Age": "86400",
}


# what an error can be written as (Communication 3.2.s3.b3, b4: plain text, HTML and JSON, by content negotiation);
# JSON unless the client prefers another (no Accept, */*, or only types none of these are: JSON)
ERROR_FORMATS = ("application/json", "text/plain", "text/html")


def error_format(accept: str | None) -> str:
    """The media type an error is written in for a request with this Accept header. A type's parameters are not
    looked at: application/json;charset=UTF-8 is JSON (werkzeug would match it with no type of ours)."""
    asked = MIMEAccept([(value.partition(";")[0].strip(), quality)
                        for value, quality in parse_accept_header(accept, MIMEAccept)])
    return asked.best_match(ERROR_FORMATS, default="application/json")


def error_body(document: dict, mimetype: str) -> bytes:
    """An error document ({"error": status, "message": ..., "property": ...}) as plain text or an HTML page."""
    status = f"{document['error']} {HTTP_STATUS_CODES.get(document['error'], 'Error')}"
    message, prop = str(document.get("message", "")), document.get("property")
    if mimetype == "text/plain":
        return f"{status}: {message}{f' ({prop})' if prop else ''}\n".encode()
    named = f"<p>Property: <code>{escape(str(prop))}</code></p>" if prop else ""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{status}</title></head>'
            f"<body><h1>{status}</h1><p>{escape(message)}</p>{named}</body></html>\n").encode()


def _from_another_site(environ) -> bool:
    """Whether a browser says the request comes from a page of another site (Sec-Fetch-Site; else an Origin that is
    not this site's, "null" included)."""
    site = environ.get("HTTP_SEC_FETCH_SITE")
    if site:
        return site not in ("same-origin", "none")
    origin = environ.get("HTTP_ORIGIN")
    if origin is None:
        return False
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    return origin.rstrip("/").lower() != f"{environ.get('wsgi.url_scheme', 'http')}://{host}".lower()


class Refusal(ValueError):
    def __init__(self, message: str, prop: str | None = None, status: str = "400 Bad Request"):
        super().__init__(message)
        self.prop, self.status = prop, status


class AlternateRequestSyntax:
    def __init__(self, app, max_bytes: int, prefix: str = "/xapi"):
        self.app, self.prefix, self.max_bytes = app, prefix, max_bytes

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == self.prefix or path.startswith(self.prefix + "/"):
            query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
            # a CORS preflight (OPTIONS) for such a post is not the post: the app answers it as any preflight
            if environ.get("REQUEST_METHOD") != "OPTIONS" and any(name == "method" for name, _ in query):
                try:
                    environ = self._rewrite(environ, query)
                except Refusal as refusal:
                    return self._refuse(environ, start_response, refusal)
                if environ["REQUEST_METHOD"] == "HEAD":
                    return self._head(environ, start_response)
        return self.app(environ, start_response)

    def _head(self, environ, start_response):
        """HEAD inside a POST: the app answers as to a HEAD (the headers of a GET, no body), and the response,
        which travels as the answer to a POST, says it has no body, or the client would wait for one."""
        def start(status, headers, exc_info=None):
            headers = [(name, value) for name, value in headers if name.lower() != "content-length"]
            return start_response(status, [*headers, ("Content-Length", "0")], exc_info)

        body = self.app(environ, start)
        try:
            for _ in body:
                pass  # nothing is sent: a HEAD has no body
        finally:
            if hasattr(body, "close"):
                body.close()
        return []

    def _body(self, environ) -> bytes:
        """The form, read only when it is within the limit (a chunked one as far as the limit)."""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        try:
            length = 0 if chunked else int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise Refusal("Content-Length is not a number", "Content-Length") from None
        too_large = Refusal(f"the request is larger than this LRS's limit of {self.max_bytes} bytes",
                            status="413 Content Too Large")
        if length > self.max_bytes:
            raise too_large
        if length:
            return environ["wsgi.input"].read(length)
        if environ.get("wsgi.input_terminated"):  # a chunked body the server decodes: read one byte too many
            raw = environ["wsgi.input"].read(self.max_bytes + 1)
            if len(raw) > self.max_bytes:
                raise too_large
            return raw
        return b""

    def _rewrite(self, environ, query) -> dict:
        if environ.get("REQUEST_METHOD") != "POST":
            raise Refusal("the alternate request syntax is only for POST requests", "method")
        if len(query) != 1:
            name = next((name for name, _ in query if name != "method"), "method")
            raise Refusal("with the alternate request syntax, only 'method' may be in the query string", name)
        method = query[0][1].upper()
        if method not in METHODS:
            raise Refusal(f"method {query[0][1]!r} is not an xAPI method", "method")
        # a form, and so labelled as a client SHOULD; but IE's XDomainRequest, for which the syntax exists, labels
        # everything text/plain, and some clients send no Content-Type at all
        content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type not in ("application/x-www-form-urlencoded", "text/plain", ""):
            raise Refusal("the alternate request syntax sends a form (application/x-www-form-urlencoded)",
                          "Content-Type")
        raw = self._body(environ)
        try:
            form = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw),
                             errors="strict")  # %-escapes that are not UTF-8: refused, not replaced
        except (UnicodeDecodeError, ValueError) as error:
            raise Refusal("the form is not valid application/x-www-form-urlencoded UTF-8", "content") from error
        rewritten = dict(environ)
        rewritten["REQUEST_METHOD"] = method
        rewritten.pop("CONTENT_TYPE", None)
        if _from_another_site(environ):
            # a browser that was once given a client's key and secret (at the prompt of a 401) adds them, as its
            # Authorization header, to any form another site's page posts here: such a post brings its credentials
            # in the form (1.3.s3.b6), as content using this syntax does. Clients that are no browser (an LMS, the
            # conformance suite) may still send the header.
            rewritten.pop("HTTP_AUTHORIZATION", None)
        content, parameters = None, []
        for name, value in form:
            key = name.lower()
            if key == "content" and name != "content":  # a field, not a header: its name has a case (3.2.s3.b8)
                raise Refusal(f"the form field {name} is written content, in small letters", name)
            if key == "content":
                content = value.encode("utf-8")
            elif key in HEADER_FIELDS:
                # as a server presents a header (PEP 3333): its bytes, here the field's UTF-8, one per code point;
                # a character beyond Latin-1 would otherwise be stored (a document's Content-Type) and break
                # every response that sends it back as a header
                rewritten[HEADER_FIELDS[key]] = value.encode("utf-8").decode("latin-1")
            else:
                parameters.append((name, value))
        body = content or b""
        if content is not None and "CONTENT_TYPE" not in rewritten:
            rewritten["CONTENT_TYPE"] = "application/json"
        rewritten["CONTENT_LENGTH"] = str(len(body))
        rewritten["wsgi.input"] = io.BytesIO(body)
        rewritten["QUERY_STRING"] = urlencode(parameters)
        return rewritten

    def _refuse(self, environ, start_response, refusal: Refusal):
        """The refusal as the LRS answers every request: JSON, with the xAPI and (for a browser) CORS headers."""
        document = {"error": int(refusal.status[:3]), "message": str(refusal)}
        if refusal.prop:
            document["property"] = refusal.prop
        mimetype = error_format(environ.get("HTTP_ACCEPT"))
        if mimetype == "application/json":
            body, content_type = json.dumps(document).encode(), mimetype
        else:
            body, content_type = error_body(document, mimetype), f"{mimetype}; charset=utf-8"
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body))),
                   ("X-Experience-API-Version", "1.0.3"), ("Cache-Control", "no-store"), *SECURITY_HEADERS.items()]
        if environ.get("PATH_INFO") == f"{self.prefix}/statements":
            now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            headers.append(("X-Experience-API-Consistent-Through", now))
        if environ.get("HTTP_ORIGIN"):
            headers += [("Access-Control-Allow-Origin", environ["HTTP_ORIGIN"]), *CORS_HEADERS.items(),
                        ("Vary", "Origin")]
        start_response(refusal.status, headers)
        return [body]
