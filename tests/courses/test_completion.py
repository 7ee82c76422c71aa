"""The course's own ``completed`` statement: recorded once, in the transaction in which the projection first
shows the course complete, whichever statement made it so (the reader, or outside content through the LRS)."""
import threading

import pytest
import sqlalchemy as sa

from app.auth.services import SYSTEM
from app.courses.models import Enrolment
from app.extensions import db
from app.xapi import vocabulary as v
from app.xapi.clients import create_client
from app.xapi.models import ClientScope, Statement
from tests.conftest import PG_URL
from tests.fixtures.concurrency import signed_in_client, until_a_lock_is_awaited
from tests.fixtures.courses import COURSE_YAML, actor, build_tree, done, sync_tree
from tests.fixtures.factories import session_id
from tests.fixtures.xapi import XapiClient

COURSE = "http://itinera.test/activities/courses/pilot"


@pytest.fixture
def lrs(app, client):
    """An outside xAPI client (partner content) posting to /xapi/statements, given our activities (only a list
    naming them reaches them) and its own site's."""
    lrs_client, secret = create_client(SYSTEM, "Partner content", ClientScope.READ_WRITE,
                                       activity_prefixes=["http://itinera.test/activities/", "http://example.org/"])
    db.session.commit()
    return XapiClient(client, lrs_client.key, secret)


def course_completions(user) -> list[Statement]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Statement).where(
        Statement.user_id == user.id, Statement.verb_id == v.COMPLETED,
        Statement.data["object"]["id"].as_string() == COURSE)))


def statement_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Statement))


def test_outside_content_completing_the_last_module_completes_the_course_at_once(client, login_as, synced_course,
                                                                                lrs):
    """The trainee read the first module here; partner content reports the last one: the course page said
    "completed", but the course's statement waited for the trainee's next visit."""
    trainee = login_as("trainee", locale="en")
    client.get("/courses/pilot/modules/intro")
    assert lrs.post(done(trainee, "practice", context={"language": "es"})).status_code == 200
    [completed] = course_completions(trainee)
    enrolment = db.session.scalar(sa.select(Enrolment))
    assert completed.registration == enrolment.registration and completed.client_id is None
    data = completed.data
    assert data["actor"] == {"objectType": "Agent", **actor(trainee)}
    assert data["authority"] == v.authority()
    assert data["result"] == {"completion": True}
    assert (data["context"]["revision"], data["context"]["language"]) == ("1", "es")
    assert data["context"]["registration"] == str(enrolment.registration)
    assert "You have completed this course." in client.get("/courses/pilot/").get_data(as_text=True)
    client.get("/courses/pilot/modules/practice")  # the next visit records it no more
    assert len(course_completions(trainee)) == 1


