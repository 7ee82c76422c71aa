"""Syncing course versions: a content hash per version; changed content needs a new version number."""
import re
import shutil

import pytest
import sqlalchemy as sa

from app.competences.models import FrameworkUse
from app.courses.loader import load_tree
from app.courses.models import CourseVersion
from app.courses.services import sync
from app.extensions import db


def test_sync_creates_then_leaves_unchanged(runner, app, course_tree, sample_framework):
    app.config["COURSES_DIR"] = str(course_tree)
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 0, result.output
    assert "pilot version 1: created" in result.output
    version = db.session.scalar(sa.select(CourseVersion))
    assert [m.slug for m in version.modules] == ["intro", "practice"]
    assert version.modules[0].texts["pt_BR"]["title"] == "Introdução"
    use = db.session.scalar(sa.select(FrameworkUse))
    assert (use.kind, use.reference, use.version.number) == ("course", "pilot@1", 1)
    assert "pilot version 1: unchanged" in runner.invoke(args=["courses", "sync"]).output


def test_a_framework_not_yet_imported_names_the_whole_command(runner, app, course_tree):
    """A new site: "run flask competences import" gave neither --app nor the file, so the command as told failed
    with a usage error."""
    app.config["COURSES_DIR"] = str(course_tree)
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 1, result.output
    assert ("pilot/course.yaml:3: pilot version 1: framework 'demo' is not loaded: import it first with flask --app "
            f"wsgi competences import {course_tree / '_frameworks' / 'demo.yaml'}") in result.output


def test_changed_content_under_the_same_version_is_refused(runner, app, course_tree, sample_framework):
    app.config["COURSES_DIR"] = str(course_tree)
    runner.invoke(args=["courses", "sync"])
    module = course_tree / "pilot" / "modules" / "01-intro" / "en.md"
    module.write_text(module.read_text(encoding="utf-8") + "A quiet change.\n", encoding="utf-8")
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 1
    assert "pilot/course.yaml:2: pilot version 1: version 1 is already synced with different content: raise the " \
           "version" in result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseVersion)) == 1
    course_yaml = course_tree / "pilot" / "course.yaml"
    course_yaml.write_text(course_yaml.read_text(encoding="utf-8").replace("version: 1", "version: 2"),
                           encoding="utf-8")
    assert "pilot version 2: new version" in runner.invoke(args=["courses", "sync"]).output
    db.session.expire_all()
    versions = list(db.session.scalars(sa.select(CourseVersion).order_by(CourseVersion.version)))
    assert [(v.version, v.is_current) for v in versions] == [(1, False), (2, True)]
    assert "A quiet change." not in versions[0].modules[0].texts["en"]["body"]


def test_validate_command_lists_problems(runner, app, course_tree):
    app.config["COURSES_DIR"] = str(course_tree)
    assert "1 course(s) and 1 framework(s) are valid." in runner.invoke(args=["courses", "validate"]).output
    (course_tree / "pilot" / "modules" / "01-intro" / "es.md").unlink()
    result = runner.invoke(args=["courses", "validate", str(course_tree / "pilot")])
    assert result.exit_code == 1 and "pilot/course.yaml:8: module intro has no es text" in result.output


def test_sync_needs_the_framework_loaded(app, course_tree):
    results = sync(load_tree(course_tree))
    assert results[0].outcome == "refused" and "competences import" in results[0].message


def _bump(course_tree, number: int) -> None:
    course_yaml = course_tree / "pilot" / "course.yaml"
    text = course_yaml.read_text(encoding="utf-8")
    course_yaml.write_text(re.sub(r"^version: \d+$", f"version: {number}", text, flags=re.M), encoding="utf-8")


def test_changed_content_under_an_earlier_synced_number_names_the_number_to_give(runner, app, course_tree,
                                                                                 sample_framework):
    """Raising 1 to 2 when 3 is synced would be refused again, as older: the message names the number that works."""
    app.config["COURSES_DIR"] = str(course_tree)
    runner.invoke(args=["courses", "sync"])
    module = course_tree / "pilot" / "modules" / "01-intro" / "en.md"
    module.write_text(module.read_text(encoding="utf-8") + "A change.\n", encoding="utf-8")
    _bump(course_tree, 3)
    assert "pilot version 3: new version" in runner.invoke(args=["courses", "sync"]).output
    _bump(course_tree, 1)
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 1
    assert "version 1 is already synced with different content: raise the version in course.yaml to 4" \
        in result.output


