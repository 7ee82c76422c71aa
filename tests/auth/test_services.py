import pytest
import sqlalchemy as sa
from werkzeug.exceptions import Forbidden

from app.auth import services
from app.auth.models import Role, User, load_user
from app.errors import ValidationError
from app.extensions import db
from tests.fixtures.factories import PASSWORD, session_id


def new_trainee(actor, **overrides):
    fields = dict(email="new.person@example.org", full_name="New Person", roles={Role.TRAINEE},
                  country_code="CL", position="technician", password="a-long-password")
    fields.update(overrides)
    return services.create_user(actor, **fields)


def test_email_is_stored_lower_case_and_unique_whatever_the_case(make_user):
    admin = make_user(roles=("admin",), country=None)
    user = new_trainee(admin, email="  Ana.Perez@Example.ORG ")
    assert user.email == "ana.perez@example.org"
    with pytest.raises(ValidationError) as error:
        new_trainee(admin, email="ANA.PEREZ@example.org")
    assert "email" in error.value.errors


def test_passwords_are_hashed_with_scrypt(make_user):
    user = make_user()
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash


def test_authenticate(make_user):
    user = make_user(email="someone@example.org")
    assert user.last_login_at is None
    assert services.authenticate("SOMEONE@example.org", PASSWORD) is user
    assert user.last_login_at is not None
    assert services.authenticate("someone@example.org", "wrong-password") is None
    assert services.authenticate("nobody@example.org", PASSWORD) is None


def test_inactive_accounts_cannot_authenticate(make_user):
    make_user(email="gone@example.org", is_active=False)
    assert services.authenticate("gone@example.org", PASSWORD) is None


def test_coordinator_creates_trainees_of_their_own_country_only(make_user):
    coordinator = make_user(roles=("coordinator",), country="CL")
    assert new_trainee(coordinator).country_code == "CL"
    with pytest.raises(ValidationError) as error:
        new_trainee(coordinator, email="other@example.org", country_code="AR")
    assert "country_code" in error.value.errors


@pytest.mark.parametrize("role", [Role.ADMIN, Role.TRAINER, Role.COORDINATOR])
def test_coordinator_cannot_grant_staff_roles(make_user, role):
    coordinator = make_user(roles=("coordinator",), country="CL")
    with pytest.raises(ValidationError) as error:
        new_trainee(coordinator, roles={role})
    assert "roles" in error.value.errors
    trainee = new_trainee(coordinator)
    with pytest.raises(ValidationError) as error:
        services.update_user(coordinator, trainee, roles={Role.TRAINEE, role})
    assert "roles" in error.value.errors and trainee.roles == {Role.TRAINEE}


def test_trainers_and_trainees_cannot_create_accounts(make_user):
    for role in ("trainer", "trainee"):
        with pytest.raises(Forbidden):
            new_trainee(make_user(roles=(role,)), email=f"{role}@example.org")


@pytest.mark.parametrize("overrides, field", [
    ({"position": None}, "position"),
    ({"country_code": None}, "country_code"),
    ({"country_code": "XX"}, "country_code"),
    ({"full_name": "   "}, "full_name"),
    ({"email": "not-an-address"}, "email"),
    ({"position": "boss"}, "position"),
    ({"password": "short"}, "password"),
    ({"password": "123456789"}, "password"),  # 9 characters: one short of the minimum
    ({"password": " a-long-password"}, "password"),
    ({"password": "a-long-password "}, "password"),
    ({"region_code": "AR-X"}, "region_code"),  # a region of another country (Córdoba, AR)
    ({"region_code": "CL-XX"}, "region_code"),
    ({"roles": set()}, "roles"),
    ({"locale": "fr"}, "locale"),
])
def test_create_user_rejects_bad_fields(make_user, overrides, field):
    admin = make_user(roles=("admin",), country=None)
    with pytest.raises(ValidationError) as error:
        new_trainee(admin, **overrides)
    assert field in error.value.errors
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_institution_must_belong_to_the_persons_country(make_user, make_institution):
    admin = make_user(roles=("admin",), country=None)
    argentine = make_institution(country="AR")
    with pytest.raises(ValidationError) as error:
        new_trainee(admin, institution_id=argentine.id)
    assert "institution_id" in error.value.errors


def test_coordinator_manages_trainees_not_other_staff(make_user):
    coordinator = make_user(roles=("coordinator",), country="CL")
    trainee = make_user(roles=("trainee",), country="CL")
    colleague = make_user(roles=("coordinator",), country="CL")
    services.update_user(coordinator, trainee, full_name="Renamed Trainee")
    assert trainee.full_name == "Renamed Trainee"
    with pytest.raises(Forbidden):
        services.update_user(coordinator, colleague, full_name="Renamed")
    with pytest.raises(Forbidden):
        services.update_user(coordinator, make_user(roles=("trainee",), country="AR"), full_name="x")


