"""What ADL's conformance suite does not check and a review found: sizes this LRS stores, the order of stored
times, attachments across more links and in responses, integers beyond 64 bits, definitions sent again, and
documents a browser must never run."""
import hashlib
import json
import time
import uuid

import pytest
import sqlalchemy as sa

from app.db import utcnow
from tests.fixtures.services import RefusedBy
from tests.fixtures.xapi import ACTIVITY, AGENT, attachment_for, multipart, post_multipart, send, statement

LONG = "http://example.org/" + "é" * 1100  # 2,219 bytes in UTF-8: longer than the 2,048 this LRS stores


# --- sizes: a clear 400 naming the property, never a database error -------------------------------------

@pytest.mark.parametrize("where, overrides", [
    ("statement.verb.id", {"verb": {"id": LONG}}),
    ("statement.object.id", {"object": {"id": LONG, "definition": {"name": {"en": "x"}}}}),
    ("statement.context.contextActivities.parent[0].id", {"context": {"contextActivities": {"parent": [{"id": LONG}]}}}),
])
def test_an_iri_longer_than_this_lrs_stores_is_a_400_naming_it(xapi, where, overrides):
    response = xapi.post(statement(**overrides))
    assert response.status_code == 400
    assert response.get_json()["property"] == where and "2048 bytes" in response.get_json()["message"]
    just_fits = "http://example.org/" + "a" * (2048 - len("http://example.org/"))
    assert xapi.post(statement(verb={"id": just_fits}, object={"id": just_fits})).status_code == 200


def test_a_statement_of_an_itinera_user_with_a_long_activity_iri_is_stored(xapi, make_user):
    """The progress projection keeps the activity's IRI: the longest accepted fits."""
    user = make_user(email="rosa@example.org")
    iri = "http://example.org/" + "ñ" * 1000  # 2,019 bytes, 1,019 characters
    response = xapi.post(statement(actor={"mbox": "mailto:rosa@example.org"}, object={"id": iri},
                                   verb={"id": "http://adlnet.gov/expapi/verbs/completed"}))
    assert response.status_code == 200
    from app.xapi.services import progress_of
    assert progress_of(user, [iri])[iri].is_completed


@pytest.mark.parametrize("params, prop", [
    ({"activityId": LONG, "agent": AGENT, "stateId": "s"}, "activityId"),
    ({"activityId": ACTIVITY, "agent": AGENT, "stateId": "s" * 2049}, "stateId"),
])
def test_document_ids_longer_than_this_lrs_stores_are_a_400(xapi, params, prop):
    response = send(xapi, "PUT", "/xapi/activities/state", params, {"a": 1})
    assert response.status_code == 400 and response.get_json()["property"] == prop


def test_a_document_content_type_must_be_a_media_type_of_a_sensible_length(xapi):
    params = {"activityId": ACTIVITY, "agent": AGENT, "stateId": "s"}
    long_type = "text/plain; x=" + "y" * 250
    response = send(xapi, "PUT", "/xapi/activities/state", params, "hello", content_type=long_type)
    assert response.status_code == 400 and response.get_json()["property"] == "Content-Type"
    assert send(xapi, "PUT", "/xapi/activities/state", params, "hello",
                content_type="text/plain; charset=utf-8").status_code == 204


def test_an_attachment_content_type_with_a_line_break_is_refused(xapi):
    content = b"x"
    data = statement(attachments=[attachment_for(content, content_type="text/plain\n")])
    response = post_multipart(xapi, multipart([data], [(content, hashlib.sha256(content).hexdigest(), "text/plain")]))
    assert response.status_code == 400
    assert response.get_json()["property"] == "statement.attachments[0].contentType"


# --- attachments in responses ------------------------------------------------------------------------------

def test_each_part_of_a_response_carries_its_attachments_content_type(xapi):
    """Communication 1.5.2: the part's Content-Type and the attachment's contentType match, in statement
    results too, whatever the sender labelled the part."""
    content = b"%PDF-1.4 not really"
    sha2 = hashlib.sha256(content).hexdigest()
    data = statement(attachments=[attachment_for(content, content_type="application/pdf")])
    assert post_multipart(xapi, multipart([data], [(content, sha2, "image/png")])).status_code == 200
    body = xapi.get(params={"attachments": "true"}).data
    part = body[body.index(f"X-Experience-API-Hash: {sha2}".encode()) - 200:body.index(content)]
    assert b"Content-Type: application/pdf\r\n" in part and b"image/png" not in part


