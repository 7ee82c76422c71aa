"""State, Activity Profile and Agent Profile resources; Activities and Agents resources."""
import hashlib
import json

import pytest

from app.xapi.models import ClientScope
from tests.conftest import PG_URL
from tests.fixtures.xapi import ACTIVITY, AGENT, XapiClient, send, statement

REGISTRATION = "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"


def test_state_round_trip_merge_list_and_delete(xapi):
    where = {"activityId": ACTIVITY, "agent": AGENT, "registration": REGISTRATION}
    assert send(xapi, "PUT", "/xapi/activities/state", {**where, "stateId": "progress"}, {"page": 3}).status_code == 204
    got = send(xapi, "GET", "/xapi/activities/state", {**where, "stateId": "progress"})
    assert got.get_json() == {"page": 3}
    assert got.headers["ETag"] == '"%s"' % hashlib.sha1(got.data).hexdigest()
    assert "Last-Modified" in got.headers
    # POST merges JSON objects one level deep
    send(xapi, "POST", "/xapi/activities/state", {**where, "stateId": "progress"}, {"answers": {"q1": "a"}})
    send(xapi, "POST", "/xapi/activities/state", {**where, "stateId": "progress"}, {"answers": {"q2": "b"}})
    assert send(xapi, "GET", "/xapi/activities/state", {**where, "stateId": "progress"}).get_json() == {
        "page": 3, "answers": {"q2": "b"}}
    send(xapi, "PUT", "/xapi/activities/state", {**where, "stateId": "notes"}, b"free text", "text/plain")
    notes = send(xapi, "GET", "/xapi/activities/state", {**where, "stateId": "notes"})
    assert notes.data == b"free text" and notes.headers["Content-Type"].startswith("text/plain")
    # a non-JSON document cannot be merged
    assert send(xapi, "POST", "/xapi/activities/state", {**where, "stateId": "notes"}, {"x": 1}).status_code == 400
    assert sorted(send(xapi, "GET", "/xapi/activities/state", where).get_json()) == ["notes", "progress"]
    # another registration is another scope for one document, but a list without registration covers them all
    assert send(xapi, "GET", "/xapi/activities/state", {"activityId": ACTIVITY, "agent": AGENT,
                                                        "stateId": "notes"}).status_code == 404
    assert sorted(send(xapi, "GET", "/xapi/activities/state", {"activityId": ACTIVITY, "agent": AGENT}).get_json()) \
        == ["notes", "progress"]
    assert send(xapi, "GET", "/xapi/activities/state", {**where, "since": "2099-01-01T00:00:00Z"}).get_json() == []
    # with a space for the "T", as a datetime written by Python's str() (TinCanPython's clients pass such a text)
    assert send(xapi, "GET", "/xapi/activities/state", {**where, "since": "2099-01-01 00:00:00+00:00"}).get_json() == []
    assert sorted(send(xapi, "GET", "/xapi/activities/state", {**where, "since": "2000-01-01 00:00:00.5+00:00"})
                  .get_json()) == ["notes", "progress"]
    assert send(xapi, "GET", "/xapi/activities/state", {**where, "since": "2000-01-01  00:00:00Z"}).status_code == 400
    assert send(xapi, "DELETE", "/xapi/activities/state", {**where, "stateId": "notes"}).status_code == 204
    assert send(xapi, "GET", "/xapi/activities/state", {**where, "stateId": "notes"}).status_code == 404
    assert send(xapi, "DELETE", "/xapi/activities/state", where).status_code == 204
    assert send(xapi, "GET", "/xapi/activities/state", where).get_json() == []