def test_assets_are_kept_with_each_version(client, login_as, runner, app, course_tree, sample_framework):
    """An old version keeps the pictures it was synced with, and a refused change never reaches learners."""
    app.config["COURSES_DIR"] = str(course_tree)
    runner.invoke(args=["courses", "sync"])
    svg = course_tree / "pilot" / "assets" / "map.svg"
    first = svg.read_bytes()
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><title>New map</title></svg>', encoding="utf-8")
    refused = runner.invoke(args=["courses", "sync"])
    assert refused.exit_code == 1 and "already synced with different content" in refused.output
    login_as("trainee", locale="en")
    with client.get("/courses/pilot/v1/assets/map.svg") as response:
        assert response.status_code == 200 and response.data == first  # the files on disk changed, not v1
        assert "immutable" in response.headers["Cache-Control"] and "private" in response.headers["Cache-Control"]
        etag = response.headers["ETag"]
    with client.get("/courses/pilot/v1/assets/map.svg", headers={"If-None-Match": etag}) as response:
        assert response.status_code == 304
    _bump(course_tree, 2)
    assert "pilot version 2: new version" in runner.invoke(args=["courses", "sync"]).output
    with client.get("/courses/pilot/v1/assets/map.svg") as old, client.get("/courses/pilot/v2/assets/map.svg") as new:
        assert old.data == first and b"New map" in new.data
    svg.unlink()  # the files may go: the versions keep what they were synced with
    with client.get("/courses/pilot/v2/assets/map.svg") as new:
        assert b"New map" in new.data
    page = client.get("/courses/pilot/modules/intro").get_data(as_text=True)
    assert 'src="/courses/pilot/v2/assets/map.svg"' in page
    assert client.get("/courses/pilot/v3/assets/map.svg").status_code == 404
    assert client.get("/courses/pilot/v1/assets/nothing.svg").status_code == 404


def test_identical_assets_are_stored_once(app, course_tree, sample_framework):
    from app.courses.models import AssetBlob, CourseAsset

    sync(load_tree(course_tree))
    _bump(course_tree, 2)
    (course_tree / "pilot" / "modules" / "01-intro" / "en.md").write_text(
        (course_tree / "pilot" / "modules" / "01-intro" / "en.md").read_text(encoding="utf-8") + "More.\n",
        encoding="utf-8")
    sync(load_tree(course_tree))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseAsset)) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AssetBlob)) == 1


def test_an_unchanged_sync_fills_in_assets_missing_from_an_older_database(app, course_tree, sample_framework):
    """Versions synced before assets were kept with them get them from the files, which the hash proves equal."""
    from app.courses.models import CourseAsset

    sync(load_tree(course_tree))
    db.session.execute(sa.delete(CourseAsset))
    db.session.commit()
    [result] = sync(load_tree(course_tree))
    db.session.commit()
    assert result.outcome == "unchanged"
    version = db.session.scalar(sa.select(CourseVersion))
    assert [(a.path, a.media_type) for a in version.assets] == [("map.svg", "image/svg+xml")]