def test_more_links_keep_the_attachments(xapi):
    contents = [b"first file", b"second file"]
    for content in contents:
        data = statement(object={"id": ACTIVITY}, attachments=[attachment_for(content)])
        post_multipart(xapi, multipart([data], [(content, hashlib.sha256(content).hexdigest(), "text/plain")]))
    first = xapi.get(params={"activity": ACTIVITY, "attachments": "true", "limit": "1"})
    assert first.headers["Content-Type"].startswith("multipart/mixed")
    more = json.loads(first.data.split(b"\r\n\r\n", 1)[1].split(b"\r\n--", 1)[0])["more"]
    second = xapi.client.get(more, headers=xapi.headers())
    assert second.headers["Content-Type"].startswith("multipart/mixed") and contents[0] in second.data


# --- the order of stored times -----------------------------------------------------------------------------

def test_the_stored_time_is_taken_once_a_batch_is_checked(xapi, monkeypatch):
    """Paging follows the order rows are stored in: the stored time is taken when the rows are numbered, not
    before a long batch is validated, or a statement stored meanwhile would come first with a later time."""
    from app.xapi import services

    checked = []
    original = services.validate_statement

    def validate(data, *args):
        result = original(data, *args)
        time.sleep(0.003)  # a long batch: its validation takes time
        checked.append(utcnow())
        return result

    monkeypatch.setattr(services, "validate_statement", validate)
    ids = xapi.post([statement(), statement(timestamp="2026-01-01T00:00:00Z")]).get_json()
    first = xapi.get(params={"statementId": ids[0]}).get_json()
    stored = services.parse_timestamp(first["stored"])
    assert stored >= max(checked).replace(microsecond=max(checked).microsecond // 1000 * 1000)
    assert first["timestamp"] == first["stored"]  # sent without a timestamp: the stored time
    assert xapi.get(params={"statementId": ids[1]}).get_json()["timestamp"].startswith("2026-01-01T00:00:00")


# --- numbers -----------------------------------------------------------------------------------------------

def test_integers_beyond_64_bits_are_kept_digit_for_digit(xapi):
    big = 12345678901234567890123
    statement_id = str(uuid.uuid4())
    extensions = {"http://example.org/ext/count": big}
    data = statement(id=statement_id, result={"extensions": extensions})
    assert xapi.post(data).status_code == 200
    text = xapi.get(params={"statementId": statement_id}).data.decode()
    assert "12345678901234567890123" in text and "e+22" not in text
    again = statement(id=statement_id, result={"extensions": {"http://example.org/ext/count": big + 1}})
    assert xapi.post(again).status_code == 409  # a different number, a different statement
    params = {"activityId": ACTIVITY, "agent": AGENT, "stateId": "n"}
    send(xapi, "POST", "/xapi/activities/state", params, '{"big": 98765432109876543210987}')
    send(xapi, "POST", "/xapi/activities/state", params, {"other": 1})
    assert b"98765432109876543210987" in send(xapi, "GET", "/xapi/activities/state", params).data


# --- definitions sent again ---------------------------------------------------------------------------------

def test_a_definition_sent_again_after_another_updates_the_stored_one(xapi):
    """Data 2.4.4.1.s4.b3: the LRS updates the stored definition when it receives a different one; sending
    back an earlier definition is such a change."""
    one = {"name": {"en-US": "One"}}
    two = {"name": {"en-US": "Two"}}

    def name():
        return send(xapi, "GET", "/xapi/activities", {"activityId": ACTIVITY}).get_json()["definition"]["name"]

    for definition, expected in ((one, "One"), (two, "Two"), (one, "One"), (one, "One")):
        assert xapi.post(statement(object={"id": ACTIVITY, "definition": definition})).status_code == 200
        assert name() == {"en-US": expected}


def test_a_name_sent_again_under_its_language_tag_in_other_case_replaces_the_stored_one(xapi):
    """Language tags have no case (RFC 5646 2.1.1): en-us is the language of en-US, so the newer name replaces the
    older in the canonical definition, which format=canonical then gives, rather than standing beside it."""
    sent = [{"name": {"en-US": "Old", "es": "Viejo"}}, {"name": {"en-us": "New"}}]
    for definition in sent:
        assert xapi.post(statement(object={"id": ACTIVITY, "definition": definition})).status_code == 200
    canonical = send(xapi, "GET", "/xapi/activities", {"activityId": ACTIVITY}).get_json()["definition"]
    assert canonical["name"] == {"en-us": "New", "es": "Viejo"}
    first = xapi.get(params={"activity": ACTIVITY, "ascending": "true", "format": "canonical"},
                     headers={"Accept-Language": "en-US"}).get_json()["statements"][0]
    assert first["object"]["definition"]["name"] == {"en-us": "New"}


def test_a_definition_changed_by_another_process_is_merged_again(xapi, app, monkeypatch):
    """What this process merged last is skipped, once its memory is older than the recheck time, only while
    nobody has changed the row since."""
    from app.extensions import db
    from app.xapi import documents
    from app.xapi.models import ActivityDefinition
    from app.xapi.services import activity_key

    monkeypatch.setattr(documents, "DEFINITION_RECHECK_SECONDS", 0)  # the recheck time has passed
    one = {"name": {"en-US": "One"}}
    xapi.post(statement(object={"id": ACTIVITY, "definition": one}))
    row = db.session.get(ActivityDefinition, activity_key(ACTIVITY))
    row.definition, row.updated = {"name": {"en-US": "Changed elsewhere"}}, utcnow()  # another worker's merge
    db.session.commit()
    xapi.post(statement(object={"id": ACTIVITY, "definition": one}))
    assert send(xapi, "GET", "/xapi/activities", {"activityId": ACTIVITY}).get_json()["definition"] == one


# --- documents are data, never pages -------------------------------------------------------------------------

def test_a_stored_html_document_never_runs_as_a_page_of_the_site(xapi):
    """A client may store text/html; brought to it by a form posting the alternate request syntax, a browser
    must not run it as Itinera's page (it would act as whoever is signed in)."""
    params = {"activityId": ACTIVITY, "agent": AGENT, "stateId": "page"}
    html = "<script>fetch('/admin/users')</script>"
    assert send(xapi, "PUT", "/xapi/activities/state", params, html, content_type="text/html").status_code == 204
    auth = xapi.headers()
    form = {"Authorization": auth["Authorization"], "X-Experience-API-Version": "1.0.3", **params}
    response = xapi.client.post("/xapi/activities/state?method=GET", data=form)
    assert response.status_code == 200 and response.data == html.encode()
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == "attachment"
    listing = send(xapi, "GET", "/xapi/activities/state", {"activityId": ACTIVITY, "agent": AGENT})
    assert listing.headers["ETag"] and "sandbox" in listing.headers["Content-Security-Policy"]


# --- the case of an e-mail domain carries no meaning (Data 2.3.1) ---------------------------------------------

def test_an_agent_is_found_whatever_the_case_of_its_email_domain(xapi):
    sent = xapi.post(statement(actor={"mbox": "mailto:CaseX@Example.COM"})).get_json()[0]
    sha1 = "A9993E364706816ABA3E25717850C26C9CD0D89D"
    by_hash = xapi.post(statement(actor={"mbox_sha1sum": sha1})).get_json()[0]
    for agent, wanted in (({"mbox": "mailto:CaseX@example.com"}, sent), ({"mbox": "mailto:CaseX@EXAMPLE.com"}, sent),
                          ({"mbox_sha1sum": sha1.lower()}, by_hash)):
        found = xapi.get(params={"agent": json.dumps(agent)}).get_json()["statements"]
        assert [s["id"] for s in found] == [wanted], agent
    assert xapi.get(params={"agent": json.dumps({"mbox": "mailto:casex@example.com"})}).get_json()["statements"] \
        == []  # the part before the @ keeps its case
    params = {"activityId": ACTIVITY, "agent": json.dumps({"mbox": "mailto:CaseX@Example.COM"}), "stateId": "s"}
    send(xapi, "PUT", "/xapi/activities/state", params, {"a": 1})
    params["agent"] = json.dumps({"mbox": "mailto:CaseX@example.com"})
    assert send(xapi, "GET", "/xapi/activities/state", params).get_json() == {"a": 1}


def test_documents_stored_under_the_spelling_as_written_are_found_again(xapi):
    """Before 2026-12-05 a document was keyed by the agent as written; that spelling finds it, and from then on
    every spelling does."""
    from app.extensions import db
    from app.xapi import documents
    from app.xapi.models import DocumentKind

    written = {"mbox": "mailto:Rosa@Example.ORG"}
    old_scope = documents.scope(DocumentKind.AGENT_PROFILE, None, written, None, as_written=True)
    documents.put(DocumentKind.AGENT_PROFILE, old_scope, "prefs", b'{"lang": "es"}', "application/json",
                  agent=written)
    db.session.commit()
    get = {"agent": json.dumps({"mbox": "mailto:Rosa@example.org"}), "profileId": "prefs"}
    assert send(xapi, "GET", "/xapi/agents/profile", get).status_code == 404  # not yet: only as written
    asked = {"agent": json.dumps(written), "profileId": "prefs"}
    assert send(xapi, "GET", "/xapi/agents/profile", asked).get_json() == {"lang": "es"}
    assert send(xapi, "GET", "/xapi/agents/profile", get).get_json() == {"lang": "es"}  # every spelling now


def test_state_stored_as_written_under_a_registration_is_covered_by_a_list_or_delete_without_one(xapi):
    """A list or delete of State without registration covers every registration (Communication 2.3), those
    documents kept under the agent as written before 2026-12-05 too: the spelling that finds one of them finds
    it in the list, and a delete with that spelling removes it (it came back, adopted, at the next GET with its
    registration)."""
    from app.extensions import db
    from app.xapi import documents
    from app.xapi.models import DocumentKind
    from app.xapi.services import agent_key

    written, registration = {"mbox": "mailto:Rosa@Example.ORG"}, str(uuid.uuid4())
    for where, state_id in ((None, "notes"), (registration, "bookmark")):
        old_scope = documents.scope(DocumentKind.STATE, ACTIVITY, written, where, as_written=True)
        stored = documents.put(DocumentKind.STATE, old_scope, state_id, b'{"a": 1}', "application/json",
                               activity_id=ACTIVITY, agent=written, registration=where)
        stored.agent_key = agent_key(written, as_written=True)  # as the documents of then were keyed
    db.session.commit()
    context = {"activityId": ACTIVITY, "agent": json.dumps(written)}
    assert sorted(send(xapi, "GET", "/xapi/activities/state", context).get_json()) == ["bookmark", "notes"]
    assert send(xapi, "DELETE", "/xapi/activities/state", context).status_code == 204
    one = {**context, "registration": registration, "stateId": "bookmark"}
    assert send(xapi, "GET", "/xapi/activities/state", one).status_code == 404
    assert send(xapi, "GET", "/xapi/activities/state", context).get_json() == []


def test_negative_integers_beyond_64_bits_are_kept_too(xapi):
    statement_id = str(uuid.uuid4())
    small = -9999999999999999999  # 19 digits, below -2**63
    assert xapi.post(statement(id=statement_id, result={"extensions": {"http://example.org/n": small}})).status_code \
        == 200
    assert b"-9999999999999999999" in xapi.get(params={"statementId": statement_id}).data
    again = statement(id=statement_id, result={"extensions": {"http://example.org/n": small + 1}})
    assert xapi.post(again).status_code == 409


def test_a_content_type_stored_before_the_strict_check_never_breaks_a_multipart_answer(xapi):
    """A statement stored when a line break could sit in contentType: the part gets the type it arrived with."""
    from app.extensions import db
    from app.xapi.models import Statement

    content = b"certificate"
    sha2 = hashlib.sha256(content).hexdigest()
    data = statement(attachments=[attachment_for(content)])
    [statement_id] = post_multipart(xapi, multipart([data], [(content, sha2, "text/plain")])).get_json()
    row = db.session.scalar(sa.select(Statement).where(Statement.id == uuid.UUID(statement_id)))
    row.data = {**row.data, "attachments": [{**row.data["attachments"][0], "contentType": "text/plain\r\n\r\n;x"}]}
    db.session.commit()
    body = xapi.get(params={"statementId": statement_id, "attachments": "true"}).data
    assert b"\r\n\r\n;x" not in body
    assert f"Content-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {sha2}".encode() \
        in body


def test_a_refusal_of_the_alternate_syntax_carries_the_lrs_security_headers(xapi):
    response = xapi.client.post("/xapi/activities/state?method=BAD", data="a=1",
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"



def test_every_answer_of_the_lrs_sends_no_referrer(xapi, client):
    """As every page of the site says which address it gives away (Referrer-Policy), so does every answer of the
    LRS: a stored HTML document opened in a browser, its links followed, names nothing of the LRS's addresses."""
    params = {"activityId": ACTIVITY, "agent": AGENT, "stateId": "links"}
    assert send(xapi, "PUT", "/xapi/activities/state", params, '<a href="https://elsewhere.example/">x</a>',
                content_type="text/html").status_code == 204
    answers = {"document": send(xapi, "GET", "/xapi/activities/state", params), "about": client.get("/xapi/about"),
               "no credentials": client.get("/xapi/statements"),
               "refused form": client.post("/xapi/activities/state?method=BAD", data="a=1",
                                           content_type="application/x-www-form-urlencoded")}
    for name, response in answers.items():
        assert response.headers.get("Referrer-Policy") == "no-referrer", name

# --- errors in the format the client asks for (Communication 3.2.s3.b3, b4) ------------------------------------

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/json, text/plain, */*",
                                    "application/xml",
                                    # a charset does not make JSON another type (Spring's APPLICATION_JSON_UTF8)
                                    "application/json;charset=UTF-8, text/plain, */*",
                                    "text/html;q=0.9, application/json; charset=utf-8"])
