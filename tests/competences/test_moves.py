"""Moving what is built on a framework version to another version: the domain's mover repoints its object."""
import pytest
from flask_babel import force_locale
from werkzeug.exceptions import Forbidden

from app.auth.services import SYSTEM
from app.competences import files, services
from app.competences.services import USE_MOVERS, use_mover
from app.courses.services import competences_developed
from app.errors import ValidationError
from app.extensions import db
from tests.fixtures.competences import SAMPLE, a1_retitled


def import_while_withdrawn(course, text: str):
    """Load a version without A1, which the published pilot course develops: a file may drop it only while no
    published course develops it, so the course is withdrawn for the import and published again."""
    course.is_published = False
    version, _ = services.import_framework(SYSTEM, files.read_yaml(text, "demo.yaml"))
    course.is_published = True
    db.session.flush()
    return version


def test_a_course_moved_to_version_2_shows_its_titles(synced_course, sample_framework, make_user):
    trainer = make_user(roles=("trainer",), country="ES")
    course_version = synced_course.current
    second = a1_retitled(sample_framework, trainer)
    assert second.number == 2
    with force_locale("en"):
        assert competences_developed(course_version)[0][:2] == ("A1", "Diagnosis")  # it keeps version 1
    use = services.get_use("course", "pilot@1")
    services.move_use(trainer, use, second)
    db.session.commit()
    db.session.expire_all()
    assert course_version.framework_version_id == second.id and use.version.number == 2
    with force_locale("en"):
        assert competences_developed(course_version)[0][:2] == ("A1", "Regional diagnosis (en)")
    assert services.uses_of(second) == [use]


def test_a_move_to_a_version_without_a_module_s_competence_is_refused(synced_course, sample_framework, make_user):
    without_a1 = SAMPLE.replace("version: 1", "version: 2")
    start = without_a1.index("  - code: A1\n")
    without_a1 = without_a1[:start] + without_a1[without_a1.index("  - code: B1\n"):]
    second = import_while_withdrawn(synced_course, without_a1)
    db.session.commit()
    use = services.get_use("course", "pilot@1")
    with pytest.raises(ValidationError) as error:
        services.move_use(make_user(roles=("admin",), country=None), use, second)
    assert "lacks level 1 of A1, which the course's modules give" in str(error.value.errors["version"])
    db.session.rollback()
    assert use.version.number == 1 and synced_course.current.framework_version.number == 1


def test_a_refused_move_names_what_the_version_lacks_in_a_sentence(synced_course, sample_framework, make_user):
    """Not "lacks A1 1 (competence and level)": each level is named as the pages name levels."""
    two_levels = SAMPLE.replace("version: 1", "version: 2").replace("technician: 3", "technician: 2")
    two_levels = two_levels[:two_levels.index("  - number: 3")] + two_levels[two_levels.index("areas:"):]
    two_levels = two_levels[:two_levels.index("  - code: A1\n")] + two_levels[two_levels.index("  - code: B1\n"):]
    second = import_while_withdrawn(synced_course, two_levels)
    db.session.commit()
    use = services.get_use("course", "pilot@1")
    with pytest.raises(ValidationError) as error:
        services.move_use(make_user(roles=("admin",), country=None), use, second)
    assert str(error.value.errors["version"]) == ("Version 2 of the framework lacks level 1 of A1, which the "
                                                   "course's modules give")


def test_who_may_move_a_course(synced_course, sample_framework, make_user):
    second = a1_retitled(sample_framework, make_user(roles=("trainer",), country="ES"))
    use = services.get_use("course", "pilot@1")
    for role in ("coordinator", "trainee"):
        with pytest.raises(Forbidden):
            services.move_use(make_user(roles=(role,), country="CL"), use, second)
    with pytest.raises(ValidationError):  # already there
        services.move_use(SYSTEM, use, sample_framework.versions[0])


def test_a_domain_registers_its_mover(sample_framework, make_user):
    moved = []
    use_mover("plan", allowed=lambda actor, use: actor.has_role("coordinator"))(
        lambda use, version: moved.append((use.reference, version.number)))
    try:
        use = services.record_use(sample_framework.current, "plan", "plan-cl-2026")
        second = a1_retitled(sample_framework, make_user(roles=("admin",), country=None))
        with pytest.raises(Forbidden):  # the plan's own check decides, not the framework editors' role
            services.move_use(make_user(roles=("trainer",), country="ES"), use, second)
        services.move_use(make_user(roles=("coordinator",), country="CL"), use, second)
        assert moved == [("plan-cl-2026", 2)] and use.version is second
    finally:
        USE_MOVERS.pop("plan")


def test_the_course_page_links_each_competence_as_the_version_it_is_built_on_has_it(client, login_as, synced_course,
                                                                                    sample_framework, make_user):
    """The course lists A1 by its title in version 1, which it is built on: the link opens A1 as version 1 has
    it, not a page titled otherwise; once the course moves to the current version, the plain address."""
    second = a1_retitled(sample_framework, make_user(roles=("trainer",), country="ES"))
    login_as("trainee", country="CL")
    html = client.get("/courses/pilot/?lang=en").get_data(as_text=True)
    assert '<a href="/competences/demo/A1?version=1">A1 Diagnosis</a>' in html
    page = client.get("/competences/demo/A1?version=1&lang=en").get_data(as_text=True)
    assert "<h1>A1 Diagnosis</h1>" in page or ">A1 Diagnosis<" in page
    services.move_use(SYSTEM, services.get_use("course", "pilot@1"), second)
    db.session.commit()
    html = client.get("/courses/pilot/?lang=en").get_data(as_text=True)
    assert '<a href="/competences/demo/A1">A1 Regional diagnosis (en)</a>' in html


