"""What follows from a module's completion when the statement that completed it is voided: the course's own
``completed``, which Itinera recorded from it, is voided too (by Itinera, through the LRS like every statement)
once what the course asked for no longer stands, and completing the module again completes the course again,
once. Competence evidence, the course page and where to go on are read from the projection and follow it."""
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.auth.services import SYSTEM
from app.competences.services import current_levels
from app.courses.services import get_course, module_iri, states
from app.extensions import db
from app.xapi import vocabulary as v
from app.xapi.clients import create_client
from app.xapi.models import ClientScope, Progress, Statement
from app.xapi.services import progress_of, rebuild_progress, record, store
from tests.fixtures.courses import (COURSE, COURSE_YAML, actor, build_tree, completions, course_row, done, module_text,
                                    snapshot, sync_tree, voiding)


def test_voiding_the_last_module_voids_the_course_and_completing_it_again_completes_it_once(
        client, login_as, synced_course, lrs, runner):
    trainee = login_as("trainee", locale="en")
    client.get("/courses/pilot/modules/intro")
    [practice] = lrs.post(done(trainee, "practice")).get_json()
    [course] = completions(trainee)
    assert course_row(trainee).is_completed

    assert lrs.post(voiding(practice)).status_code == 200
    assert completions(trainee, standing=True) == []
    [voided] = completions(trainee, standing=False)
    assert voided.id == course.id
    # voided by Itinera, by its own authority, not by the client that voided the module
    [by_itinera] = db.session.scalars(sa.select(Statement).where(Statement.ref_id == course.id)).all()
    assert by_itinera.is_voiding and by_itinera.client_id is None
    assert by_itinera.data["authority"] == v.authority() and by_itinera.data["verb"]["id"] == v.VOIDED
    row = course_row(trainee)
    assert row is not None and not row.is_completed and row.completed_statement is None
    # the xAPI says so too: the course's statement is found only as a voided one
    assert lrs.get(params={"statementId": str(course.id)}).status_code == 404
    assert lrs.get(params={"voidedStatementId": str(course.id)}).status_code == 200

    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert "You have completed this course." not in page and "1 of 2 modules completed" in page
    assert 'href="/courses/pilot/modules/practice">Continue where you left off' in page.replace("\n", "")
    before = snapshot()
    assert runner.invoke(args=["lrs", "rebuild-progress"]).exit_code == 0
    assert snapshot() == before

    assert lrs.post(done(trainee, "practice")).status_code == 200
    [again] = completions(trainee, standing=True)
    assert again.id != course.id and again.client_id is None
    assert course_row(trainee).completed_statement == again.id
    assert lrs.post(done(trainee, "practice")).status_code == 200  # reported once more: nothing follows
    client.get("/courses/pilot/modules/practice")
    assert len(completions(trainee)) == 2 and len(completions(trainee, standing=True)) == 1
    assert "You have completed this course." in client.get("/courses/pilot/").get_data(as_text=True)
    before = snapshot()
    assert runner.invoke(args=["lrs", "rebuild-progress"]).exit_code == 0
    assert snapshot() == before


def test_a_module_still_completed_by_another_statement_keeps_the_course(synced_course, lrs, make_user):
    trainee = make_user(("trainee",))
    db.session.commit()
    first, _second, _intro = lrs.post([done(trainee, "practice"), done(trainee, "practice"),
                                       done(trainee, "intro")]).get_json()
    [course] = completions(trainee)
    assert lrs.post(voiding(first)).status_code == 200
    assert [s.id for s in completions(trainee, standing=True)] == [course.id]
    assert course_row(trainee).is_completed


