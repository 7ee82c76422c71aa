"""What a client that reads back only its own statements may do with documents: the key of content in a browser is
readable by anyone who opens it, and with it, every person's agent profiles (our own users' included) and every
state of another content's activities were read, overwritten and deleted."""
import json

import pytest

from app.auth.services import SYSTEM
from app.extensions import db
from app.xapi.clients import revoke_client
from app.xapi.models import ClientScope
from tests.fixtures.xapi import XapiClient, send

ACTIVITY = "http://example.org/activities/simulation"
AGENT = json.dumps({"mbox": "mailto:ana@example.org"})

# path, the parameters naming the document's scope, its id parameter, whether a PUT needs If-Match/If-None-Match
RESOURCES = [
    ("/xapi/activities/state", {"activityId": ACTIVITY, "agent": AGENT}, "stateId", False),
    ("/xapi/activities/profile", {"activityId": ACTIVITY}, "profileId", True),
    ("/xapi/agents/profile", {"agent": AGENT}, "profileId", True),
]


def lrs(client, make_lrs_client, name, scope):
    lrs_client, secret = make_lrs_client(name, scope)
    return XapiClient(client, lrs_client.key, secret), lrs_client


def put(xapi, path, where, body, concurrency, etag=None):
    headers = ({"If-Match": etag} if etag else {"If-None-Match": "*"}) if concurrency else None
    return send(xapi, "PUT", path, where, body, headers=headers)


def refused(response):
    assert response.status_code == 403, (response.status_code, response.get_data(as_text=True))
    return response.get_json(silent=True)


@pytest.mark.parametrize("path, scope_params, id_param, concurrency", RESOURCES)
def test_content_neither_reads_nor_changes_anothers_document(client, make_lrs_client, path, scope_params,
                                                             id_param, concurrency):
    lms, _ = lrs(client, make_lrs_client, "LMS", ClientScope.READ_WRITE)
    content, _ = lrs(client, make_lrs_client, "Simulation", ClientScope.WRITE_OWN)
    other, _ = lrs(client, make_lrs_client, "Other content", ClientScope.WRITE_OWN)
    theirs = {**scope_params, id_param: "preferences"}
    assert put(lms, path, theirs, {"language": "es"}, concurrency).status_code == 204
    assert put(other, path, {**scope_params, id_param: "bookmark"}, {"page": 7}, concurrency).status_code == 204
    etag = send(lms, "GET", path, theirs).headers["ETag"]

    error = refused(send(content, "GET", path, theirs))
    assert error["error"] == 403 and error["property"] == id_param and "another client" in error["message"]
    refused(send(content, "HEAD", path, theirs))
    refused(put(content, path, theirs, {"language": "xx"}, concurrency, etag))
    refused(send(content, "POST", path, theirs, {"language": "xx"}))
    refused(send(content, "DELETE", path, theirs))
    refused(send(content, "GET", path, {**scope_params, id_param: "bookmark"}))
    assert send(content, "GET", path, scope_params).get_json() == []  # the list: none of them
    assert send(lms, "GET", path, theirs).get_json() == {"language": "es"}  # unchanged
    assert send(lms, "GET", path, theirs).headers["ETag"] == etag


@pytest.mark.parametrize("path, scope_params, id_param, concurrency", RESOURCES)
def test_content_keeps_its_own_documents_as_before(client, make_lrs_client, path, scope_params, id_param,
                                                   concurrency):
    lms, _ = lrs(client, make_lrs_client, "LMS", ClientScope.READ_WRITE)
    content, _ = lrs(client, make_lrs_client, "Simulation", ClientScope.WRITE_OWN)
    mine = {**scope_params, id_param: "bookmark"}
    assert put(lms, path, {**scope_params, id_param: "preferences"}, {"language": "es"}, concurrency).status_code \
        == 204
    assert send(content, "POST", path, mine, {"page": 2}).status_code == 204  # a POST creates it
    assert send(content, "POST", path, mine, {"slide": 4}).status_code == 204
    got = send(content, "GET", path, mine)
    assert got.get_json() == {"page": 2, "slide": 4}
    assert send(content, "HEAD", path, mine).status_code == 200
    assert put(content, path, mine, {"page": 3}, concurrency, got.headers["ETag"]).status_code == 204
    assert send(content, "GET", path, scope_params).get_json() == ["bookmark"]
    assert sorted(send(lms, "GET", path, scope_params).get_json()) == ["bookmark", "preferences"]
    # the LMS changing it leaves it the content's
    assert send(lms, "POST", path, mine, {"seen": True}).status_code == 204
    assert send(content, "GET", path, mine).get_json() == {"page": 3, "seen": True}
    assert send(content, "DELETE", path, mine).status_code == 204
    assert send(content, "GET", path, mine).status_code == 404
    assert send(lms, "GET", path, {**scope_params, id_param: "preferences"}).status_code == 200


