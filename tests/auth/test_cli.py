"""flask users create-admin: the first administrator of a site, and the way back in."""
import sqlalchemy as sa

from app.auth.models import Role, User
from app.extensions import db


def test_create_admin_makes_the_first_administrator(runner, client):
    result = runner.invoke(args=["users", "create-admin", "Root@Example.org", "--name", "Rita Root",
                                 "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(sa.select(User).where(User.email == "root@example.org"))
    assert admin.roles == {Role.ADMIN} and admin.is_active and admin.password_hash.startswith("scrypt:")
    response = client.post("/auth/login", data={"email": "root@example.org", "password": "a-long-password"})
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_create_admin_refuses_a_weak_password_and_creates_nothing(runner):
    result = runner.invoke(args=["users", "create-admin", "root@example.org", "--name", "R", "--password", "short"])
    assert result.exit_code == 1 and "at least 10 characters" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_create_admin_restores_access_of_an_existing_account(runner, make_user):
    former = make_user(roles=("trainer",), country=None, email="old@example.org", is_active=False)
    hash_before = former.password_hash
    result = runner.invoke(args=["users", "create-admin", "OLD@example.org"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    former = db.session.get(User, former.id)
    assert former.roles == {Role.ADMIN, Role.TRAINER} and former.is_active and former.password_hash == hash_before
