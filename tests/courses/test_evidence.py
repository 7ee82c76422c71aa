"""Modules as evidence for current_levels(): a module that grants a level counts once it is completed
successfully (a quiz passed, a workshop attended), dated when that happened; a module only viewed never counts."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from app.competences.services import current_levels
from app.courses.loader import load_tree
from app.courses.services import get_course, module_iri, sync
from app.db import utcnow
from app.extensions import db
from app.xapi import vocabulary as v
from app.xapi.services import record
from tests.fixtures.courses import COURSE_YAML, build_tree, module_text
from tests.fixtures.xapi import XapiClient, statement


@pytest.fixture
def graded_course(app, tmp_path, sample_framework):
    """intro is read (viewed, grants A1 level 1); practice is a quiz granting A1 level 2 and B1 level 1."""
    texts = {locale: module_text("T") for locale in ("en", "es", "pt_BR")}
    graded = {locale: module_text("Q", competences="  - {code: A1, level: 2}\n  - {code: B1, level: 1}\n")
              for locale in ("en", "es", "pt_BR")}
    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("practice: viewed", "practice: quiz"),
                      modules={"01-intro": texts, "02-practice": graded})
    tree = load_tree(root)
    assert tree.problems == []
    sync(tree)
    db.session.commit()
    course = get_course("pilot")
    return {m.slug: module_iri(course, m) for m in course.current.modules}


def test_a_module_only_viewed_grants_nothing(make_user, graded_course):
    trainee = make_user(("trainee",))
    record(trainee, v.COMPLETED, graded_course["intro"], result={"completion": True})
    record(trainee, v.COMPLETED, graded_course["practice"], result={"completion": True})  # not passed
    db.session.commit()
    assert {code: level.level for code, level in current_levels(trainee, framework="demo").items()} == {}


def test_a_passed_quiz_grants_its_levels_from_when_it_was_passed(make_user, graded_course):
    trainee = make_user(("trainee",))
    failed = record(trainee, v.FAILED, graded_course["practice"],
                    result={"success": False, "completion": True, "score": {"scaled": 0.4}})
    db.session.commit()
    assert current_levels(trainee, framework="demo") == {}
    passed = record(trainee, v.PASSED, graded_course["practice"],
                    result={"success": True, "completion": True, "score": {"scaled": 0.9}})
    db.session.commit()
    levels = current_levels(trainee, framework="demo")
    assert (levels["A1"].level, levels["B1"].level) == (2, 1)
    [evidence] = levels["A1"].evidence
    assert evidence.kind == "module" and evidence.source == graded_course["practice"]
    assert evidence.achieved_at == passed.timestamp and evidence.achieved_at >= failed.timestamp
    # A1 is valid for 24 months in the sample framework, counted from the pass; B1 does not expire
    later = current_levels(trainee, at=passed.timestamp + timedelta(days=31 * 25), framework="demo")
    assert later["B1"].level == 1 and (later.get("A1") is None or later["A1"].level is None)


def test_a_validated_level_and_module_evidence_the_highest_wins(make_user, graded_course, sample_framework):
    from app.competences.services import validate_level

    coordinator = make_user(("coordinator",), country="CL")
    trainee = make_user(("trainee",), country="CL")
    validate_level(coordinator, trainee, sample_framework, "B1", 3)
    record(trainee, v.PASSED, graded_course["practice"], result={"success": True, "completion": True})
    db.session.commit()
    levels = current_levels(trainee, at=utcnow(), framework="demo")
    assert levels["A1"].level == 2 and [e.kind for e in levels["A1"].evidence] == ["module"]
    assert levels["B1"].level == 3 and [e.kind for e in levels["B1"].evidence] == ["validated", "module"]


def _sync_second_version(tmp_path):
    """pilot v2, whose quiz grants more than v1's: A1 level 3 and B1 level 2."""
    graded = {locale: module_text("Q2", competences="  - {code: A1, level: 3}\n  - {code: B1, level: 2}\n")
              for locale in ("en", "es", "pt_BR")}
    texts = {locale: module_text("T") for locale in ("en", "es", "pt_BR")}
    course_yaml = COURSE_YAML.replace("practice: viewed", "practice: quiz").replace("version: 1", "version: 2")
    tree = load_tree(build_tree(tmp_path / "c2", course_yaml=course_yaml,
                                modules={"01-intro": texts, "02-practice": graded}))
    assert tree.problems == []
    sync(tree)
    db.session.commit()


