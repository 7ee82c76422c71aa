"""The statements resource over HTTP: storing, immutability, voiding, every filter, paging, formats, headers."""
import itertools
import json
import string
import time
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import langcodes
import pytest

from tests.conftest import PG_URL
from tests.fixtures.xapi import VERSION, statement
from tests.queries import sqlite_plans_during

ANA = {"mbox": "mailto:ana@example.org"}
BEA = {"mbox": "mailto:bea@example.org"}
ONE, TWO = "http://example.org/activities/one", "http://example.org/activities/two"
READ, DONE = "http://adlnet.gov/expapi/verbs/experienced", "http://adlnet.gov/expapi/verbs/completed"


def ids_of(response):
    return [s["id"] for s in response.get_json()["statements"]]


def test_post_put_get_and_lrs_filled_properties(xapi):
    response = xapi.post(statement())
    assert response.status_code == 200
    [new_id] = response.get_json()
    stored = xapi.get(params={"statementId": new_id}).get_json()
    assert stored["id"] == new_id and stored["version"] == "1.0.0"
    assert stored["stored"].endswith("Z") and stored["timestamp"] == stored["stored"]
    assert stored["authority"]["name"] == "Test client" and "account" in stored["authority"]

    chosen = str(uuid.uuid4())
    assert xapi.put(statement(timestamp="2026-01-02T03:04:05.678Z"), chosen).status_code == 204
    got = xapi.get(params={"statementId": chosen}).get_json()
    assert got["timestamp"] == "2026-01-02T03:04:05.678Z"


def test_batch_is_all_or_nothing(xapi):
    good, bad = statement(), statement(result={"score": {"scaled": 2}})
    response = xapi.post([good, bad])
    assert response.status_code == 400
    assert response.get_json()["property"] == "statements[1].result.score.scaled"
    assert ids_of(xapi.get()) == []
    same = str(uuid.uuid4())
    response = xapi.post([statement(id=same), statement(id=same)])
    assert response.status_code == 400 and "same id" in response.get_json()["message"]


def test_a_large_batch_reads_back_as_it_was_sent(xapi, app):
    """A batch large enough to be written with COPY on PostgreSQL: each statement reads back as an object, in
    every format, and can be sent again, voided and projected like any other."""
    from app.xapi.services import COPY_FROM

    batch = [statement(id=str(uuid.uuid4()), actor={"mbox": f"mailto:learner{n}@example.org"},
                       object={"id": f"{ONE}/{n}"}) for n in range(COPY_FROM + 5)]
    response = xapi.post(batch)
    assert response.status_code == 200 and response.get_json() == [s["id"] for s in batch]
    for sent in (batch[0], batch[-1]):
        stored = xapi.get(params={"statementId": sent["id"]}).get_json()
        assert isinstance(stored, dict) and stored["actor"] == sent["actor"]
    for fmt in ("ids", "canonical", "exact"):
        listed = xapi.get(params={"format": fmt, "limit": 100}).get_json()["statements"]
        assert {s["id"] for s in listed} == {s["id"] for s in batch}
        assert all(isinstance(s["actor"], dict) for s in listed)
    assert xapi.post(batch).status_code == 200  # the same batch again changes nothing
    assert xapi.put(batch[3], batch[3]["id"]).status_code == 204
    voiding = statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                        object={"objectType": "StatementRef", "id": batch[1]["id"]})
    assert xapi.post(voiding).status_code == 200
    assert xapi.get(params={"voidedStatementId": batch[1]["id"]}).get_json()["id"] == batch[1]["id"]
    with app.app_context():
        from app.xapi.services import rebuild_progress

        rebuild_progress()  # reads every statement's JSON


def test_put_rules(xapi):
    assert xapi.put(statement(), "not-a-uuid").status_code == 400
    response = xapi.client.put("/xapi/statements", json=statement(), headers=xapi.headers())
    assert response.status_code == 400 and response.get_json()["property"] == "statementId"
    other = str(uuid.uuid4())
    assert xapi.put(statement(id=str(uuid.uuid4())), other).status_code == 400
    assert xapi.put([statement()], other).status_code == 400


def test_immutability_same_is_accepted_different_is_409(xapi):
    statement_id = str(uuid.uuid4())
    original = statement(id=statement_id, timestamp="2026-03-01T10:00:00Z")
    assert xapi.post(original).status_code == 200
    # the same statement again, written differently where the specification allows it: accepted
    again = dict(original, timestamp="2026-03-01T11:00:00+01:00",
                 verb={"id": READ, "display": {"es": "consultó"}})
    assert xapi.post(again).status_code == 200
    assert xapi.put(again, statement_id).status_code == 204
    changed = dict(original, object={"id": TWO})
    response = xapi.post(changed)
    assert response.status_code == 409 and response.get_json()["property"] == "statement.id"
    assert xapi.get(params={"statementId": statement_id}).get_json()["object"]["id"] == ONE


def test_a_statement_sent_without_a_timestamp_is_the_same_sent_again_with_one(xapi):
    """Data 2.3.1.b1 and s9.b1: a timestamp the LRS filled in is an assignment of its own, so the difference from
    one sent later is ignored both ways round (sent first with one, then without, was already accepted). The
    statement keeps the timestamp it was stored with; two different timestamps sent are still a 409."""
    statement_id = str(uuid.uuid4())
    assert xapi.post(statement(id=statement_id)).status_code == 200
    stored = xapi.get(params={"statementId": statement_id}).get_json()
    assert xapi.post(statement(id=statement_id, timestamp="2026-03-01T10:00:00Z")).status_code == 200
    assert xapi.put(statement(timestamp="2026-03-01T10:00:00Z"), statement_id).status_code == 204
    assert xapi.get(params={"statementId": statement_id}).get_json()["timestamp"] == stored["timestamp"]

    timed = str(uuid.uuid4())
    assert xapi.post(statement(id=timed, timestamp="2026-03-01T10:00:00Z")).status_code == 200
    assert xapi.post(statement(id=timed)).status_code == 200
    assert xapi.post(statement(id=timed, timestamp="2026-03-01T10:00:01Z")).status_code == 409


def test_voiding(xapi):
    target = xapi.post(statement()).get_json()[0]
    voiding = statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                        object={"objectType": "StatementRef", "id": target})
    voiding_id = xapi.post(voiding).get_json()[0]
    assert xapi.get(params={"statementId": target}).status_code == 404
    assert xapi.get(params={"voidedStatementId": target}).get_json()["id"] == target
    assert xapi.get(params={"voidedStatementId": voiding_id}).status_code == 404
    assert target not in ids_of(xapi.get())
    # a voiding statement cannot itself be voided
    xapi.post(statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                        object={"objectType": "StatementRef", "id": voiding_id}))
    assert xapi.get(params={"statementId": voiding_id}).status_code == 200


def test_voiding_before_the_target_arrives(xapi):
    target = str(uuid.uuid4())
    xapi.post(statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                        object={"objectType": "StatementRef", "id": target}))
    xapi.post(statement(id=target))
    assert xapi.get(params={"statementId": target}).status_code == 404
    assert xapi.get(params={"voidedStatementId": target}).status_code == 200


def test_statement_refs_match_the_filters_of_their_target(xapi):
    target = xapi.post(statement(verb={"id": DONE})).get_json()[0]
    referring = xapi.post(statement(actor=BEA, verb={"id": "http://example.org/verbs/commented"},
                                    object={"objectType": "StatementRef", "id": target})).get_json()[0]
    found = ids_of(xapi.get(params={"verb": DONE}))
    assert found == [referring, target]



@pytest.mark.skipif(bool(PG_URL), reason="SQLite's plans: PostgreSQL's planner weighs both ways with its statistics")
@pytest.mark.parametrize("params", [{"verb": DONE}, {"activity": TWO}, {"activity": ONE, "related_activities": "true"},
                                    {"agent": json.dumps(ANA)}, {"agent": json.dumps(ANA), "related_agents": "true"},
                                    {"registration": str(uuid.UUID(int=7))}])