@pytest.mark.parametrize("path, where", [
    ("/xapi/activities/state", {"activityId": ACTIVITY, "agent": AGENT, "stateId": "answers"}),
    ("/xapi/agents/profile", {"agent": AGENT, "profileId": "answers"}),
])
def test_a_document_grows_by_merges_only_as_large_as_a_request(app, xapi, monkeypatch, path, where):
    """Each POST merged into the stored document, which grew without end, a request at a time (and each merge
    reads it whole): a merge that would make it larger than a request may be is a 413, the document unchanged."""
    monkeypatch.setitem(app.config, "XAPI_MAX_REQUEST_BYTES", 4096)
    first = {f"q{n}": "a" * 50 for n in range(40)}
    assert send(xapi, "POST", path, where, first).status_code == 204
    refused = send(xapi, "POST", path, where, {f"r{n}": "b" * 50 for n in range(40)})
    assert refused.status_code == 413 and refused.get_json()["property"] == "document"
    assert send(xapi, "GET", path, where).get_json() == first
    assert send(xapi, "POST", path, where, {"q0": "changed"}).status_code == 204  # what stays within it merges



def test_a_document_grows_by_merges_as_large_as_its_clients_requests(app, client, make_lrs_client, monkeypatch):
    """The merge was held to the site's request size, not to the client's own: a client allowed larger requests
    PUT a document it could then never POST into, and one allowed smaller ones grew documents past them."""
    from tests.fixtures.xapi import XapiClient

    monkeypatch.setitem(app.config, "XAPI_MAX_REQUEST_BYTES", 2048)
    big, secret = make_lrs_client("Big", max_request_bytes=8192)
    big = XapiClient(client, big.key, secret)
    where = {"activityId": ACTIVITY, "agent": AGENT, "stateId": "answers"}
    assert send(big, "PUT", "/xapi/activities/state", where, {"a": "x" * 3000}).status_code == 204
    assert send(big, "POST", "/xapi/activities/state", where, {"b": 1}).status_code == 204

    monkeypatch.setitem(app.config, "XAPI_MAX_REQUEST_BYTES", 8192)
    small, secret = make_lrs_client("Small", max_request_bytes=1024)
    small = XapiClient(client, small.key, secret)
    where["stateId"] = "small"
    assert send(small, "POST", "/xapi/activities/state", where, {"a": "x" * 900}).status_code == 204
    refused = send(small, "POST", "/xapi/activities/state", where, {"b": "y" * 900})
    assert refused.status_code == 413 and "1024" in refused.get_json()["message"]

def test_state_without_registration_lists_and_deletes_every_registration(xapi):
    """Communication 2.3: a list or delete of State covers "Activity + Agent [+ registration if specified]"."""
    context = {"activityId": ACTIVITY, "agent": AGENT}
    other = "8f3e2a61-4c0b-4d7e-9a55-1b2c3d4e5f60"
    for registration in (None, REGISTRATION, other):
        where = {**context, **({"registration": registration} if registration else {})}
        assert send(xapi, "PUT", "/xapi/activities/state", {**where, "stateId": "bookmark"}, {"r": registration}
                    ).status_code == 204
    send(xapi, "PUT", "/xapi/activities/state", {**context, "registration": other, "stateId": "answers"}, {})
    send(xapi, "PUT", "/xapi/activities/state", {"activityId": ACTIVITY + "/other", "agent": AGENT,
                                                  "stateId": "elsewhere"}, {})
    assert send(xapi, "GET", "/xapi/activities/state", context).get_json() == ["bookmark", "answers"]
    assert send(xapi, "GET", "/xapi/activities/state", {**context, "registration": other}).get_json() == [
        "bookmark", "answers"]
    assert send(xapi, "GET", "/xapi/activities/state", {**context, "registration": REGISTRATION}).get_json() == [
        "bookmark"]
    # one document without registration is the one stored without
    assert send(xapi, "GET", "/xapi/activities/state", {**context, "stateId": "bookmark"}).get_json() == {"r": None}
    # a delete with a registration stays in it; without, it empties every registration of the activity and agent
    assert send(xapi, "DELETE", "/xapi/activities/state", {**context, "registration": other}).status_code == 204
    assert send(xapi, "GET", "/xapi/activities/state", context).get_json() == ["bookmark"]
    assert send(xapi, "GET", "/xapi/activities/state", {**context, "registration": REGISTRATION}).get_json() == [
        "bookmark"]
    assert send(xapi, "DELETE", "/xapi/activities/state", context).status_code == 204
    assert send(xapi, "GET", "/xapi/activities/state", context).get_json() == []
    assert send(xapi, "GET", "/xapi/activities/state", {"activityId": ACTIVITY + "/other", "agent": AGENT}
                ).get_json() == ["elsewhere"]


