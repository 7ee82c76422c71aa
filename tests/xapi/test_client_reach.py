"""The activities a client may write about: outside content reports on its own activities, and cannot mark a
module of ours done for anyone (which would count as evidence of a competence)."""
import json
import uuid

import sqlalchemy as sa

from app.extensions import db
from app.xapi import vocabulary as v
from app.xapi.models import LrsClient, Statement
from tests.fixtures.courses import actor
from tests.fixtures.xapi import MODULE, XapiClient, progress, send, statement

SIMULATION = "https://partner.example/simulation/"


def partner(client, make_lrs_client, prefixes=(SIMULATION,)):
    lrs_client, secret = make_lrs_client("Partner simulation", activity_prefixes=list(prefixes))
    return XapiClient(client, lrs_client.key, secret)


def stored_count():
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Statement))


def test_a_client_writes_about_the_activities_it_is_given(client, make_lrs_client, make_user):
    xapi = partner(client, make_lrs_client)
    assert xapi.post(statement(object={"id": SIMULATION + "level-1"})).status_code == 200
    assert xapi.put(statement(object={"id": SIMULATION + "level-2"}), str(uuid.uuid4())).status_code == 204
    assert stored_count() == 2


def test_a_completion_of_a_module_of_ours_from_such_a_client_is_refused_and_counts_for_nothing(
        client, make_lrs_client, make_user):
    """Credentials given to a partner's simulation marked any trainee's module passed: the projection, the
    course and the competence evidence all took it."""
    user = make_user()
    xapi = partner(client, make_lrs_client)
    response = xapi.post(statement(actor=actor(user), verb={"id": v.PASSED}, object={"id": MODULE},
                                   result={"success": True}))
    assert response.status_code == 403
    assert response.get_json()["property"] == "statement.object.id"
    assert MODULE in response.get_json()["message"] and SIMULATION in response.get_json()["message"]
    assert progress(user) is None and stored_count() == 0


def test_a_batch_with_one_statement_out_of_reach_stores_none_and_names_it(client, make_lrs_client):
    xapi = partner(client, make_lrs_client)
    response = xapi.post([statement(object={"id": SIMULATION + "a"}), statement(object={"id": MODULE})])
    assert response.status_code == 403 and response.get_json()["property"] == "statements[1].object.id"
    assert stored_count() == 0


def test_a_sub_statements_activity_is_held_to_the_same_reach(client, make_lrs_client):
    xapi = partner(client, make_lrs_client)
    inner = {"objectType": "SubStatement", "actor": {"mbox": "mailto:ana@example.org"},
             "verb": {"id": v.COMPLETED}, "object": {"id": MODULE}}
    response = xapi.post(statement(verb={"id": "http://example.org/verbs/planned"}, object=inner))
    assert response.status_code == 403 and response.get_json()["property"] == "statement.object.object.id"
    inner["object"] = {"id": SIMULATION + "a"}
    assert xapi.post(statement(verb={"id": "http://example.org/verbs/planned"}, object=inner)).status_code == 200


def test_such_a_client_voids_its_statements_and_writes_about_people(client, make_lrs_client):
    xapi = partner(client, make_lrs_client)
    [sent] = xapi.post(statement(object={"id": SIMULATION + "a"})).get_json()
    voiding = statement(verb={"id": v.VOIDED}, object={"objectType": "StatementRef", "id": sent})
    assert xapi.post(voiding).status_code == 200
    mentor = statement(verb={"id": "http://example.org/verbs/mentored"},
                       object={"objectType": "Agent", "mbox": "mailto:bea@example.org"})
    assert xapi.post(mentor).status_code == 200


def test_such_a_client_keeps_documents_only_for_its_activities(client, make_lrs_client):
    xapi = partner(client, make_lrs_client)
    agent = json.dumps({"mbox": "mailto:ana@example.org"})
    ours = {"activityId": MODULE, "agent": agent, "stateId": "bookmark"}
    theirs = {"activityId": SIMULATION + "a", "agent": agent, "stateId": "bookmark"}
    for method in ("PUT", "POST", "DELETE"):
        refused = send(xapi, method, "/xapi/activities/state", ours, None if method == "DELETE" else {"page": 2})
        assert refused.status_code == 403, method
        assert refused.get_json()["property"] == "activityId"
    refused = send(xapi, "PUT", "/xapi/activities/profile", {"activityId": MODULE, "profileId": "p"}, {"a": 1},
                   headers={"If-None-Match": "*"})
    assert refused.status_code == 403
    assert send(xapi, "PUT", "/xapi/activities/state", theirs, {"page": 2}).status_code == 204
    assert send(xapi, "GET", "/xapi/activities/state", theirs).get_json() == {"page": 2}
    assert send(xapi, "GET", "/xapi/activities/state", ours).status_code == 403  # reading is held too
    assert send(xapi, "PUT", "/xapi/agents/profile", {"agent": agent, "profileId": "p"}, {"a": 1},
                headers={"If-None-Match": "*"}).status_code == 204