def test_statements_referring_to_matches_are_found_from_the_references(xapi, app, params):
    """The statements a StatementRef targets are looked up by id from the few statements that hold one, never
    listed by the filter first: SQLite, left without statistics, listed the id of every statement with the verb
    (half of them for "completed") before looking for a reference to any."""
    target = xapi.post(statement(actor=ANA, verb={"id": DONE}, object={"id": TWO}, context={
        "registration": str(uuid.UUID(int=7)), "contextActivities": {"parent": [{"id": ONE}]}})).get_json()[0]
    referring = xapi.post(statement(actor=BEA, verb={"id": "http://example.org/verbs/commented"},
                                    object={"objectType": "StatementRef", "id": target})).get_json()[0]
    with app.app_context():
        response, sent = sqlite_plans_during(lambda: xapi.get(params=params))
    assert ids_of(response) == [referring, target]
    plans = [line for _sql, plan in sent for line in plan]
    about_targets = [line for line in plans if " target " in f"{line} "]
    assert about_targets and all("(id=?" in line for line in about_targets), plans


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's plans: PostgreSQL's planner weighs both ways with its statistics")
@pytest.mark.parametrize("params", [{"activity": TWO, "verb": DONE}, {"agent": json.dumps(ANA), "verb": DONE},
                                    {"activity": ONE, "related_activities": "true", "verb": DONE},
                                    {"registration": str(uuid.UUID(int=7)), "verb": DONE}])
def test_a_verb_with_another_filter_reads_the_others_statements_in_order(xapi, app, params):
    """A verb with an agent, activity or registration: the other filter's statements are read newest first and
    held to the verb, stopping at a page. SQLite looked each up in the (verb, seq) index instead, which lost the
    order, so every match (half an activity's statements for "completed") was read and sorted before the page."""
    posted = [xapi.post(statement(actor=ANA, verb={"id": verb}, object={"id": TWO}, context={
        "registration": str(uuid.UUID(int=7)), "contextActivities": {"parent": [{"id": ONE}]}})).get_json()[0]
        for verb in (READ, DONE, DONE)]
    with app.app_context():
        response, sent = sqlite_plans_during(lambda: xapi.get(params=params))
    assert ids_of(response) == posted[:0:-1]
    [plan] = [plan for sql, plan in sent if sql.startswith("SELECT xapi_statement.seq") and "ORDER BY" in sql
              and "referring" not in sql and "ref_chain" not in sql]  # the statements matching the filters
    assert not any("TEMP B-TREE" in line or "verb" in line for line in plan), plan


@pytest.fixture
def corpus(xapi):
    """Six statements with known differences, posted one by one (oldest first)."""
    registration = str(uuid.uuid4())
    made = {
        "ana_reads_one": statement(actor=ANA, verb={"id": READ}, object={"id": ONE}),
        "bea_reads_two": statement(actor=BEA, verb={"id": READ}, object={"id": TWO},
                                   context={"registration": registration}),
        "ana_completes_two": statement(actor=ANA, verb={"id": DONE}, object={"id": TWO},
                                       context={"registration": registration,
                                                "contextActivities": {"parent": {"id": ONE}}}),
        "bea_taught_by_ana": statement(actor=BEA, verb={"id": READ}, object={"id": TWO},
                                       context={"instructor": ANA}),
        "group_with_ana": statement(actor={"objectType": "Group", "member": [ANA, BEA]}, verb={"id": DONE},
                                    object={"id": "http://example.org/activities/three"}),
        "bea_about_ana": statement(actor=BEA, verb={"id": "http://example.org/verbs/mentored"},
                                   object={"objectType": "Agent", **ANA}),
    }
    ids = {}
    for name, data in made.items():
        ids[name] = xapi.post(data).get_json()[0]
    return ids, registration


def q(xapi, **params):
    for key in ("agent",):
        if key in params:
            params[key] = json.dumps(params[key])
    response = xapi.get(params=params)
    assert response.status_code == 200, response.get_json()
    return ids_of(response)


def test_each_filter(xapi, corpus):
    ids, registration = corpus
    order = list(ids.values())[::-1]  # newest first by default

    def names(found):
        return [name for name, value in ids.items() if value in found]

    assert q(xapi) == order
    assert set(names(q(xapi, agent=ANA))) == {"ana_reads_one", "ana_completes_two", "group_with_ana",
                                              "bea_about_ana"}
    assert set(names(q(xapi, agent=ANA, related_agents="true"))) == {
        "ana_reads_one", "ana_completes_two", "group_with_ana", "bea_about_ana", "bea_taught_by_ana"}
    assert set(names(q(xapi, verb=DONE))) == {"ana_completes_two", "group_with_ana"}
    assert set(names(q(xapi, activity=ONE))) == {"ana_reads_one"}
    assert set(names(q(xapi, activity=ONE, related_activities="true"))) == {"ana_reads_one", "ana_completes_two"}
    assert set(names(q(xapi, registration=registration))) == {"bea_reads_two", "ana_completes_two"}
    assert q(xapi, ascending="true") == order[::-1]
    assert q(xapi, limit=2) == order[:2]


def test_filters_combine(xapi, corpus):
    ids, registration = corpus
    assert q(xapi, agent=BEA, activity=TWO) == [ids["bea_taught_by_ana"], ids["bea_reads_two"]]
    assert q(xapi, agent=ANA, verb=DONE, activity=TWO) == [ids["ana_completes_two"]]
    assert q(xapi, registration=registration, verb=READ) == [ids["bea_reads_two"]]
    assert q(xapi, agent=ANA, related_agents="true", activity=TWO, verb=READ) == [ids["bea_taught_by_ana"]]


def test_since_and_until_use_the_stored_time(xapi, app):
    from app.extensions import db
    from app.xapi.models import Statement

    first = xapi.post(statement()).get_json()[0]
    second = xapi.post(statement()).get_json()[0]
    row = db.session.scalar(db.select(Statement).where(Statement.id == uuid.UUID(first)))
    row.stored = datetime(2026, 1, 1, tzinfo=timezone.utc)
    db.session.commit()
    cut = "2026-06-01T00:00:00Z"
    assert q(xapi, since=cut) == [second]
    assert q(xapi, until=cut) == [first]
    assert q(xapi, since="2025-12-31T23:00:00-02:00") == [second]  # 01:00Z on Jan 1: after the first
    assert xapi.get(params={"since": "not a date"}).status_code == 400
    for name, moment in (("since", "0001-01-01T00:00:00+14:00"), ("until", "9999-12-31T23:59:59-01:00")):
        response = xapi.get(params={name: moment})
        assert response.status_code == 400 and response.get_json()["property"] == name


def test_paging_with_more(xapi, app):
    app.config["XAPI_MAX_LIMIT"] = 3
    posted = xapi.post([statement() for _ in range(7)]).get_json()
    seen, url, pages = [], None, 0
    response = xapi.get(params={"limit": 0})
    while True:
        body = response.get_json()
        seen += [s["id"] for s in body["statements"]]
        pages += 1
        if not body["more"]:
            break
        assert body["more"].startswith("/xapi/statements?more=")
        url = body["more"]
        response = xapi.client.get(url, headers=xapi.headers())
    assert pages == 3 and sorted(seen) == sorted(posted) and len(seen) == 7
    assert xapi.get(params={"more": "tampered"}).status_code == 400


@pytest.mark.parametrize("extra", [{"colour": "blue"}, {"verb": READ}, {"limit": "1"}, {"format": "ids"}],
                         ids=["unknown", "filter", "limit", "format"])