@pytest.mark.parametrize("params, missing", [
    ({"agent": AGENT, "stateId": "s"}, "activityId"),
    ({"activityId": ACTIVITY, "stateId": "s"}, "agent"),
    ({"activityId": "not an iri", "agent": AGENT, "stateId": "s"}, "activityId"),
    ({"activityId": ACTIVITY, "agent": "{not json", "stateId": "s"}, "agent"),
    ({"activityId": ACTIVITY, "agent": AGENT, "stateId": "s", "registration": "x"}, "registration"),
    ({"activityId": ACTIVITY, "agent": AGENT, "stateId": "s", "colour": "blue"}, "colour"),
])
def test_state_parameters_are_checked(xapi, params, missing):
    response = send(xapi, "PUT", "/xapi/activities/state", params, {"a": 1})
    assert response.status_code == 400 and missing in response.get_json()["message"]


@pytest.mark.parametrize("path, where", [
    ("/xapi/activities/profile", {"activityId": ACTIVITY}),
    ("/xapi/agents/profile", {"agent": AGENT}),
])
def test_profiles_use_etags_for_concurrency(xapi, path, where):
    params = {**where, "profileId": "settings"}
    # a PUT must say what it expects: If-None-Match: * to create, If-Match to replace
    assert send(xapi, "PUT", path, params, {"v": 0}).status_code == 400
    assert send(xapi, "PUT", path, params, {"v": 1}, headers={"If-None-Match": "*"}).status_code == 204
    assert send(xapi, "PUT", path, params, {"v": 2}, headers={"If-None-Match": "*"}).status_code == 412
    conflict = send(xapi, "PUT", path, params, {"v": 2})
    assert conflict.status_code == 409 and "If-Match" in conflict.get_json()["message"]
    etag = send(xapi, "GET", path, params).headers["ETag"]
    assert send(xapi, "PUT", path, params, {"v": 3}, headers={"If-Match": '"0000"'}).status_code == 412
    assert send(xapi, "PUT", path, params, {"v": 3}, headers={"If-Match": etag}).status_code == 204
    assert send(xapi, "GET", path, params).get_json() == {"v": 3}
    assert send(xapi, "DELETE", path, params, headers={"If-Match": etag}).status_code == 412  # stale
    assert send(xapi, "POST", path, params, {"w": 1}).status_code == 204  # POST merges without a header
    assert send(xapi, "GET", path, params).get_json() == {"v": 3, "w": 1}
    assert send(xapi, "GET", path, where).get_json() == ["settings"]
    assert send(xapi, "DELETE", path, where).status_code == 400  # a profile is deleted by its id
    assert send(xapi, "DELETE", path, params).status_code == 204
    assert send(xapi, "GET", path, params).status_code == 404


def test_if_match_compares_strongly_and_if_none_match_weakly(xapi):
    """RFC 7232: a weak tag (W/"...") never satisfies If-Match (3.1); If-None-Match compares weakly (3.2)."""
    path, params = "/xapi/activities/profile", {"activityId": ACTIVITY, "profileId": "weak"}
    assert send(xapi, "PUT", path, params, {"v": 1}, headers={"If-None-Match": "*"}).status_code == 204
    etag = send(xapi, "GET", path, params).headers["ETag"]
    assert send(xapi, "PUT", path, params, {"v": 2}, headers={"If-Match": f"W/{etag}"}).status_code == 412
    assert send(xapi, "PUT", path, params, {"v": 2}, headers={"If-None-Match": f"W/{etag}"}).status_code == 412
    assert send(xapi, "PUT", path, params, {"v": 2}, headers={"If-Match": f'"x", {etag}'}).status_code == 204
    assert send(xapi, "GET", path, params).get_json() == {"v": 2}


