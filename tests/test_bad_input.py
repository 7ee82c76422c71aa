"""Hostile input at every endpoint of app.url_map, as someone allowed to use it: never a 500.

The project's rule: bad input gets a clear error (a form message, a 4xx with a JSON body on APIs), never a 500
and never lost data. Each page's fields are read from its own forms (the GET page, or the page a bare POST answers
with), filled with valid values, then one at a time with hostile ones; query strings get hostile arguments; the
LRS gets hostile parameters and bodies. PostgreSQL refuses NUL in text and integers beyond 64 bits, which SQLite
takes: run this on both."""
import hashlib
import io
import json
import re
import traceback
from urllib.parse import quote, urlencode, urlsplit

import pytest
import sqlalchemy as sa
from flask import url_for

from app.auth.models import TokenPurpose
from app.extensions import db
from tests.fixtures.endpoints import url_args
from tests.fixtures.factories import PASSWORD
from tests.fixtures.markup import fields_for
from tests.fixtures.matrix import MATRIX

HUGE = "9" * 40
LONG = "x" * 10_000
# what every field gets in turn (a NUL is refused before any view: app.errors.reject_unreadable_input)
VALUES = [LONG, "Ana\x00b", "-1", "1e309", HUGE, "", "   ", "2026-02-30", "ø" * 300]
# and, all fields at once, these too
ALL_AT_ONCE = [LONG, HUGE, "-1", "   ", "\x00", "0", "NaN", "../../etc/passwd", "<script>"]
# query strings as bytes on the wire: invalid UTF-8 and a lone surrogate encoded anyway (CESU), beside the rest
RAW_QUERY_VALUES = ["%FF", "%ED%A0%80", "%C0%AE", "%00"]
# a part of the path, as it comes on the wire (already percent-encoded)
PATH_VALUES = [LONG, HUGE, "-1", quote("ø" * 300), "%FF", "%ED%A0%80", "%00", "..%2F..%2Fetc", "%20", "ZZ"]
QUERY_VALUES = VALUES + ["//evil.example", "https://evil.example/", "99999999999999999999", "abc", "unknown"]
# every argument some view reads (grep request.args), and the usual suspects
QUERY_NAMES = ["page", "per_page", "sort", "next", "q", "country", "role", "status", "cohort", "institution",
               "invitations", "lang", "download", "version", "format", "v", "since", "until", "limit", "members_page",
               "move_q", "institution_q"]

ORDER = ("admin", "coordinator", "trainer", "trainee", "anonymous")


def acting_role(endpoint: str) -> str | None:
    """The first role (most powerful first) that the matrix lets in; a 302 counts for POSTs that redirect, a 301
    for an address that leads everyone on to another (its arguments are read all the same)."""
    _method, expected = MATRIX[endpoint]
    for role in ORDER:
        if expected[role] in (200, 400):
            return role
    return next((role for role in ORDER[:-1] if expected[role] in (301, 302)), None)


# endpoints everybody gets 404 from with the matrix's objects: they get objects of their own below
OWN_OBJECTS = {"auth.accept_invitation": "anonymous", "auth.reset_password": "anonymous",
               "auth.account_sign_in_end": "trainee", "notifications.open": "trainee",
               "admin.user_validate_level": "admin"}