def test_a_more_link_takes_no_other_parameter_but_attachments(xapi, app, extra):
    """Communication 3.2.s3.b7: a parameter not recognised in its context is a 400. A more link carries its whole
    query: a parameter added to it was ignored (a filter or a format silently, the page as if it were not there)."""
    app.config["XAPI_MAX_LIMIT"] = 1
    xapi.post([statement(), statement()])
    more = xapi.get().get_json()["more"]
    name = next(iter(extra))
    response = xapi.client.get(f"{more}&{urlencode(extra)}", headers=xapi.headers())
    assert response.status_code == 400 and response.get_json()["property"] == name
    assert xapi.client.get(more, headers=xapi.headers()).status_code == 200
    with_data = xapi.client.get(f"{more}&attachments=true", headers=xapi.headers())
    assert with_data.status_code == 200 and with_data.mimetype == "multipart/mixed"


def test_formats(xapi):
    data = statement(actor={"mbox": "mailto:ana@example.org", "name": "Ana"},
                     verb={"id": READ, "display": {"en-US": "read", "es": "leyó"}},
                     object={"id": ONE, "definition": {"name": {"en-US": "One", "es": "Uno"}}})
    statement_id = xapi.post(data).get_json()[0]
    exact = xapi.get(params={"statementId": statement_id}).get_json()
    assert exact["verb"]["display"] == {"en-US": "read", "es": "leyó"}
    ids = xapi.get(params={"statementId": statement_id, "format": "ids"}).get_json()
    assert ids["actor"] == {"mbox": "mailto:ana@example.org"} and ids["verb"] == {"id": READ}
    assert ids["object"] == {"id": ONE}
    canonical = xapi.get(params={"statementId": statement_id, "format": "canonical"},
                         headers={"Accept-Language": "es-CL,es;q=0.9"}).get_json()
    assert canonical["verb"]["display"] == {"es": "leyó"}
    assert canonical["object"]["definition"]["name"] == {"es": "Uno"}
    assert xapi.get(params={"format": "pretty"}).status_code == 400


def test_context_activities_come_back_as_arrays(xapi):
    statement_id = xapi.post(statement(context={"contextActivities": {"parent": {"id": ONE}}})).get_json()[0]
    stored = xapi.get(params={"statementId": statement_id}).get_json()
    assert stored["context"]["contextActivities"]["parent"] == [{"id": ONE}]


def test_single_statement_parameters_cannot_mix_with_filters(xapi):
    statement_id = xapi.post(statement()).get_json()[0]
    assert xapi.get(params={"statementId": statement_id, "verb": READ}).status_code == 400
    assert xapi.get(params={"statementId": statement_id, "voidedStatementId": statement_id}).status_code == 400
    assert xapi.get(params={"statementId": statement_id, "format": "ids"}).status_code == 200
    assert xapi.get(params={"statementId": str(uuid.uuid4())}).status_code == 404
    assert xapi.get(params={"colour": "blue"}).status_code == 400


def test_headers_on_every_response(xapi, client):
    response = xapi.get()
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    consistent = datetime.fromisoformat(response.headers["X-Experience-API-Consistent-Through"].replace("Z", "+00:00"))
    assert abs(consistent - datetime.now(timezone.utc)) < timedelta(minutes=1)
    bad = xapi.get(params={"limit": "-1"})
    assert bad.status_code == 400 and bad.headers["X-Experience-API-Version"] == "1.0.3"
    assert "X-Experience-API-Consistent-Through" in bad.headers
    missing = client.get("/xapi/nothing-here", headers=xapi.headers())
    assert missing.status_code == 404 and missing.headers["X-Experience-API-Version"] == "1.0.3"
    assert missing.get_json()["error"] == 404 and missing.get_json()["message"]  # as every refusal of the LRS
    wrong_method = client.patch("/xapi/statements", headers=xapi.headers())
    assert wrong_method.status_code == 405 and wrong_method.get_json()["error"] == 405


def test_every_kind_of_refusal_carries_the_version_header_and_says_its_status(make_app, make_lrs_client, monkeypatch):
    """X-Experience-API-Version on all responses, errors included: each status the LRS answers with, a 500 too."""
    from app.xapi.models import ClientScope
    from tests.fixtures.xapi import ACTIVITY, AGENT, XapiClient, send

    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False, RATELIMIT_ENABLED=True,
                   RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        writer, secret = make_lrs_client("Writer", max_request_bytes=1024)
        reader, reader_secret = make_lrs_client("Reader", ClientScope.READ, rate_limit="1 per minute")
        xapi, read_only = XapiClient(app.test_client(), writer.key, secret), \
            XapiClient(app.test_client(), reader.key, reader_secret)
        taken = str(uuid.uuid4())
        assert xapi.put(statement(), taken).status_code == 204
        document = {"activityId": ACTIVITY, "agent": AGENT, "stateId": "s"}
        assert send(xapi, "PUT", "/xapi/activities/state", document, {"a": 1}).status_code == 204
        answers = {
            400: xapi.get(params={"limit": "many"}),
            401: xapi.client.get("/xapi/statements", headers=VERSION),
            403: read_only.post(statement()),
            404: xapi.get(params={"statementId": str(uuid.uuid4())}),
            405: xapi.client.delete("/xapi/statements", headers=xapi.headers()),
            409: xapi.put(statement(verb={"id": DONE}), taken),
            412: send(xapi, "PUT", "/xapi/activities/state", document, {"a": 2}, headers={"If-Match": '"0000"'}),
            413: xapi.post([statement() for _ in range(20)]),
            429: read_only.get() and read_only.get(),
        }
        monkeypatch.setattr("app.xapi.queries.run", lambda *args, **kwargs: 1 / 0)
        answers[500] = xapi.get()
    for status, response in answers.items():
        assert response.status_code == status, (status, response.get_data(as_text=True))
        assert response.headers["X-Experience-API-Version"] == "1.0.3", status
        assert response.get_json()["error"] == status, status


def test_every_get_of_statements_carries_the_etag_of_its_body(xapi, client):
    """Communication 3.1.s4.b1, b2, b4: an LRS responding to a GET MUST add an ETag, the SHA-1 of the contents in
    lower-case hex, in quotes; 1.1.s3.b1: a HEAD answers with the headers of the GET. Statements (one, a page, with
    attachments) and the About resource had none, though the other resources carry it."""
    import hashlib

    statement_id = xapi.post(statement()).get_json()[0]
    answers = [xapi.get(params={"statementId": statement_id}), xapi.get(),
               xapi.get(params={"statementId": statement_id, "attachments": "true"}),
               client.get("/xapi/about")]
    for answer in answers:
        assert answer.status_code == 200
        assert answer.headers["ETag"] == '"%s"' % hashlib.sha1(answer.data).hexdigest()
    head = client.head("/xapi/statements", query_string={"statementId": statement_id}, headers=xapi.headers())
    assert head.data == b"" and head.headers["ETag"] == answers[0].headers["ETag"]


def test_a_page_with_attachments_has_the_same_etag_while_it_does_not_change(xapi, client):
    """Communication 3.1.s4.b1, 1.1.s3.b1: the ETag tells a client whether the answer changed, and a HEAD gives the
    headers of the GET. A multipart answer drew a new boundary for each request, so its ETag changed every time."""
    statement_id = xapi.post(statement()).get_json()[0]
    params = {"statementId": statement_id, "attachments": "true"}
    first, again = xapi.get(params=params), xapi.get(params=params)
    head = client.head("/xapi/statements", query_string=params, headers=xapi.headers())
    assert first.status_code == again.status_code == head.status_code == 200
    assert first.data == again.data and first.headers["ETag"] == again.headers["ETag"] == head.headers["ETag"]
    assert first.headers["Content-Type"] == head.headers["Content-Type"]
    other = xapi.get(params={"attachments": "true"})
    assert other.headers["ETag"] != first.headers["ETag"]