def test_admin_cannot_lock_themselves_out(make_user):
    admin = make_user(roles=("admin",), country=None)
    with pytest.raises(ValidationError) as error:
        services.update_user(admin, admin, is_active=False)
    assert "is_active" in error.value.errors
    with pytest.raises(ValidationError) as error:
        services.update_user(admin, admin, roles={Role.TRAINER})
    assert "roles" in error.value.errors


def test_visibility_of_people(make_user):
    admin = make_user(roles=("admin",), country=None)
    trainer = make_user(roles=("trainer",), country="ES")
    coordinator = make_user(roles=("coordinator",), country="CL")
    chilean = make_user(country="CL")
    argentine = make_user(country="AR")

    def seen(actor):
        return set(db.session.scalars(services.visible_users(actor)))

    everyone = {admin, trainer, coordinator, chilean, argentine}
    assert seen(admin) == everyone
    assert seen(trainer) == everyone
    assert seen(coordinator) == {coordinator, chilean}
    assert seen(chilean) == {chilean}
    with pytest.raises(Forbidden):
        services.get_visible_user(coordinator, argentine.uuid)


def test_a_person_is_opened_by_whoever_sees_them_in_the_list(make_user):
    """get_visible_user() agrees with visible_users(): a trainee opens their own record and nobody else's, not
    even that of a person without a country (an administrator); a coordinator opens only their country's."""
    admin = make_user(roles=("admin",), country=None)
    coordinator = make_user(roles=("coordinator",), country="CL")
    chilean, other = make_user(country="CL"), make_user(country="CL")
    assert services.get_visible_user(chilean, chilean.uuid) == chilean
    assert services.get_visible_user(coordinator, chilean.uuid) == chilean
    assert services.get_visible_user(admin, chilean.uuid) == chilean
    for actor, person in ((chilean, other), (chilean, admin), (chilean, coordinator), (coordinator, admin)):
        with pytest.raises(Forbidden):
            services.get_visible_user(actor, person.uuid)

def test_user_filters(make_user):
    admin = make_user(roles=("admin",), country=None)
    make_user(name="Lucía Pérez", country="AR")
    make_user(name="Lucas Silva", country="BR", is_active=False)
    make_user(roles=("coordinator",), name="Luz Coordinadora", country="AR")

    def names(**kwargs):
        return {u.full_name for u in db.session.scalars(services.visible_users(admin, services.UserFilter(**kwargs)))}

    assert names(q="luc") == {"Lucía Pérez", "Lucas Silva"}
    assert names(q="lu", country="AR") == {"Lucía Pérez", "Luz Coordinadora"}
    assert names(q="lu", role=Role.COORDINATOR) == {"Luz Coordinadora"}
    assert names(q="lu", is_active=False) == {"Lucas Silva"}


def test_user_filter_by_institution_keeps_to_what_the_actor_sees(make_user, make_institution):
    chilean, argentine = make_institution(country="CL"), make_institution(country="AR")
    make_user(name="Chilena", country="CL", institution=chilean)
    make_user(name="Argentina", country="AR", institution=argentine)
    make_user(name="Sin institución", country="AR")
    admin = make_user(roles=("admin",), country=None)
    coordinator = make_user(roles=("coordinator",), country="CL")

    def names(actor, institution):
        filters = services.UserFilter(institution_id=institution.id)
        return {u.full_name for u in db.session.scalars(services.visible_users(actor, filters))}

    assert names(admin, argentine) == {"Argentina"}
    assert names(coordinator, chilean) == {"Chilena"}
    assert names(coordinator, argentine) == set()


def test_changing_the_password_ends_other_sessions(make_user):
    user = make_user()
    old_session = session_id(user)
    with pytest.raises(ValidationError):
        services.change_own_password(user, "wrong", "another-long-password")
    assert load_user(old_session) is user
    services.change_own_password(user, PASSWORD, "another-long-password")
    assert load_user(old_session) is None
    assert load_user(session_id(user)) is user
    assert services.authenticate(user.email, "another-long-password") is user



def test_a_new_password_must_differ_from_the_current_one(make_user):
    """Told "your password has been changed" (and every other device signed out) when nothing changed would
    mislead a person who meant to replace a password they fear is known."""
    user = make_user()
    old_session = session_id(user)
    with pytest.raises(ValidationError) as raised:
        services.change_own_password(user, PASSWORD, PASSWORD)
    assert "new_password" in raised.value.errors
    assert load_user(old_session) is user  # nothing ended


def test_a_new_password_cannot_be_ones_e_mail_address(make_user):
    user = make_user(email="ana.perez@example.org")
    with pytest.raises(ValidationError) as raised:
        services.change_own_password(user, PASSWORD, "ANA.PEREZ@example.org")
    assert "e-mail address" in str(raised.value.errors["new_password"])
    assert user.check_password(PASSWORD)

@pytest.mark.parametrize("address", ["@", "a@", "@b.org", "a@b", "a b@example.org", "ana@exa mple.org",
                                     "a@@example.org", "ana@example.org\x07", "ana\t@example.org",
                                     "ana@example.org\nbcc@example.org", "a@b.\x7f", "ana@gmail..com",
                                     "ana@x.test.", ".ana@x.test", "ana.@x.test", "ana..b@x.test", "ana@-x.test",
                                     "ana@x-.test", "ana@x.test-", "ana@ex_ample.test", "ana@x.123",
                                     "an\u3164a@x.test", "a\u200b\u200b"])