def _levels(user) -> dict:
    return {code: level.level for code, level in current_levels(user, framework="demo").items()}


def test_a_new_version_of_the_course_does_not_raise_what_an_older_one_granted(make_user, graded_course, tmp_path):
    passed_v1, passed_v2 = make_user(("trainee",)), make_user(("trainee",))
    record(passed_v1, v.PASSED, graded_course["practice"], result={"success": True, "completion": True},
           context={"revision": "1"})
    db.session.commit()
    assert _levels(passed_v1) == {"A1": 2, "B1": 1}
    _sync_second_version(tmp_path)
    assert _levels(passed_v1) == {"A1": 2, "B1": 1}  # what v1 said, although v2 grants more
    record(passed_v2, v.PASSED, graded_course["practice"], result={"success": True, "completion": True},
           context={"revision": "2"})
    db.session.commit()
    assert _levels(passed_v2) == {"A1": 3, "B1": 2}


def test_without_a_revision_the_version_current_when_it_was_passed_counts(make_user, graded_course, tmp_path):
    before, after = make_user(("trainee",)), make_user(("trainee",))
    record(before, v.PASSED, graded_course["practice"], result={"success": True, "completion": True})
    db.session.commit()
    _sync_second_version(tmp_path)
    record(after, v.PASSED, graded_course["practice"], result={"success": True, "completion": True})
    # a revision the course never had says nothing about which version it was: the time decides
    unknown = make_user(("trainee",))
    record(unknown, v.PASSED, graded_course["practice"], result={"success": True, "completion": True},
           context={"revision": "9"})
    db.session.commit()
    assert _levels(before) == {"A1": 2, "B1": 1}
    assert _levels(after) == _levels(unknown) == {"A1": 3, "B1": 2}


def test_a_version_whose_module_grants_nothing_gives_nothing(make_user, graded_course, tmp_path):
    """v2 makes the quiz a reading: a pass without a revision, once v2 is current, grants nothing."""
    texts = {locale: module_text("T") for locale in ("en", "es", "pt_BR")}
    tree = load_tree(build_tree(tmp_path / "c2", course_yaml=COURSE_YAML.replace("version: 1", "version: 2"),
                                modules={"01-intro": texts, "02-practice": texts}))
    sync(tree)
    db.session.commit()
    trainee = make_user(("trainee",))
    record(trainee, v.PASSED, graded_course["practice"], result={"success": True, "completion": True})
    db.session.commit()
    assert _levels(trainee) == {}


def test_outside_content_has_revisions_of_its_own(make_user, graded_course, tmp_path, client, make_lrs_client):
    """A package reporting "revision": "1" speaks of its own revision, not of version 1 of the course: the
    version current when it was passed decides."""
    _sync_second_version(tmp_path)
    trainee = make_user(("trainee",))
    lrs_client, secret = make_lrs_client(activity_prefixes=[graded_course["practice"]])
    xapi = XapiClient(client, lrs_client.key, secret)
    response = xapi.post(statement(
        actor={"account": {"homePage": "http://itinera.test", "name": str(trainee.uuid)}},
        verb={"id": v.PASSED}, object={"id": graded_course["practice"]}, context={"revision": "1"},
        result={"success": True, "completion": True}))
    assert response.status_code == 200
    assert _levels(trainee) == {"A1": 3, "B1": 2}  # what v2, current then, grants