def test_a_405_of_the_lrs_names_the_methods_the_resource_takes(xapi, client):
    """RFC 9110 15.5.6: a 405 MUST carry an Allow header; the LRS's JSON answer replaced Werkzeug's, without it."""
    response = client.delete("/xapi/statements", headers=xapi.headers())
    assert response.status_code == 405 and response.get_json()["error"] == 405
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert {"GET", "HEAD", "PUT", "POST"} <= allowed and "DELETE" not in allowed


def test_version_header_is_required_and_checked(xapi, client):
    headers = xapi.headers()
    del headers["X-Experience-API-Version"]
    response = client.get("/xapi/statements", headers=headers)
    assert response.status_code == 400 and "X-Experience-API-Version" in response.get_json()["message"]
    for version, status in (("1.0", 200), ("1.0.0", 200), ("1.0.9", 200), ("0.95", 400), ("1.1.0", 400),
                            ("2.0.0", 400)):
        assert client.get("/xapi/statements", headers={**headers, "X-Experience-API-Version": version}) \
            .status_code == status, version
    about = client.get("/xapi/about")
    assert about.status_code == 200 and "1.0.3" in about.get_json()["version"]


def test_the_about_resource_names_every_version_the_lrs_accepts(client):
    """Communication 2.8.s5.b1.b1: for 1.0.0 of the specification "1.0.0 MUST be included"; the LRS takes every 1.0.x
    (3.3.s3.b5), and a client written for an earlier patch looks for its own in this list."""
    versions = client.get("/xapi/about").get_json()["version"]
    assert versions[0] == "1.0.3" and {"1.0.0", "1.0.1", "1.0.2"} <= set(versions)


def test_authentication(xapi, client, make_lrs_client):
    assert client.get("/xapi/statements", headers=VERSION).status_code == 401
    wrong = xapi.headers()
    wrong["Authorization"] = "Basic " + __import__("base64").b64encode(f"{xapi.key}:nope".encode()).decode()
    response = client.get("/xapi/statements", headers=wrong)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Basic")
    assert client.get("/xapi/statements", headers={**VERSION, "Authorization": "Basic !!!"}).status_code == 401

    from app.xapi.models import ClientScope
    from tests.fixtures.xapi import XapiClient

    reader, secret = make_lrs_client("Dashboard", ClientScope.READ)
    read_only = XapiClient(client, reader.key, secret)
    assert read_only.get().status_code == 200
    response = read_only.post(statement())
    assert response.status_code == 403 and response.is_json


def test_session_cookies_do_not_authenticate(client, login_as):
    login_as("admin", country=None)
    response = client.get("/xapi/statements", headers=VERSION)
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers


def test_writes_need_no_csrf_token_where_forms_need_one(make_app, make_lrs_client):
    """The suite turns CSRF off; the site has it on. xAPI clients send no CSRF token (HTTP Basic is their proof),
    so the blueprint is exempt: a PUT and a POST are stored with CSRF protection on."""
    from tests.fixtures.xapi import XapiClient

    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        writer, secret = make_lrs_client("Content")
        xapi = XapiClient(app.test_client(), writer.key, secret)
        assert xapi.post(statement()).status_code == 200
        assert xapi.put(statement(), str(uuid.uuid4())).status_code == 204
        assert app.test_client().post("/auth/login", data={"email": "a@example.org", "password": "x"}).status_code == 400


def test_bad_bodies_get_a_400_with_json(xapi, client):
    response = client.post("/xapi/statements", data="{not json", content_type="application/json",
                           headers=xapi.headers())
    assert response.status_code == 400 and response.is_json
    response = client.post("/xapi/statements", data="a=b", content_type="text/plain", headers=xapi.headers())
    assert response.status_code == 400
    assert xapi.post([]).status_code == 400
    assert xapi.post("just a string").status_code == 400


def test_related_agents_matches_the_authority(xapi, make_lrs_client):
    from app.xapi.clients import authority_of
    from app.xapi.models import LrsClient
    from tests.fixtures.xapi import XapiClient

    mine = xapi.post(statement()).get_json()[0]
    other_client, secret = make_lrs_client("Other")
    XapiClient(xapi.client, other_client.key, secret).post(statement())
    from app.extensions import db as database

    me = database.session.scalar(database.select(LrsClient).where(LrsClient.key == xapi.key))
    authority = {k: v for k, v in authority_of(me).items() if k in ("objectType", "account")}
    assert q(xapi, agent=authority, related_agents="true") == [mine]
    assert q(xapi, agent=authority) == []  # the authority is not the actor


# --- the same statement again (Data 2.3.1): normalised on both sides ---------------------------------

SUB_WITH_PARENT = {"objectType": "SubStatement", "actor": BEA, "verb": {"id": READ},
                   "object": {"id": TWO}, "context": {"contextActivities": {"parent": {"id": ONE}}}}


@pytest.mark.parametrize("overrides", [
    {"context": {"contextActivities": {"parent": {"id": ONE}, "grouping": [{"id": TWO}]}}},
    {"object": SUB_WITH_PARENT},
    {"context": {"registration": "6690E6C9-3EF0-4ED3-8B37-7F3964730BEE"}},
], ids=["single-context-activity", "substatement-single-parent", "uppercase-registration"])
def test_the_same_statement_sent_twice_is_accepted_twice(xapi, overrides):
    statement_id = str(uuid.uuid4())
    original = statement(id=statement_id, **overrides)
    assert xapi.post(original).status_code == 200
    assert xapi.post(original).status_code == 200
    assert xapi.put(original, statement_id).status_code == 204
    assert len(ids_of(xapi.get())) == 1


def test_case_without_meaning_does_not_make_another_statement(xapi):
    statement_id = str(uuid.uuid4())
    target = str(uuid.uuid4())
    original = statement(id=statement_id, actor={"mbox": "mailto:Ana@Example.ORG"},
                         object={"objectType": "StatementRef", "id": target.upper()})
    assert xapi.post(original).status_code == 200
    again = dict(original, id=statement_id.upper(), actor={"mbox": "mailto:Ana@example.org", "objectType": "Agent"},
                 object={"objectType": "StatementRef", "id": target})
    assert xapi.post(again).status_code == 200
    other_person = dict(original, actor={"mbox": "mailto:ana@example.org"})  # the local part is not case-free
    assert xapi.post(other_person).status_code == 409


# --- voiding: only the client that sent a statement -------------------------------------------------

def test_a_client_voids_only_its_own_statements(xapi, make_lrs_client, make_user):
    from app.xapi import vocabulary as v
    from app.xapi.services import record
    from tests.fixtures.xapi import XapiClient

    other_client, secret = make_lrs_client("Another tool")
    other = XapiClient(xapi.client, other_client.key, secret)
    theirs = other.post(statement()).get_json()[0]
    mine = xapi.post(statement()).get_json()[0]
    user = make_user()
    ours = str(record(user, v.COMPLETED, "http://itinera.test/activities/courses/s3").id)
    from app.extensions import db as database

    database.session.commit()

    def void(client, target):
        return client.post(statement(verb={"id": v.VOIDED}, object={"objectType": "StatementRef", "id": target}))

    refused = void(xapi, theirs)
    assert refused.status_code == 403 and refused.get_json()["property"] == "statement.object.id"
    refused = void(xapi, ours)
    assert refused.status_code == 403 and "Itinera" in refused.get_json()["message"]
    assert xapi.post([statement(), statement(verb={"id": v.VOIDED}, object={"objectType": "StatementRef",
                                                                             "id": theirs})]).status_code == 403
    assert xapi.get(params={"statementId": theirs}).status_code == 200
    assert xapi.get(params={"statementId": ours}).status_code == 200
    assert void(xapi, mine).status_code == 200
    assert xapi.get(params={"voidedStatementId": mine}).status_code == 200
    assert void(other, theirs).status_code == 200


