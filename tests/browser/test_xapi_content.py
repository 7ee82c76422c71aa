"""xAPI content as authors deploy it: a page on another origin calling the LRS with fetch, CORS and all.

The page (served by a second server, on ``localhost`` while the LRS is on ``127.0.0.1``) has one small helper that
sends a request and returns what a script there can read: the status, the body, and the response headers it asks
for, which it sees only when the LRS exposes them."""
import base64
import json
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, urlencode

import pytest

from app.auth.services import SYSTEM
from app.extensions import db
from app.xapi.clients import create_client
from app.xapi.models import ClientScope
from app.xapi import vocabulary as v
from app.xapi.services import progress_of
from tests.fixtures.browser import serving

pytestmark = pytest.mark.browser

CONTENT_PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Content</title></head>
<body><p>xAPI content</p><script>
window.lrs = async (method, url, headers, body, read) => {
  const response = await fetch(url, {method, headers, body, credentials: "omit"});
  const seen = {};
  for (const name of read || []) seen[name] = response.headers.get(name);
  return {status: response.status, text: await response.text(), headers: seen};
};
</script></body></html>"""
EXPOSED = ["ETag", "Last-Modified", "X-Experience-API-Version", "X-Experience-API-Consistent-Through"]
MODULE = "http://itinera.test/activities/courses/s3/modules/01-four-cs"


class _Content(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the name http.server calls)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(CONTENT_PAGE)))
        self.end_headers()
        self.wfile.write(CONTENT_PAGE)

    def log_message(self, *args):
        pass


@pytest.fixture
def content_origin():
    """The content's own site: another origin than the LRS's (another host name and port)."""
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), _Content)) as port:
        yield f"http://localhost:{port}"


@pytest.fixture
def content(page, live_server, content_origin):
    """call(method, path, headers=..., body=..., auth=True): the page's request to the LRS, as the page sees it."""
    lrs_client, secret = create_client(SYSTEM, "Authoring tool", ClientScope.READ_WRITE, activity_prefixes=[MODULE])
    db.session.commit()
    auth = "Basic " + base64.b64encode(f"{lrs_client.key}:{secret}".encode()).decode()
    page.goto(content_origin + "/course/index.html")

    def call(method, path, headers=None, body=None, xapi_headers=True, read=EXPOSED):
        """xapi_headers=False: no Authorization nor version header (a form of the alternate syntax, no preflight)."""
        sent = dict(headers or {})
        if xapi_headers:
            sent.update({"Authorization": auth, "X-Experience-API-Version": "1.0.3"})
        if body is not None and not isinstance(body, str):
            body, sent["Content-Type"] = json.dumps(body), sent.get("Content-Type", "application/json")
        return page.evaluate("([m, u, h, b, r]) => window.lrs(m, u, h, b, r)",
                             [method, live_server + path, sent, body, list(read)])

    call.auth = auth
    return call


def _statement(actor, verb=v.EXPERIENCED, **extra):
    return {"actor": actor, "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
            "object": {"id": MODULE, "definition": {"name": {"en-US": "The four Cs"}}}, **extra}


def test_content_on_another_origin_uses_the_statement_api(content, make_user):
    trainee = make_user(email="aprendiz@example.org")
    actor = {"mbox": "mailto:aprendiz@example.org", "name": "Aprendiz"}
    about = content("GET", "/xapi/about")
    assert about["status"] == 200 and "1.0.3" in json.loads(about["text"])["version"]
    assert about["headers"]["X-Experience-API-Version"] == "1.0.3"

    statement_id = str(uuid.uuid4())
    put = content("PUT", f"/xapi/statements?statementId={statement_id}", body=_statement(actor))
    assert put["status"] == 204, put
    assert put["headers"]["X-Experience-API-Consistent-Through"]
    post = content("POST", "/xapi/statements", body=[_statement(actor, v.PASSED,
                                                                result={"success": True, "score": {"scaled": 0.9}}),
                                                     _statement(actor, v.COMPLETED)])
    assert post["status"] == 200, post
    ids = json.loads(post["text"])
    assert len(ids) == 2

    query = urlencode({"agent": json.dumps(actor), "activity": MODULE, "limit": 1, "ascending": "true"})
    seen, url = [], f"/xapi/statements?{query}"
    while url:
        page_of = content("GET", url)
        assert page_of["status"] == 200, page_of
        assert page_of["headers"]["X-Experience-API-Consistent-Through"]
        assert page_of["headers"]["Last-Modified"]
        result = json.loads(page_of["text"])
        seen += [s["id"] for s in result["statements"]]
        url = result["more"]
    assert seen == [statement_id, *ids]

    db.session.expire_all()
    row = progress_of(trainee, [MODULE])[MODULE]
    assert (row.is_completed, row.success, row.best_scaled) == (True, True, 0.9)