def test_a_pass_sent_late_by_offline_content_dates_the_level_when_it_happened(make_user, graded_course, client,
                                                                              make_lrs_client):
    """Content used offline sends its statements when the connection comes back: a pass that happened before
    one already stored is the pass that dates the level."""
    trainee = make_user(("trainee",))
    lrs_client, secret = make_lrs_client(activity_prefixes=[graded_course["practice"]])
    xapi = XapiClient(client, lrs_client.key, secret)
    actor = {"account": {"homePage": "http://itinera.test", "name": str(trainee.uuid)}}

    def passed(timestamp, scaled):
        response = xapi.post(statement(actor=actor, verb={"id": v.PASSED}, object={"id": graded_course["practice"]},
                                       timestamp=timestamp, result={"success": True, "score": {"scaled": scaled}}))
        assert response.status_code == 200

    # the levels as they stood the day after: read now, A1's passes (24 months) would have expired from March 2028
    after = datetime(2026, 3, 11, tzinfo=timezone.utc)
    passed("2026-03-10T09:00:00Z", 0.95)
    assert current_levels(trainee, after, "demo")["A1"].evidence[0].achieved_at.isoformat()[:10] == "2026-03-10"
    passed("2026-03-02T18:30:00-03:00", 0.8)  # done offline a week earlier, arriving now
    db.session.expire_all()
    [evidence] = current_levels(trainee, after, "demo")["A1"].evidence
    assert evidence.achieved_at.isoformat() == "2026-03-02T21:30:00+00:00"



def test_a_pass_timestamped_in_the_future_grants_its_levels_now(make_user, graded_course, client, make_lrs_client):
    """Content on a device whose clock is ahead: the course page shows the quiz passed, so the levels count
    from when the pass was stored, not from the year the device believes it is."""
    from app.courses.services import states

    trainee = make_user(("trainee",))
    lrs_client, secret = make_lrs_client(activity_prefixes=[graded_course["practice"]])
    xapi = XapiClient(client, lrs_client.key, secret)
    response = xapi.post(statement(
        actor={"account": {"homePage": "http://itinera.test", "name": str(trainee.uuid)}}, verb={"id": v.PASSED},
        object={"id": graded_course["practice"]}, timestamp="2099-06-01T00:00:00Z", result={"success": True}))
    assert response.status_code == 200
    db.session.expire_all()
    assert [s.status for s in states(trainee, get_course("pilot").current)] == ["not-started", "completed"]
    levels = current_levels(trainee, framework="demo")
    assert (levels["A1"].level, levels["B1"].level) == (2, 1)
    assert levels["A1"].evidence[0].achieved_at <= utcnow()


def test_a_person_reads_their_competences_and_their_coordinator_reads_them_too(client, login_as, make_user,
                                                                             graded_course, sample_framework):
    trainee = make_user(("trainee",), country="CL", locale="en", name="Rosa Quispe")
    record(trainee, v.PASSED, graded_course["practice"], result={"success": True, "completion": True})
    db.session.commit()
    login_as(trainee)
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    page = client.get("/auth/account/competences").get_data(as_text=True)
    # the evidence names the module it comes from and its course (one module grants both levels)
    assert "Your competences" in page
    assert page.count("Module “Q” of the course “Pilot course”, completed successfully") == 2
    assert "2. Practitioner" in page and "1. Foundation" in page and "No evidence yet" not in page
    assert "Counts until" in page  # A1 expires 24 months after the pass; B1 does not
    login_as("coordinator", country="CL", locale="en")
    detail = client.get(f"/admin/users/{trainee.uuid}").get_data(as_text=True)
    assert "Competences of Rosa Quispe" in detail
    assert "Module “Q” of the course “Pilot course”, completed successfully" in detail
    login_as("coordinator", country="AR", locale="en")
    assert client.get(f"/admin/users/{trainee.uuid}").status_code == 403