def test_a_delete_honours_if_none_match(xapi):
    """Communication 3.1: a DELETE, as a PUT or a POST, handles If-None-Match: * (RFC 7232 3.2): with a document
    there, it is refused (412) and the document kept; it was deleted, the header not read."""
    path, params = "/xapi/activities/profile", {"activityId": ACTIVITY, "profileId": "kept"}
    assert send(xapi, "PUT", path, params, {"v": 1}, headers={"If-None-Match": "*"}).status_code == 204
    etag = send(xapi, "GET", path, params).headers["ETag"]
    for header in ("*", etag):
        assert send(xapi, "DELETE", path, params, headers={"If-None-Match": header}).status_code == 412
    assert send(xapi, "GET", path, params).get_json() == {"v": 1}
    assert send(xapi, "DELETE", path, params, headers={"If-None-Match": '"other"'}).status_code == 204
    assert send(xapi, "GET", path, params).status_code == 404


def test_head_answers_like_get_without_a_body(xapi):
    params = {"activityId": ACTIVITY, "profileId": "p"}
    send(xapi, "PUT", "/xapi/activities/profile", params, {"a": 1}, headers={"If-None-Match": "*"})
    head = send(xapi, "HEAD", "/xapi/activities/profile", params)
    assert head.status_code == 200 and head.data == b"" and head.headers["ETag"]
    assert send(xapi, "HEAD", "/xapi/statements", {}).status_code == 200


def test_activities_resource_returns_the_canonical_definition(xapi):
    from tests.fixtures.xapi import statement

    assert send(xapi, "GET", "/xapi/activities", {"activityId": ACTIVITY}).get_json() == {
        "objectType": "Activity", "id": ACTIVITY}
    xapi.post(statement(object={"id": ACTIVITY, "definition": {"name": {"en-US": "Simulation"}}}))
    xapi.post(statement(object={"id": ACTIVITY, "definition": {"name": {"es": "Simulación"},
                                                                "type": "http://adlnet.gov/expapi/activities/simulation"}}))
    canonical = send(xapi, "GET", "/xapi/activities", {"activityId": ACTIVITY}).get_json()
    assert canonical["definition"] == {"name": {"en-US": "Simulation", "es": "Simulación"},
                                       "type": "http://adlnet.gov/expapi/activities/simulation"}
    # format=canonical puts that definition into statements, in the reader's language
    first = xapi.get(params={"activity": ACTIVITY, "ascending": "true", "format": "canonical"},
                     headers={"Accept-Language": "es"}).get_json()["statements"][0]
    assert first["object"]["definition"]["name"] == {"es": "Simulación"}
    assert send(xapi, "GET", "/xapi/activities", {}).status_code == 400


def test_agents_resource_returns_a_person(xapi):
    person = send(xapi, "GET", "/xapi/agents", {"agent": json.dumps({"mbox": "mailto:ana@example.org",
                                                                     "name": "Ana"})}).get_json()
    assert person == {"objectType": "Person", "name": ["Ana"], "mbox": ["mailto:ana@example.org"]}
    assert send(xapi, "GET", "/xapi/agents", {"agent": json.dumps({"name": "no id"})}).status_code == 400