def test_content_clearing_a_state_clears_only_its_own(client, make_lrs_client):
    """A state delete without stateId covers the activity and agent (under every registration): for content, only
    the documents it wrote."""
    lms, _ = lrs(client, make_lrs_client, "LMS", ClientScope.READ_WRITE)
    content, _ = lrs(client, make_lrs_client, "Simulation", ClientScope.WRITE_OWN)
    where = {"activityId": ACTIVITY, "agent": AGENT}
    registration = "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"
    assert send(lms, "PUT", "/xapi/activities/state", {**where, "stateId": "lms"}, {"a": 1}).status_code == 204
    assert send(content, "PUT", "/xapi/activities/state", {**where, "stateId": "mine"}, {"a": 1}).status_code == 204
    assert send(content, "PUT", "/xapi/activities/state", {**where, "registration": registration, "stateId": "mine"},
                {"a": 2}).status_code == 204
    assert send(content, "GET", "/xapi/activities/state", {**where, "since": "2000-01-01T00:00:00Z"}).get_json() \
        == ["mine"]
    assert send(content, "DELETE", "/xapi/activities/state", where).status_code == 204
    assert send(lms, "GET", "/xapi/activities/state", where).get_json() == ["lms"]


def test_a_revoked_clients_documents_stay_its_own(client, make_lrs_client):
    lms, _ = lrs(client, make_lrs_client, "LMS", ClientScope.READ_WRITE)
    withdrawn, withdrawn_client = lrs(client, make_lrs_client, "Withdrawn content", ClientScope.WRITE_OWN)
    content, _ = lrs(client, make_lrs_client, "Simulation", ClientScope.WRITE_OWN)
    where = {"agent": AGENT, "profileId": "bookmark"}
    assert put(withdrawn, "/xapi/agents/profile", where, {"page": 9}, True).status_code == 204
    revoke_client(SYSTEM, withdrawn_client)
    db.session.commit()
    assert send(withdrawn, "GET", "/xapi/agents/profile", where).status_code == 401
    assert send(lms, "GET", "/xapi/agents/profile", where).get_json() == {"page": 9}
    refused(send(content, "GET", "/xapi/agents/profile", where))
    refused(send(content, "DELETE", "/xapi/agents/profile", where))
    assert send(lms, "GET", "/xapi/agents/profile", where).get_json() == {"page": 9}


@pytest.mark.parametrize("path, scope_params, id_param, concurrency", RESOURCES)
def test_a_reader_reads_every_document_and_writes_none(client, make_lrs_client, path, scope_params, id_param,
                                                       concurrency):
    content, _ = lrs(client, make_lrs_client, "Simulation", ClientScope.WRITE_OWN)
    reader, _ = lrs(client, make_lrs_client, "Dashboards", ClientScope.READ)
    where = {**scope_params, id_param: "bookmark"}
    assert put(content, path, where, {"page": 2}, concurrency).status_code == 204
    assert send(reader, "GET", path, where).get_json() == {"page": 2}
    assert send(reader, "GET", path, scope_params).get_json() == ["bookmark"]
    for method in ("PUT", "POST", "DELETE"):
        error = refused(send(reader, method, path, where, None if method == "DELETE" else {"page": 3}))
        assert error["error"] == 403 and error["message"]
    refused(send(reader, "PUT", path, {**scope_params, id_param: "new"}, {"page": 1},
                 headers={"If-None-Match": "*"}))
    assert send(content, "GET", path, where).get_json() == {"page": 2}


def test_content_using_the_alternate_syntax_is_held_alike(client, make_lrs_client):
    """Content in an old browser sends its requests as form posts (?method=...): the same documents are refused."""
    from urllib.parse import urlencode

    lms, _ = lrs(client, make_lrs_client, "LMS", ClientScope.READ_WRITE)
    content, _ = lrs(client, make_lrs_client, "Simulation", ClientScope.WRITE_OWN)
    where = {"agent": AGENT, "profileId": "preferences"}
    assert put(lms, "/xapi/agents/profile", where, {"language": "es"}, True).status_code == 204
    for method in ("GET", "DELETE"):
        fields = {**where, "Authorization": content.headers()["Authorization"], "X-Experience-API-Version": "1.0.3"}
        response = client.post(f"/xapi/agents/profile?method={method}", data=urlencode(fields),
                               content_type="application/x-www-form-urlencoded")
        assert refused(response)["property"] == "profileId", method
    assert send(lms, "GET", "/xapi/agents/profile", where).get_json() == {"language": "es"}
