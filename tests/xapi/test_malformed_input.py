"""Malformed input that ADL's conformance suite does not send: each is a 4xx whose JSON names the problem, never
a 500, on SQLite and PostgreSQL alike."""
import json
import time

import pytest

from tests.fixtures.xapi import statement

BASE = '{"actor":%s,"verb":{"id":"http://example.org/verbs/%s"},"object":{"id":"http://example.org/act/%s"}%s}'
AGENT = '{"mbox":"mailto:ana@example.org"}'


def post_text(xapi, text: str | bytes):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return xapi.client.post("/xapi/statements", data=data, content_type="application/json", headers=xapi.headers())


# --- text that is not UTF-8 (Communication 1.4.s1.b1) -----------------------------------------------------

@pytest.mark.parametrize("text, prop", [
    (BASE % (AGENT, "read", "\\ud800", ""), "statement.object.id"),
    (BASE % (AGENT, "read\\udfff", "one", ""), "statement.verb.id"),
    (BASE % ('{"account":{"homePage":"http://example.org","name":"\\udc00"}}', "read", "one", ""),
     "statement.actor.account.name"),
    (BASE % (AGENT, "read", "one", ',"result":{"response":"a\\ud83d"}'), "statement.result.response"),
    (BASE % (AGENT, "read", "one", ',"result":{"extensions":{"http://example.org/e":{"\\ud800":1}}}'),
     "statement.result.extensions.http://example.org/e"),
])
def test_a_lone_surrogate_is_a_400_naming_where(xapi, text, prop):
    """UTF-8 cannot hold U+D800-U+DFFF alone: hashing or storing such a string failed with a 500."""
    response = post_text(xapi, text)
    assert response.status_code == 400, response.data
    assert response.get_json()["property"] == prop and "surrogate" in response.get_json()["message"]


def test_a_surrogate_pair_is_one_character_and_welcome(xapi):
    response = post_text(xapi, BASE % (AGENT, "read", "\\ud83d\\ude00", ""))
    assert response.status_code == 200
    stored = xapi.get(params={"statementId": response.get_json()[0]}).get_json()
    assert stored["object"]["id"] == "http://example.org/act/\U0001F600"


@pytest.mark.parametrize("body", [
    (BASE % (AGENT, "read", "one", ',"result":{"response":"\xed\xa0\x80"}')).encode("latin-1"),  # raw surrogate
    (BASE % (AGENT, "read", "one", "")).encode("utf-16"),
])
def test_a_body_that_is_not_utf8_is_a_400(xapi, body):
    response = post_text(xapi, body)
    assert response.status_code == 400 and "UTF-8" in response.get_json()["message"]


def test_a_utf8_byte_order_mark_is_still_accepted(xapi):
    assert post_text(xapi, "\ufeff" + BASE % (AGENT, "read", "one", "")).status_code == 200


@pytest.mark.parametrize("content_type", ["application/json; charset=iso-8859-1", "application/json; charset=utf-16",
                                          "application/json; charset=us-ascii"])
def test_statements_declared_in_a_charset_other_than_utf8_are_a_400(xapi, content_type):
    """Communication 1.4.s1.b1 (UTF-8): "Añá" sent declared as Latin-1 was stored read as UTF-8, other characters
    than the client meant; the statements part of a multipart request was refused already."""
    body = (BASE % ('{"mbox":"mailto:ana@example.org","name":"Añá"}', "read", "one", "")).encode("utf-8")
    response = xapi.client.post("/xapi/statements", data=body, content_type=content_type, headers=xapi.headers())
    assert response.status_code == 400 and "UTF-8, not charset=" in response.get_json()["message"]
    assert xapi.get().get_json()["statements"] == []


@pytest.mark.parametrize("content_type", ["application/json; charset=UTF-8", "application/json;charset=utf8",
                                          "application/json; charset=us-ascii"])
def test_statements_declared_utf8_or_ascii_that_is_ascii_are_accepted(xapi, content_type):
    body = (BASE % (AGENT, "read", "one", "")).encode("utf-8")
    assert body.isascii()
    response = xapi.client.post("/xapi/statements", data=body, content_type=content_type, headers=xapi.headers())
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("query, prop", [
    ("activityId=http://example.org/act/%FF&agent={AGENT}&stateId=one", "activityId"),
    ("activityId=http://example.org/act/one&agent={AGENT}&stateId=%FF%FE", "stateId"),
    ("activityId=http://example.org/act/one&agent={AGENT}&stateId=%C3%28", "stateId"),
    ("activityId=http://example.org/act/one&agent={AGENT}&state%FFId=one", "state\ufffdId"),
])
def test_a_parameter_that_is_not_utf8_is_a_400(xapi, query, prop):
    """Communication 1.4.s1.b1: all strings are interpreted as UTF-8. A %-escape that is not UTF-8 was kept as
    written (%FF%FE), so the document was stored under an id another client writes as the text "%FF%FE"; the
    alternate syntax's form already refused such escapes."""
    url = "/xapi/activities/state?" + query.replace("{AGENT}", AGENT)
    for method in ("PUT", "GET"):
        response = xapi.client.open(url, method=method, data=b"{}", content_type="application/json",
                                    headers=xapi.headers())
        assert response.status_code == 400, response.data
        assert response.get_json()["property"] == prop and "UTF-8" in response.get_json()["message"]
    listed = xapi.get("/xapi/activities/state", params={"activityId": "http://example.org/act/one", "agent": AGENT})
    assert listed.get_json() == []
    assert xapi.get(params={"verb": "http://example.org/verbs/caf\u00e9"}).status_code == 200  # UTF-8 escapes