def test_progress_only_from_outside_content_completes_the_course_and_enrols_the_trainee(client, login_as,
                                                                                       synced_course, lrs,
                                                                                       make_user):
    """No enrolment here at all: the statement was never recorded. Itinera enrols the person when outside
    content completes the course, and the course's statement carries that enrolment's registration."""
    trainee = make_user(("trainee",), locale="pt_BR")
    db.session.commit()
    response = lrs.post([done(trainee, "intro"), done(trainee, "practice")])
    assert response.status_code == 200 and len(response.get_json()) == 2
    [completed] = course_completions(trainee)
    [enrolment] = db.session.scalars(sa.select(Enrolment).where(Enrolment.user_id == trainee.id)).all()
    assert completed.registration == enrolment.registration
    assert completed.data["context"]["language"] == "pt-BR"  # none sent: the person's language
    verbs = [s.verb_id for s in db.session.scalars(sa.select(Statement).where(Statement.user_id == trainee.id))]
    assert v.LAUNCHED not in verbs  # the trainee launched nothing here
    login_as(trainee)
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert "Você concluiu este curso." in page or "You have completed this course." in page
    client.get("/courses/pilot/modules/intro")
    assert lrs.post(done(trainee, "practice")).status_code == 200  # content reports it once more
    assert len(course_completions(trainee)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 1


def test_a_voiding_does_not_leave_the_course_completed_twice(synced_course, lrs, make_user):
    """Voiding the last module voids the course's statement (tests/courses/test_voiding.py); completing the module
    again completes the course again: one statement standing."""
    trainee = make_user(("trainee",))
    db.session.commit()
    first = lrs.post([done(trainee, "intro"), done(trainee, "practice")]).get_json()
    assert len(course_completions(trainee)) == 1
    voiding = {"actor": actor(trainee), "verb": {"id": v.VOIDED},
               "object": {"objectType": "StatementRef", "id": first[1]}}
    assert lrs.post(voiding).status_code == 200
    assert lrs.post(done(trainee, "practice")).status_code == 200  # completed again
    assert sorted(s.is_voided for s in course_completions(trainee)) == [False, True]


def test_a_voiding_that_makes_the_last_quiz_passed_completes_the_course(client, login_as, app, tmp_path,
                                                                       sample_framework, lrs):
    """The best score decides success: voiding a better failed attempt leaves the pass standing, which
    completes the course in the voiding's transaction."""
    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("practice: viewed", "practice: quiz"))
    app.config["COURSES_DIR"] = str(root)
    sync_tree(root)
    trainee = login_as("trainee", locale="en")
    client.get("/courses/pilot/modules/intro")
    [failed, _passed] = lrs.post([
        done(trainee, "practice", result={"score": {"scaled": 0.9}, "success": False, "completion": True}),
        done(trainee, "practice", v.PASSED, result={"score": {"scaled": 0.5}, "success": True})]).get_json()
    assert course_completions(trainee) == []
    assert lrs.post({"actor": actor(trainee), "verb": {"id": v.VOIDED},
                     "object": {"objectType": "StatementRef", "id": failed}}).status_code == 200
    assert len(course_completions(trainee)) == 1


def test_rebuilding_the_projection_does_not_complete_a_course_again(client, login_as, synced_course, lrs, runner):
    trainee = login_as("trainee", locale="en")
    client.get("/courses/pilot/modules/intro")
    lrs.post(done(trainee, "practice"))
    before = statement_count()
    result = runner.invoke(args=["lrs", "rebuild-progress"])
    assert result.exit_code == 0, result.output
    assert statement_count() == before
    lrs.post(done(trainee, "practice"))
    client.get("/courses/pilot/modules/practice")
    assert len(course_completions(trainee)) == 1


def test_the_reader_completes_the_course_once_as_before(client, login_as, synced_course):
    trainee = login_as("trainee", locale="en")
    for module in ("intro", "practice", "intro", "practice"):
        client.get(f"/courses/pilot/modules/{module}")
    [completed] = course_completions(trainee)
    assert completed.registration == db.session.scalar(sa.select(Enrolment)).registration
    assert completed.data["context"]["language"] == "en"


def test_statements_about_other_activities_cause_no_other_statement(synced_course, lrs, make_user):
    """The conformance suite counts statements: whatever a client sends about activities that are not modules of
    our courses (a question of a module, a module of a course that does not exist, another site's, anything
    else), by a person Itinera knows, is all that is stored."""
    trainee = make_user(("trainee",))
    db.session.commit()
    lrs.post(done(trainee, "intro"))
    before = statement_count()
    others = [f"{v.module_iri('pilot', 'practice')}/questions/q1", f"{v.module_iri('pilot', 'practice')}/",
              v.module_iri("no-such-course", "practice"),
              "http://example.org/activities/courses/pilot/modules/practice",
              "http://itinera.test/activities/workshops/x", "http://example.org/anything"]
    for iri in others:
        for verb in (v.COMPLETED, v.PASSED):
            response = lrs.post({"actor": actor(trainee), "verb": {"id": verb}, "object": {"id": iri}})
            assert response.status_code == 200, iri
    assert statement_count() == before + 2 * len(others)
    assert course_completions(trainee) == []