def test_a_client_given_no_activities_writes_about_any_but_ours(xapi, make_user):
    """The form's default client (no list) was given to content, whose key anyone who opens it reads: with it,
    anyone marked any module of any course passed for anyone, which counts as evidence of a competence."""
    user = make_user()
    passed = statement(actor=actor(user), verb={"id": v.PASSED}, object={"id": MODULE}, result={"success": True})
    response = xapi.post(passed)
    assert response.status_code == 403 and response.get_json()["property"] == "statement.object.id"
    assert MODULE in response.get_json()["message"]
    itinerary = "http://itinera.test/activities/itineraries/leaders"
    assert xapi.post(statement(actor=actor(user), object={"id": itinerary})).status_code == 403
    assert progress(user) is None and stored_count() == 0
    agent = json.dumps(actor(user))
    assert send(xapi, "PUT", "/xapi/activities/state", {"activityId": MODULE, "agent": agent, "stateId": "s"},
                {"page": 2}).status_code == 403
    assert xapi.post(statement(actor=actor(user), object={"id": "https://partner.example/any"})).status_code == 200
    assert xapi.post(statement(object={"id": "http://itinera.test/elsewhere"})).status_code == 200
    part_of = statement(object={"id": SIMULATION + "a"}, context={"contextActivities": {"parent": [{"id": MODULE}]}})
    assert xapi.post(part_of).status_code == 200  # naming the module it is part of, without describing it


def test_our_activities_are_reached_only_when_the_list_names_them(client, make_lrs_client, make_user):
    user = make_user()
    passed = statement(actor=actor(user), verb={"id": v.PASSED}, object={"id": MODULE}, result={"success": True})
    for broad in ("http://itinera.test/", "http://itinera.test", "http://"):
        assert partner(client, make_lrs_client, [broad]).post(passed).status_code == 403, broad
    assert progress(user) is None
    content = partner(client, make_lrs_client, [SIMULATION, MODULE])
    assert content.post(passed).status_code == 200
    assert progress(user).success is True
    other = "http://itinera.test/activities/courses/s3/modules/02-other"
    assert content.post(statement(actor=actor(user), object={"id": other})).status_code == 403
    course = partner(client, make_lrs_client, ["http://itinera.test/activities/courses/s3/"])
    assert course.post(statement(actor=actor(user), object={"id": other})).status_code == 200


def test_admins_give_a_client_its_activities_in_the_form(client, login_as):
    login_as("admin", country=None)
    response = client.post("/admin/lrs-clients/new", data={
        "name": "Simulation", "scope": "read_write", "max_request_bytes": "", "rate_limit": "",
        "activity_prefixes": f"\r\n {SIMULATION} \r\nhttps://partner.example/quiz/\r\n{SIMULATION}\r\n"})
    assert response.status_code == 200 and "Copy the secret now" in response.get_data(as_text=True)
    stored = db.session.scalar(sa.select(LrsClient))
    assert stored.reach == (SIMULATION, "https://partner.example/quiz/")  # blank lines, spaces, repeats left out
    listed = client.get("/admin/lrs-clients").get_data(as_text=True)
    assert "https://partner.example/quiz/" in listed
    assert SIMULATION in client.get(f"/admin/lrs-clients/{stored.id}/edit").get_data(as_text=True)

    bad = client.post(f"/admin/lrs-clients/{stored.id}/edit", data={
        "scope": "read_write", "activity_prefixes": f"{SIMULATION}\nthe simulation"})
    assert bad.status_code == 400
    assert "Line 2: “the simulation” is not the start of an IRI" in bad.get_data(as_text=True)
    db.session.refresh(stored)
    assert stored.reach == (SIMULATION, "https://partner.example/quiz/")

    client.post(f"/admin/lrs-clients/{stored.id}/edit", data={"scope": "read_write", "activity_prefixes": ""})
    db.session.refresh(stored)
    assert stored.reach == ()
    assert "Any activity" in client.get("/admin/lrs-clients").get_data(as_text=True)


def test_a_change_of_activities_holds_at_once(client, login_as, make_lrs_client):
    lrs_client, secret = make_lrs_client("Simulation")
    xapi = XapiClient(client, lrs_client.key, secret)
    quiz = "https://partner.example/quiz/1"
    assert xapi.post(statement(object={"id": quiz})).status_code == 200  # its credentials are remembered now
    login_as("admin", country=None)
    client.post(f"/admin/lrs-clients/{lrs_client.id}/edit", data={"scope": "read_write",
                                                                  "activity_prefixes": SIMULATION})
    assert xapi.post(statement(object={"id": quiz})).status_code == 403


def test_the_command_line_gives_a_client_its_activities(runner, client):
    result = runner.invoke(args=["lrs", "create-client", "Simulation", "--activity", SIMULATION,
                                 "--activity", "https://partner.example/quiz/", "--json"])
    assert result.exit_code == 0, result.output
    credentials = json.loads(result.output)
    xapi = XapiClient(client, credentials["key"], credentials["secret"])
    assert xapi.post(statement(object={"id": MODULE})).status_code == 403
    assert xapi.post(statement(object={"id": "https://partner.example/quiz/1"})).status_code == 200
    bad = runner.invoke(args=["lrs", "create-client", "Other", "--activity", "simulation"])
    assert bad.exit_code != 0 and "is not the start of an IRI" in bad.output