@pytest.mark.parametrize("path, params", [
    ("/xapi/statements", {}),
    ("/xapi/agents", {}),
    ("/xapi/agents/profile", {}),
    ("/xapi/activities/state", {"activityId": "http://example.org/act/one"}),
])
def test_an_agent_parameter_with_a_lone_surrogate_is_a_400(xapi, path, params):
    for agent in ('{"mbox":"mailto:\\ud800@example.org"}', '{"account":{"homePage":"http://example.org",'
                                                             '"name":"\\ud800"}}'):
        response = xapi.get(path, params={**params, "agent": agent})
        assert response.status_code == 400 and response.get_json()["property"] == "agent"


def test_a_posted_json_document_with_a_lone_surrogate_is_a_400(xapi):
    params = {"activityId": "http://example.org/act/one", "agent": AGENT, "stateId": "s"}
    response = xapi.client.post("/xapi/activities/state", query_string=params, data=b'{"a": "\\ud800"}',
                                content_type="application/json", headers=xapi.headers())
    assert response.status_code == 400 and response.get_json()["property"] == "document.a"


# --- signed statements whose JWS is well formed but holds no statement, or an odd x5c ---------------------

def _signed_post(xapi, key, payload: dict | list, headers=None):
    import hashlib

    import jwt

    from tests.fixtures.xapi import SIGNATURE, attachment_for, multipart, post_multipart

    token = jwt.api_jws.PyJWS().encode(json.dumps(payload).encode(), key, algorithm="RS256",
                                       headers=headers).encode()
    data = dict(statement(), attachments=[attachment_for(token, SIGNATURE, "application/octet-stream")])
    return post_multipart(xapi, multipart([data], [(token, hashlib.sha256(token).hexdigest(),
                                                    "application/octet-stream")]))


@pytest.mark.parametrize("change", [{"object": 5}, {"context": 5}, {"verb": "read"},
                                    {"context": {"contextActivities": {"parent": [5]}}}, {"result": []}])
def test_a_signed_payload_that_is_no_statement_is_a_400(xapi, signing_key, change):
    """Comparing it with the statement assumed its shape (AttributeError: 500)."""
    key, _ = signing_key
    response = _signed_post(xapi, key, dict(statement(), **change))
    assert response.status_code == 400, response.data
    assert response.get_json()["property"] == "signature" and "signed payload" in response.get_json()["message"]


@pytest.mark.parametrize("x5c", [{"0": "a"}, "MIIB", [{}], [5]])
def test_an_x5c_that_is_not_an_array_of_certificates_is_a_400(xapi, signing_key, x5c):
    key, _ = signing_key
    response = _signed_post(xapi, key, statement(), headers={"x5c": x5c})
    assert response.status_code == 400 and response.get_json()["property"] == "signature"


# --- digits are ASCII digits ------------------------------------------------------------------------------

@pytest.mark.parametrize("overrides, prop", [
    ({"result": {"duration": "PT１H"}}, "statement.result.duration"),
    ({"timestamp": "２０２６-01-01T00:00:00Z"}, "statement.timestamp"),
    ({"timestamp": "2026-01-01T10:00:00.٣+0100"}, "statement.timestamp"),
    ({"version": "1.0.３"}, "statement.version"),
])
def test_digits_of_other_scripts_are_not_iso_8601(xapi, overrides, prop):
    """Python's \\d takes any script's digits (and int() reads them): such a statement was stored, and then
    refused by any other LRS it was forwarded to."""
    response = xapi.post(statement(**overrides))
    assert response.status_code == 400 and response.get_json()["property"] == prop


def test_a_version_header_with_digits_of_another_script_is_a_400(xapi):
    response = xapi.get(headers={"X-Experience-API-Version": "1.0.３"})
    assert response.status_code == 400 and response.get_json()["property"] == "X-Experience-API-Version"


# --- the alternate request syntax ---------------------------------------------------------------------------