def test_voiding_ahead_does_not_void_another_clients_statement(xapi, make_lrs_client):
    from tests.fixtures.xapi import XapiClient

    other_client, secret = make_lrs_client("Another tool")
    other = XapiClient(xapi.client, other_client.key, secret)
    future = str(uuid.uuid4())
    xapi.post(statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                        object={"objectType": "StatementRef", "id": future}))
    assert other.post(statement(id=future)).status_code == 200
    assert xapi.get(params={"statementId": future}).status_code == 200  # not voided on arrival


# --- numbers and nesting JSON allows but an LRS cannot keep ---------------------------------------

GOOD = ('{"actor":{"mbox":"mailto:a@example.org"},"verb":{"id":"http://example.org/v"},'
        '"object":{"id":"http://example.org/a"}%s}')


@pytest.mark.parametrize("extra, prop", [
    (',"result":{"score":{"raw":NaN}}', "statement.result.score.raw"),
    (',"result":{"score":{"raw":Infinity}}', "statement.result.score.raw"),
    (',"result":{"score":{"raw":-Infinity}}', "statement.result.score.raw"),
    (',"result":{"score":{"scaled":1e400}}', "statement.result.score.scaled"),
    (',"result":{"extensions":{"http://example.org/e":[1, 2e999]}}',
     "statement.result.extensions.http://example.org/e[1]"),
    (',"result":{"score":{"raw":' + "9" * 5000 + '}}', "statement.result.score.raw"),
    (',"result":{"extensions":{"http://example.org/e":' + "[" * 200 + "]" * 200 + "}}",
     "statement.result.extensions.http://example.org/e"),
    (',"result":{"extensions":{"http://example.org/e":' + "[" * 100000 + "]" * 100000 + "}}", "statements"),
], ids=["NaN", "Infinity", "-Infinity", "1e400", "inf-in-extension", "5000-digits", "200-deep", "100000-deep"])
def test_numbers_and_nesting_beyond_what_is_kept_are_a_400_naming_the_property(xapi, extra, prop):
    response = xapi.client.post("/xapi/statements", data=GOOD % extra, content_type="application/json",
                                headers=xapi.headers())
    assert response.status_code == 400 and response.is_json
    body = response.get_json()
    assert body["property"].startswith(prop) and body["property"] in body["message"]
    assert "4300" not in body["message"] and "sys.set_int_max_str_digits" not in body["message"]
    batch = xapi.client.post("/xapi/statements", data=f"[{GOOD % ''}, {GOOD % extra}]",
                             content_type="application/json", headers=xapi.headers())
    assert batch.status_code == 400 and batch.get_json()["property"].startswith("statements")
    assert ids_of(xapi.get()) == []


@pytest.mark.parametrize("agent", [
    '{"mbox":"mailto:a@example.org","name":' + "9" * 5000 + "}",
    "[" * 100000 + "]" * 100000,
    '{"mbox":"mailto:a@example.org","name":NaN}',
], ids=["5000-digits", "100000-deep", "NaN"])
def test_a_bad_agent_parameter_is_a_400(xapi, agent):
    response = xapi.get(params={"agent": agent})
    assert response.status_code == 400 and response.get_json()["property"] == "agent"


def test_a_body_sent_in_chunks_is_held_to_the_clients_limit(client, make_lrs_client):
    import io

    from tests.fixtures.xapi import XapiClient

    lrs_client, secret = make_lrs_client("Small", max_request_bytes=1024)
    xapi = XapiClient(client, lrs_client.key, secret)
    body = json.dumps([statement(result={"response": "x" * 4000})]).encode()

    def chunked(data):  # no length: the server decodes a chunked body and says so (as gunicorn does)
        response = client.post("/xapi/statements", input_stream=io.BytesIO(data), content_type="application/json",
                               headers=xapi.headers({"Transfer-Encoding": "chunked"}),
                               environ_overrides={"wsgi.input_terminated": True})
        assert response.request.content_length is None
        return response

    response = chunked(body)
    assert response.status_code == 413 and response.is_json and "1024" in response.get_json()["message"]
    assert ids_of(xapi.get()) == []
    assert chunked(json.dumps(statement()).encode()).status_code == 200


def test_every_400_names_the_property(xapi, client):
    headers = xapi.headers()
    del headers["X-Experience-API-Version"]
    assert client.get("/xapi/statements", headers=headers).get_json()["property"] == "X-Experience-API-Version"
    old = client.get("/xapi/statements", headers={**headers, "X-Experience-API-Version": "0.9"})
    assert old.get_json()["property"] == "X-Experience-API-Version"
    assert xapi.get(params={"statementId": "nope"}).get_json()["property"] == "statementId"
    assert xapi.get(params={"voidedStatementId": "nope"}).get_json()["property"] == "voidedStatementId"
    statement_id = str(uuid.uuid4())
    both = xapi.get(params={"statementId": statement_id, "voidedStatementId": statement_id})
    assert both.get_json()["property"] == "voidedStatementId"
    assert xapi.get(params={"statementId": statement_id, "limit": "1"}).get_json()["property"] == "limit"
    not_json = client.post("/xapi/statements", data="{not json", content_type="application/json",
                           headers=xapi.headers())
    assert not_json.get_json()["property"] == "statements"


# --- found in a review against the text of xAPI 1.0.3 (what the conformance suite does not check) ----

def test_statement_refs_match_the_filters_of_their_target_recursively(xapi):
    """Communication 2.1.3.s3: "This rule applies recursively": a targets b, b targets c, c matches."""
    special = "http://example.org/verbs/special"
    c = xapi.post(statement(verb={"id": special})).get_json()[0]
    b = xapi.post(statement(verb={"id": "http://example.org/verbs/b"},
                            object={"objectType": "StatementRef", "id": c})).get_json()[0]
    a = xapi.post(statement(verb={"id": "http://example.org/verbs/a"},
                            object={"objectType": "StatementRef", "id": b})).get_json()[0]
    xapi.post(statement(verb={"id": "http://example.org/verbs/unrelated"}))
    assert q(xapi, verb=special) == [a, b, c]
    assert q(xapi, verb=special, ascending="true") == [c, b, a]
    assert q(xapi, verb=special, limit=2) == [a, b]
    # a voided link in the chain does not break it; the voided statement itself is never returned
    voiding = xapi.post(statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                                  object={"objectType": "StatementRef", "id": b})).get_json()[0]
    assert q(xapi, verb=special) == [voiding, a, c]


def test_statement_refs_in_a_cycle_end(xapi):
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    xapi.post(statement(id=first, object={"objectType": "StatementRef", "id": second}))
    xapi.post(statement(id=second, object={"objectType": "StatementRef", "id": first}))
    assert q(xapi, verb=READ) == [second, first]
    assert q(xapi, verb=DONE) == []