def test_without_evidence_the_own_estimate_is_shown_apart(client, login_as, make_user, sample_framework):
    from app.competences.services import self_assess

    trainee = make_user(("trainee",), country="CL", locale="en")
    self_assess(trainee, sample_framework, {"A1": 3})
    db.session.commit()
    login_as(trainee)
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    page = client.get("/auth/account/competences").get_data(as_text=True)
    assert page.count("No evidence yet") == 2 and "3. Advanced" in page


def test_a_finished_graded_course_says_its_levels_now_count(client, login_as, graded_course):
    """After the last module the trainee reads what happens next: their competences, more courses."""
    trainee = login_as("trainee", locale="en")
    record(trainee, v.COMPLETED, graded_course["intro"], result={"completion": True})
    record(trainee, v.PASSED, graded_course["practice"],
           result={"success": True, "completion": True, "score": {"scaled": 0.9}})
    db.session.commit()
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert "You have completed this course." in page and "<h2>What happens next</h2>" in page
    assert "The levels of the modules you completed successfully now count in your competences." in page
    assert "Reading a course does not raise" not in page
    assert '<a href="/auth/account/competences">Your competences</a>' in page
    assert '<a href="/courses/">See the courses</a>' in page


def _courses_section(client, path):
    import re

    html = client.get(path).get_data(as_text=True)
    start = html.index('id="courses"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:html.index("<h2", start + 1)]))


def test_a_competence_page_names_the_courses_that_develop_it_and_whether_they_prove_it(
        client, login_as, graded_course):
    login_as("trainee")
    a1 = _courses_section(client, "/competences/demo/A1?lang=en")
    assert "Pilot course : up to level 2, Practitioner." in a1  # the highest level of its modules
    assert "Completing it successfully counts as evidence of that level." in a1
    b1 = _courses_section(client, "/competences/demo/B1?lang=es")
    assert "Curso piloto : hasta el nivel 1, Fundamentos." in b1
    assert "No course" not in _courses_section(client, "/competences/demo/B1?lang=en")


def test_a_withdrawn_course_is_named_only_to_those_who_publish(app, client, login_as, make_user, graded_course):
    course = get_course("pilot")
    course.is_published = False
    db.session.commit()
    assert "No course in the catalogue" in _courses_section(client, "/competences/demo/A1?lang=en")  # a visitor
    login_as("trainee")
    assert "No course in the catalogue" in _courses_section(client, "/competences/demo/A1?lang=en")
    trainer = app.test_client()
    from tests.fixtures.factories import session_id

    with trainer.session_transaction() as session:
        session["_user_id"] = session_id(make_user(roles=("trainer",)))
    assert "Pilot course" in _courses_section(trainer, "/competences/demo/A1?lang=en")


def test_a_withdrawn_course_is_marked_so_on_a_competence_page_and_titles_say_their_language(
        app, client, login_as, make_user, graded_course):
    from tests.fixtures.factories import session_id

    trainer = app.test_client()
    with trainer.session_transaction() as session:
        session["_user_id"] = session_id(make_user(roles=("trainer",)))
    assert "Withdrawn" not in _courses_section(trainer, "/competences/demo/A1?lang=en")
    html = trainer.get("/competences/demo/A1?lang=en").get_data(as_text=True)
    assert '<a href="/courses/pilot/" lang="en">Pilot course</a>' in html
    course = get_course("pilot")
    course.is_published = False  # trainees no longer see it: those who still do are told
    db.session.commit()
    assert "Pilot course Withdrawn : up to level 2" in _courses_section(trainer, "/competences/demo/A1?lang=en")


def test_a_workshop_attended_completes_its_module_and_grants_its_levels_from_the_attendance(
        client, login_as, app, tmp_path, sample_framework):
    """A workshop is done by attending it: completion without success or score."""
    texts = {locale: module_text("T") for locale in ("en", "es", "pt_BR")}
    workshop = {locale: module_text("W", competences="  - {code: B1, level: 1}\n") for locale in ("en", "es", "pt_BR")}
    root = build_tree(tmp_path / "w", course_yaml=COURSE_YAML.replace("practice: viewed", "practice: workshop"),
                      modules={"01-intro": texts, "02-practice": workshop})
    sync(load_tree(root))
    db.session.commit()
    app.config["COURSES_DIR"] = str(root)
    trainee = login_as("trainee", locale="en")
    client.get("/courses/pilot/modules/intro")
    attended = record(trainee, v.COMPLETED, v.module_iri("pilot", "practice"), result={"completion": True})
    db.session.commit()
    levels = current_levels(trainee, framework="demo")
    assert levels["B1"].level == 1 and levels["B1"].evidence[0].achieved_at == attended.timestamp
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert "2 of 2 modules completed" in page and "You have completed this course." in page


def test_reading_module_evidence_asks_as_much_for_many_graded_courses_as_for_two(app, client, login_as, make_user,
                                                                                  tmp_path, sample_framework):
    """current_levels() reads the modules that grant levels with their course versions and courses together,
    not a course (and its versions) at a time: every page with a competence profile calls it."""
    import shutil

    from tests.queries import profile_page_counts

    app.config["COMPETENCE_FRAMEWORK"] = "demo"
    texts = {locale: module_text("T") for locale in ("en", "es", "pt_BR")}
    graded = {locale: module_text("Q", competences="  - {code: A1, level: 2}\n") for locale in ("en", "es", "pt_BR")}
    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("practice: viewed", "practice: quiz"),
                      modules={"01-intro": texts, "02-practice": graded})
    trainee = make_user(("trainee",), locale="en")
    admin = make_user(("admin",), country=None, locale="en")

    def count(slugs):
        for slug in slugs:
            if slug != "pilot":
                shutil.copytree(root / "pilot", root / slug)
                yaml = (root / slug / "course.yaml").read_text(encoding="utf-8")
                (root / slug / "course.yaml").write_text(yaml.replace("slug: pilot", f"slug: {slug}"), encoding="utf-8")
        sync(load_tree(root))
        for slug in slugs:
            course = get_course(slug)
            record(trainee, v.PASSED, module_iri(course, course.current.modules[1]),
                   result={"success": True, "completion": True})
        db.session.commit()
        found = profile_page_counts(client, login_as, trainee, admin)
        assert current_levels(trainee, framework="demo")["A1"].level == 2
        return found

    two = count(["pilot", "pilot2"])
    assert count(["pilot3", "pilot4", "pilot5", "pilot6"]) == two