# a valid baseline where the page's own form starts empty (values parsed from the page fill the rest)
VALID = {
    "auth.login": {"email": "someone@example.org", "password": PASSWORD},
    "auth.forgot_password": {"email": "someone@example.org"},
    "auth.accept_invitation": {"password": "a-long-new-password"},
    "auth.reset_password": {"password": "a-long-new-password"},
    "auth.account_password": {"current_password": PASSWORD, "new_password": "another-long-password"},
    "auth.account_language": {"locale": "es"},
    "auth.account_timezone": {"timezone": "America/Santiago"},
    "admin.user_new": {"full_name": "Marta Gómez", "email": "marta@example.org", "roles": "trainee",
                       "country_code": "CL", "position": "technician", "locale": "es", "is_active": "y"},
    "admin.institution_new": {"name": "Agencia", "country_code": "CL", "level": "national"},
    "admin.cohort_new": {"name": "Cohorte", "country_code": "CL"},
    "admin.import_upload": {"country_code": "CL"},  # an administrator chooses the country (no default)
    "admin.lrs_client_new": {"name": "Client", "scope": "read"},
    "admin.user_validate_level": {"code": "A1", "level": "2", "note": "Seen at work"},
    "competences.new_competence": {"code": "A2", **{f"{name}_{locale}": f"{name} {locale}" for locale in
                                                    ("en", "es", "pt_BR")
                                                    for name in ("title", "knowledge", "skills", "attitudes")}},
    "competences.new_area": {"code": "C", **{f"title_{locale}": f"Area {locale}" for locale in ("en", "es", "pt_BR")}},
}
# the page holding the form of a POST whose own URL shows none (same URL arguments)
SOURCE = {"admin.cohort_add_members": "admin.cohort_detail"}
# fields of forms on pages this crawl does not reach (a bare POST answering with a redirect)
EXTRA_FIELDS = {"courses.publication": ["published", "confirmed"], "admin.invitation_resend": ["once"],
                "admin.import_invitations": ["confirmed"], "admin.institution_move": ["target_id", "confirmed"],
                "admin.invitations_resend_expired": ["confirmed"], "competences.move_use": ["use-{use_id}-version"],
                "competences.remove_area": ["confirmed"]}
# pages whose form lists the competences of the site's framework
NEED_FRAMEWORK = {"auth.account_self_assessment", "admin.user_validate_level"}
# where even the valid form is refused: a framework with a single version has nowhere to move a use to
REFUSED_AS_IT_IS = {"competences.move_use"}
# POSTs whose success ends what the URL names
DESTRUCTIVE = {"admin.cohort_delete", "admin.institution_delete", "admin.invitation_withdraw",
               "admin.validation_withdraw", "admin.lrs_client_revoke", "admin.cohort_remove_member",
               "auth.account_sign_in_end", "auth.logout", "competences.remove_competence"}
# POSTs that take nothing but their CSRF token
NO_FIELDS = {"auth.logout", "auth.account_sign_ins_end_others", "notifications.read_all", "admin.job_retry",
             "admin.import_confirm", "admin.lrs_forward_retry", "admin.cohort_remove_member",
             "auth.account_sign_in_end"}
FILES = {"file": b"email,full_name,position\nnew@example.org,New Person,manager\n"}


def shapes(names):
    """One name of each shape: the rows of a list (alignments-0-code, alignments-1-code) and the languages of a
    text (title_en, title_es) are read by the same code."""
    seen = set()
    for name in names:
        shape = re.sub(r"_(en|es|pt_BR)$", "", re.sub(r"\d+", "#", name))
        if shape not in seen:
            seen.add(shape)
            yield name


class Findings:
    def __init__(self, client, endpoint):
        self.client, self.endpoint, self.seen, self.count = client, endpoint, [], 0

    def send(self, method, url, *, what, data=None, client=None, **kwargs):
        """The request; a 5xx or an exception (TESTING lets them through) is noted, not raised."""
        self.count += 1
        if data is not None and any(k in FILES for k in data):
            data = {k: ((io.BytesIO(FILES[k]), "people.csv") if k in FILES and v is None else v)
                    for k, v in data.items()}
        try:
            response = (client or self.client).open(url, method=method, data=data, **kwargs)
        except Exception as error:  # noqa: BLE001
            frame = traceback.extract_tb(error.__traceback__)[-1]
            self.seen.append(f"{method} {url[:100]} {what}: {type(error).__name__}: {str(error)[:200]} "
                             f"({frame.filename.split('/work/')[-1]}:{frame.lineno})")
            db.session.rollback()
            return None
        if response.status_code >= 500:
            self.seen.append(f"{method} {url[:100]} {what}: {response.status_code}")
        where = urlsplit(response.headers.get("Location", ""))
        if where.netloc not in ("", "localhost") or where.path.startswith(("//", "/\\")):  # next=//evil.example
            self.seen.append(f"{method} {url[:100]} {what}: sent away to {response.location}")
        return response

    def check(self):
        unique = list(dict.fromkeys(self.seen))
        assert not unique, f"{len(unique)} of {self.count} requests to {self.endpoint} failed:\n" + "\n".join(
            unique[:25])