@pytest.mark.parametrize("method, params", [
    ("POST", {"statementId": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}),
    ("POST", {"colour": "blue"}),
    ("PUT", {"statementId": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee", "colour": "blue"}),
    ("PUT", {"statementId": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee", "format": "ids"}),
], ids=["post-statementId", "post-unknown", "put-unknown", "put-get-parameter"])
def test_parameters_a_statement_write_does_not_take_are_a_400(xapi, method, params):
    """Communication 3.2.s3.b7: reject any parameter not recognised in its context."""
    response = xapi.client.open("/xapi/statements", method=method, query_string=params, json=statement(),
                                headers=xapi.headers())
    assert response.status_code == 400 and response.get_json()["property"] in params
    assert ids_of(xapi.get()) == []


@pytest.mark.parametrize("name", ["ascending", "related_agents", "related_activities", "attachments"])
@pytest.mark.parametrize("value", ["1", "0", "yes", "truth", ""])
def test_a_boolean_parameter_is_true_or_false(xapi, name, value):
    """Communication 2.1.3: Boolean parameters are true or false; 1, 0 or yes is none (their case is let go:
    a Python client sends True)."""
    broadened = {"related_agents": {"agent": json.dumps({"mbox": "mailto:ana@example.org"})},
                 "related_activities": {"activity": "http://example.org/activities/one"}}
    params = {name: value, **broadened.get(name, {})}
    response = xapi.get(params=params)
    assert response.status_code == 400 and response.get_json()["property"] == name
    for accepted in ("true", "false", "True", "FALSE"):
        assert xapi.get(params={**params, name: accepted}).status_code == 200, accepted


@pytest.mark.parametrize("path, query", [
    ("/xapi/statements", f"verb={READ}&verb={DONE}"),
    ("/xapi/statements", "limit=1&limit=2"),
    ("/xapi/activities/state", "activityId=http://example.org/a&activityId=http://example.org/b"
                               "&agent=%7B%22mbox%22%3A%22mailto%3Aana%40example.org%22%7D&stateId=s"),
], ids=["filter", "limit", "document"])
def test_a_parameter_given_twice_is_a_400(xapi, path, query):
    """Communication 3.2.s3.b7: a parameter is used once; the second was ignored, so a client asking for two verbs
    got the statements of the first as if they were all there were."""
    response = xapi.client.get(f"{path}?{query}", headers=xapi.headers())
    assert response.status_code == 400 and "more than once" in response.get_json()["message"]
    assert response.get_json()["property"] == query.split("=")[0]


def test_the_about_resource_refuses_unknown_parameters(client):
    assert client.get("/xapi/about").status_code == 200
    response = client.get("/xapi/about", query_string={"colour": "blue"})
    assert response.status_code == 400 and response.get_json()["property"] == "colour"


def test_timestamps_come_back_in_utc_keeping_their_precision(xapi):
    """Data 4.5.s1.b6: the LRS SHOULD* return timestamps in UTC (the same instant, at least milliseconds)."""
    sub = {"objectType": "SubStatement", "actor": BEA, "verb": {"id": READ}, "object": {"id": TWO},
           "timestamp": "2026-03-01T08:30:00.5-03:00"}
    statement_id = xapi.post(statement(timestamp="2026-03-01T11:00:00.123456+01:00", object=sub)).get_json()[0]
    stored = xapi.get(params={"statementId": statement_id}).get_json()
    assert stored["timestamp"] == "2026-03-01T10:00:00.123456Z"
    assert stored["object"]["timestamp"] == "2026-03-01T11:30:00.500Z"
    no_zone = xapi.post(statement(timestamp="2026-03-01T11:00:00")).get_json()[0]
    assert xapi.get(params={"statementId": no_zone}).get_json()["timestamp"] == "2026-03-01T11:00:00.000Z"


def test_durations_beyond_hundredths_do_not_make_another_statement(xapi):
    """Data 4.6.s1.b5: precision beyond 0.01 s is not part of a duration when statements are compared."""
    statement_id = str(uuid.uuid4())
    assert xapi.post(statement(id=statement_id, result={"duration": "PT1M2.3456S"})).status_code == 200
    assert xapi.post(statement(id=statement_id, result={"duration": "PT1M2.34S"})).status_code == 200
    assert xapi.post(statement(id=statement_id, result={"duration": "PT1M2.35S"})).status_code == 409
    assert xapi.post(statement(id=statement_id, result={"duration": "PT62.34S"})).status_code == 409  # a string


US_ES_BR = {"en-US": "read", "es": "leyó", "pt-BR": "leu"}
US_GB = {"en-US": "read (US)", "en-GB": "read (GB)", "es": "leyó"}


@pytest.mark.parametrize("display, accept, expected", [
    (US_ES_BR, "en-GB, es;q=0.5", "es"),  # the range en-GB does not match en-US (RFC 2616 14.4)
    (US_ES_BR, "en, es;q=0.5", "en-US"),  # a range matches the tags it is a prefix of
    (US_ES_BR, "es;q=0.5, en-US;q=0", "es"),  # q=0: not acceptable
    (US_ES_BR, "pt", "pt-BR"),
    (US_ES_BR, "PT-br", "pt-BR"),  # case does not matter
    (US_ES_BR, "fr, *;q=0.5", "en-US"),  # * matches every tag; ties go to the first in the map
    (US_GB, "en;q=0.9, en-US;q=0.1, es;q=0.5", "en-GB"),  # the longest matching range gives the quality
    (US_GB, "en-US;q=0.1, en;q=0.9", "en-GB"),
    (US_GB, "en", "en-US"),
    (US_ES_BR, "fr", "en-US"),  # nothing acceptable: still exactly one language, the first
    (US_ES_BR, "es-MX, fr", "es"),  # ...or one of the language asked for, in another variant
    (US_ES_BR, "", "en-US"),
    (US_ES_BR, "en-US;q=0", "es"),  # nothing acceptable, and the first refused outright: not that one
    (US_ES_BR, "en;q=0, es;q=0, fr", "pt-BR"),
    (US_ES_BR, "*;q=0", "en-US"),  # everything refused: still exactly one language
])
def test_canonical_format_picks_one_language_as_rfc_2616_says(xapi, display, accept, expected):
    """Communication 2.1.3.s4.b5: apply Accept-Language as RFC 2616 describes, to each language map."""
    body = json.dumps(statement(verb={"id": READ, "display": display}))  # keeps the map's order
    statement_id = xapi.client.post("/xapi/statements", data=body, content_type="application/json",
                                    headers=xapi.headers()).get_json()[0]
    canonical = xapi.get(params={"statementId": statement_id, "format": "canonical"},
                         headers={"Accept-Language": accept} if accept else None).get_json()
    assert canonical["verb"]["display"] == {expected: display[expected]}


def test_canonical_format_of_a_long_language_map_for_a_long_accept_language_is_prompt(xapi):
    """Each tag of a map was tried against each range of the header: 20,000 tags (a 300 kB statement) and 650
    ranges (8 kB of header, what servers let through) took seconds for each statement of the answer."""
    pairs = ["".join(letters) for letters in itertools.product(string.ascii_lowercase, repeat=2)]
    languages = [code for code in pairs if langcodes.tag_is_valid(code)]
    regions = [code.upper() for code in pairs if langcodes.tag_is_valid(f"en-{code.upper()}")]
    names = {f"{language}-{region}": "Uno"
             for language, region in itertools.islice(itertools.product(languages, regions), 20_000)}
    sent = statement(object={"id": "http://example.org/act/many", "definition": {"name": names}})
    assert xapi.post(sent).status_code == 200
    accept = ", ".join(f"{language}-{region};q=0.5" for language in ("yo", "zu") for region in regions)
    started = time.perf_counter()
    canonical = xapi.get(params={"format": "canonical"}, headers={"Accept-Language": accept}).get_json()
    assert time.perf_counter() - started < 2
    first = next(iter(names))  # none of them asked for: the first
    assert canonical["statements"][0]["object"]["definition"]["name"] == {first: "Uno"}


@pytest.mark.parametrize("request_args, status", [
    (("DELETE", "/xapi/statements", {}), 405),
    (("GET", "/xapi/nothing-here", {}), 404),
    (("POST", "/xapi/statements?method=PUT&statementId=6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
      {"content_type": "application/x-www-form-urlencoded", "data": "content=%7B%7D"}), 400),
], ids=["405", "404", "alternate-syntax-refusal"])
def test_browser_content_can_read_every_xapi_error(xapi, request_args, status):
    """CORS headers on every /xapi response, errors outside the routes included: otherwise content served from
    another site sees a network error instead of the LRS's answer."""
    method, path, extra = request_args
    response = xapi.client.open(path, method=method, headers=xapi.headers({"Origin": "https://content.example.org"}),
                                **extra)
    assert response.status_code == status and response.is_json
    assert response.headers["Access-Control-Allow-Origin"] == "https://content.example.org"
    assert "X-Experience-API-Version" in response.headers["Access-Control-Expose-Headers"]
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    if path.startswith("/xapi/statements"):
        assert "X-Experience-API-Consistent-Through" in response.headers


def test_no_cors_headers_without_an_origin_or_outside_xapi(xapi, client):
    assert "Access-Control-Allow-Origin" not in xapi.get().headers
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"Origin": "https://content.example.org"}) \
        .headers


def test_consistent_through_stays_before_statements_not_yet_committed(app, xapi):
    """Communication 2.1.3.s2.b5: every statement stored before X-Experience-API-Consistent-Through is
    available. A statement whose stored time is set but whose transaction has not committed (a large batch,
    a course action that records as it goes) must not be claimed; a client that then asks for
    since=<that time> must still get it."""
    import threading

    from app.extensions import db as database
    from app.xapi import vocabulary as v
    from app.xapi.services import store

    stored, release, done = threading.Event(), threading.Event(), threading.Event()
    found = {}

    def slow_writer():
        with app.app_context():
            [row] = store([statement(result={"response": "slow"})], v.authority())
            found["id"], found["stored"] = str(row.id), row.data["stored"]
            stored.set()
            release.wait(10)
            database.session.commit()
            database.session.remove()
        done.set()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    try:
        assert stored.wait(10)
        response = xapi.get()
        through = response.headers["X-Experience-API-Consistent-Through"]
        assert found["id"] not in ids_of(response)
        assert parse(through) < parse(found["stored"])
    finally:
        release.set()
        writer.join(10)
    assert done.is_set()
    assert found["id"] in q(xapi, since=through)
    later = xapi.get().headers["X-Experience-API-Consistent-Through"]
    assert parse(later) >= parse(found["stored"])


def parse(moment):
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def test_a_post_answers_consistent_through_without_asking_again_after_its_commit(app, xapi):
    """The header of a POST is read with the batch's stored time, so no query follows the commit (on
    PostgreSQL, one round trip fewer for every batch a client sends)."""
    from sqlalchemy import event

    from app.extensions import db as database

    xapi.post(statement())  # the client's credentials are known: the POST below is the LRS's usual work
    log = []
    with app.app_context():
        engine = database.engine
    record = lambda *args: log.append("query")  # noqa: E731
    committed = lambda *args: log.append("commit")  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    event.listen(engine, "commit", committed)
    try:
        response = xapi.post([statement(), statement()])
    finally:
        event.remove(engine, "before_cursor_execute", record)
        event.remove(engine, "commit", committed)
    assert response.status_code == 200
    assert "commit" in log and "query" not in log[log.index("commit"):]
    through = parse(response.headers["X-Experience-API-Consistent-Through"])
    for statement_id in response.get_json():
        stored = parse(xapi.get(params={"statementId": statement_id}).get_json()["stored"])
        assert abs(stored - through) < timedelta(seconds=5)
    again = xapi.post(statement(id=response.get_json()[0]))  # nothing stored: the header is asked for
    assert again.status_code == 200 and parse(again.headers["X-Experience-API-Consistent-Through"]) >= through


@pytest.mark.skipif(not PG_URL, reason="SQLite lets one writer in at a time: the POST would wait for the writer")
def test_a_post_answers_consistent_through_before_other_writers_not_yet_committed(app, xapi):
    import threading

    from app.extensions import db as database
    from app.xapi import vocabulary as v
    from app.xapi.services import store

    stored, release = threading.Event(), threading.Event()
    found = {}

    def slow_writer():
        with app.app_context():
            [row] = store([statement(result={"response": "slow"})], v.authority())
            found["stored"] = row.data["stored"]
            stored.set()
            release.wait(10)
            database.session.commit()
            database.session.remove()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    try:
        assert stored.wait(10)
        response = xapi.post(statement())
        assert response.status_code == 200
        assert parse(response.headers["X-Experience-API-Consistent-Through"]) < parse(found["stored"])
    finally:
        release.set()
        writer.join(10)


@pytest.mark.skipif(not PG_URL, reason="one database of its own: no other database's writers to tell apart")
def test_a_writer_in_another_database_of_the_server_does_not_hold_back_consistent_through(xapi):
    """Another database on the same server (another site, another test run) storing statements holds the same
    advisory lock, but in its own database: its open transaction holds back none of this LRS's statements. It
    held the header back to its start, for as long as it lasted."""
    import sqlalchemy as sa

    from app.config import normalise_database_url
    from app.xapi.services import STORED_LOCK

    elsewhere = sa.create_engine(normalise_database_url(PG_URL))  # the server's database, not the test's
    try:
        with elsewhere.begin() as other:
            other.execute(sa.text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": STORED_LOCK})
            started = other.scalar(sa.text("SELECT now()"))  # the start of its transaction
            other.execute(sa.text("SELECT pg_sleep(0.01)"))  # 10 ms on: the header, to the millisecond, is later
            response = xapi.get()
            assert response.status_code == 200
            assert parse(response.headers["X-Experience-API-Consistent-Through"]) > started
    finally:
        elsewhere.dispose()


@pytest.mark.skipif(not PG_URL, reason="SQLite lets one writer in at a time: two cannot describe an activity at once")
def test_two_writers_describing_the_same_new_activity_both_succeed(app):
    """Two batches from two clients name an activity the LRS does not know yet, at the same moment: neither
    may fail (a 500, or retries running out under load), and the definition keeps what both said."""
    import threading

    from app.extensions import db as database
    from app.xapi import vocabulary as v
    from app.xapi.models import ActivityDefinition
    from app.xapi.services import activity_key, store

    iri = "http://example.org/activities/new-together"
    first_stored, errors = threading.Event(), []

    def writer(definition, hold):
        try:
            with app.app_context():
                store([statement(object={"id": iri, "definition": definition})], v.authority())
                first_stored.set()
                if hold:
                    threading.Event().wait(0.5)  # the other writer arrives while this one has not committed
                database.session.commit()
                database.session.remove()
        except Exception as error:  # noqa: BLE001 - the test reports whatever the second writer met
            errors.append(error)
            first_stored.set()

    first = threading.Thread(target=writer, args=({"name": {"en": "Together"}}, True))
    first.start()
    assert first_stored.wait(10)
    second = threading.Thread(target=writer, args=({"description": {"en": "Both described it"}}, False))
    second.start()
    first.join(10)
    second.join(10)
    assert errors == []
    row = database.session.get(ActivityDefinition, activity_key(iri))
    assert row.definition == {"name": {"en": "Together"}, "description": {"en": "Both described it"}}


@pytest.mark.parametrize("timestamp", ["2026-03-01T11:00:00+01:60", "2026-03-01T11:00:00.5+00:99",
                                       "2026-03-01T11:00-01:60"])
def test_an_offset_with_sixty_minutes_or_more_is_refused_however_it_is_written(xapi, timestamp):
    """"+01:60" is no time-zone offset (ISO 8601 minutes run 00 to 59): refused, never read as +02:00."""
    response = xapi.post(statement(timestamp=timestamp))
    assert response.status_code == 400
    assert response.get_json()["property"] == "statement.timestamp"
    assert ids_of(xapi.get()) == []


# --- the edges of since, until, limit and paging ------------------------------------------------------

def test_since_leaves_out_and_until_keeps_a_statement_stored_at_that_very_moment(xapi, app):
    """since is "stored after", until "stored at or before" (Communication 2.1.3)."""
    from app.extensions import db
    from app.xapi.models import Statement

    at_cut, after = xapi.post(statement()).get_json()[0], xapi.post(statement()).get_json()[0]
    cut = datetime(2026, 6, 1, tzinfo=timezone.utc)
    for statement_id, moment in ((at_cut, cut), (after, cut + timedelta(microseconds=1000))):
        db.session.scalar(db.select(Statement).where(Statement.id == uuid.UUID(statement_id))).stored = moment
    db.session.commit()
    assert q(xapi, since="2026-06-01T00:00:00Z") == [after]
    assert q(xapi, until="2026-06-01T00:00:00Z") == [at_cut]


@pytest.mark.parametrize("narrow", [1000, 1])
def test_since_and_until_read_only_the_statements_of_their_time_range(xapi, app, monkeypatch, narrow):
    """Statements are read in seq order, and SQLite, unable to tell a narrow time range from a wide one, read the
    whole table for since or until alone: every statement before the range when the reading starts there (since,
    oldest first; until, newest first), and every one when the range holds less than a page. Now it reads them
    from seq bounds found in the stored index (all the range's seqs when it holds up to NARROW statements), which
    must give the same statements when stored times are not in seq order (two transactions storing at once)."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.xapi import queries
    from app.xapi.models import Statement

    monkeypatch.setattr(queries, "NARROW", narrow)
    posted = [xapi.post(statement()).get_json()[0] for _ in range(8)]
    base = datetime(2026, 6, 1, tzinfo=timezone.utc)
    minutes = [0, 1, 6, 3, 4, 5, 2, 7]  # the third stored after the sixth, the seventh before the fourth
    for statement_id, minute in zip(posted, minutes):
        db.session.scalar(db.select(Statement).where(Statement.id == uuid.UUID(statement_id))).stored = \
            base + timedelta(minutes=minute)
    db.session.commit()
    sent = []
    with app.app_context():
        engine = db.engine
    listener = lambda conn, cursor, sql, parameters, context, many: sent.append((sql, parameters))  # noqa: E731
    for name, minute in [("since", 2), ("since", 5), ("until", 2), ("until", 5)]:
        cut = (base + timedelta(minutes=minute)).isoformat().replace("+00:00", "Z")
        kept = [i for i, m in zip(posted, minutes) if (m > minute if name == "since" else m <= minute)]
        for ascending in (True, False):
            sent.clear()
            sa.event.listen(engine, "before_cursor_execute", listener)
            try:
                found = q(xapi, **{name: cut, "ascending": str(ascending).lower()})
            finally:
                sa.event.remove(engine, "before_cursor_execute", listener)
            assert found == (kept if ascending else kept[::-1]), (name, minute, ascending)
            if engine.dialect.name != "sqlite" or (narrow == 1 and ascending == (name == "until")):
                continue  # (a wide range read from where it starts: the first page's statements come first)
            with engine.connect() as connection:
                plans = [row[3] for sql, parameters in sent if "FROM xapi_statement" in sql
                         for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters)]
            assert all("USING" in line and not line.startswith("SCAN") for line in plans), (name, ascending, plans)


@pytest.mark.parametrize("limit", ["\u0663", "+2", " 2", "2 ", "1_0", "2.0", "\uff12"])
def test_limit_is_written_in_ascii_digits(xapi, limit):
    """limit is a Nonnegative Integer (Communication 2.1.3.s1.table1.row11) in JSON's digits: another script's
    digits, a sign, spaces or Python's underscores are a 400 (Communication 3.2.s3), not read as a number."""
    xapi.post([statement() for _ in range(3)])
    response = xapi.get(params={"limit": limit})
    assert response.status_code == 400 and response.get_json()["property"] == "limit"
    assert len(xapi.get(params={"limit": "02"}).get_json()["statements"]) == 2
    assert len(xapi.get(params={"limit": "9" * 5000}).get_json()["statements"]) == 3  # more than int() reads


def test_a_limit_written_with_leading_zeros_is_the_number_they_lead(xapi):
    """A limit of 2 written with many zeros before it is still 2, not the LRS's maximum (the length decided)."""
    xapi.post([statement() for _ in range(3)])
    assert len(xapi.get(params={"limit": "0" * 30 + "2"}).get_json()["statements"]) == 2


def test_paging_in_ascending_order_gives_each_statement_once_oldest_first(xapi, app):
    app.config["XAPI_MAX_LIMIT"] = 3
    posted = [xapi.post(statement()).get_json()[0] for _ in range(7)]
    seen, response = [], xapi.get(params={"ascending": "true"})
    while True:
        body = response.get_json()
        seen += [s["id"] for s in body["statements"]]
        if not body["more"]:
            break
        response = xapi.client.get(body["more"], headers=xapi.headers())
    assert seen == posted


def test_more_is_empty_when_the_page_holds_the_last_statement_and_a_limit_is_capped(xapi, app):
    app.config["XAPI_MAX_LIMIT"] = 3
    xapi.post([statement() for _ in range(3)])
    body = xapi.get(params={"limit": 3}).get_json()
    assert len(body["statements"]) == 3 and body["more"] == ""
    xapi.post(statement())
    body = xapi.get(params={"limit": 10}).get_json()  # more than the LRS gives at once: its limit
    assert len(body["statements"]) == 3 and body["more"].startswith("/xapi/statements?more=")


def test_related_agents_matches_itineras_own_authority(xapi, make_user):
    """What Itinera records itself has Itinera as its authority (no client)."""
    from app.extensions import db
    from app.xapi import vocabulary as v
    from app.xapi.services import record

    recorded = record(make_user(), v.EXPERIENCED, "http://example.org/activities/read")
    db.session.commit()
    sent = xapi.post(statement()).get_json()[0]
    found = q(xapi, agent=v.authority(), related_agents="true")
    assert str(recorded.id) in found and sent not in found


@pytest.mark.skipif(not PG_URL, reason="SQLite lets one writer in at a time: the other batch waits for this one")
def test_a_statement_and_its_voiding_sent_at_once_leave_it_voided(xapi, send_at_once):
    """A client voids a statement as it sends it (two requests at the same moment, from two of its processes):
    each looked for the other before either had committed, so the statement was stored standing though its
    voiding was stored too. Sent one after the other, in either order, it ends voided; so it must here."""
    target = str(uuid.uuid4())
    voiding = statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                        object={"objectType": "StatementRef", "id": target})
    headers = xapi.headers({"Content-Type": "application/json"})
    responses = send_at_once([(None, "POST", "/xapi/statements", json.dumps(voiding), headers),
                              (None, "PUT", f"/xapi/statements?statementId={target}",
                               json.dumps(statement(id=target)), headers)],
                             meet=lambda sql: sql.lstrip().startswith("SELECT") and "FROM xapi_statement " in sql)
    assert [getattr(r, "status_code", r) for r in responses] == [200, 204], responses
    assert xapi.get(params={"statementId": target}).status_code == 404
    assert xapi.get(params={"voidedStatementId": target}).json["id"] == target


@pytest.mark.skipif(not PG_URL, reason="COPY (from 20 statements) is PostgreSQL's")
def test_the_same_batch_of_twenty_sent_twice_at_once_is_accepted_twice(app, make_lrs_client, monkeypatch):
    """A client resends a batch whose first POST has not been answered yet (a timeout, a retry): the second
    waits on the unique index, and once the first commits COPY raises psycopg's UniqueViolation, which was no
    SQLAlchemy IntegrityError, so the retry never saw it: a 500 instead of a 200."""
    import threading

    from app.xapi import views
    from tests.fixtures.xapi import XapiClient

    lrs_client, secret = make_lrs_client()
    key = lrs_client.key
    batch = [statement(id=str(uuid.uuid4()), object={"id": f"http://example.org/twice/{i}"}) for i in range(20)]
    first_stored, release = threading.Event(), threading.Event()
    real = views.consistent_through_at_store

    def held():  # the first request, once its rows are written, waits before it commits
        if not first_stored.is_set():
            first_stored.set()
            release.wait(10)
        return real()

    monkeypatch.setattr(views, "consistent_through_at_store", held)
    codes = []

    def post():
        with app.app_context():
            codes.append(XapiClient(app.test_client(), key, secret).post(batch).status_code)

    first = threading.Thread(target=post)
    first.start()
    assert first_stored.wait(10)
    second = threading.Thread(target=post)
    second.start()
    threading.Event().wait(0.5)  # the second waits on the first's uncommitted ids
    release.set()
    first.join(20)
    second.join(20)
    assert codes == [200, 200]