def test_account_and_import_share_one_e_mail_check(make_user, address):
    """The account form once took anything with an "@"; now it checks as the import does."""
    from app.imports.services import check_rows

    admin = make_user(roles=("admin",), country=None)
    with pytest.raises(ValidationError) as error:
        new_trainee(admin, email=address)
    assert "email" in error.value.errors
    _rows, problems = check_rows("CL", [{"line": 2, "email": address, "full_name": "A", "position": "manager"}])
    assert [p["field"] for p in problems] == ["email"]


@pytest.mark.parametrize("address", ["ana@example.org", "Ana.Pérez+itinera@sub.example.gob.cl", "o'neil@example.ie",
                                     "josé.ramírez@ex.test", "ana@ñandú.org", "ana@xn--and-6ma2c.org",
                                     "ana@my-ministry.gov.test"])
def test_ordinary_addresses_are_accepted(make_user, address):
    admin = make_user(roles=("admin",), country=None)
    assert new_trainee(admin, email=address).email == address.lower()


@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff", "\u00ad", "\u200e", "\u200d", "\u2060", "\u00a0"])
def test_invisible_characters_pasted_with_an_address_are_left_out(make_user, invisible):
    """Text pasted from a document or a file may bring a zero-width space, a BOM, a soft hyphen or a direction mark:
    the address is still the one typed, for a new account, for the check of one taken and for signing in."""
    admin = make_user(roles=("admin",), country=None)
    taken = make_user(email="manager.ar@itinera.test", country="AR")
    with pytest.raises(ValidationError) as error:
        new_trainee(admin, email=f"manager.ar@itinera.test{invisible}")
    assert error.value.errors["email"] == "An account with this e-mail address already exists"
    rosa = new_trainee(admin, email=f"{invisible}rosa@itinera.test{invisible}")
    assert rosa.email == "rosa@itinera.test"
    assert services.authenticate(f"{invisible}manager.ar@itinera.test", PASSWORD) is taken
    assert services.get_user_by_email("rosa@itinera.test") is rosa


def test_format_characters_inside_an_address_are_left_out_spaces_are_not(make_user):
    admin = make_user(roles=("admin",), country=None)
    assert new_trainee(admin, email="ana\u200b.perez@ex\u00ad.test").email == "ana.perez@ex.test"
    with pytest.raises(ValidationError) as error:
        new_trainee(admin, email="ana\u00a0perez@ex.test")
    assert error.value.errors["email"] == "Enter an e-mail address in the right format, like name@example.org"


def test_an_address_is_stored_composed_whatever_the_keyboard_sent(make_user):
    """"é" as one character or as "e" and a combining accent is one address."""
    admin = make_user(roles=("admin",), country=None)
    jose = new_trainee(admin, email="Jose\u0301@ex.test")
    assert jose.email == "jos\u00e9@ex.test"
    assert services.get_user_by_email("JOS\u00c9@ex.test") is jose


@pytest.mark.parametrize("typed", ["ＡＮＡ@example.org", "ana@ｅｘａｍｐｌｅ.org", "ＡＮＡ＠ＥＸＡＭＰＬＥ．ＯＲＧ",
                                   "ana@example。org"])
def test_an_address_typed_in_full_width_characters_is_the_plain_one(make_user, typed):
    """An East Asian keyboard in full-width mode types ＡＮＡ＠ｅｘａｍｐｌｅ．ｏｒｇ, which IDNA and people read as
    ana@example.org: it was a second account for the same mailbox, and its owner could not sign in with it."""
    admin = make_user(roles=("admin",), country=None)
    ana = make_user(email="ana@example.org")
    with pytest.raises(ValidationError) as error:
        new_trainee(admin, email=typed)
    assert error.value.errors["email"] == "An account with this e-mail address already exists"
    assert services.authenticate(typed, PASSWORD) is ana
    assert new_trainee(admin, email="ﬁona@ｅｘａｍｐｌｅ.org").email == "fiona@example.org"


def test_sharp_s_and_ss_are_two_addresses(make_user):
    """ß is a letter of its own in addresses and in domain names (IDNA 2008): straße@ and strasse@ are two
    mailboxes, and the capital ẞ is ß."""
    admin = make_user(roles=("admin",), country=None)
    strasse = new_trainee(admin, email="STRASSE@example.de")
    strasze = new_trainee(admin, email="STRAẞE@example.de")
    assert (strasse.email, strasze.email) == ("strasse@example.de", "straße@example.de")


def test_a_password_of_exactly_the_minimum_length_is_accepted(make_user):
    admin = make_user(roles=("admin",), country=None)
    user = new_trainee(admin, password="1234567890", region_code="CL-BI")
    assert user.check_password("1234567890") and user.region_code == "CL-BI"