def test_commands_take_a_relative_path_or_a_tree_elsewhere(runner, app, course_tree, sample_framework, tmp_path,
                                                           monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    app.config["COURSES_DIR"] = str(elsewhere)  # the site's folder does not hold the course
    monkeypatch.chdir(course_tree.parent)
    result = runner.invoke(args=["courses", "validate", "courses/pilot"])
    assert result.exit_code == 0 and "1 course(s) and 1 framework(s) are valid." in result.output, result.output
    result = runner.invoke(args=["courses", "validate", "courses"])
    assert result.exit_code == 0, result.output
    broken = course_tree / "pilot" / "modules" / "01-intro" / "es.md"
    broken.write_text(broken.read_text(encoding="utf-8").replace("title: ", "title: [", 1), encoding="utf-8")
    result = runner.invoke(args=["courses", "validate", "courses/pilot"])
    assert result.exit_code == 1 and "pilot/modules/01-intro/es.md:2: malformed YAML" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    broken.unlink()
    (course_tree / "pilot" / "course.yaml").write_text(
        (course_tree / "pilot" / "course.yaml").read_text(encoding="utf-8").replace("[en, es, pt_BR]", "[en, pt_BR]"),
        encoding="utf-8")
    result = runner.invoke(args=["courses", "sync", "courses/pilot"])
    assert result.exit_code == 0 and "pilot version 1: created" in result.output, result.output
    assert db.session.scalar(sa.select(CourseVersion)).assets[0].path == "map.svg"


@pytest.mark.parametrize("command", ["validate", "sync"])
def test_a_path_without_any_course_is_an_error_not_a_success(runner, app, course_tree, sample_framework, tmp_path,
                                                             command):
    """A module folder, the frameworks folder or an empty folder given by mistake: "0 course(s) ... are valid" and
    exit 0 told the author that the course they meant was fine, and `sync` printed nothing."""
    app.config["COURSES_DIR"] = str(course_tree)
    empty = tmp_path / "empty"
    empty.mkdir()
    for path in (course_tree / "pilot" / "modules" / "01-intro", course_tree / "_frameworks", empty):
        result = runner.invoke(args=["courses", command, str(path)])
        assert result.exit_code == 1, result.output
        assert f"{path} holds no course: give a course folder (one with a course.yaml) or a folder of course " \
               f"folders." in result.output
        assert isinstance(result.exception, SystemExit)


def test_a_course_folder_without_its_course_yaml_is_one_problem_about_that_file(runner, app, course_tree,
                                                                               sample_framework):
    """course.yaml saved as course.yml: `validate courses/pilot` read the course's own folders as courses and said
    "assets: the folder has no course.yaml" and "modules: the folder has no course.yaml"."""
    app.config["COURSES_DIR"] = str(course_tree)
    (course_tree / "pilot" / "course.yaml").rename(course_tree / "pilot" / "course.yml")
    for path in (course_tree / "pilot", course_tree):
        result = runner.invoke(args=["courses", "validate", str(path)])
        assert result.exit_code == 1, result.output
        assert result.output.splitlines()[-2:] == ["pilot: the folder has no course.yaml (it has a course.yml: "
                                                   "rename it course.yaml)", "Error: 1 problem(s) found"]


def test_a_course_folder_alone_reads_the_sites_frameworks(runner, app, course_tree, sample_framework, tmp_path):
    import shutil

    lone = tmp_path / "drafts" / "pilot"
    shutil.copytree(course_tree / "pilot", lone)
    app.config["COURSES_DIR"] = str(course_tree)
    result = runner.invoke(args=["courses", "validate", str(lone)])
    assert result.exit_code == 0, result.output


def test_a_linked_module_folder_pointed_elsewhere_is_changed_content(runner, app, course_tree, sample_framework):
    """modules/02-practice a link to a folder kept elsewhere in the course: pointing it at another folder changed
    what learners would read, yet sync said "unchanged" and kept the old texts under the same version."""
    import shutil

    app.config["COURSES_DIR"] = str(course_tree)
    modules = course_tree / "pilot" / "modules"
    kept = course_tree / "pilot" / ".drafts"
    kept.mkdir()
    shutil.move(modules / "02-practice", kept / "a")
    shutil.copytree(kept / "a", kept / "b")
    english = kept / "b" / "en.md"
    english.write_text(english.read_text(encoding="utf-8").replace("title: ", "title: Changed ", 1), encoding="utf-8")
    (modules / "02-practice").symlink_to(kept / "a")
    assert "pilot version 1: created" in runner.invoke(args=["courses", "sync"]).output
    (modules / "02-practice").unlink()
    (modules / "02-practice").symlink_to(kept / "b")
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 1 and "version 1 is already synced with different content" in result.output, \
        result.output


def test_a_linked_folder_of_assets_is_kept_with_the_version(runner, app, course_tree, sample_framework):
    """assets/maps a link to a folder elsewhere in the course: validate and sync said all was well, but its files
    were never kept, so the pages that show them had broken images."""
    app.config["COURSES_DIR"] = str(course_tree)
    shared = course_tree / "pilot" / ".shared"
    shared.mkdir()
    (shared / "region.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    (course_tree / "pilot" / "assets" / "maps").symlink_to(shared)
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 0, result.output
    version = db.session.scalar(sa.select(CourseVersion))
    assert sorted(a.path for a in version.assets) == ["map.svg", "maps/region.svg"]


def test_sync_refuses_competences_the_imported_framework_lacks(app, course_tree):
    """The files may hold a newer framework than the database: the course must not point at codes it lacks."""
    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.services import import_framework
    from tests.fixtures.competences import SAMPLE

    older = SAMPLE[:SAMPLE.index("  - code: B1")]  # the database has A1 only; the files have A1 and B1
    import_framework(SYSTEM, files.read_yaml(older, "demo.yaml"), source="demo.yaml")
    db.session.commit()
    for path in (course_tree / "pilot" / "modules" / "02-practice").glob("*.md"):
        path.write_text(path.read_text(encoding="utf-8").replace("code: A1", "code: B1"), encoding="utf-8")
    tree = load_tree(course_tree)
    assert tree.problems == []
    [result] = sync(tree)
    assert result.outcome == "refused"
    assert result.message.startswith("version 1 of framework 'demo' in the database lacks level 1 of B1, which the "
                                      "modules give:"), result.message
    assert "competences import" in result.message


def test_a_link_out_of_the_course_folder_is_refused_and_never_served(client, login_as, runner, app, course_tree,
                                                                      sample_framework, tmp_path):
    """An asset that is a symbolic link to a file elsewhere (a key, the database) would be copied into the
    catalogue and served to every signed-in person."""
    app.config["COURSES_DIR"] = str(course_tree)
    secret = tmp_path / "secret.env"
    secret.write_text("SECRET_KEY=do-not-publish", encoding="utf-8")
    (course_tree / "pilot" / "assets" / "notes.txt").symlink_to(secret)
    for command in ("validate", "sync"):
        result = runner.invoke(args=["courses", command])
        assert result.exit_code == 1
        assert "pilot/assets/notes.txt: a link to a file or folder outside the course folder" in result.output
    assert db.session.scalar(sa.select(CourseVersion)) is None
    login_as("trainee", locale="en")
    assert client.get("/courses/pilot/v1/assets/notes.txt").status_code == 404


def test_links_leading_out_by_a_folder_are_refused_and_links_inside_the_course_are_kept(course_tree, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "id_rsa").write_text("private", encoding="utf-8")
    (course_tree / "pilot" / "assets" / "keys").symlink_to(elsewhere, target_is_directory=True)
    (course_tree / "pilot" / "assets" / "same-map.svg").symlink_to(course_tree / "pilot" / "assets" / "map.svg")
    tree = load_tree(course_tree)
    assert [str(p) for p in tree.problems] == [
        "pilot/assets/keys: a link to a file or folder outside the course folder: copy it into the course instead"]
    (course_tree / "pilot" / "assets" / "keys").unlink()
    tree = load_tree(course_tree)
    assert tree.problems == [] and tree.courses[0].assets == ("assets/map.svg", "assets/same-map.svg")


def test_a_course_folder_linked_from_outside_the_tree_is_refused(course_tree, tmp_path):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "course.yaml").write_text("slug: linked\n", encoding="utf-8")
    (course_tree / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)
    problems = [str(p) for p in load_tree(course_tree).problems]
    assert "linked: the course folder is a link to a folder outside the tree: move the course into it" in problems


def test_a_framework_file_linked_from_outside_the_tree_is_refused_unread(course_tree, tmp_path):
    """_frameworks/x.yaml as a link to a file elsewhere on the server was read, and imported had it been a
    framework (a course's assets refuse such links): the link is named and what it points at never read."""
    from tests.fixtures.competences import SAMPLE

    (tmp_path / "elsewhere.yaml").write_text(SAMPLE.replace("slug: demo", "slug: elsewhere"), encoding="utf-8")
    (course_tree / "_frameworks" / "elsewhere.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    (course_tree / "_shared").mkdir()  # a link inside the tree is fine
    (course_tree / "_frameworks" / "demo.yaml").rename(course_tree / "_shared" / "demo.yaml")
    (course_tree / "_frameworks" / "demo.yaml").symlink_to("../_shared/demo.yaml")
    tree = load_tree(course_tree)
    assert [str(p) for p in tree.problems] == ["_frameworks/elsewhere.yaml: a link to a file outside the courses "
                                               "folder: copy the file in instead"]
    assert "elsewhere" not in tree.frameworks and "demo" in tree.frameworks


def test_when_the_databases_framework_is_newer_than_the_file_the_advice_is_not_to_import_it(app, course_tree):
    """Someone removed B1 in a newer version (made in Itinera): importing the older file would change nothing."""
    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.services import import_framework
    from tests.fixtures.competences import SAMPLE

    newer = SAMPLE[:SAMPLE.index("  - code: B1")].replace("version: 1", "version: 7")
    import_framework(SYSTEM, files.read_yaml(newer, "demo.yaml"), source="demo.yaml")
    db.session.commit()
    for path in (course_tree / "pilot" / "modules" / "02-practice").glob("*.md"):
        path.write_text(path.read_text(encoding="utf-8").replace("code: A1", "code: B1"), encoding="utf-8")
    [result] = sync(load_tree(course_tree))
    assert result.outcome == "refused"
    assert "version 7 of framework 'demo' in the database lacks" in result.message
    assert "importing the framework file does not help, since it is at version 1" in result.message
    assert "run flask competences import first" not in result.message


def test_a_course_synced_while_its_framework_file_is_newer_than_the_database_says_what_it_is_built_on(
        runner, app, course_tree, sample_framework):
    """The author raised the framework file's version and then synced the course, but never imported the file: the
    course version is built on the version Itinera holds, which sync says, with the two commands that build it on the
    file's, instead of leaving the author to believe it uses what they wrote."""
    app.config["COURSES_DIR"] = str(course_tree)
    framework_file = course_tree / "_frameworks" / "demo.yaml"
    framework_file.write_text(re.sub(r"^version: 1$", "version: 2", framework_file.read_text(encoding="utf-8"),
                                     flags=re.M), encoding="utf-8")
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 0, result.output
    assert ("pilot version 1: created (note: built on version 1 of framework 'demo', the version Itinera holds, "
            "while its file is at version 2: to build it on that one, run flask --app wsgi competences import "
            f"{framework_file}, then flask --app wsgi competences move course pilot@1 2)") in result.output
    use = db.session.scalar(sa.select(FrameworkUse))
    assert use.version.number == 1
    assert "(note" not in runner.invoke(args=["courses", "sync"]).output  # unchanged: nothing is built anew


def test_a_new_version_that_drops_a_module_people_worked_on_says_so(runner, app, course_tree, sample_framework,
                                                                    make_user):
    """A module is the same activity only under the same folder name: renaming one starts it again from nothing,
    which sync says (it may be meant) instead of doing silently."""
    from app.xapi import vocabulary as v
    from app.xapi.services import record

    app.config["COURSES_DIR"] = str(course_tree)
    assert runner.invoke(args=["courses", "sync"]).exit_code == 0
    record(make_user(), v.COMPLETED, v.module_iri("pilot", "intro"))
    db.session.commit()
    modules = course_tree / "pilot" / "modules"
    (modules / "01-intro").rename(modules / "01-introduction")
    course_yaml = course_tree / "pilot" / "course.yaml"
    course_yaml.write_text(course_yaml.read_text(encoding="utf-8").replace("  intro: viewed", "  introduction: viewed"),
                           encoding="utf-8")
    _bump(course_tree, 2)
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 0, result.output
    assert "pilot version 2: new version (note: modules of version 1 not in this one: intro; 1 people have " \
           "progress on them" in result.output


def test_the_largest_numbers_the_loader_allows_are_synced(runner, app, course_tree, sample_framework):
    """What validate passes fits the database (INTEGER is 32 bits on PostgreSQL)."""
    app.config["COURSES_DIR"] = str(course_tree)
    course_yaml = course_tree / "pilot" / "course.yaml"
    course_yaml.write_text(course_yaml.read_text(encoding="utf-8").replace("version: 1", "version: 2147483647")
                           .replace("estimated_hours: 2", "estimated_hours: 1000"), encoding="utf-8")
    for path in (course_tree / "pilot" / "modules" / "01-intro").glob("*.md"):
        path.write_text(path.read_text(encoding="utf-8").replace("duration: 10", "duration: 60000"), encoding="utf-8")
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    version = db.session.scalar(sa.select(CourseVersion))
    assert (version.version, version.estimated_hours, version.modules[0].duration) == (2147483647, 1000, 60000)


def test_sync_refuses_numbers_the_database_cannot_keep(runner, app, course_tree, sample_framework):
    app.config["COURSES_DIR"] = str(course_tree)
    course_yaml = course_tree / "pilot" / "course.yaml"
    text = course_yaml.read_text(encoding="utf-8")
    course_yaml.write_text(text.replace("version: 1", "version: 99999999999999999999")
                           .replace("estimated_hours: 2", "estimated_hours: .nan"), encoding="utf-8")
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "pilot/course.yaml:2: version is at most 2147483647" in result.output
    assert "pilot/course.yaml:7: estimated_hours is a positive number" in result.output
    assert "nothing was synced" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseVersion)) == 0


