import re

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import Forbidden

from app.auth.services import SYSTEM
from app.auth.tokens import accept_invitation, issue_token
from app.auth.models import TokenPurpose
from app.cohorts.models import Cohort
from app.cohorts.services import add_members, create_cohort, delete_cohort, remove_member, update_cohort
from app.extensions import db
from app.notifications.models import Notification


def kinds_of(user):
    return [(n.kind, n.data.get("cohort")) for n in db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]


def test_people_added_while_invited_hear_about_their_cohorts_when_they_arrive(app, make_user, make_cohort, outbox):
    invited = make_user(country="CL", password=None)
    member = make_user(country="CL")
    first, second = make_cohort(country="CL", name="Pilot"), make_cohort(country="CL", name="Second wave")
    add_members(SYSTEM, first, [invited, member])
    add_members(SYSTEM, second, [invited])
    db.session.commit()
    assert kinds_of(invited) == [] and kinds_of(member) == [("added_to_cohort", "Pilot")]

    raw = issue_token(invited, TokenPurpose.INVITATION)
    db.session.commit()
    sent_before = len(outbox())
    accept_invitation(raw, "a-good-long-password")
    db.session.commit()
    assert sorted(kinds_of(invited)) == [("added_to_cohort", "Pilot"), ("added_to_cohort", "Second wave")]
    assert len(outbox()) == sent_before  # they are on the site: in the app only


def test_a_persons_cohorts_are_in_the_order_a_reader_expects(client, login_as, make_user, make_cohort):
    """Accents and case do not push a name to the end: Ñuble beside the other N, "ética" among the E."""
    person = login_as("trainee", country="CL")
    for name in ("Zona austral", "Ñuble piloto", "ética pública", "Norte grande", "Ética digital", "Maule"):
        make_cohort(country="CL", name=name, members=[person])
    html = client.get("/").get_data(as_text=True)
    shown = [name for name in re.findall(r"<li>([^<]+)</li>", html)
             if name in {"Zona austral", "Ñuble piloto", "ética pública", "Norte grande", "Ética digital", "Maule"}]
    assert shown == ["Ética digital", "ética pública", "Maule", "Norte grande", "Ñuble piloto", "Zona austral"]


def test_a_coordinator_lists_only_the_cohorts_of_their_country(client, login_as, make_cohort):
    make_cohort(country="CL", name="Piloto Biobío")
    make_cohort(country="AR", name="Piloto Córdoba")
    login_as("coordinator", country="CL", locale="en")
    html = client.get("/admin/cohorts").get_data(as_text=True)
    assert "Piloto Biobío" in html and "Piloto Córdoba" not in html
    assert "Piloto Córdoba" not in client.get("/admin/cohorts?country=AR").get_data(as_text=True)


def test_the_services_refuse_a_coordinator_of_another_country(make_user, make_cohort):
    """Defence in depth: the services check the country themselves, whatever view or command calls them."""
    member = make_user(country="AR")
    cohort = make_cohort(country="AR", name="Piloto Córdoba", members=[member])
    stranger = make_user(roles=("coordinator",), country="CL")
    with pytest.raises(Forbidden):
        remove_member(stranger, cohort, member)
    with pytest.raises(Forbidden):
        delete_cohort(stranger, cohort)
    db.session.rollback()
    kept = db.session.get(Cohort, cohort.id)
    assert kept is not None and [m.user_id for m in kept.memberships] == [member.id]


def test_a_cohort_name_is_kept_with_single_spaces(make_user):
    coordinator = make_user(roles=("coordinator",), country="CL")
    cohort = create_cohort(coordinator, name="  Piloto \t  Biobío  ", country_code="CL")
    assert cohort.name == "Piloto Biobío"
    update_cohort(coordinator, cohort, name="Piloto\n Ñuble", country_code="CL")
    assert cohort.name == "Piloto Ñuble"


def test_a_cohort_description_keeps_its_lines_but_not_what_shows_nothing(make_user):
    """Pasted from a terminal or a document, a description brings control characters and direction overrides, which
    would turn around the text after it on every page that shows it: they are dropped, its lines and tabs kept."""
    coordinator = make_user(roles=("coordinator",), country="CL")
    cohort = create_cohort(coordinator, name="Piloto", country_code="CL",
                           description=" Técnicos\x01 del\x1b[31m Biobío\r\n\tgrupo \u202eA\x7f\u2066 ")
    assert cohort.description == "Técnicos del[31m Biobío\n\tgrupo A"
    update_cohort(coordinator, cohort, name="Piloto", country_code="CL", description="Ñuble\u202d\x85\rsegundo")
    assert cohort.description == "Ñuble\nsegundo"
