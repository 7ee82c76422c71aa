"""An independent xAPI client (TinCanPython's RemoteLRS) against the live server: save, retrieve, query."""
import json
import uuid
from datetime import datetime, timedelta, timezone

import httpx
from tincan import (Activity, ActivityProfileDocument, Agent, LanguageMap, RemoteLRS, Result, Score, StateDocument,
                    Statement, Verb)

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
    oldest_first = lrs.query_statements({"activity": Activity(id=activity), "ascending": True})  # sent as "True"
    assert oldest_first.success
    assert [str(s.id) for s in oldest_first.content.statements] == [str(statement_id), str(second.id)]
    by_agent = lrs.query_statements({"agent": Agent(mbox="mailto:ana@example.org")})
    assert [str(s.id) for s in by_agent.content.statements] == [str(statement_id)]

    wrong = RemoteLRS(version="1.0.3", endpoint=f"{live_server}/xapi/", username=client.key, password="wrong")
    assert not wrong.save_statement(sent).success


def test_remote_lrs_pages_with_more_and_asks_by_stored_time(app, live_server):
    """TinCanPython's query_statements takes since and until as datetimes and sends them as Python writes them,
    with a space for the "T" ("2026-12-07 19:21:41.255008+00:00"); more_statements follows the more link."""
    client, secret = create_client(SYSTEM, "TinCan pages")
    db.session.commit()
    lrs = RemoteLRS(version="1.0.3", endpoint=f"{live_server}/xapi/", username=client.key, password=secret)
    activity = Activity(id=f"http://example.org/activities/{uuid.uuid4()}")
    before = datetime.now(timezone.utc) - timedelta(minutes=5)
    sent = [Statement(id=uuid.uuid4(), actor=Agent(mbox=f"mailto:learner{n}@example.org"),
                      verb=Verb(id="http://adlnet.gov/expapi/verbs/experienced"), object=activity) for n in range(5)]
    assert lrs.save_statements(sent).success

    page = lrs.query_statements({"activity": activity, "limit": 2, "ascending": True})
    assert page.success and page.content.more
    seen = [str(s.id) for s in page.content.statements]
    while page.content.more:
        page = lrs.more_statements(page.content)
        assert page.success, page.data
        seen += [str(s.id) for s in page.content.statements]
    assert seen == [str(s.id) for s in sent]

    since = lrs.query_statements({"activity": activity, "since": before})
    assert since.success, since.data
    assert len(since.content.statements) == 5
    until = lrs.query_statements({"activity": activity, "until": before})
    assert until.success, until.data
    assert until.content.statements == []
    later = lrs.query_statements({"activity": activity, "since": datetime.now(timezone.utc) + timedelta(minutes=5)})
    assert later.success and later.content.statements == []


def test_remote_lrs_document_apis(app, live_server):
    """State, activity profile and agent profile through RemoteLRS. Its retrieve_* never read the ETag (they look
    it up in a list of header pairs as if it were a dict), so the test takes it from the response, as a caller
    of TinCanPython has to."""
    client, secret = create_client(SYSTEM, "TinCan documents")
    db.session.commit()
    lrs = RemoteLRS(version="1.0.3", endpoint=f"{live_server}/xapi/", username=client.key, password=secret)
    activity = Activity(id=f"http://example.org/activities/{uuid.uuid4()}")
    agent = Agent(name="Ana", mbox="mailto:ana@example.org")

    state = StateDocument(id="bookmark", activity=activity, agent=agent, content='{"page": 3}',
                          content_type="application/json")
    assert lrs.save_state(state).success
    got = lrs.retrieve_state(activity, agent, "bookmark")
    assert got.success and json.loads(got.content.content) == {"page": 3}
    assert lrs.retrieve_state_ids(activity, agent).content == ["bookmark"]
    stale = StateDocument(id="bookmark", activity=activity, agent=agent, content='{"page": 9}',
                          content_type="application/json", etag='"0000"')
    assert lrs.save_state(stale).response.status == 412
    assert lrs.clear_state(activity, agent).success
    assert lrs.retrieve_state_ids(activity, agent).content == []

    # RemoteLRS sends no If-None-Match: a new profile without If-Match is refused (see the README's conformance
    # notes), so the first version is written as another client would, and RemoteLRS updates it with its ETag
    headers = {"X-Experience-API-Version": "1.0.3", "If-None-Match": "*", "Content-Type": "application/json"}
    auth = (client.key, secret)
    assert httpx.put(f"{live_server}/xapi/activities/profile", auth=auth, headers=headers, content=b'{"v": 1}',
                     params={"activityId": activity.id, "profileId": "settings"}).status_code == 204
    assert httpx.put(f"{live_server}/xapi/agents/profile", auth=auth, headers=headers, content=b'{"v": 1}',
                     params={"agent": agent.to_json("1.0.3"), "profileId": "prefs"}).status_code == 204
    new_profile = ActivityProfileDocument(id="other", activity=activity, content="{}",
                                          content_type="application/json")
    assert lrs.save_activity_profile(new_profile).response.status == 400

    profile = lrs.retrieve_activity_profile(activity, "settings")
    assert profile.success and json.loads(profile.content.content) == {"v": 1}
    profile.content.etag = profile.response.getheader("ETag")
    profile.content.content, profile.content.content_type = '{"v": 2}', "application/json"
    assert lrs.save_activity_profile(profile.content).success
    assert json.loads(lrs.retrieve_activity_profile(activity, "settings").content.content) == {"v": 2}
    assert lrs.retrieve_activity_profile_ids(activity).content == ["settings"]
    assert lrs.save_activity_profile(profile.content).response.status == 412  # the ETag is out of date now

    mine = lrs.retrieve_agent_profile(agent, "prefs")
    assert mine.success and json.loads(mine.content.content) == {"v": 1}
    mine.content.etag = mine.response.getheader("ETag")
    mine.content.content, mine.content.content_type = '{"v": 2}', "application/json"
    assert lrs.save_agent_profile(mine.content).success
    assert lrs.retrieve_agent_profile_ids(agent).content == ["prefs"]
    mine.content.etag = None  # TinCanPython deletes with If-Match when it has an ETag
    assert lrs.delete_agent_profile(mine.content).success
    assert lrs.retrieve_agent_profile_ids(agent).content == []
    assert lrs.delete_activity_profile(lrs.retrieve_activity_profile(activity, "settings").content).success
    assert lrs.retrieve_activity_profile_ids(activity).content == []