def test_the_person_lists_the_names_the_lrs_knows_the_agent_by(xapi, make_lrs_client, client):
    """Communication 2.4: the Person is what the LRS knows of the agent, its names included ("List of names of
    Agents retrieved"), not only what the request said: the names statements gave it (as actor, object, member,
    instructor), newest first, of statements the client may read (not voided)."""
    ana = {"mbox": "mailto:ana@example.org"}
    assert xapi.post(statement(actor=dict(ana, name="Ana"))).status_code == 200
    assert xapi.post(statement(actor={"objectType": "Group", "member": [dict(ana, name="Ana María")]})).status_code == 200
    assert xapi.post(statement(actor={"mbox": "mailto:bea@example.org", "name": "Bea"},
                               object=dict(ana, objectType="Agent", name="Ana M."))).status_code == 200
    voided = xapi.post(statement(actor=dict(ana, name="Not Ana"))).get_json()[0]
    bea = {"mbox": "mailto:bea@example.org", "name": "Bea"}
    assert xapi.post(statement(actor=bea, verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                               object={"objectType": "StatementRef", "id": voided})).status_code == 200
    # an instructor is the agent too, whoever the statement is about
    assert xapi.post(statement(actor=bea, context={"instructor": dict(ana, name="Prof. Ana")})).status_code == 200

    person = send(xapi, "GET", "/xapi/agents", {"agent": json.dumps(ana)}).get_json()
    assert person == {"objectType": "Person", "name": ["Prof. Ana", "Ana M.", "Ana María", "Ana"],
                      "mbox": ["mailto:ana@example.org"]}
    asked = send(xapi, "GET", "/xapi/agents", {"agent": json.dumps(dict(ana, name="Ana"))}).get_json()
    assert asked["name"] == ["Ana", "Prof. Ana", "Ana M.", "Ana María"]
    unknown = send(xapi, "GET", "/xapi/agents", {"agent": json.dumps({"mbox": "mailto:nobody@example.org"})})
    assert unknown.get_json() == {"objectType": "Person", "mbox": ["mailto:nobody@example.org"]}

    # a client that reads back only its own statements learns only the names its own statements gave
    own, secret = make_lrs_client("Own", scope=ClientScope.WRITE_OWN)
    mine = XapiClient(client, own.key, secret)
    assert mine.post(statement(actor=dict(ana, name="Ana (mine)"))).status_code == 200
    assert send(mine, "GET", "/xapi/agents", {"agent": json.dumps(ana)}).get_json()["name"] == ["Ana (mine)"]


def test_the_person_lists_no_name_of_a_group_with_the_same_identifier(xapi):
    """A Group identified by the same account or address as the agent (a team's shared mailbox) is not the person:
    its name is not one the person goes by. The agent's own name in the same statements is."""
    desk = {"account": {"homePage": "https://example.org", "name": "desk"}}
    team = dict(desk, objectType="Group", name="Help desk team", member=[{"mbox": "mailto:bea@example.org"}])
    assert xapi.post(statement(actor=team)).status_code == 200
    assert xapi.post(statement(actor=dict(desk, name="Desk"))).status_code == 200
    person = send(xapi, "GET", "/xapi/agents", {"agent": json.dumps(desk)}).get_json()
    assert person == {"objectType": "Person", "name": ["Desk"], "account": [desk["account"]]}


