"""An independent xAPI client (TinCanPython's RemoteLRS) against the live server: save, retrieve, query."""
import uuid

from tincan import Activity, Agent, LanguageMap, RemoteLRS, Result, Score, Statement, Verb

from app.auth.services import SYSTEM
from app.extensions import db
from app.xapi.clients import create_client


def test_remote_lrs_round_trip(app, live_server):
    client, secret = create_client(SYSTEM, "TinCan")
    db.session.commit()
    lrs = RemoteLRS(version="1.0.3", endpoint=f"{live_server}/xapi/", username=client.key, password=secret)

    about = lrs.about()
    assert about.success and "1.0.3" in about.content.version

    statement_id = uuid.uuid4()
    activity = f"http://example.org/activities/{uuid.uuid4()}"
    sent = Statement(id=statement_id, actor=Agent(name="Ana", mbox="mailto:ana@example.org"),
                     verb=Verb(id="http://adlnet.gov/expapi/verbs/passed", display=LanguageMap({"en-US": "passed"})),
                     object=Activity(id=activity), result=Result(score=Score(scaled=0.85), success=True))
    saved = lrs.save_statement(sent)
    assert saved.success, saved.data

    got = lrs.retrieve_statement(str(statement_id))
    assert got.success
    assert got.content.result.score.scaled == 0.85 and got.content.object.id == activity
    assert got.content.authority.name == "TinCan"

    second = Statement(actor=Agent(mbox="mailto:bea@example.org"),
                       verb=Verb(id="http://adlnet.gov/expapi/verbs/experienced"), object=Activity(id=activity))
    assert lrs.save_statements([second]).success

    found = lrs.query_statements({"activity": Activity(id=activity), "limit": 10})
    assert found.success
    assert {str(s.id) for s in found.content.statements} == {str(statement_id), str(second.id)}
    by_agent = lrs.query_statements({"agent": Agent(mbox="mailto:ana@example.org")})
    assert [str(s.id) for s in by_agent.content.statements] == [str(statement_id)]

    wrong = RemoteLRS(version="1.0.3", endpoint=f"{live_server}/xapi/", username=client.key, password="wrong")
    assert not wrong.save_statement(sent).success