@pytest.fixture
def own_objects(make_user, objects):
    """URL arguments for the endpoints whose matrix objects belong to someone else: the acting user's own."""

    def make(endpoint, actor):
        from app.auth import sign_ins
        from app.auth.tokens import issue_token
        from app.notifications.services import notify

        if endpoint in ("auth.accept_invitation", "auth.reset_password"):
            invited = endpoint == "auth.accept_invitation"
            token = issue_token(make_user(password=None if invited else PASSWORD),
                                TokenPurpose.INVITATION if invited else TokenPurpose.PASSWORD_RESET)
            db.session.commit()
            return {"token": token}
        if endpoint == "auth.account_sign_in_end":
            made = sign_ins.start(actor)
            db.session.commit()
            return {"sign_in_id": made.id}
        if endpoint == "notifications.open":
            made = notify(actor, "added_to_cohort", cohort="C")
            db.session.commit()
            return {"notification_id": made.id}
        if endpoint == "admin.user_validate_level":
            return {"user_uuid": str(make_user(roles=("trainee",), country="CL").uuid)}
        raise KeyError(endpoint)

    return make


def rule_method(rule) -> str:
    return "GET" if "GET" in rule.methods else "POST"


def html_endpoints():
    return sorted(e for e in MATRIX if not e.startswith("xapi.") and (e in OWN_OBJECTS or acting_role(e)))


def login(login_as, role):
    if role == "anonymous":
        return None
    return login_as(role, country=None if role == "admin" else "CL")


