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
        assert db.session.scalar(sa.select(User.position).where(User.email == f"manager.{cc}@itinera.test")) == "manager"

    from app.competences.services import get_framework
    from app.courses.services import catalogue

    assert len(get_framework("s3").current.competences) == 15
    assert [v.course.slug for v in catalogue()] == ["s3-foundations"]

    again = runner.invoke(args=["demo", "--password", "demo-password-1"])
    assert again.exit_code == 0
    db.session.expire_all()
    assert snapshot() == first