def test_a_client_describes_only_the_activities_it_is_given(client, make_lrs_client):
    """A definition in a context activity is merged into the LRS's definition of that activity like one sent
    with the object: a partner's simulation renamed a module of ours for every reader of the LRS (the Activities
    resource, format=canonical). Naming such an activity without describing it (the module the simulation is
    part of) still goes."""
    module_content = partner(client, make_lrs_client, [MODULE])
    assert module_content.post(statement(object={"id": MODULE, "definition": {"name": {"en": "The four Cs"}}})
                               ).status_code == 200
    xapi_partner = partner(client, make_lrs_client)
    renamed = {"id": MODULE, "definition": {"name": {"en": "Renamed"}}}
    response = xapi_partner.post(statement(object={"id": SIMULATION + "a"},
                                           context={"contextActivities": {"parent": renamed}}))
    assert response.status_code == 403
    assert response.get_json()["property"] == "statement.context.contextActivities.parent[0].definition"
    inner = {"objectType": "SubStatement", "actor": {"mbox": "mailto:ana@example.org"},
             "verb": {"id": v.COMPLETED}, "object": {"id": SIMULATION + "a"},
             "context": {"contextActivities": {"grouping": [{"id": SIMULATION + "b"}, renamed]}}}
    response = xapi_partner.post([statement(object={"id": SIMULATION + "a"}),
                                  statement(verb={"id": "http://example.org/verbs/planned"}, object=inner)])
    assert response.status_code == 403
    assert response.get_json()["property"] == "statements[1].object.context.contextActivities.grouping[1].definition"
    assert stored_count() == 1
    definition = xapi_partner.get("/xapi/activities", params={"activityId": MODULE}).get_json()["definition"]
    assert definition == {"name": {"en": "The four Cs"}}
    part_of = statement(object={"id": SIMULATION + "a"}, context={"contextActivities": {"parent": [{"id": MODULE}]}})
    assert xapi_partner.post(part_of).status_code == 200


def test_a_start_without_a_final_slash_reaches_only_its_own_site(client, make_lrs_client):
    """A client limited to https://partner.example stored statements about https://partner.example.evil.test/x."""
    xapi = partner(client, make_lrs_client, ["https://partner.example", "urn:partner:sim"])
    for iri in ("https://partner.example.evil.test/x", "https://partner.example:8443/x", "urn:partner:simulation"):
        response = xapi.post(statement(object={"id": iri}))
        assert response.status_code == 403 and response.get_json()["property"] == "statement.object.id", iri
    for iri in ("https://partner.example", "https://partner.example/x", "https://partner.example?level=1",
                "https://partner.example#intro", "urn:partner:sim"):
        assert xapi.post(statement(object={"id": iri})).status_code == 200, iri
    agent = json.dumps({"mbox": "mailto:ana@example.org"})
    assert send(xapi, "PUT", "/xapi/activities/state", {"activityId": "https://partner.example.evil.test/x",
                                                        "agent": agent, "stateId": "s"}, {"a": 1}).status_code == 403
    assert stored_count() == 5


def test_a_client_reads_documents_only_of_its_activities(client, make_lrs_client):
    """A client limited to https://two.example/ read another client's state at https://one.example/act: the README
    said giving a client its activities kept its documents to them."""
    one = partner(client, make_lrs_client, ["https://one.example/"])
    two = partner(client, make_lrs_client, ["https://two.example/"])
    agent = json.dumps({"mbox": "mailto:ana@example.org"})
    state = {"activityId": "https://one.example/act", "agent": agent}
    profile = {"activityId": "https://one.example/act"}
    assert send(one, "PUT", "/xapi/activities/state", {**state, "stateId": "s"}, {"secret": 1}).status_code == 204
    assert send(one, "PUT", "/xapi/activities/profile", {**profile, "profileId": "p"}, {"secret": 2},
                headers={"If-None-Match": "*"}).status_code == 204
    for method in ("GET", "HEAD"):
        for path, params in (("/xapi/activities/state", {**state, "stateId": "s"}),
                             ("/xapi/activities/state", state),  # the list of ids
                             ("/xapi/activities/state", {**state, "since": "2020-01-01T00:00:00Z"}),
                             ("/xapi/activities/profile", {**profile, "profileId": "p"}),
                             ("/xapi/activities/profile", profile)):
            refused = send(two, method, path, params)
            assert refused.status_code == 403, (method, path, params)
            if method == "GET":
                assert refused.get_json()["property"] == "activityId"
                assert "secret" not in refused.get_data(as_text=True)
    assert send(one, "GET", "/xapi/activities/state", {**state, "stateId": "s"}).get_json() == {"secret": 1}
    assert send(one, "GET", "/xapi/activities/profile", profile).get_json() == ["p"]
    # the Activities resource (a definition, no client's document) is not held
    assert send(two, "GET", "/xapi/activities", profile).status_code == 200
