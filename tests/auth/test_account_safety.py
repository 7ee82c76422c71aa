"""Sessions of deactivated people, safe redirects, a person's country and their cohorts, sign-in while Redis is
down, and the language cookie after signing in."""
import pytest

from app.auth import services
from app.errors import ValidationError
from app.extensions import db
from tests.fixtures.factories import PASSWORD, session_id


def signed_in_client(app, user):
    other = app.test_client()
    with other.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_id(user), True
    return other


def edit_form(user, **overrides):
    data = {"full_name": user.full_name, "email": user.email, "roles": [r.value for r in user.roles],
            "country_code": user.country_code or "", "institution_id": "", "region_code": "",
            "position": user.position.value if user.position else "", "locale": "", "is_active": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_deactivated_person_is_signed_out_and_stays_out_when_reactivated(app, client, login_as, make_user):
    trainee = make_user(country="CL", email="t@example.org")
    phone = signed_in_client(app, trainee)
    assert phone.get("/auth/account").status_code == 200
    login_as("coordinator", country="CL")
    assert client.post(f"/admin/users/{trainee.uuid}/edit", data=edit_form(trainee, is_active=None)).status_code == 302
    response = phone.get("/auth/account")
    assert response.status_code == 302 and response.location.startswith("/auth/login")
    assert client.post(f"/admin/users/{trainee.uuid}/edit", data=edit_form(trainee)).status_code == 302
    assert phone.get("/auth/account").status_code == 302  # the old session does not come back
    phone.post("/auth/login", data={"email": "t@example.org", "password": PASSWORD})
    assert phone.get("/auth/account").status_code == 200  # signing in again works


@pytest.mark.parametrize("evil", ["/\\evil.example/", "/\t/evil.example/", "/\\/evil.example"])
def test_next_refuses_paths_browsers_read_as_another_site(client, make_user, evil):
    make_user(email="ana@example.org")
    response = client.post("/auth/login", query_string={"next": evil},
                           data={"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/"


def test_a_member_of_cohorts_keeps_their_country_until_removed(client, login_as, make_user, make_cohort):
    admin = login_as("admin", country=None)
    trainee = make_user(country="CL")
    cohort = make_cohort(country="CL", name="Piloto Biobío", members=[trainee])
    response = client.post(f"/admin/users/{trainee.uuid}/edit", data=edit_form(trainee, country_code="AR"))
    assert response.status_code == 400
    assert "remove them from those cohorts first" in response.get_data(as_text=True)
    assert "Piloto Biobío" in response.get_data(as_text=True)
    db.session.refresh(trainee)
    assert trainee.country_code == "CL"
    client.post(f"/admin/cohorts/{cohort.id}/members/{trainee.uuid}/remove")
    assert client.post(f"/admin/users/{trainee.uuid}/edit",
                       data=edit_form(trainee, country_code="AR")).status_code == 302
    db.session.refresh(trainee)
    assert trainee.country_code == "AR"
    other = make_user(country="CL")
    make_cohort(country="CL", members=[other])
    with pytest.raises(ValidationError) as error:
        services.update_user(admin, other, country_code="MX")
    assert "country_code" in error.value.errors
    services.update_user(admin, other, full_name="Still Chilean")  # other changes are not held up


def test_sign_in_still_works_and_is_still_limited_while_redis_is_down(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
                   LOGIN_RATE_LIMIT="2 per minute")
    make_user(email="ana@example.org")
    client = app.test_client()
    good = client.post("/auth/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert good.status_code == 302
    client.post("/auth/logout")
    wrong = {"email": "ana@example.org", "password": "wrong-one-x"}
    assert [client.post("/auth/login", data=wrong).status_code for _ in range(3)] == [400, 400, 429]


def test_the_language_stays_after_signing_out(client, make_user):
    make_user(email="ana@example.org", locale="es")
    client.set_cookie("lang", "en")
    client.post("/auth/login", data={"email": "ana@example.org", "password": PASSWORD})
    client.post("/auth/account/language", data={"locale": "pt_BR"})
    response = client.post("/auth/logout", follow_redirects=True)
    assert '<html lang="pt-BR">' in response.get_data(as_text=True)


def test_signing_in_sets_the_language_cookie_to_the_saved_preference(client, make_user):
    make_user(email="ana@example.org", locale="es")
    client.post("/auth/login", data={"email": "ana@example.org", "password": PASSWORD},
                headers={"Accept-Language": "en"})
    response = client.post("/auth/logout", follow_redirects=True, headers={"Accept-Language": "en"})
    assert '<html lang="es">' in response.get_data(as_text=True)


def test_changing_ones_password_ends_the_reset_and_invitation_links_sent_earlier(client, make_user):
    """Someone who asked for a reset link and then remembered their password (or someone reading their mail)
    must not be able to set the password again with that link after the person chose a new one."""
    from app.auth.tokens import TokenPurpose, issue_token

    user = make_user(email="ana@example.org")
    reset = issue_token(user, TokenPurpose.PASSWORD_RESET)
    invitation = issue_token(user, TokenPurpose.INVITATION)
    db.session.commit()
    client.post("/auth/login", data={"email": "ana@example.org", "password": PASSWORD})
    response = client.post("/auth/account/password",
                           data={"current_password": PASSWORD, "new_password": "a-brand-new-password"})
    assert response.status_code == 302
    client.post("/auth/logout")
    assert client.get(f"/auth/password/reset/{reset}").status_code == 404
    assert client.post(f"/auth/password/reset/{reset}", data={"password": "the-attackers-password"}).status_code == 404
    assert client.get(f"/auth/invitation/{invitation}").status_code == 404
    db.session.refresh(user)
    assert user.check_password("a-brand-new-password")


def test_a_password_set_by_an_administrator_ends_earlier_links(app, make_user):
    from app.auth.tokens import TokenPurpose, issue_token, open_token, TokenProblem

    admin = make_user(roles=("admin",), country=None)
    user = make_user(email="ana@example.org")
    reset = issue_token(user, TokenPurpose.PASSWORD_RESET)
    db.session.commit()
    services.update_user(admin, user, password="chosen-by-the-admin")
    db.session.commit()
    with pytest.raises(TokenProblem):
        open_token(reset, TokenPurpose.PASSWORD_RESET)


def test_an_app_made_after_redis_was_down_counts_its_sign_ins_in_its_own_storage(make_app, make_user, monkeypatch):
    """Each app starts its rate limiter afresh (the limiter is one object for the process): an app made after
    another lost its Redis does not count in a stand-in memory, only to drop those counts for its own storage once
    the limiter next checks on the storage (a check that once came in the middle of another test and let it in)."""
    import time

    down = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    make_user(email="ana@example.org")
    wrong = {"email": "ana@example.org", "password": "wrong-one-x"}
    assert down.test_client().post("/auth/login", data=wrong).status_code == 400  # counted in memory meanwhile
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", LOGIN_RATE_LIMIT="2 per hour")
    client = app.test_client()
    assert [client.post("/auth/login", data=wrong).status_code for _ in range(2)] == [400, 400]
    later = time.time() + 100  # the limiter checks on a storage it thinks down at least every 32 seconds
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.post("/auth/login", data=wrong).status_code == 429