@pytest.mark.parametrize("endpoint", html_endpoints())
def test_hostile_input_never_answers_500(app, client, login_as, make_user, objects, own_objects, endpoint,
                                        monkeypatch):
    role = OWN_OBJECTS.get(endpoint) or acting_role(endpoint)
    actor = login(login_as, role)
    if endpoint == "admin.cohort_add_members":
        make_user(roles=("trainee",), country="CL")  # someone to add: the form lists them
    if endpoint == "auth.login":
        make_user(email=VALID[endpoint]["email"])
    if endpoint in NEED_FRAMEWORK:
        monkeypatch.setitem(app.config, "COMPETENCE_FRAMEWORK", objects("slug", "competences.index"))
    if endpoint in OWN_OBJECTS:
        args = own_objects(endpoint, actor)
    else:
        args = url_args(app, endpoint, objects)
    with app.test_request_context():
        url = url_for(endpoint, **args)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    sent = Findings(client, endpoint)
    page = sent.send("GET", url, what="as it is") if "GET" in rule.methods else None
    html = page.get_data(as_text=True) if page is not None and page.mimetype == "text/html" else ""

    for name in rule.arguments:  # each part of the path in turn (int parts refuse all but digits: 404)
        for value in PATH_VALUES:
            placeholder = 918273645 if isinstance(args[name], int) else "PLACEHOLDER"
            with app.test_request_context():
                hostile = url_for(endpoint, **{**args, name: placeholder}).replace(str(placeholder), value)
            answer = sent.send(rule_method(rule), hostile, what=f"path {name}={value[:40]}")
            if answer is not None and rule.rule.endswith(".json") and 400 <= answer.status_code < 500:
                if not isinstance(answer.get_json(silent=True), dict):
                    sent.seen.append(f"GET {hostile[:100]}: {answer.status_code} {answer.mimetype}, not JSON")

    if "GET" in rule.methods:
        names = list(dict.fromkeys(QUERY_NAMES + list(fields_for(url, html, "get"))))
        for value in QUERY_VALUES:
            sent.send("GET", url + "?" + urlencode({name: value for name in names}), what=f"every arg={value!r:.40}")
        for raw in RAW_QUERY_VALUES:
            sent.send("GET", url + "?" + "&".join(f"{name}={raw}" for name in names), what=f"every arg={raw}")
        for name in names:  # one at a time too: one refused argument must not hide another
            sent.send("GET", url + "?" + urlencode({name: HUGE}), what=f"{name}={HUGE}")
            sent.send("GET", f"{url}?{name}=%FF&{name}=1", what=f"{name} twice, invalid UTF-8")

    if "POST" in rule.methods:
        if endpoint in SOURCE:
            with app.test_request_context():
                source = url_for(SOURCE[endpoint], **args)
            html = sent.send("GET", source, what="the page with the form").get_data(as_text=True)
        if not html:  # the page a bare POST answers with (an error, or the question asked first)
            answer = sent.send("POST", url, what="empty", data={})
            html = answer.get_data(as_text=True) if answer is not None and answer.mimetype == "text/html" else ""
        fields = fields_for(url, html, "post")
        fields.update(dict.fromkeys((name.format(**args) for name in EXTRA_FIELDS.get(endpoint, ())), ""))
        fields.update(VALID.get(endpoint, {}))
        if not fields:
            assert endpoint in NO_FIELDS, f"no form found that posts to {url}: name its fields in EXTRA_FIELDS"
        fields.setdefault("next", "/")
        posts = [("valid", dict(fields))]
        for name in shapes(n for n in fields if n not in FILES):
            posts += [(f"{name}={value!r:.40}", {**fields, name: value}) for value in VALUES]
            posts.append((f"{name} missing", {k: v for k, v in fields.items() if k != name}))
            posts.append((f"{name} twice", {**fields, name: [fields[name] or "1", LONG]}))
        posts += [(f"every field={value!r:.40}", {**{k: value for k in fields if k not in FILES},
                                                 **{k: None for k in fields if k in FILES}})
                  for value in ALL_AT_ONCE]
        posts.append(("every field a file", {k: (io.BytesIO(b"x"), "x.txt") for k in fields}))  # (multipart)
        if endpoint in DESTRUCTIVE:  # the valid form goes last, or the rest would meet a 404
            posts.append(posts.pop(0))
        else:  # it must pass, or the hostile values would never go past the form's own checks
            valid = sent.send("POST", url, what="valid", data=posts.pop(0)[1])
            assert valid is None or valid.status_code < 400 or endpoint in REFUSED_AS_IT_IS, \
                f"the valid form answers {valid.status_code}: the hostile values would test its checks only"
        for away in ("//evil.example", "https://evil.example/", "/\\evil.example"):  # "back to where it came from"
            posts.insert(0, (f"next={away}", {**fields, "next": away}))
            sent.send("POST", f"{url}?{urlencode({'next': away})}", what=f"?next={away}", data=fields,
                      client=app.test_client() if role == "anonymous" else None)  # (signed in, no more sign-in)
        for what, data in posts:
            sent.send("POST", url, what=what, data=data)
        body = "&".join(f"{quote(name)}=%FF%ED%A0%80" for name in fields if name not in FILES)
        sent.send("POST", url, what="every field invalid UTF-8", data=body,
                  content_type="application/x-www-form-urlencoded")
    sent.check()


# JSON bodies, which Flask-WTF reads as a form's data: no object, objects with values of every shape
JSON_BODIES = ["5", '"abc"', "[1, 2]", '[["name", 5]]', "null", "true", '"\\ud800"',
               json.dumps({name: 5 for name in ("name", "email", "roles", "scope", "locale", "email_kinds",
                                                 "full_name", "country_code", "code", "level", "timezone")}),
               json.dumps({"name": ["a", ["b"]], "email": {"a": 1}, "roles": [["trainee"]], "full_name": None,
                           "email_kinds": [{"x": 1}], "max_request_bytes": 1e300, "is_active": True}),
               '{"name": "\\ud800x", "full_name": "\\udfff", "country_code": "CL", "email": "a\\u0000@b.cl"}']


def html_post_endpoints():
    from app import create_app
    from tests.conftest import make_config

    posted = {r.endpoint for r in create_app(make_config("sqlite://")).url_map.iter_rules() if "POST" in r.methods}
    return [e for e in html_endpoints() if e in posted]