def test_evidence_is_named_from_the_newest_version_alone(app, tmp_path, sample_framework):
    """A profile names a module as its course's newest version does; the texts of its earlier versions (every
    module's body in every language, each version of a course its own copy) are not read for it."""
    from app.courses.models import Module
    from app.courses.services import modules_named

    root = tmp_path / "c"
    for number in (1, 2, 3):
        texts = {locale: module_text(f"Q{number}") for locale in ("en", "es", "pt_BR")}
        build_tree(root, course_yaml=COURSE_YAML.replace("version: 1", f"version: {number}"),
                   modules={"01-intro": texts, "02-practice": texts})
        sync(load_tree(root))
        db.session.commit()
    iri = v.module_iri("pilot", "practice")
    db.session.expunge_all()
    read = []

    def loaded(module, _context):
        read.append(module.course_version_id)

    sa.event.listen(Module, "load", loaded)
    try:
        with app.test_request_context("/?lang=en"):
            named = modules_named([iri, iri])
    finally:
        sa.event.remove(Module, "load", loaded)
    assert named[iri].title == "Q3" and named[iri].course == "Pilot course"
    assert len(read) == 1


def _people_holding(graded_course, sample_framework, make_user, count: int) -> None:
    """``count`` sets of people with evidence of B1 (practice grants level 1) or a self-assessment of it: one
    validated, one validated and withdrawn who declares a level, one who passed the quiz, one validated who also
    passed it and declares a level, one who only completed it, one who declared a level and then "Not sure"."""
    from app.competences.services import self_assess, validate_level, withdraw_validation

    coordinator = make_user(("coordinator",), country="CL")
    for _ in range(count):
        validated, withdrawn, passed, both, failed, unsure = (make_user(("trainee",), country="CL")
                                                              for _ in range(6))
        validate_level(coordinator, validated, sample_framework, "B1", 2)
        withdraw_validation(coordinator, validate_level(coordinator, withdrawn, sample_framework, "B1", 3))
        self_assess(withdrawn, sample_framework, {"B1": 1})
        record(passed, v.PASSED, graded_course["practice"], result={"success": True, "completion": True})
        validate_level(coordinator, both, sample_framework, "B1", 3)
        record(both, v.PASSED, graded_course["practice"], result={"success": True, "completion": True})
        self_assess(both, sample_framework, {"B1": 2})
        record(failed, v.COMPLETED, graded_course["practice"], result={"completion": True})
        self_assess(unsure, sample_framework, {"B1": 2})
        self_assess(unsure, sample_framework, {"B1": None})
    db.session.commit()