def test_a_module_the_course_does_not_ask_for_leaves_it_completed(app, tmp_path, sample_framework, lrs, make_user):
    """An optional module (no rule, in a course that gives rules) counts for nothing: voiding it changes nothing."""
    modules = {f"0{n}-{slug}": {"en": module_text(slug)} for n, slug in ((1, "intro"), (2, "practice"), (3, "extra"))}
    root = build_tree(tmp_path / "c", modules=modules,
                      course_yaml=COURSE_YAML.replace("locales: [en, es, pt_BR]", "locales: [en]"))
    app.config["COURSES_DIR"] = str(root)
    sync_tree(root)
    trainee = make_user(("trainee",))
    db.session.commit()
    extra = lrs.post([done(trainee, "intro"), done(trainee, "practice"), done(trainee, "extra")]).get_json()[2]
    [course] = completions(trainee)
    assert lrs.post(voiding(extra)).status_code == 200
    assert [s.id for s in completions(trainee, standing=True)] == [course.id]


def _sync_version(app, tmp_path, number: int, completion: str, slugs: tuple[str, ...]) -> None:
    modules = {f"0{n}-{slug}": {"en": module_text(slug)} for n, slug in enumerate(slugs, 1)}
    course_yaml = (COURSE_YAML.replace("version: 1", f"version: {number}")
                   .replace("locales: [en, es, pt_BR]", "locales: [en]")
                   .replace("  intro: viewed\n  practice: viewed\n", completion))
    root = build_tree(tmp_path / f"v{number}", course_yaml=course_yaml, modules=modules)
    app.config["COURSES_DIR"] = str(root)
    sync_tree(root)


def test_a_course_completed_under_an_earlier_version_stands_while_what_that_version_asked_for_stands(
        app, tmp_path, sample_framework, lrs, make_user):
    """Completed under version 1 (intro and practice); version 2 also asks for extra, which the trainee then
    completes and the content voids: what version 1 asked for still stands, and so does its completion. Voiding
    practice, which version 1 asked for, voids it; version 2 is not achieved either, so nothing is recorded."""
    _sync_version(app, tmp_path, 1, "  intro: viewed\n  practice: viewed\n", ("intro", "practice"))
    trainee = make_user(("trainee",))
    db.session.commit()
    _intro, practice = lrs.post([done(trainee, "intro"), done(trainee, "practice")]).get_json()
    [course] = completions(trainee)
    assert course.data["context"]["revision"] == "1"
    _sync_version(app, tmp_path, 2, "  intro: viewed\n  practice: viewed\n  extra: viewed\n",
                  ("intro", "practice", "extra"))
    [extra] = lrs.post(done(trainee, "extra")).get_json()
    assert lrs.post(voiding(extra)).status_code == 200
    assert [s.id for s in completions(trainee, standing=True)] == [course.id]
    assert lrs.post(voiding(practice)).status_code == 200
    assert completions(trainee, standing=True) == [] and course_row(trainee) is None  # nothing else about it


def test_voiding_what_an_earlier_version_asked_for_completes_the_course_under_the_current_one(
        app, tmp_path, sample_framework, lrs, make_user):
    """Version 2 no longer asks for practice: voiding it voids the completion under version 1, and the course,
    achieved under version 2, is completed again at once, under version 2 and in the same language."""
    _sync_version(app, tmp_path, 1, "  intro: viewed\n  practice: viewed\n", ("intro", "practice"))
    trainee = make_user(("trainee",))
    db.session.commit()
    _intro, practice = lrs.post([done(trainee, "intro"), done(trainee, "practice", context={"language": "en"})]
                                ).get_json()
    [course] = completions(trainee)
    _sync_version(app, tmp_path, 2, "  intro: viewed\n", ("intro", "practice"))
    assert lrs.post(voiding(practice)).status_code == 200
    [again] = completions(trainee, standing=True)
    assert again.id != course.id and again.data["context"]["revision"] == "2"
    assert again.data["context"]["language"] == course.data["context"]["language"]
    assert again.registration == course.registration
    assert course_row(trainee).completed_statement == again.id


