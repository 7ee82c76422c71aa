"""Clients that read back only what they wrote: the key of content in a browser is readable by anyone who opens it,
and with it, every person's statements were."""
import json
import re
import uuid

import sqlalchemy as sa

from app.extensions import db
from app.xapi import vocabulary as v
from app.xapi.models import ClientScope, LrsClient
from app.xapi.services import record
from tests.xapi.conftest import XapiClient, statement
from tests.xapi.test_progress import MODULE

ANA = {"mbox": "mailto:ana@example.org"}


def content(client, make_lrs_client, name="Simulation"):
    lrs_client, secret = make_lrs_client(name, ClientScope.WRITE_OWN)
    return XapiClient(client, lrs_client.key, secret)


def ids(response):
    assert response.status_code == 200, response.get_json()
    return [s["id"] for s in response.get_json()["statements"]]


def test_content_reads_back_only_its_own_statements(client, make_lrs_client, make_user):
    simulation = content(client, make_lrs_client)
    other = content(client, make_lrs_client, "Other content")
    reader, secret = make_lrs_client("Dashboards", ClientScope.READ)
    dashboards = XapiClient(client, reader.key, secret)
    [theirs] = other.post(statement(actor=ANA)).get_json()
    record(make_user(), v.EXPERIENCED, MODULE)  # Itinera's own
    db.session.commit()
    mine = [simulation.post(statement(actor=ANA, object={"id": f"http://example.org/a/{n}"})).get_json()[0]
            for n in range(3)]

    assert ids(simulation.get()) == mine[::-1]
    assert ids(simulation.get(params={"agent": json.dumps(ANA)})) == mine[::-1]
    assert len(ids(dashboards.get())) == 5  # a reader still reads everything
    assert simulation.get(params={"statementId": theirs}).status_code == 404
    assert simulation.get(params={"statementId": mine[0]}).get_json()["id"] == mine[0]


def test_its_pages_stay_its_own(client, make_lrs_client):
    simulation = content(client, make_lrs_client)
    other = content(client, make_lrs_client, "Other content")
    for n in range(3):
        other.post(statement(actor=ANA))
    mine = [simulation.post(statement(actor=ANA)).get_json()[0] for _ in range(3)]
    seen, params = [], {"limit": "2"}
    while True:
        page = simulation.get(params=params).get_json()
        seen += [s["id"] for s in page["statements"]]
        if not page["more"]:
            break
        params = {"more": page["more"].split("more=", 1)[1]}
    assert seen == mine[::-1]
    # a page link another client was given is read as this client's
    link = other.get(params={"limit": "1"}).get_json()["more"].split("more=", 1)[1]
    assert set(ids(simulation.get(params={"more": link}))) <= set(mine)


def test_it_reads_its_voided_statements_and_not_anothers(client, make_lrs_client):
    simulation = content(client, make_lrs_client)
    other = content(client, make_lrs_client, "Other content")
    voided = []
    for sender in (simulation, other):
        [sent] = sender.post(statement(actor=ANA)).get_json()
        sender.post(statement(verb={"id": v.VOIDED}, object={"objectType": "StatementRef", "id": sent}))
        voided.append(sent)
    assert simulation.get(params={"voidedStatementId": voided[0]}).status_code == 200
    assert simulation.get(params={"voidedStatementId": voided[1]}).status_code == 404


def test_admins_choose_that_access_in_the_form(client, login_as):
    login_as("admin", country=None)
    page = client.get("/admin/lrs-clients/new").get_data(as_text=True)
    assert "Write statements, and read back only its own" in page
    # the least a new client needs, unless the admin chooses more: content cannot read other people's statements
    [checked] = re.findall(r'<input[^>]*\bchecked\b[^>]*>', page)
    assert 'value="write_own"' in checked
    response = client.post("/admin/lrs-clients/new", data={"name": "Simulation", "scope": "write_own"})
    assert response.status_code == 200
    stored = db.session.scalar(sa.select(LrsClient))
    assert stored.scope is ClientScope.WRITE_OWN and stored.can_write
    assert "Write, read its own" in client.get("/admin/lrs-clients").get_data(as_text=True)


def test_the_command_line_makes_such_a_client(runner, client):
    result = runner.invoke(args=["lrs", "create-client", "Simulation", "--read-own", "--json"])
    assert result.exit_code == 0, result.output
    credentials = json.loads(result.output)
    stored = db.session.scalar(sa.select(LrsClient))
    assert stored.scope is ClientScope.WRITE_OWN
    xapi = XapiClient(client, credentials["key"], credentials["secret"])
    assert xapi.put(statement(), str(uuid.uuid4())).status_code == 204
    both = runner.invoke(args=["lrs", "create-client", "Other", "--read-own", "--read-only"])
    assert both.exit_code != 0 and "--read-only" in both.output