def test_a_header_field_of_the_alternate_syntax_beyond_latin_1_reaches_the_app_as_a_server_gives_it(xapi):
    """A form field is UTF-8 text, a header is bytes: the Content-Type ☃ was kept as one character, which no
    response header can carry (a real server fails every GET of the document: http.server and gunicorn encode
    headers as Latin-1). It now arrives as the UTF-8 bytes a client sending it as a header would send."""
    from urllib.parse import urlencode

    params = {"activityId": "http://example.org/act/one", "agent": AGENT, "stateId": "snow"}
    form = {"Authorization": xapi.headers()["Authorization"], "X-Experience-API-Version": "1.0.3",
            "Content-Type": "text/plain; note=☃", "content": "hello", **params}
    response = xapi.client.post("/xapi/activities/state?method=PUT", data=urlencode(form),
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 204
    got = xapi.get("/xapi/activities/state", params=params)
    assert got.status_code == 200 and got.data == b"hello"
    got.headers["Content-Type"].encode("latin-1")  # what a server must be able to send
    assert got.headers["Content-Type"].encode("latin-1").decode("utf-8") == "text/plain; note=☃"


# --- a line break after a value ------------------------------------------------------------------------------

ID = "e05aa883-acaf-40ad-bf54-02c8ce485fb0"


@pytest.mark.parametrize("overrides, prop", [
    ({"id": ID + "\n"}, "statement.id"),
    ({"object": {"objectType": "StatementRef", "id": ID + "\n"}}, "statement.object.id"),
    ({"verb": {"id": "http://adlnet.gov/expapi/verbs/voided"}, "object": {"objectType": "StatementRef",
                                                                          "id": ID + "\n"}}, "statement.object.id"),
    ({"context": {"registration": ID + "\n"}}, "statement.context.registration"),
    ({"context": {"statement": {"objectType": "StatementRef", "id": ID + "\n"}}}, "statement.context.statement.id"),
    ({"actor": {"mbox_sha1sum": "a" * 40 + "\n"}}, "statement.actor.mbox_sha1sum"),
    ({"actor": {"mbox": "mailto:ana@example.org\n"}}, "statement.actor.mbox"),
    ({"version": "1.0.3\n"}, "statement.version"),
    ({"result": {"duration": "PT1H\n"}}, "statement.result.duration"),
    ({"timestamp": "20261127T101500Z\n"}, "statement.timestamp"),
])
def test_a_value_followed_by_a_line_break_is_a_400(xapi, overrides, prop):
    """A regular expression's $ also matches before a final line break: "<uuid>\\n" passed as a UUID and then
    broke uuid.UUID() (a 500), and an mbox, SHA-1, version or duration with a line break was stored."""
    response = xapi.post(statement(**overrides))
    assert response.status_code == 400, response.data
    assert response.get_json()["property"] == prop


@pytest.mark.parametrize("path, params, prop", [
    ("/xapi/statements", {"statementId": ID + "\n"}, "statementId"),
    ("/xapi/statements", {"voidedStatementId": ID + "\n"}, "voidedStatementId"),
    ("/xapi/statements", {"registration": ID + "\n"}, "registration"),
    ("/xapi/activities/state", {"activityId": "http://example.org/act/one", "agent": AGENT,
                                "registration": ID + "\n"}, "registration"),
])
def test_a_uuid_parameter_followed_by_a_line_break_is_a_400(xapi, path, params, prop):
    response = xapi.get(path, params=params)
    assert response.status_code == 400, response.data
    assert response.get_json()["property"] == prop


def test_a_put_whose_statement_id_ends_in_a_line_break_is_a_400(xapi):
    response = xapi.put(statement(), ID + "\n")
    assert response.status_code == 400 and response.get_json()["property"] == "statementId"


# --- values whose checks took time growing with the square of their length -------------------------------

def test_an_mbox_of_many_dots_is_refused_at_once(xapi):
    """The mbox check tried every dot of the domain as the one before the top-level domain, reading the rest again
    each time: 60,000 dots (a body of 60 kB) held a worker for half a minute, a few megabytes for hours."""
    started = time.perf_counter()
    response = xapi.post(statement(actor={"mbox": "mailto:ana@" + "." * 60_000 + "@"}))
    assert time.perf_counter() - started < 2
    assert response.status_code == 400 and response.get_json()["property"] == "statement.actor.mbox"
    assert xapi.post(statement(actor={"mbox": "mailto:ana@example.org"})).status_code == 200


def test_a_statement_with_a_long_duration_sent_again_is_compared_at_once(xapi):
    """A statement sent again is compared with the stored one, durations to the hundredth of a second: the
    comparison read the duration's digits again from each of them, and 40,000 (a 40 kB statement) took half a
    minute, a few megabytes hours."""
    sent = statement(id=ID, result={"duration": "P" + "1" * 40_000 + "Y"})
    assert xapi.post(sent).status_code == 200
    started = time.perf_counter()
    assert xapi.post(sent).status_code == 200  # the same statement: nothing to store
    assert time.perf_counter() - started < 2
    response = xapi.post(dict(sent, result={"duration": "P" + "1" * 39_999 + "2Y"}))
    assert response.status_code == 409
