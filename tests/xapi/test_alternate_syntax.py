"""The Alternate Request Syntax (Communication 1.3): headers, parameters and body as form fields of a POST."""
import io
import json
import uuid
from urllib.parse import urlencode

from tests.fixtures.xapi import statement


def form_post(xapi, method, fields, with_auth_in_form=True, content_type="application/x-www-form-urlencoded",
              headers=None):
    headers = {**({} if with_auth_in_form else xapi.headers()), **(headers or {})}
    if with_auth_in_form:
        auth = xapi.headers()
        fields = {"Authorization": auth["Authorization"], "X-Experience-API-Version": "1.0.3", **fields}
    return xapi.client.post(f"/xapi/statements?method={method}", data=urlencode(fields),
                            content_type=content_type, headers=headers)


def test_put_get_through_forms(xapi):
    statement_id = str(uuid.uuid4())
    response = form_post(xapi, "PUT", {"statementId": statement_id, "content": json.dumps(statement())})
    assert response.status_code == 204
    found = form_post(xapi, "GET", {"statementId": statement_id})
    assert found.status_code == 200 and found.get_json()["id"] == statement_id
    listing = form_post(xapi, "GET", {"limit": "1"}, with_auth_in_form=False)
    assert set(listing.get_json()) == {"statements", "more"}


def test_a_form_another_site_posts_takes_its_credentials_from_the_form_only(xapi):
    """A browser that was once given an LRS client's key and secret (at the prompt of the LRS's 401) adds them, as
    its Authorization header, to every request to the site, a form another site's page posts included: that header
    must not let such a form write statements as that client. Content on another site that uses the syntax sends
    its credentials in the form (Communication 1.3), and clients that are no browser may still use the header."""
    statement_id = str(uuid.uuid4())
    fields = {"statementId": statement_id, "content": json.dumps(statement()), "X-Experience-API-Version": "1.0.3"}
    for marks in ({"Origin": "https://elsewhere.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"},
                  {"Sec-Fetch-Site": "same-site", "Origin": "https://other.localhost"}):
        forged = xapi.client.post("/xapi/statements?method=PUT", data=urlencode(fields),
                                  content_type="application/x-www-form-urlencoded", headers={**xapi.headers(), **marks})
        assert forged.status_code == 401, marks
    assert xapi.get(params={"statementId": statement_id}).status_code == 404
    content = {"Origin": "https://elsewhere.example", "Sec-Fetch-Site": "cross-site"}
    sent = xapi.client.post("/xapi/statements?method=PUT", content_type="application/x-www-form-urlencoded",
                            data=urlencode({**fields, "Authorization": xapi.headers()["Authorization"]}),
                            headers=content)
    assert sent.status_code == 204
    own_page = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
    for marks in ({}, own_page):  # an LMS's server (the conformance suite too), or a page of Itinera itself
        listing = form_post(xapi, "GET", {"limit": "1"}, with_auth_in_form=False, headers=marks)
        assert listing.status_code == 200 and set(listing.get_json()) == {"statements", "more"}, marks
    assert form_post(xapi, "GET", {"limit": "1"}, with_auth_in_form=False,
                     headers={"Origin": "http://localhost"}).status_code == 200

def test_refusals(xapi):
    statement_id = str(uuid.uuid4())
    body = urlencode({"statementId": statement_id, "content": json.dumps(statement())})
    other_query = xapi.client.post(f"/xapi/statements?method=PUT&statementId={statement_id}", data=body,
                                   content_type="application/x-www-form-urlencoded", headers=xapi.headers())
    assert other_query.status_code == 400
    not_post = xapi.client.put("/xapi/statements?method=PUT", data=body,
                               content_type="application/x-www-form-urlencoded", headers=xapi.headers())
    assert not_post.status_code == 400 and not_post.headers["X-Experience-API-Version"] == "1.0.3"
    not_a_form = xapi.client.post("/xapi/statements?method=PUT", data=json.dumps({"statementId": statement_id}),
                                  content_type="application/json", headers=xapi.headers())
    assert not_a_form.status_code == 400
    assert form_post(xapi, "PUT", {"statementId": statement_id}).status_code == 400  # no content
    old_version = form_post(xapi, "PUT", {"statementId": statement_id, "content": json.dumps(statement()),
                                          "X-Experience-API-Version": "0.8"})
    assert old_version.status_code == 400
    assert form_post(xapi, "TRACE", {}).status_code == 400


class Unread(io.BytesIO):
    """A request body that must not be read."""

    def read(self, *args):
        raise AssertionError("the body was read before its size was checked")

    readline = readinto = read


def test_the_content_field_in_another_case_is_refused(xapi):
    """Communication 3.2.s3.b8: a parameter matching one of the specification in all but case MUST be refused with
    400. Content or CONTENT was taken as the content field; the header fields (1.3.s3.b6) keep their headers'
    insensitivity to case."""
    for name in ("Content", "CONTENT"):
        statement_id = str(uuid.uuid4())
        response = form_post(xapi, "PUT", {"statementId": statement_id, name: json.dumps(statement())})
        assert response.status_code == 400 and response.get_json()["property"] == name
        assert xapi.get(params={"statementId": statement_id}).status_code == 404
    auth = xapi.headers()
    fields = {"authorization": auth["Authorization"], "x-experience-api-version": "1.0.3",
              "content-type": "application/json", "statementId": str(uuid.uuid4()), "content": json.dumps(statement())}
    assert form_post(xapi, "PUT", fields, with_auth_in_form=False).status_code == 204