def test_a_version_older_than_the_synced_one_is_refused(runner, app, course_tree, sample_framework):
    """Going back a number (2 synced, then 1 with other content) would put older content before learners."""
    app.config["COURSES_DIR"] = str(course_tree)
    _bump(course_tree, 2)
    assert "pilot version 2: created" in runner.invoke(args=["courses", "sync"]).output
    _bump(course_tree, 1)
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 1
    assert ("pilot version 1: version 1 is older than the synced version 2: raise the version in course.yaml to 3"
            in result.output)
    db.session.expire_all()
    assert [(v.version, v.is_current) for v in db.session.scalars(sa.select(CourseVersion))] == [(2, True)]


def test_two_syncs_at_once_make_the_version_once(app, course_tree, sample_framework, monkeypatch):
    """`flask courses sync` run twice together (two terminals, a deploy script and a person): both found no
    course and both created it, and the second stopped on the database's unique slug with a traceback. Now
    they take turns, and the second finds the version the first made."""
    import threading

    from app.courses import services
    from app.courses.models import Course
    from tests.fixtures.concurrency import run_threads

    db.session.commit()
    tree = load_tree(course_tree)
    together, real, met = threading.Barrier(2), services._modules_left_behind, threading.local()
    outcomes = []

    def meeting(*args):  # each has looked for the course before either writes it (unless one waits to look)
        if not getattr(met, "done", False):
            met.done = True
            try:
                together.wait(2)
            except threading.BrokenBarrierError:
                pass
        return real(*args)

    def run():
        with app.app_context():
            try:
                outcomes.append([result.outcome for result in sync(tree)])
                db.session.commit()
            except Exception as error:  # noqa: BLE001  (what the test reports)
                outcomes.append(error)
                db.session.rollback()

    monkeypatch.setattr(services, "_modules_left_behind", meeting)
    run_threads([threading.Thread(target=run) for _ in range(2)])
    assert sorted(map(str, outcomes)) == ["['created']", "['unchanged']"], outcomes
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseVersion)) == 1