@pytest.mark.parametrize("endpoint", html_post_endpoints())
def test_a_json_body_of_any_shape_never_answers_500(app, client, login_as, make_user, objects, own_objects,
                                                    endpoint, monkeypatch):
    """A form sent as JSON (Flask-WTF reads it as the form's data): a body that is no object, or whose values are
    numbers, lists, objects, null, lone surrogates or NUL, is refused or read as a browser's form, never a 500."""
    role = OWN_OBJECTS.get(endpoint) or acting_role(endpoint)
    actor = login(login_as, role)
    if endpoint in NEED_FRAMEWORK:
        monkeypatch.setitem(app.config, "COMPETENCE_FRAMEWORK", objects("slug", "competences.index"))
    args = own_objects(endpoint, actor) if endpoint in OWN_OBJECTS else url_args(app, endpoint, objects)
    with app.test_request_context():
        url = url_for(endpoint, **args)
    sent = Findings(client, endpoint)
    for body in JSON_BODIES:
        sent.send("POST", url, what=f"JSON {body[:40]}", data=body, content_type="application/json")
    sent.check()


# --- the LRS --------------------------------------------------------------------------------------------------

AGENT = '{"mbox": "mailto:ana@example.org"}'
STATEMENT = ('{"actor": {"mbox": "mailto:ana@example.org"}, '
             '"verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"}, '
             '"object": {"id": "http://example.org/activities/one"}}').encode()
# per resource: a valid query (the LRS refuses parameters it does not take, so each gets its own), the parameters
# it reads, and a valid body for writes
XAPI = {
    "xapi.about": ({}, [], b""),
    "xapi.statements": ({}, ["statementId", "voidedStatementId", "agent", "verb", "activity", "registration",
                             "related_activities", "related_agents", "since", "until", "limit", "format",
                             "attachments", "ascending"], STATEMENT),
    "xapi.state": ({"activityId": "http://example.org/a", "agent": AGENT, "stateId": "s"},
                   ["activityId", "agent", "stateId", "registration", "since"], b'{"a": 1}'),
    "xapi.activity_profile": ({"activityId": "http://example.org/a", "profileId": "p"},
                              ["activityId", "profileId", "since"], b'{"a": 1}'),
    "xapi.agent_profile": ({"agent": AGENT, "profileId": "p"}, ["agent", "profileId", "since"], b'{"a": 1}'),
    "xapi.activities": ({"activityId": "http://example.org/a"}, ["activityId"], b""),
    "xapi.agents": ({"agent": AGENT}, ["agent"], b""),
}
XAPI_VALUES = VALUES + ["\x00", "99999999999999999999", "-99999999999999999999", "{}", "[]", AGENT,
                        '{"account": {"homePage": "http://x", "name": "' + HUGE + '"}}', "true",
                        "2026-02-30T00:00:00Z", "http://example.org/" + "a" * 5000,
                        "ffffffff-ffff-ffff-ffff-ffffffffffff", "exact", "ids", "canonical"]
XAPI_BODIES = [b"", b"\x00", b"null", b"[]", b"{}", b'"x"', b"9" * 400, b"1e309", b'{"a": NaN}', b"\xff\xfe",
               b'{"actor": {"mbox": "mailto:a@b.c\\u0000"}, "verb": {"id": "http://x/\\u0000"}, "object": {"id": "x"}}',
               b'[{"id": "' + b"9" * 40 + b'"}]', b'{"result": {"score": {"scaled": 1e309}}}',
               b'{"result": {"score": {"raw": ' + b"9" * 400 + b'}}}', b"{" * 5000 + b"}" * 5000]


def xapi_endpoints():
    return sorted((rule.endpoint, method) for rule in _rules() for method in sorted(rule.methods - {"HEAD",
                                                                                                     "OPTIONS"}))


def _rules():
    from app import create_app
    from tests.conftest import make_config

    return [r for r in create_app(make_config("sqlite://")).url_map.iter_rules() if r.endpoint.startswith("xapi.")]


