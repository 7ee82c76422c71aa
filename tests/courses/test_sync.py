"""Syncing course versions: a content hash per version; changed content needs a new version number."""
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


def test_changed_content_under_the_same_version_is_refused(runner, app, course_tree, sample_framework):
    app.config["COURSES_DIR"] = str(course_tree)
    runner.invoke(args=["courses", "sync"])
    module = course_tree / "pilot" / "modules" / "01-intro" / "en.md"
    module.write_text(module.read_text(encoding="utf-8") + "A quiet change.\n", encoding="utf-8")
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 1
    assert "already synced with different content: raise the version" in result.output
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
    assert result.exit_code == 1 and "pilot/modules/01-intro/es.md: module intro has no es text" in result.output


def test_sync_needs_the_framework_loaded(app, course_tree):
    results = sync(load_tree(course_tree))
    assert results[0].outcome == "refused" and "competences import" in results[0].message