def test_the_holders_of_a_competence_are_counted_once_each_as_their_levels_say(make_user, graded_course,
                                                                               sample_framework):
    from app.auth.models import User
    from app.competences.services import Holders, holders

    _people_holding(graded_course, sample_framework, make_user, 1)
    assert holders(sample_framework, "B1") == Holders(evidence=3, self_declared=1)
    everyone = db.session.scalars(sa.select(User)).all()
    levels = [current_levels(person, framework="demo").get("B1") for person in everyone]
    assert sum(1 for level in levels if level and level.level) == 3  # what reading everyone's levels says
    assert sum(1 for level in levels if level and level.is_self_declared_only) == 1
    # A1 (granted by the quiz) counts for 24 months from the pass: after that, nobody holds it
    assert holders(sample_framework, "A1") == Holders(evidence=2, self_declared=0)
    assert holders(sample_framework, "A1", at=utcnow() + timedelta(days=31 * 25)) == Holders(0, 0)
    assert holders(sample_framework, "A2") == Holders(0, 0)


def test_the_page_asking_to_remove_a_competence_counts_its_holders_in_as_many_queries_for_many(
        client, login_as, make_user, graded_course, sample_framework):
    from html import unescape

    from app.courses.services import set_published
    from tests.queries import statements_during

    trainer = login_as("trainer", country="ES")
    set_published(trainer, get_course("pilot"), False)  # a published course developing B1 would keep it
    db.session.commit()
    html = unescape(client.post("/competences/demo/competences/B1/remove?lang=en").get_data(as_text=True))
    assert "validated or earned in a course" not in html and "self-assessment" not in html  # nobody: nothing said
    _people_holding(graded_course, sample_framework, make_user, 1)
    asked, one = statements_during(lambda: client.post("/competences/demo/competences/B1/remove?lang=en"))
    html = unescape(asked.get_data(as_text=True))
    assert asked.status_code == 200 and "3 people hold a level of it, validated or earned in a course." in html
    assert "1 person declares a level of it in their self-assessment, without evidence." in html
    _people_holding(graded_course, sample_framework, make_user, 3)
    asked, four = statements_during(lambda: client.post("/competences/demo/competences/B1/remove?lang=en"))
    assert "12 people hold a level of it" in unescape(asked.get_data(as_text=True))
    assert len(four) == len(one)