@pytest.fixture
def quiz_course(app, tmp_path, sample_framework):
    """intro is read; practice is a quiz granting A1 level 2."""
    graded = {locale: module_text("Q", competences="  - {code: A1, level: 2}\n") for locale in ("en", "es", "pt_BR")}
    texts = {locale: module_text("T") for locale in ("en", "es", "pt_BR")}
    root = build_tree(tmp_path / "q", course_yaml=COURSE_YAML.replace("practice: viewed", "practice: quiz"),
                      modules={"01-intro": texts, "02-practice": graded})
    app.config["COURSES_DIR"] = str(root)
    sync_tree(root)
    return get_course("pilot")


def test_voiding_the_pass_withdraws_the_evidence_and_the_course(quiz_course, lrs, make_user):
    trainee = make_user(("trainee",))
    db.session.commit()
    _intro, passed = lrs.post([done(trainee, "intro"), done(trainee, "practice", v.PASSED, result={
        "success": True, "completion": True, "score": {"scaled": 0.8}})]).get_json()
    assert current_levels(trainee, framework="demo")["A1"].level == 2
    assert len(completions(trainee, standing=True)) == 1
    assert lrs.post(voiding(passed)).status_code == 200
    assert current_levels(trainee, framework="demo") == {}
    assert completions(trainee, standing=True) == []
    assert [s.status for s in states(trainee, quiz_course.current)] == ["completed", "not-started"]


def test_voiding_the_pass_of_an_attempt_also_failed_voids_the_course(quiz_course, lrs, make_user):
    """The module stays completed (a failed attempt completed it) but no longer passed: a quiz asks for a pass."""
    trainee = make_user(("trainee",))
    db.session.commit()
    _intro, _failed, passed = lrs.post([
        done(trainee, "intro"),
        done(trainee, "practice", v.FAILED, result={"success": False, "completion": True, "score": {"scaled": 0.3}}),
        done(trainee, "practice", v.PASSED, result={"success": True, "completion": True, "score": {"scaled": 0.8}}),
    ]).get_json()
    assert len(completions(trainee, standing=True)) == 1
    assert lrs.post(voiding(passed)).status_code == 200
    practice = progress_of(trainee, [module_iri(quiz_course, quiz_course.current.modules[1])])
    assert [(row.is_completed, row.success) for row in practice.values()] == [(True, False)]
    assert completions(trainee, standing=True) == []
    assert lrs.post(done(trainee, "practice", v.PASSED, result={"success": True, "score": {"scaled": 0.9}})
                    ).status_code == 200
    assert len(completions(trainee, standing=True)) == 1


def test_a_better_failed_attempt_after_the_pass_voids_the_course(quiz_course, lrs, make_user):
    """The best score decides success (as for evidence): a failure scored above the pass leaves the quiz not
    passed, and the course not achieved, without any voiding."""
    trainee = make_user(("trainee",))
    db.session.commit()
    lrs.post([done(trainee, "intro"), done(trainee, "practice", v.PASSED, result={
        "success": True, "completion": True, "score": {"scaled": 0.6}})])
    assert len(completions(trainee, standing=True)) == 1
    lrs.post(done(trainee, "practice", v.FAILED, result={"success": False, "score": {"scaled": 0.9}}))
    assert current_levels(trainee, framework="demo") == {}
    assert completions(trainee, standing=True) == []


def test_a_course_statement_the_client_sent_itself_is_the_clients_to_void(synced_course, lrs, make_user):
    """Itinera voids only the statement it recorded itself; one the content sent about the course stays."""
    trainee = make_user(("trainee",))
    db.session.commit()
    [own] = lrs.post({"actor": actor(trainee), "verb": {"id": v.COMPLETED}, "object": {"id": COURSE}}).get_json()
    _intro, practice = lrs.post([done(trainee, "intro"), done(trainee, "practice")]).get_json()
    assert [str(s.id) for s in completions(trainee)] == [own]  # completed already: Itinera recorded none
    assert lrs.post(voiding(practice)).status_code == 200
    assert [str(s.id) for s in completions(trainee, standing=True)] == [own]