def test_a_file_the_server_may_not_read_is_a_problem_not_a_traceback(runner, app, course_tree, sample_framework,
                                                                      monkeypatch):
    """An asset or a note copied in with permissions that keep the server's user out (its owner's only, or
    unpacked as root): `courses validate` and `sync` stopped on a PermissionError while hashing the course."""
    import os
    from pathlib import Path

    app.config["COURSES_DIR"] = str(course_tree)
    (course_tree / "pilot" / "assets" / "secret.png").write_bytes(b"\x89PNG")
    (course_tree / "pilot" / "notes.txt").write_text("for the trainers")
    real_open = Path.open

    def open_(self, *args, **kwargs):  # what the system answers a user who may not read them (the tests run as root)
        if self.name in ("secret.png", "notes.txt"):
            raise PermissionError(13, os.strerror(13), str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)
    for command in ("validate", "sync"):
        result = runner.invoke(args=["courses", command])
        assert result.exit_code == 1 and not isinstance(result.exception, PermissionError), result.output
        assert "pilot/assets/secret.png: the file cannot be read: Permission denied" in result.output
        assert "pilot/notes.txt: the file cannot be read: Permission denied" in result.output
    assert db.session.scalar(sa.select(CourseVersion)) is None


@pytest.mark.parametrize("folder, shown", [("assets", "pilot/assets"), ("_frameworks", "_frameworks")])
def test_a_folder_the_server_may_list_but_not_enter_is_a_problem_not_a_traceback(runner, app, course_tree,
                                                                                    sample_framework, monkeypatch,
                                                                                    folder, shown):
    """A folder whose permissions let the server's user list it but not enter it (`chmod -R 644`, which takes the
    folders' x away): every look at what it holds (is it a link, a folder?) is refused, and `courses validate`
    and `sync` stopped on a PermissionError."""
    import os
    from pathlib import Path

    app.config["COURSES_DIR"] = str(course_tree)
    (course_tree / "pilot" / "assets" / "secret.png").write_bytes(b"\x89PNG")
    real_stat = Path.stat

    def stat(self, *args, **kwargs):  # the answer to a user who may not enter the folder (the tests run as root)
        if self.parent.name == folder:
            raise PermissionError(13, os.strerror(13), str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    for command in ("validate", "sync"):
        result = runner.invoke(args=["courses", command])
        assert result.exit_code == 1 and not isinstance(result.exception, PermissionError), result.output
        assert result.output.count(f"{shown}: the folder cannot be read: Permission denied") == 1
        if folder == "_frameworks":  # the course naming a framework points at what is wrong: the folder, no file
            assert ("framework 'demo' cannot be read until the problems of _frameworks are mended"
                    in result.output), result.output
            assert "_frameworks/demo.yaml" not in result.output
    assert db.session.scalar(sa.select(CourseVersion)) is None


@pytest.mark.parametrize("named", [False, True])
def test_a_courses_folder_the_server_may_list_but_not_enter_is_said_not_a_traceback(runner, app, course_tree,
                                                                                    sample_framework, monkeypatch,
                                                                                    named):
    """The courses folder itself without its x for the server's user (copied in with `chmod -R 644`): nothing in
    it can be looked at, and `courses validate` and `sync` (of the site's folder, or the folder given) stopped on a
    PermissionError."""
    import os
    from pathlib import Path

    app.config["COURSES_DIR"] = str(course_tree)
    real_stat = Path.stat

    def stat(self, *args, **kwargs):  # the answer to a user who may not enter the folder (the tests run as root)
        if self.parent == course_tree:
            raise PermissionError(13, os.strerror(13), str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    for command in ("validate", "sync"):
        result = runner.invoke(args=["courses", command, *([str(course_tree)] if named else [])])
        assert result.exit_code == 1 and not isinstance(result.exception, PermissionError), result.output
        assert f"{course_tree}: the folder cannot be read: Permission denied" in result.output
    assert db.session.scalar(sa.select(CourseVersion)) is None


def test_validate_and_sync_show_a_progress_bar_course_by_course(runner, app, course_tree, sample_framework,
                                                                monkeypatch):
    """The issue asks both commands for a progress bar on long runs: on a terminal each course read, then each
    course synced, moves its bar on (a run without a terminal, as in CI logs, prints only the label)."""
    import click._termui_impl

    for slug in ("second", "third"):
        shutil.copytree(course_tree / "pilot", course_tree / slug)
        yaml = (course_tree / slug / "course.yaml").read_text(encoding="utf-8")
        (course_tree / slug / "course.yaml").write_text(yaml.replace("slug: pilot", f"slug: {slug}"),
                                                        encoding="utf-8")
    app.config["COURSES_DIR"] = str(course_tree)
    monkeypatch.setattr(click._termui_impl, "isatty", lambda _stream: True)
    validated = runner.invoke(args=["courses", "validate"])
    assert validated.exit_code == 0, validated.output
    assert _bar(validated.stderr, "Reading courses") == ["0/3", "1/3", "2/3", "3/3"]
    assert "3 course(s)" in validated.stdout and "Reading courses" not in validated.stdout
    synced = runner.invoke(args=["courses", "sync"])
    assert synced.exit_code == 0, synced.output
    assert _bar(synced.stderr, "Reading courses") == _bar(synced.stderr, "Syncing") == ["0/3", "1/3", "2/3", "3/3"]
    assert "second version 1: created" in synced.stdout and "Syncing" not in synced.stdout


def _bar(stderr: str, label: str) -> list[str]:
    """The positions a progress bar labelled ``label`` showed, each drawn over the last (with a carriage return)."""
    return [position for _, position in re.findall(label + r"  \[([#-]+)\]  (\d+/\d+)", stderr)]