# --- the page -------------------------------------------------------------------------------------------

def test_the_framework_page_moves_a_course(client, login_as, synced_course, sample_framework, make_user):
    a1_retitled(sample_framework, make_user(roles=("trainer",), country="ES"))
    use = services.get_use("course", "pilot@1")
    login_as("trainer", country="ES")
    html = client.get("/competences/demo/?version=1").get_data(as_text=True)
    assert f'action="/competences/demo/uses/{use.id}/move"' in html
    assert f'<label class="label" for="use-{use.id}-version">Move pilot@1 to</label>' in html
    assert f'name="use-{use.id}-csrf_token"' in html or "csrf_token" in html
    response = client.post(f"/competences/demo/uses/{use.id}/move", data={f"use-{use.id}-version": "2"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/competences/demo/?version=2#uses")
    db.session.expire_all()
    assert services.get_use("course", "pilot@1").version.number == 2
    assert "Course pilot@1" in client.get("/competences/demo/?version=2").get_data(as_text=True)


def test_the_framework_page_names_a_course_built_on_it_by_its_title(client, login_as, synced_course,
                                                                      sample_framework):
    """An editor knows a course by its title, not by its slug: the list of what is built on a version names
    the course in the reader's language and links to its page, its reference beside it."""
    login_as("trainer", country="ES")
    html = client.get("/competences/demo/?version=1&lang=es").get_data(as_text=True)
    title = synced_course.versions[0].title["es"]
    assert f'Curso <a href="/courses/pilot/">{title}</a> (pilot@1)' in html


def test_a_move_sent_twice_is_done_once_and_both_say_so(client, login_as, synced_course, sample_framework, make_user):
    """A double click on Move: the second finds the course already on the version chosen, and is told it is,
    not "Not a valid choice" on an error page."""
    a1_retitled(sample_framework, make_user(roles=("trainer",), country="ES"))
    use = services.get_use("course", "pilot@1")
    login_as("trainer", country="ES")
    for _ in range(2):
        response = client.post(f"/competences/demo/uses/{use.id}/move?lang=en",
                               data={f"use-{use.id}-version": "2"}, follow_redirects=True)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "Course pilot@1 is now built on version 2." in html
        assert 'class="error-summary"' not in html
    db.session.expire_all()
    assert services.get_use("course", "pilot@1").version.number == 2


def test_a_refused_move_is_an_error_summary(client, login_as, synced_course, sample_framework):
    without_a1 = SAMPLE.replace("version: 1", "version: 2")
    without_a1 = without_a1[:without_a1.index("  - code: A1\n")] + without_a1[without_a1.index("  - code: B1\n"):]
    import_while_withdrawn(synced_course, without_a1)
    db.session.commit()
    use = services.get_use("course", "pilot@1")
    login_as("admin", country=None)
    response = client.post(f"/competences/demo/uses/{use.id}/move?lang=en", data={f"use-{use.id}-version": "2"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="error-summary"' in html and "lacks level 1 of A1, which the course&#39;s modules give" in html
    assert f'href="#use-{use.id}-version"' in html
    bad = client.post(f"/competences/demo/uses/{use.id}/move", data={f"use-{use.id}-version": "abc"})
    assert bad.status_code == 400
    db.session.expire_all()
    assert services.get_use("course", "pilot@1").version.number == 1


# --- the command ----------------------------------------------------------------------------------------

def test_the_move_command(runner, synced_course, sample_framework, make_user):
    a1_retitled(sample_framework, make_user(roles=("trainer",), country="ES"))
    result = runner.invoke(args=["competences", "move", "course", "pilot@1", "2"])
    assert result.exit_code == 0, result.output
    assert "course pilot@1: moved from demo version 1 to version 2" in result.output
    db.session.expire_all()
    assert synced_course.current.framework_version.number == 2
    for args, message in ((["course", "pilot@9", "2"], "nothing of kind 'course' named 'pilot@9'"),
                          (["course", "pilot@1", "7"], "demo has no version 7"),
                          (["course", "pilot@1", "2"], "already built on version 2")):
        result = runner.invoke(args=["competences", "move", *args])
        assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_the_move_command_says_a_course_is_named_with_its_version(runner, synced_course, sample_framework):
    """A course alone ("pilot") is no use of a framework, its versions are: the command said only that nothing
    named "pilot" was built on a framework, which the author had just seen on the framework page."""
    result = runner.invoke(args=["competences", "move", "course", "pilot", "2"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert ("nothing of kind 'course' named 'pilot' is built on a framework: name a course version as "
            "<course>@<version>, such as pilot@1") in result.output
    result = runner.invoke(args=["competences", "move", "course", "nowhere", "2"])
    assert result.exit_code == 1 and "name a course version as <course>@<version>" in result.output
    assert "such as" not in result.output