@pytest.mark.parametrize("endpoint,method", xapi_endpoints())
def test_hostile_input_to_the_lrs_is_a_4xx_in_json(app, client, endpoint, method):
    import base64

    from app.auth.services import SYSTEM
    from app.xapi.clients import create_client

    lrs, secret = create_client(SYSTEM, "Fuzz")
    db.session.commit()
    headers = {"Authorization": "Basic " + base64.b64encode(f"{lrs.key}:{secret}".encode()).decode(),
               "X-Experience-API-Version": "1.0.3"}
    with app.test_request_context():
        url = url_for(endpoint)
    sent = Findings(client, f"{method} {endpoint}")
    base, params, valid_body = XAPI[endpoint]
    if endpoint == "xapi.statements" and method == "PUT":
        base = {"statementId": "3f1c2a4e-9b1d-4c1e-8f7a-2b3c4d5e6f70"}
    if endpoint == "xapi.statements" and method == "GET":
        params = params + ["statementId"]  # (alone: it takes no other parameter)
    body = valid_body if method in ("POST", "PUT") else b""

    def send(query, what, body=body, content_type="application/json"):
        response = sent.send(method, url + "?" + query, what=what, data=body, headers=headers,
                             content_type=content_type)
        if response is not None and 400 <= response.status_code < 500:
            if response.mimetype != "application/json" or not isinstance(response.get_json(silent=True), dict):
                sent.seen.append(f"{method} {url}?{query[:80]} {what}: {response.status_code} "
                                 f"{response.mimetype} is not a JSON error")
        return response

    if endpoint.endswith(("state", "profile")):  # a document to read, replace or delete
        assert client.post(url, query_string=base, data=valid_body, headers=headers,
                           content_type="application/json").status_code == 204
        if method == "PUT":
            headers["If-Match"] = "*"
    valid = send(urlencode(base), "valid")
    assert valid is not None and valid.status_code < 400, \
        f"a valid request to {url} answers {valid.status_code if valid else None}: the fuzzing would not reach it"
    for value in XAPI_VALUES:
        if params:
            send(urlencode({**base, **{name: value for name in params}}), f"every param={value!r:.40}")
        for name in params:
            send(urlencode({**base, name: value}), f"{name}={value!r:.40}")
    for raw in RAW_QUERY_VALUES:
        for name in params:
            send(urlencode({k: v for k, v in base.items() if k != name}) + f"&{name}={raw}", f"{name}={raw}")
    if method in ("POST", "PUT"):
        for hostile in XAPI_BODIES:
            send(urlencode(base), f"body {hostile[:40]!r}", body=hostile)
        send(urlencode(base), "a form body", body=b"content=%FF&x=\x00",
             content_type="application/x-www-form-urlencoded")
        send(urlencode(base), "a multipart body with no parts", body=b"--b--\r\n",
             content_type='multipart/mixed; boundary="b"')
    if endpoint == "xapi.statements" and method == "POST":  # attachments: empty, binary, lying, too large
        for content, declared in ((b"", 0), (bytes(range(256)) * 40, 10240), (b"abc", 10**30),
                                  (b"\x00\xff" * (5 * 1024 * 1024 + 1), 10 * 1024 * 1024 + 2)):
            sha2 = hashlib.sha256(content).hexdigest()
            described = json.loads(STATEMENT)
            described["attachments"] = [{"usageType": "http://example.org/usage", "display": {"en-US": "A file"},
                                         "contentType": "application/octet-stream", "length": declared,
                                         "sha2": sha2}]
            parts = (b"--b\r\nContent-Type: application/json\r\n\r\n" + json.dumps(described).encode() +
                     b"\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n"
                     b"X-Experience-API-Hash: " + sha2.encode() + b"\r\n\r\n" + content + b"\r\n--b--\r\n")
            answer = send("", f"an attachment of {len(content)} bytes", body=parts,
                          content_type='multipart/mixed; boundary="b"')
            assert answer is not None and answer.status_code == (413 if len(content) > 10 * 1024 * 1024 else 200)
    sent.check()


def test_every_endpoint_is_fuzzed():
    """A new endpoint gets a role in the permission matrix (which must list them all); here, a way in."""
    pages = {e for e in MATRIX if not e.startswith("xapi.")}
    assert pages - set(html_endpoints()) == set(), "endpoints no role may use: give them objects in OWN_OBJECTS"
    assert {e for e in MATRIX if e.startswith("xapi.")} == XAPI.keys(), "LRS resources missing from XAPI"


