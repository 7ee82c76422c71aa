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
from tests.fixtures.xapi import MODULE, XapiClient, statement

ANA = {"mbox": "mailto:ana@example.org"}


def content(client, make_lrs_client, name="Simulation", activities=None):
    lrs_client, secret = make_lrs_client(name, ClientScope.WRITE_OWN, activity_prefixes=activities)
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
    # a page link another client was given is read as this client's: from where that page stopped (the other
    # client's second newest), its statements go on; this client's, all newer, are not there
    link = other.get(params={"limit": "1"}).get_json()["more"].split("more=", 1)[1]
    assert len(ids(other.get(params={"more": link}))) == 1  # a page of one, as the link asked
    assert ids(simulation.get(params={"more": link})) == []


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
    assert "Write statements and documents, and read back only its own" in page
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


def test_what_it_reads_never_depends_on_anothers_statements(client, make_lrs_client):
    """A filter also returns the statements that refer to a matching one. A statement of its own that refers to
    another's (whose id it has learned) came back or not as that other statement matched the filter or not: its
    actor, verb and activity could be found out, a filter at a time. Another's statement matches nothing."""
    simulation = content(client, make_lrs_client, activities=[MODULE])
    other = content(client, make_lrs_client, "Other content", activities=[MODULE])
    [theirs] = other.post(statement(actor=ANA, verb={"id": v.PASSED}, object={"id": MODULE})).get_json()
    [chained] = other.post(statement(verb={"id": "http://example.org/verbs/commented"},
                                     object={"objectType": "StatementRef", "id": theirs})).get_json()
    eve = {"mbox": "mailto:eve@example.org"}
    refers = [simulation.post(statement(actor=eve, verb={"id": "http://example.org/verbs/commented"},
                                        object={"objectType": "StatementRef", "id": target})).get_json()[0]
              for target in (theirs, chained)]
    for name, value in (("agent", json.dumps(ANA)), ("verb", v.PASSED), ("activity", MODULE)):
        assert ids(simulation.get(params={name: value})) == [], name
    # its own statements are matched as before, through its own references too
    [mine] = simulation.post(statement(actor=ANA, verb={"id": v.PASSED}, object={"id": MODULE})).get_json()
    [mine_refers] = simulation.post(statement(verb={"id": "http://example.org/verbs/commented"},
                                              object={"objectType": "StatementRef", "id": mine})).get_json()
    [mine_chained] = simulation.post(statement(verb={"id": "http://example.org/verbs/commented"},
                                               object={"objectType": "StatementRef", "id": mine_refers})).get_json()
    assert ids(simulation.get(params={"verb": v.PASSED})) == [mine_chained, mine_refers, mine]
    reader, secret = make_lrs_client("Dashboards", ClientScope.READ)
    everything = ids(XapiClient(client, reader.key, secret).get(params={"verb": v.PASSED}))
    assert set(refers) < set(everything)  # a reader of everything is answered as before