def test_a_statement_about_a_foreign_activity_costs_no_query_more_for_completing_it(app, synced_course, lrs,
                                                                                   make_user):
    """The LRS's load is statements about activities of other sites: completing one asks the database nothing
    more than experiencing it."""
    trainee = make_user(("trainee",))
    db.session.commit()
    counted = []

    def count(*_args):
        counted.append(1)

    def cost(verb, iri):
        lrs.post({"actor": actor(trainee), "verb": {"id": v.EXPERIENCED}, "object": {"id": iri}})  # seen before
        counted.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert lrs.post({"actor": actor(trainee), "verb": {"id": verb}, "object": {"id": iri}}).status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(counted)

    assert cost(v.COMPLETED, "http://example.org/one") == cost(v.EXPERIENCED, "http://example.org/two")


@pytest.mark.skipif(not PG_URL, reason="SQLite lets one writer in at a time")
def test_outside_content_and_a_first_visit_at_once_enrol_and_complete_once(app, synced_course, make_user, lrs):
    """The trainee opens a module here for the first time while partner content reports the last module: both
    enrol her. The reader added its enrolment and then waited for her progress lock, which the LRS request held
    while it waited for that enrolment: a deadlock, and the reader's page failed. The reader now takes the lock
    before it enrols: one enrolment, one course ``completed``, and both requests answered."""
    trainee = make_user(("trainee",), locale="en")
    db.session.commit()
    assert lrs.post(done(trainee, "intro")).status_code == 200
    reader_inserted, lrs_looked, answers = threading.Event(), threading.Event(), {}

    def hold(conn, cursor, statement, parameters, context, executemany):
        who = threading.current_thread().name
        if statement.startswith("INSERT INTO enrolment") and who == "reader":
            lrs_looked.wait(3)  # the LRS request, holding her progress lock, found no enrolment either
        elif statement.startswith("INSERT INTO enrolment") and who == "lrs" and reader_inserted.wait(3):
            until_a_lock_is_awaited(seconds=3)  # the reader's enrolment is in: until the reader waits for a lock

    def seen(conn, cursor, statement, parameters, context, executemany):
        who = threading.current_thread().name
        if statement.startswith("SELECT enrolment.") and who == "lrs":
            lrs_looked.set()
        elif statement.startswith("INSERT INTO enrolment") and who == "reader":
            reader_inserted.set()

    sid, body = session_id(trainee), done(trainee, "practice")

    def read():
        answers["reader"] = signed_in_client(app, sid).get("/courses/pilot/modules/intro").status_code

    def report():
        answers["lrs"] = XapiClient(app.test_client(), lrs.key, lrs.secret).post(body).status_code

    sa.event.listen(db.engine, "before_cursor_execute", hold)
    sa.event.listen(db.engine, "after_cursor_execute", seen)
    try:
        threads = [threading.Thread(target=read, name="reader"), threading.Thread(target=report, name="lrs")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", hold)
        sa.event.remove(db.engine, "after_cursor_execute", seen)
    assert answers == {"reader": 200, "lrs": 200}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 1
    assert len(course_completions(trainee)) == 1


def test_a_batch_completing_several_modules_checks_the_course_once(client, synced_course, make_user, lrs):
    """Content syncing what was done offline sends every module at once: the course was looked up and checked for
    each module the batch completed (a batch of 900 completions asked 1,577 queries), though the whole batch is
    projected before any check and each check saw the same. It is checked once per person and course, in the
    language of the first module of the batch the course counts."""
    from tests.queries import statements_during

    trainee, other = make_user(("trainee",), locale="en"), make_user(("trainee",), locale="en")
    batch = [done(trainee, "intro", context={"language": "pt-BR"}),
             done(trainee, "practice", context={"language": "es"}), done(other, "intro"), done(other, "practice")]
    response, statements = statements_during(lambda: lrs.post(batch))
    assert response.status_code == 200
    lookups = [s for s in statements if "FROM course " in s and "course.slug" in s]
    assert len(lookups) == 2  # one per person, not one per module
    [completed] = course_completions(trainee)
    assert completed.data["context"]["language"] == "pt-BR"
    assert len(course_completions(other)) == 1