@pytest.mark.parametrize("endpoint, field, message", [
    ("admin.user_new", "full_name", "Enter the full name"),
    ("admin.institution_new", "name", "Enter the institution's name"),
    ("admin.cohort_new", "name", "Enter the cohort's name"),
    ("admin.lrs_client_new", "name", "Give the client a name"),
])
@pytest.mark.parametrize("name", ["\u200b", "\u2060\ufeff \u00ad", "\x01", "- .", "\u3164"])
def test_a_name_with_no_letter_is_refused_as_a_blank_one(app, client, login_as, endpoint, field, message, name):
    """Spaces are no name, and neither are the characters that show nothing without being spaces (a zero-width
    space pasted alone, a word joiner, a control character) nor punctuation alone: such an account, institution,
    cohort or client was saved with a name no list shows."""
    from html import unescape

    login_as("admin", country=None)
    with app.test_request_context():
        url = url_for(endpoint)
    response = client.post(url, data={**VALID[endpoint], field: name})
    assert response.status_code == 400 and message in unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("endpoint, field", [
    ("admin.user_new", "full_name"), ("admin.institution_new", "name"), ("admin.cohort_new", "name"),
    ("admin.lrs_client_new", "name"),
])
def test_a_name_keeps_no_character_that_shows_nothing(app, client, login_as, endpoint, field):
    """A control character or an invisible one pasted inside a name (from a document, a web page, a terminal) was
    kept: lists showed the name as it looks, but a search for what it looks like missed it, and a direction
    override turned around the text after the name in every sentence that names it. They go; the joiners that
    letters and emoji need stay."""
    from app.auth.models import User
    from app.cohorts.models import Cohort
    from app.places.models import Institution
    from app.xapi.models import LrsClient

    login_as("admin", country=None)
    with app.test_request_context():
        url = url_for(endpoint)
    typed = "\u202eAna\x01 Pé\u200brez\x1b\x7f\u00ad\u2060\ufeff\u2066 👩\u200d💻 \u0645\u200c\u0646"
    response = client.post(url, data={**VALID[endpoint], field: typed})
    assert response.status_code == (200 if endpoint == "admin.lrs_client_new" else 302)  # (its secret, shown once)
    model = {"admin.user_new": User, "admin.institution_new": Institution, "admin.cohort_new": Cohort,
             "admin.lrs_client_new": LrsClient}[endpoint]
    saved = db.session.scalar(sa.select(model).order_by(model.id.desc()).limit(1))
    assert getattr(saved, field) == "Ana Pérez 👩\u200d💻 \u0645\u200c\u0646"


@pytest.mark.parametrize("endpoint, message", [
    ("admin.institution_new", "This country already has an institution called “Agencia Sur”"),
    ("admin.cohort_new", "This country already has a cohort called “Agencia Sur”"),
])
def test_a_name_apart_from_another_only_in_characters_that_show_nothing_is_the_same_name(
        app, client, login_as, endpoint, message):
    """Two cohorts (or institutions) of a country called "Agencia Sur", one with a zero-width space pasted into it:
    both were saved, and every list showed two that nobody could tell apart."""
    from html import unescape

    login_as("admin", country=None)
    with app.test_request_context():
        url = url_for(endpoint)
    assert client.post(url, data={**VALID[endpoint], "name": "Agencia Sur"}).status_code == 302
    response = client.post(url, data={**VALID[endpoint], "name": "Agencia\u200b S\u00adur"})
    assert response.status_code == 400 and message in unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("words", ["Pé\u200brez", "\u2060ana pérez\u00ad", "\u202eANA"])
def test_a_search_pasted_with_characters_that_show_nothing_finds_what_it_shows(client, login_as, make_user, words):
    """Words copied from a document into the people list's search box with a zero-width space or a soft hyphen in
    them found nobody, although they show the name exactly: those characters are no part of a name."""
    from html import unescape

    login_as("admin", country=None)
    make_user(country="CL", name="Ana Pérez", email="ana.perez@example.org")
    page = unescape(client.get("/admin/users", query_string={"q": words, "status": "all"}).get_data(as_text=True))
    assert "Ana Pérez" in page and "ana.perez@example.org" in page


