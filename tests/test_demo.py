import sqlalchemy as sa

from app.auth.models import Role, User
from app.extensions import db

COUNTRIES = ("ar", "br", "cl", "co", "mx", "pe")


def snapshot():
    rows = {}
    for table in db.metadata.sorted_tables:
        rows[table.name] = sorted(map(repr, db.session.execute(sa.select(table)).all()))
    return rows


def test_demo_loads_the_documented_accounts_and_is_idempotent(runner):
    result = runner.invoke(args=["demo", "--password", "demo-password-1"])
    assert result.exit_code == 0, result.output
    first = snapshot()
    expected = {"admin@itinera.test": {Role.ADMIN}, "trainer@itinera.test": {Role.TRAINER}}
    for cc in COUNTRIES:
        expected[f"coord.{cc}@itinera.test"] = {Role.COORDINATOR}
        expected[f"manager.{cc}@itinera.test"] = {Role.TRAINEE}
        expected[f"technician.{cc}@itinera.test"] = {Role.TRAINEE}
    for email, roles in expected.items():
        assert email in result.output
        user = db.session.scalar(sa.select(User).where(User.email == email))
        assert user.roles == roles and user.check_password("demo-password-1")
        if Role.COORDINATOR in roles or Role.TRAINEE in roles:
            assert user.country_code == email.split(".")[1].split("@")[0].upper()
    for cc in COUNTRIES:
        for position in ("manager", "technician"):
            email = f"{position}.{cc}@itinera.test"
            assert db.session.scalar(sa.select(User.position).where(User.email == email)) == position

    from app.competences.services import get_framework
    from app.courses.services import catalogue

    assert len(get_framework("s3").current.competences) == 15
    trainee = db.session.scalar(sa.select(User).where(User.email == "manager.cl@itinera.test"))
    assert [v.course.slug for v in catalogue(trainee)] == ["s3-foundations"]

    again = runner.invoke(args=["demo", "--password", "demo-password-1"])
    assert again.exit_code == 0
    db.session.expire_all()
    assert snapshot() == first


def test_a_short_password_is_refused_up_front(runner):
    result = runner.invoke(args=["demo", "--password", "x"])
    assert result.exit_code == 2
    assert "Invalid value for '--password'" in result.output and "at least 10 characters" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_loading_again_with_another_password_says_existing_accounts_keep_theirs(runner):
    assert runner.invoke(args=["demo", "--password", "demo-password-1"]).exit_code == 0
    again = runner.invoke(args=["demo", "--password", "another-password"])
    assert again.exit_code == 0, again.output
    assert "keep the password they had" in again.output and "another-password" not in again.output
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@itinera.test"))
    assert admin.check_password("demo-password-1")  # what the command printed is true


def test_course_files_changed_under_a_loaded_version_stop_the_demo_with_a_message(app, runner, tmp_path):
    """Course text edited without raising its version (content must never change under issued certificates):
    the demo says where, without a traceback, and loads nothing of this run."""
    import shutil

    courses = tmp_path / "courses"
    shutil.copytree(app.config["COURSES_DIR"], courses)
    app.config["COURSES_DIR"] = str(courses)
    assert runner.invoke(args=["demo", "--password", "demo-password-1"]).exit_code == 0
    module = sorted((courses / "s3-foundations" / "modules").iterdir())[0] / "en.md"
    module.write_text(module.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    db.session.execute(sa.delete(User).where(User.email == "trainer@itinera.test"))
    db.session.commit()
    result = runner.invoke(args=["demo", "--password", "demo-password-1"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert "s3-foundations/course.yaml" in result.output and "Nothing was loaded." in result.output
    assert db.session.scalar(sa.select(User).where(User.email == "trainer@itinera.test")) is None


def test_a_framework_file_changed_under_a_loaded_version_stops_the_demo_with_a_message(app, runner, tmp_path):
    """The shipped framework's version is already loaded with other content (its file edited without raising the
    version): the demo says where, without a traceback, and loads nothing of this run."""
    import shutil

    courses = tmp_path / "courses"
    shutil.copytree(app.config["COURSES_DIR"], courses)
    app.config["COURSES_DIR"] = str(courses)
    assert runner.invoke(args=["demo", "--password", "demo-password-1"]).exit_code == 0
    framework = courses / "_frameworks" / "s3.yaml"
    text = framework.read_text(encoding="utf-8")
    framework.write_text(text.replace("en: Foundation\n", "en: Foundations\n", 1), encoding="utf-8")
    db.session.execute(sa.delete(User).where(User.email == "trainer@itinera.test"))
    db.session.commit()
    result = runner.invoke(args=["demo", "--password", "demo-password-1"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    line, version = next((number, line.split(":")[1].strip()) for number, line in enumerate(text.splitlines(), 1)
                         if line.startswith("version:"))
    assert f"courses/_frameworks/s3.yaml:{line}: version {version} of s3 is already loaded" in result.output
    assert "Nothing was loaded." in result.output
    assert db.session.scalar(sa.select(User).where(User.email == "trainer@itinera.test")) is None