def test_content_keeps_its_state_with_etags(content, make_user):
    user = make_user()
    agent = {"account": {"homePage": "http://itinera.test", "name": str(user.uuid)}}
    where = f"/xapi/activities/state?{urlencode({'activityId': MODULE, 'agent': json.dumps(agent)})}"
    first = content("PUT", f"{where}&stateId=bookmark", headers={"If-None-Match": "*"}, body={"page": 3})
    assert first["status"] == 204, first
    got = content("GET", f"{where}&stateId=bookmark")
    assert got["status"] == 200 and json.loads(got["text"]) == {"page": 3}
    etag = got["headers"]["ETag"]
    assert etag and got["headers"]["Last-Modified"]
    stale = content("PUT", f"{where}&stateId=bookmark", headers={"If-Match": '"0000"'}, body={"page": 9})
    assert stale["status"] == 412 and json.loads(stale["text"])["error"] == 412
    assert content("PUT", f"{where}&stateId=bookmark", headers={"If-Match": etag}, body={"page": 4})["status"] == 204
    assert content("POST", f"{where}&stateId=bookmark", body={"seen": [1, 2]})["status"] == 204
    assert json.loads(content("GET", f"{where}&stateId=bookmark")["text"]) == {"page": 4, "seen": [1, 2]}
    assert content("HEAD", f"{where}&stateId=bookmark")["headers"]["ETag"]
    assert content("DELETE", f"{where}&stateId=bookmark")["status"] == 204
    assert content("GET", f"{where}&stateId=bookmark")["status"] == 404


def test_older_content_uses_the_alternate_request_syntax(content, make_user):
    """No preflight: a form post with ?method=, the headers and the body as form fields."""
    trainee = make_user()
    actor = {"account": {"homePage": "http://itinera.test", "name": str(trainee.uuid)}}

    def alternate(method, path, fields, content_body=None):
        form = {"Authorization": content.auth, "X-Experience-API-Version": "1.0.3", **fields}
        if content_body is not None:
            form.update({"Content-Type": "application/json", "content": json.dumps(content_body)})
        return content("POST", f"{path}?method={method}", xapi_headers=False, body=urlencode(form),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})

    statement_id = str(uuid.uuid4())
    put = alternate("PUT", "/xapi/statements", {"statementId": statement_id},
                    _statement(actor, v.PASSED, result={"success": True}))
    assert put["status"] == 204, put
    assert put["headers"]["X-Experience-API-Consistent-Through"]
    got = alternate("GET", "/xapi/statements", {"statementId": statement_id})
    assert got["status"] == 200 and json.loads(got["text"])["id"] == statement_id
    assert got["headers"]["Last-Modified"]
    state = {"activityId": MODULE, "agent": json.dumps(actor), "stateId": "resume"}
    assert alternate("PUT", "/xapi/activities/state", state, {"slide": 7})["status"] == 204
    read = alternate("GET", "/xapi/activities/state", state)
    assert json.loads(read["text"]) == {"slide": 7} and read["headers"]["ETag"]
    # content that also sends the version as a header: the browser asks first (OPTIONS to the same ?method= URL)
    preflighted = content("POST", "/xapi/statements?method=GET", xapi_headers=False,
                          body=urlencode({"Authorization": content.auth, "statementId": statement_id}),
                          headers={"Content-Type": "application/x-www-form-urlencoded",
                                   "X-Experience-API-Version": "1.0.3"})
    assert preflighted["status"] == 200 and json.loads(preflighted["text"])["id"] == statement_id
    db.session.expire_all()
    assert progress_of(trainee, [MODULE])[MODULE].success is True


def test_errors_reach_the_content_with_their_message(content):
    unauthorised = content("GET", "/xapi/statements", headers={"X-Experience-API-Version": "1.0.3"},
                           xapi_headers=False)
    assert unauthorised["status"] == 401
    assert "credentials" in json.loads(unauthorised["text"])["message"]
    refused = content("POST", "/xapi/statements", body={"actor": {"mbox": "ana@example.org"}})
    assert refused["status"] == 400
    assert json.loads(refused["text"])["property"].startswith("statement")
    assert refused["headers"]["X-Experience-API-Version"] == "1.0.3"
    missing = content("GET", f"/xapi/activities/state?activityId={quote(MODULE, safe='')}")
    assert missing["status"] == 400 and json.loads(missing["text"])["property"] == "agent"