def test_hostile_words_for_an_institution_are_searched_never_an_error(app, client, login_as, make_institution,
                                                                     monkeypatch):
    """The person form's institution search shows only for a country with many institutions, which the fuzzing
    above does not meet: its box, the words it last searched and the choice, each with every hostile value, with
    Find and with Save."""
    from app.admin import views

    monkeypatch.setattr(views, "INSTITUTIONS_LISTED", 1)
    login_as("coordinator", country="CL")
    first = make_institution(country="CL", name="Ministerio de Salud")
    make_institution(country="CL", name="Secretaría Regional de Salud")
    valid = {**VALID["admin.user_new"], "country_code": "CL", "institution_q": "salud",
             "institution_searched": "salud", "institution_id": str(first.id)}
    for field in ("institution_q", "institution_searched", "institution_id"):
        for value in [*VALUES, *ALL_AT_ONCE, "%", "_", "\\"]:
            for button in ({"find": "Find"}, {"submit": "Save"}):
                response = client.post("/admin/users/new", data={**valid, **button, field: value})
                assert response.status_code in (200, 302, 400), (field, value, button, response.status_code)
    assert client.post("/admin/users/new", data={**valid, "find": "Find", "institution_q": LONG}).status_code == 200


def test_hostile_words_for_the_people_lists_institution_filter_are_never_an_error(client, login_as,
                                                                                  make_institution,
                                                                                  monkeypatch):
    """The people list searches its institution filter only for a country with many institutions, which the
    fuzzing above does not meet: the words and the institution chosen, each hostile, alone and together."""
    from app.admin import views

    monkeypatch.setattr(views, "INSTITUTIONS_LISTED", 1)
    login_as("coordinator", country="CL")
    first = make_institution(country="CL", name="Ministerio de Salud")
    make_institution(country="CL", name="Secretaría Regional de Salud")
    for value in [*QUERY_VALUES, *ALL_AT_ONCE, "%", "_", "\\"]:
        for args in ({"institution_q": value}, {"institution_q": value, "institution": first.id},
                     {"institution_q": "salud", "institution": value}):
            response = client.get("/admin/users", query_string=args)
            assert response.status_code in (200, 400), (args, response.status_code)  # 400: a NUL, as everywhere
    for raw in RAW_QUERY_VALUES:
        assert client.get(f"/admin/users?institution_q={raw}&institution={first.id}").status_code in (200, 400), raw


@pytest.mark.parametrize("path", ["/admin/users", "/admin/invitations", "/admin/outbox", "/admin/cohorts/{cohort}",
                                  "/admin/cohorts/{cohort}?member_q=WORDS"])
@pytest.mark.parametrize("words", ["x" * 60_000, "%" * 30_000])
def test_a_search_longer_than_any_address_finds_nothing_and_is_no_error(client, login_as, make_user, make_cohort,
                                                                         path, words):
    """The lists of people and of e-mails sent search addresses for the words typed: words longer than any address
    (254 characters) were still sent to the database, whose pattern SQLite refuses past 50,000 bytes (an escaped
    "%" counts twice): a 500 instead of "nobody matches"."""
    from app.auth.tokens import issue_token
    from app.notifications.services import queue_email

    login_as("admin", country=None)
    member = make_user(country="CL", name="Ana Pérez", email="ana.perez@example.org", password=None)
    cohort = make_cohort(country="CL", members=[member])
    issue_token(member, TokenPurpose.INVITATION)  # in the invitations pending
    queue_email(member.email, "Subject", "Body")  # in the e-mails sent
    db.session.commit()
    url = path.format(cohort=cohort.id).replace("WORDS", quote(words))
    response = client.get(url if "member_q" in url else url + "?" + urlencode({"q": words}))
    assert response.status_code == 200
    assert "ana.perez@example.org" not in response.get_data(as_text=True)
