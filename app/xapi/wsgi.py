"""The Alternate Request Syntax of xAPI (Communication 1.3), as WSGI middleware in front of the app.

A client that cannot send headers or other methods POSTs to ``/xapi/...?method=PUT`` a form whose fields are the
headers (Authorization, X-Experience-API-Version, Content-Type, Content-Length, If-Match, If-None-Match), the
body (``content``) and the query parameters; the request is rewritten into the ordinary one before Flask sees it."""
import io
import json
from urllib.parse import parse_qsl, urlencode

HEADER_FIELDS = {
    "authorization": "HTTP_AUTHORIZATION",
    "x-experience-api-version": "HTTP_X_EXPERIENCE_API_VERSION",
    "content-type": "CONTENT_TYPE",
    "content-length": "CONTENT_LENGTH",
    "if-match": "HTTP_IF_MATCH",
    "if-none-match": "HTTP_IF_NONE_MATCH",
}
METHODS = {"GET", "HEAD", "PUT", "POST", "DELETE"}


class AlternateRequestSyntax:
    def __init__(self, app, prefix: str = "/xapi"):
        self.app, self.prefix = app, prefix

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == self.prefix or path.startswith(self.prefix + "/"):
            query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
            if any(name == "method" for name, _ in query):
                try:
                    environ = self._rewrite(environ, query)
                except ValueError as error:
                    return self._refuse(start_response, str(error))
        return self.app(environ, start_response)

    def _rewrite(self, environ, query) -> dict:
        if environ.get("REQUEST_METHOD") != "POST":
            raise ValueError("the alternate request syntax is only for POST requests")
        if len(query) != 1:
            raise ValueError("with the alternate request syntax, only 'method' may be in the query string")
        method = query[0][1].upper()
        if method not in METHODS:
            raise ValueError(f"method {query[0][1]!r} is not an xAPI method")
        content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise ValueError("the alternate request syntax sends a form (application/x-www-form-urlencoded)")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            form = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw))
        except (UnicodeDecodeError, ValueError) as error:
            raise ValueError("the form is not valid application/x-www-form-urlencoded UTF-8") from error
        rewritten = dict(environ)
        rewritten["REQUEST_METHOD"] = method
        rewritten.pop("CONTENT_TYPE", None)
        content, parameters = None, []
        for name, value in form:
            key = name.lower()
            if key == "content":
                content = value.encode("utf-8")
            elif key in HEADER_FIELDS:
                rewritten[HEADER_FIELDS[key]] = value
            else:
                parameters.append((name, value))
        body = content or b""
        if content is not None and "CONTENT_TYPE" not in rewritten:
            rewritten["CONTENT_TYPE"] = "application/json"
        rewritten["CONTENT_LENGTH"] = str(len(body))
        rewritten["wsgi.input"] = io.BytesIO(body)
        rewritten["QUERY_STRING"] = urlencode(parameters)
        return rewritten

    @staticmethod
    def _refuse(start_response, message: str):
        body = json.dumps({"error": 400, "message": message}).encode()
        start_response("400 Bad Request", [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                                           ("X-Experience-API-Version", "1.0.3")])
        return [body]