def test_an_error_is_json_unless_the_client_prefers_text(xapi, accept):
    response = xapi.get(params={"limit": "x"}, headers={"Accept": accept} if accept else None)
    assert response.status_code == 400 and response.mimetype == "application/json"
    assert response.get_json()["property"] == "limit"


def test_an_error_is_plain_text_or_html_when_the_client_prefers_it(xapi):
    text = xapi.get(params={"<b>": "1"}, headers={"Accept": "text/plain"})
    assert text.status_code == 400 and text.mimetype == "text/plain" and text.mimetype_params["charset"] == "utf-8"
    assert text.get_data(as_text=True) == "400 Bad Request: unknown parameter <b> (<b>)\n"
    page = xapi.get(params={"<b>": "1"}, headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert "<title>400 Bad Request</title>" in page.get_data(as_text=True)
    assert "unknown parameter &lt;b&gt;" in page.get_data(as_text=True) and "<b>" not in page.get_data(as_text=True)
    assert "sandbox" in page.headers["Content-Security-Policy"]
    # before the credentials are known, for paths and methods no route takes, and in the alternate syntax
    refused = xapi.client.get("/xapi/statements", headers={"Accept": "text/plain"})
    assert refused.status_code == 401 and refused.data.startswith(b"401 Unauthorized: valid LRS client credentials")
    assert refused.headers["WWW-Authenticate"]
    not_allowed = xapi.client.delete("/xapi/statements", headers=xapi.headers({"Accept": "text/plain"}))
    assert not_allowed.status_code == 405 and not_allowed.mimetype == "text/plain" and not_allowed.headers["Allow"]
    alternate = xapi.client.post("/xapi/activities/state?method=BAD", data="a=1", headers={"Accept": "text/plain"},
                                 content_type="application/x-www-form-urlencoded")
    assert alternate.status_code == 400 and alternate.mimetype == "text/plain"
    assert alternate.data == b"400 Bad Request: method 'BAD' is not an xAPI method (method)\n"
    assert "sandbox" in alternate.headers["Content-Security-Policy"]


@pytest.mark.parametrize("sqlstate, tries, status", [("40P01", 2, 200), ("40001", 2, 200), ("40003", 1, 503),
                                                     ("57P03", 1, 503)])
def test_a_batch_that_lost_a_race_is_stored_at_the_second_try_and_an_outage_is_a_503(app, xapi, monkeypatch, sqlstate,
                                                                                    tries, status):
    """A deadlock or a serialization failure is tried again at once within the request; any other failure that
    passes (a statement whose outcome is unknown, the server restarting) is answered 503 with Retry-After."""
    from app.xapi import views

    calls = []

    def first_refused(*args, **kwargs):
        calls.append(sqlstate)
        if len(calls) == 1:
            raise sa.exc.OperationalError("INSERT", {}, RefusedBy(sqlstate))
        return store(*args, **kwargs)

    store = views.store
    monkeypatch.setattr(views, "store", first_refused)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production: the error handlers answer
    response = xapi.post(statement())
    assert response.status_code == status and len(calls) == tries
    assert ("Retry-After" in response.headers) == (status == 503)