def test_itinera_s_course_statement_cannot_be_voided_by_the_client(synced_course, lrs, make_user):
    trainee = make_user(("trainee",))
    db.session.commit()
    lrs.post([done(trainee, "intro"), done(trainee, "practice")])
    [course] = completions(trainee)
    response = lrs.post(voiding(str(course.id)))
    assert response.status_code == 403 and completions(trainee, standing=True) == [course]


# --- the projection and the course's own statement agree, however statements come ---------------------------

QUIZ_YAML = COURSE_YAML.replace("practice: viewed", "practice: quiz")
MODULES = ("intro", "practice")

course_event = st.fixed_dictionaries({
    "person": st.integers(0, 1),
    "module": st.sampled_from(MODULES),
    "verb": st.sampled_from([v.COMPLETED, v.PASSED, v.FAILED, v.EXPERIENCED]),
    "scaled": st.one_of(st.none(), st.sampled_from([0.2, 0.5, 0.8])),
    "void": st.integers(0, 4),  # void an earlier statement of the content now and then
    "target": st.integers(0, 1000),
    "through_record": st.booleans(),  # Itinera's record() (never voided) or the content's statement
    "with_previous": st.booleans(),
    "minutes": st.integers(-60, 60),
})


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None, max_examples=40)
@given(events=st.lists(course_event, min_size=1, max_size=14))
def test_the_course_is_completed_exactly_while_its_modules_are(app, tmp_path_factory, sample_framework, make_user,
                                                              events):
    """Random statements about the modules of a course (a quiz and a read module), by Itinera and by content,
    batches, late timestamps and voidings: after each request the person's course is completed by exactly one
    standing statement of Itinera's exactly when every module it asks for is done, and the projection is what a
    rebuild gives, the rebuild recording and voiding nothing."""
    if get_course("pilot") is None:
        root = build_tree(tmp_path_factory.mktemp("c"), course_yaml=QUIZ_YAML)
        app.config["COURSES_DIR"] = str(root)
        sync_tree(root)
    version = get_course("pilot").current
    db.session.execute(sa.delete(Progress))
    db.session.execute(sa.delete(Statement))
    from app.auth.services import get_user_by_email

    lrs_client, _secret = create_client(SYSTEM, "Content", ClientScope.READ_WRITE)
    people = [get_user_by_email(f"c{i}@example.org") or make_user(("trainee",), email=f"c{i}@example.org")
              for i in range(2)]
    content, batch = [], []

    def check():
        for person in people:
            achieved = all(s.status == "completed" for s in states(person, version))
            standing = completions(person, standing=True)
            assert len(standing) == (1 if achieved else 0), (achieved, standing)
            assert all(s.client_id is None for s in standing)
            row = course_row(person)
            assert bool(row and row.is_completed) == achieved

    def send():
        content.extend(str(row.id) for row in store(batch, v.authority(), lrs_client.id))
        batch.clear()
        check()

    for e in events:
        result = {} if e["scaled"] is None else {"score": {"scaled": e["scaled"]}}
        person = people[e["person"]]
        if e["void"] == 0 and content:
            if batch:
                send()
            batch.append(voiding(content[e["target"] % len(content)]))
            send()
        elif e["through_record"]:
            if batch:
                send()
            record(person, e["verb"], v.module_iri("pilot", e["module"]), result=result or None)
            check()
        else:
            if batch and not e["with_previous"]:
                send()
            minute = 120 + e["minutes"]
            data = done(person, e["module"], e["verb"],
                        timestamp=f"2026-11-27T{minute // 60:02d}:{minute % 60:02d}:00Z")
            if result:
                data["result"] = result
            batch.append(data)
    if batch:
        send()
    db.session.flush()
    incremental, count = snapshot(), db.session.scalar(sa.select(sa.func.count()).select_from(Statement))
    rebuilt = rebuild_progress()
    db.session.flush()
    assert (rebuilt.recorded, rebuilt.voided) == (0, 0)  # the incremental path left nothing to reconcile
    assert snapshot() == incremental
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Statement)) == count
    check()
    db.session.rollback()