def test_cors_preflight_and_headers(xapi, client):
    preflight = client.options("/xapi/statements", headers={"Origin": "https://content.example.org",
                                                             "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://content.example.org"
    assert "X-Experience-API-Version" in preflight.headers["Access-Control-Allow-Headers"]
    response = xapi.get(headers={"Origin": "https://content.example.org"})
    assert "X-Experience-API-Consistent-Through" in response.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("body", [
    '{"score": NaN}', '{"score": Infinity}', '{"score": 1e400}', '{"n": ' + "9" * 5000 + "}",
    '{"deep": ' + "[" * 100000 + "]" * 100000 + "}", '{"deep": ' + "[" * 150 + "]" * 150 + "}",
], ids=["NaN", "Infinity", "1e400", "5000-digits", "100000-deep", "150-deep"])
@pytest.mark.parametrize("exists", [False, True], ids=["new", "merge"])
def test_posted_json_documents_must_be_json_we_can_keep(xapi, body, exists):
    where = {"activityId": ACTIVITY, "agent": AGENT, "stateId": "progress"}
    if exists:
        assert send(xapi, "PUT", "/xapi/activities/state", where, {"page": 3}).status_code == 204
    response = send(xapi, "POST", "/xapi/activities/state", where, body)
    assert response.status_code == 400 and response.is_json
    assert response.get_json()["property"].startswith("document")
    profile = send(xapi, "POST", "/xapi/activities/profile", {"activityId": ACTIVITY, "profileId": "p"}, body)
    assert profile.status_code == 400


@pytest.mark.parametrize("path, params", [
    ("/xapi/activities/state", {"activityId": ACTIVITY, "agent": AGENT, "stateId": "s"}),
    ("/xapi/activities/profile", {"activityId": ACTIVITY, "profileId": "p"}),
    ("/xapi/agents/profile", {"agent": AGENT, "profileId": "p"}),
], ids=["state", "activity-profile", "agent-profile"])
def test_a_document_put_as_json_must_be_json(xapi, path, params):
    """Communication 3.2.s3.b6: a Content-Type that does not match the content is a 400. What is stored as
    application/json is JSON, whatever its kind (an array, a string), by the rules a POST merges by (what a PUT
    stored as JSON can be merged into); anything may be stored under another type."""
    new = {"If-None-Match": "*"}
    for body in ('{"page": 3', "page 3", '{"score": NaN}', b'{"name": "\xff"}', '{"score": 1e400}',
                 '{"name": "\\ud800"}', '{"deep": ' + "[" * 150 + "]" * 150 + "}"):
        refused = send(xapi, "PUT", path, params, body, headers=new)
        assert refused.status_code == 400 and refused.get_json()["property"].startswith("document"), body
        assert send(xapi, "GET", path, params).status_code == 404
    assert send(xapi, "PUT", path, params, "page 3", "text/plain", headers=new).status_code == 204
    for body in ('["a", 1]', '"page 3"', '{"deep": ' + "[" * 50 + "]" * 50 + "}", "\ufeff{}"):
        assert send(xapi, "PUT", path, params, body, "application/json; charset=utf-8",
                    headers={"If-Match": "*"}).status_code == 204
        assert send(xapi, "GET", path, params).data == body.encode()


@pytest.mark.parametrize("agent", [
    '{"mbox":"mailto:a@example.org","name":' + "9" * 5000 + "}",
    "[" * 100000 + "]" * 100000,
    '{"mbox":"mailto:a@example.org","name":Infinity}',
], ids=["5000-digits", "100000-deep", "Infinity"])
@pytest.mark.parametrize("path, params", [
    ("/xapi/activities/state", {"activityId": ACTIVITY, "stateId": "s"}),
    ("/xapi/agents/profile", {"profileId": "p"}),
    ("/xapi/agents", {}),
], ids=["state", "agent-profile", "agents"])
def test_a_bad_agent_parameter_is_a_400(xapi, agent, path, params):
    response = send(xapi, "GET", path, {**params, "agent": agent})
    assert response.status_code == 400 and response.get_json()["property"] == "agent"


def test_document_refusals_name_the_header(xapi):
    where = {"activityId": ACTIVITY, "profileId": "p"}
    response = send(xapi, "PUT", "/xapi/activities/profile", where, {"a": 1})
    assert response.status_code == 400 and response.get_json()["property"] == "If-Match"
    send(xapi, "PUT", "/xapi/activities/profile", where, {"a": 1}, headers={"If-None-Match": "*"})
    response = send(xapi, "PUT", "/xapi/activities/profile", where, {"a": 2}, headers={"If-Match": '"nope"'})
    assert response.status_code == 412 and response.get_json()["property"] == "If-Match"


def test_the_agents_resource_takes_an_agent_not_a_group(xapi):
    """Communication 2.4: the agent parameter "is not a Person Object, nor is it a Group"."""
    group = {"objectType": "Group", "mbox": "mailto:team@example.org"}
    response = send(xapi, "GET", "/xapi/agents", {"agent": json.dumps(group)})
    assert response.status_code == 400 and response.get_json()["property"] == "agent.objectType"


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
@pytest.mark.parametrize("path, where", [
    ("/xapi/activities/state", {"activityId": ACTIVITY, "agent": AGENT, "stateId": "s"}),
    ("/xapi/activities/profile", {"activityId": ACTIVITY, "profileId": "p"}),
    ("/xapi/agents/profile", {"agent": AGENT, "profileId": "p"}),
], ids=["state", "activity-profile", "agent-profile"])
def test_since_is_only_for_listing_documents(xapi, method, path, where):
    """Communication 3.2.s3.b7: since is a parameter of the multiple-document GET, nothing else."""
    params = {**where, "since": "2026-01-01T00:00:00Z"}
    response = send(xapi, method, path, params, {"a": 1} if method != "DELETE" else None,
                    headers={"If-None-Match": "*"} if method == "PUT" else None)
    assert response.status_code == 400 and response.get_json()["property"] == "since"
    assert send(xapi, "GET", path, where).status_code == 404


def test_a_409_tells_the_client_how_to_resolve_it(xapi):
    """Communication 3.1.s4.b14: check the current state, then send If-Match with the current ETag."""
    where = {"activityId": ACTIVITY, "profileId": "p"}
    send(xapi, "PUT", "/xapi/activities/profile", where, {"a": 1}, headers={"If-None-Match": "*"})
    response = send(xapi, "PUT", "/xapi/activities/profile", where, {"a": 2})
    assert response.status_code == 409
    message = response.get_json()["message"]
    assert "If-Match" in message and "ETag" in message and "GET" in message and "If-None-Match" not in message


@pytest.mark.parametrize("path, params", [
    ("/xapi/activities/state", {"activityId": ACTIVITY, "agent": AGENT, "stateId": "a\x00b"}),
    ("/xapi/agents/profile", {"agent": AGENT, "profileId": "a\x00b"}),
    ("/xapi/activities/profile", {"activityId": ACTIVITY, "profileId": "a\x00b"}),
])
def test_a_nul_character_in_a_parameter_is_refused(xapi, path, params):
    """No database keeps a NUL in text (PostgreSQL refuses it): a 400 naming the parameter, not a 500."""
    [name] = [key for key, value in params.items() if "\x00" in value]
    for method in ("PUT", "GET"):
        response = send(xapi, method, path, params, {"a": 1} if method == "PUT" else None,
                        headers={"If-None-Match": "*"})
        assert response.status_code == 400 and response.get_json()["property"] == name


def _at_once(app, xapi, requests):
    """Send ``requests`` ((method, path, params, body, headers) each) from as many threads, released together;
    returns their status codes."""
    import threading

    gate, codes = threading.Barrier(len(requests)), [None] * len(requests)

    def run(n, method, path, params, body, headers):
        client = app.test_client()
        extra = {"Content-Type": "application/json", **(headers or {})}
        gate.wait(10)
        codes[n] = client.open(path, method=method, query_string=params, data=json.dumps(body),
                               headers=xapi.headers(extra)).status_code

    threads = [threading.Thread(target=run, args=(n, *request)) for n, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return codes


def test_concurrent_posts_to_one_document_all_merge(app, xapi):
    """Each POST is told 204: each one's keys must then be in the document, not only the last writer's."""
    where = {"activityId": ACTIVITY, "agent": AGENT, "stateId": "answers"}
    codes = _at_once(app, xapi, [("POST", "/xapi/activities/state", where, {f"q{n}": n}, None) for n in range(10)])
    assert codes == [204] * 10
    assert send(xapi, "GET", "/xapi/activities/state", where).get_json() == {f"q{n}": n for n in range(10)}
    profile = {"agent": AGENT, "profileId": "settings"}
    codes = _at_once(app, xapi, [("POST", "/xapi/agents/profile", profile, {f"k{n}": n}, None) for n in range(6)])
    assert codes == [204] * 6
    assert send(xapi, "GET", "/xapi/agents/profile", profile).get_json() == {f"k{n}": n for n in range(6)}


def test_of_concurrent_writers_with_the_same_etag_one_wins(app, xapi):
    where = {"activityId": ACTIVITY, "profileId": "shared"}
    assert send(xapi, "PUT", "/xapi/activities/profile", where, {"v": 0},
                headers={"If-None-Match": "*"}).status_code == 204
    etag = send(xapi, "GET", "/xapi/activities/profile", where).headers["ETag"]
    codes = _at_once(app, xapi, [("PUT", "/xapi/activities/profile", where, {"v": n}, {"If-Match": etag})
                                 for n in range(1, 7)])
    assert sorted(codes) == [204] + [412] * 5
    winner = codes.index(204) + 1
    assert send(xapi, "GET", "/xapi/activities/profile", where).get_json() == {"v": winner}
    # creating a document that must not exist yet: one creates it, the others are told it exists
    new = {"activityId": ACTIVITY, "profileId": "created-once"}
    codes = _at_once(app, xapi, [("PUT", "/xapi/activities/profile", new, {"by": n}, {"If-None-Match": "*"})
                                 for n in range(6)])
    assert sorted(codes) == [204] + [412] * 5
    assert send(xapi, "GET", "/xapi/activities/profile", new).get_json() == {"by": codes.index(204)}


@pytest.mark.skipif(not PG_URL, reason="SQLite lets one writer in at a time: the delete waits for the whole POST")
def test_a_post_whose_document_is_deleted_meanwhile_by_a_delete_of_every_registration(app, xapi):
    """A POST to one registration's state has read the document and is about to write it when a DELETE of the
    state without registration (every registration: another lock than the POST's) comes: the delete waits for
    the POST's write instead of removing the row under it (the POST then updated a row that was gone: an error
    page). Both are told 204, and the state is empty."""
    import threading

    from tests.fixtures.concurrency import run_threads, until_a_lock_is_awaited

    where = {"activityId": ACTIVITY, "agent": AGENT, "registration": REGISTRATION, "stateId": "answers"}
    assert send(xapi, "PUT", "/xapi/activities/state", where, {"q0": 0}).status_code == 204
    read, outcomes = threading.Event(), {}

    def pause_before_writing(conn, cursor, statement, parameters, context, executemany):
        if threading.current_thread().name == "post" and not read.is_set() \
                and statement.startswith("UPDATE xapi_document"):
            read.set()  # the delete goes now: until it waits for a lock, or has removed the row and answered
            until_a_lock_is_awaited(passed=lambda: "delete" in outcomes)

    def run(name, method, params, body):
        if name == "delete":
            read.wait(10)
        client = app.test_client()
        try:
            outcomes[name] = client.open("/xapi/activities/state", method=method, query_string=params,
                                         data=json.dumps(body) if body is not None else None,
                                         headers=xapi.headers({"Content-Type": "application/json"})).status_code
        except Exception as error:  # noqa: BLE001  (an error page, in production)
            outcomes[name] = error

    run_threads([threading.Thread(target=run, name="post", args=("post", "POST", where, {"q1": 1})),
                 threading.Thread(target=run, name="delete", args=(
                     "delete", "DELETE", {"activityId": ACTIVITY, "agent": AGENT}, None))],
                listen=("before_cursor_execute", pause_before_writing))
    assert outcomes == {"post": 204, "delete": 204}
    assert send(xapi, "GET", "/xapi/activities/state", {"activityId": ACTIVITY, "agent": AGENT}).get_json() == []


def test_a_definition_merged_in_a_savepoint_of_a_transaction_rolled_back_is_merged_again(xapi):
    """Releasing a savepoint is no commit: what was merged in it was taken as merged for good, so the same
    definition sent again after the transaction rolled back was skipped, and the activity kept none."""
    from app.extensions import db
    from app.xapi import vocabulary as v
    from app.xapi.services import store
    from tests.fixtures.xapi import statement

    described = statement(object={"id": ACTIVITY, "definition": {"name": {"en-US": "Simulation"}}})
    store([statement()], v.authority())  # the transaction has begun (SQLite's driver begins it at a write)
    with db.session.begin_nested():
        store([dict(described)], v.authority())
    db.session.rollback()
    assert xapi.post(described).status_code == 200
    got = send(xapi, "GET", "/xapi/activities", {"activityId": ACTIVITY}).get_json()
    assert got["definition"] == {"name": {"en-US": "Simulation"}}