def test_deactivated_accounts_are_counted_apart_from_the_people_who_hold_a_competence(
        client, login_as, make_user, graded_course, sample_framework):
    """The page asking to remove a competence counts the people of the programme who hold it; the accounts
    deactivated (people who left, who keep their records) are said apart, not counted among them."""
    from html import unescape

    from app.auth.models import User
    from app.competences.services import Holders, holders
    from app.courses.services import set_published

    trainer = login_as("trainer", country="ES")
    set_published(trainer, get_course("pilot"), False)
    _people_holding(graded_course, sample_framework, make_user, 2)
    levels = {person: current_levels(person, framework="demo").get("B1")
              for person in db.session.scalars(sa.select(User).order_by(User.id))}
    holding = [person for person, level in levels.items() if level and level.level]
    declaring = [person for person, level in levels.items() if level and level.is_self_declared_only]
    for person in (holding[0], declaring[0]):
        person.is_active = False
    db.session.commit()
    assert holders(sample_framework, "B1") == Holders(evidence=5, self_declared=1, deactivated=2)
    html = unescape(client.post("/competences/demo/competences/B1/remove?lang=en").get_data(as_text=True))
    assert "5 people hold a level of it, validated or earned in a course." in html
    assert "1 person declares a level of it in their self-assessment, without evidence." in html
    assert "2 deactivated accounts also hold a level of it, or declare one." in html


def test_levels_in_every_framework_are_what_current_levels_says_of_each(make_user, graded_course, sample_framework):
    """A quiz passed in a course aligned with one framework, a level validated in another: levels_by_framework()
    names both frameworks, each as current_levels() would, later too (once the quiz's A1 has expired)."""
    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.services import import_framework, levels_by_framework, self_assess, validate_level
    from tests.fixtures.competences import SAMPLE

    other, _ = import_framework(SYSTEM, files.read_yaml(SAMPLE.replace("slug: demo", "slug: other"), "other.yaml"))
    import_framework(SYSTEM, files.read_yaml(SAMPLE.replace("slug: demo", "slug: unused"), "unused.yaml"))
    trainee = make_user(("trainee",), country="CL")
    validate_level(make_user(("coordinator",), country="CL"), trainee, other.framework, "B1", 3)
    self_assess(trainee, other.framework, {"A1": 2})
    passed = record(trainee, v.PASSED, graded_course["practice"], result={"success": True, "completion": True})
    db.session.commit()
    for at in (None, passed.timestamp + timedelta(days=31 * 25)):
        by_framework = levels_by_framework(trainee, at=at)
        assert list(by_framework) == ["demo", "other"]  # nothing in "unused"
        for slug, levels in by_framework.items():
            assert levels == current_levels(trainee, at=at, framework=slug)
    assert levels_by_framework(trainee)["demo"]["A1"].level == 2 and "A1" not in by_framework["demo"]
    assert by_framework["other"]["B1"].level == 3 and by_framework["other"]["A1"].self_declared == 2
    assert levels_by_framework(make_user(("trainee",), country="CL")) == {}


def test_the_course_page_names_each_competence_once_at_the_highest_level_of_its_modules(client, login_as,
                                                                                       graded_course):
    """CONTRACTS.md: a course develops the highest level any of its modules gives per competence (A1: level 1 in
    the first module, 2 in the second), in the framework's order."""
    import re

    login_as("trainee")
    for lang, expected in (("en", ["A1 Diagnosis – up to level Practitioner", "B1 Discovery – up to level Foundation"]),
                           ("es", ["A1 Diagnóstico – hasta el nivel Practicante",
                                   "B1 Descubrimiento – hasta el nivel Fundamentos"])):
        html = client.get(f"/courses/pilot/?lang={lang}").get_data(as_text=True)
        section = html[html.index("<h2>", html.index("<h2>Competences developed</h2>" if lang == "en"
                                                     else "<h2>Competencias que desarrolla</h2>")):]
        items = re.findall(r"<li>(.*?)</li>", section.split("</ul>")[0], re.S)
        assert [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip() for item in items] == expected, lang