def test_a_form_beyond_the_sites_limit_is_refused_before_it_is_read(make_app, make_lrs_client):
    from tests.fixtures.xapi import XapiClient

    app = make_app(XAPI_MAX_REQUEST_BYTES=2048)
    with app.app_context():
        lrs_client, secret = make_lrs_client()
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        too_large = xapi.client.post("/xapi/statements?method=PUT", input_stream=Unread(b"x" * 2049),
                                     content_type="application/x-www-form-urlencoded")
        assert too_large.status_code == 413 and too_large.is_json
        assert too_large.headers["X-Experience-API-Version"] == "1.0.3"
        padding = urlencode({"pad": "x" * 4000}).encode()
        chunked = xapi.client.post("/xapi/statements?method=GET", input_stream=io.BytesIO(padding),
                                   content_type="application/x-www-form-urlencoded",
                                   headers={"Transfer-Encoding": "chunked"},  # no length: read to the limit
                                   environ_overrides={"wsgi.input_terminated": True})
        assert chunked.status_code == 413
        assert form_post(xapi, "GET", {"limit": "1"}).status_code == 200  # within the limit, as before


def test_refusals_name_the_property(xapi):
    assert form_post(xapi, "TRACE", {}).get_json()["property"] == "method"
    wrong_type = form_post(xapi, "GET", {}, content_type="application/json")
    assert wrong_type.status_code == 400 and wrong_type.get_json()["property"] == "Content-Type"


def test_a_form_labelled_text_plain_or_not_labelled_is_still_a_form(xapi):
    """The Content-Type of the form is only a SHOULD (Communication 1.3.s3.b9) and the LRS MUST support the
    syntax (1.3.s3.b15): IE's XDomainRequest, which the syntax exists for, labels every body text/plain."""
    statement_id = str(uuid.uuid4())
    stored = form_post(xapi, "PUT", {"statementId": statement_id, "content": json.dumps(statement())},
                       content_type="text/plain")
    assert stored.status_code == 204
    found = form_post(xapi, "GET", {"statementId": statement_id}, content_type=None)
    assert found.status_code == 200 and found.get_json()["id"] == statement_id


def test_head_through_a_form_answers_without_a_body_and_says_so(xapi):
    """The answer to a HEAD sent as a POST travels as the answer to a POST: Content-Length must say 0, or the
    client waits for the body a GET would have had."""
    statement_id = str(uuid.uuid4())
    form_post(xapi, "PUT", {"statementId": statement_id, "content": json.dumps(statement())})
    head = form_post(xapi, "HEAD", {"statementId": statement_id})
    assert head.status_code == 200 and head.data == b"" and head.headers["Content-Length"] == "0"
    assert head.headers["X-Experience-API-Version"] == "1.0.3" and "Last-Modified" in head.headers
    missing = form_post(xapi, "HEAD", {"statementId": str(uuid.uuid4())})
    assert missing.status_code == 404 and missing.data == b"" and missing.headers["Content-Length"] == "0"


def test_content_that_is_not_utf8_is_refused_not_altered(xapi):
    """Communication 1.3.s3.b5 and 1.4: the content is a UTF-8 string; bytes that are not UTF-8 are a 400, not
    silently replaced by U+FFFD in a stored statement."""
    auth = xapi.headers()
    good = urlencode({"Authorization": auth["Authorization"], "X-Experience-API-Version": "1.0.3",
                      "statementId": str(uuid.uuid4())})
    content = json.dumps(statement(result={"response": "caf\u00e9"})).replace("\\u00e9", "%E9")
    response = xapi.client.post("/xapi/statements?method=PUT", data=f"{good}&content={content}",
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and response.get_json()["property"] == "content"
    assert xapi.get().get_json()["statements"] == []


def test_a_nul_in_a_content_type_sent_as_a_form_field_is_refused(xapi):
    """The form sets the document's Content-Type, which is kept with it: a NUL is a 400, not a database error."""
    auth = xapi.headers()
    fields = {"Authorization": auth["Authorization"], "X-Experience-API-Version": "1.0.3",
              "activityId": "http://example.org/a", "agent": json.dumps({"mbox": "mailto:ana@example.org"}),
              "stateId": "s", "Content-Type": "text/plain;x=\x00", "content": "hello"}
    response = xapi.client.post("/xapi/activities/state?method=PUT", data=urlencode(fields),
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and response.get_json()["property"] == "Content-Type"


def test_a_preflight_before_a_form_post_is_answered(xapi, client):
    """Content that adds a header of its own to an alternate-syntax post (the version, say) makes the browser ask
    first with OPTIONS and the same ?method= URL: a refusal there fails the post as a network error."""
    preflight = client.options("/xapi/statements?method=PUT", headers={
        "Origin": "https://content.example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-experience-api-version"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://content.example.org"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "X-Experience-API-Version" in preflight.headers["Access-Control-Allow-Headers"]
