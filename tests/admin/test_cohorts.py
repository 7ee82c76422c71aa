import sqlalchemy as sa

from app.cohorts.models import Cohort, CohortMember
from app.extensions import db


def test_create_cohort_and_add_members(client, login_as, make_user):
    login_as("coordinator", country="MX")
    one, two = make_user(country="MX", name="Uno"), make_user(country="MX", name="Dos")
    foreign = make_user(country="AR", name="Foreigner")
    response = client.post("/admin/cohorts/new", data={"name": "Cohorte 2027", "country_code": "MX"})
    cohort = db.session.scalar(sa.select(Cohort))
    assert response.location == f"/admin/cohorts/{cohort.id}"
    page = client.get(response.location).get_data(as_text=True)
    assert "Uno" in page and "Dos" in page and "Foreigner" not in page  # candidates of the country only
    response = client.post(f"/admin/cohorts/{cohort.id}/members",
                           data={"members": [str(one.uuid), str(two.uuid)]}, follow_redirects=True)
    assert "2 people added to the cohort." in response.get_data(as_text=True)
    response = client.post(f"/admin/cohorts/{cohort.id}/members", data={"members": [str(foreign.uuid)]},
                           follow_redirects=True)
    assert "Only people of the cohort" in response.get_data(as_text=True)
    gone = make_user(country="MX", name="Ida", is_active=False)
    assert "Ida" not in client.get(f"/admin/cohorts/{cohort.id}").get_data(as_text=True)  # not offered...
    response = client.post(f"/admin/cohorts/{cohort.id}/members", data={"members": [str(gone.uuid)]},
                           follow_redirects=True)  # ...nor taken from a forged request
    assert "A deactivated account cannot join a cohort" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CohortMember)) == 2


def test_remove_member_and_delete(client, login_as, make_user, make_cohort):
    login_as("admin", country=None)
    member = make_user(country="CO")
    cohort = make_cohort(country="CO", members=[member])
    cohort_id = cohort.id
    client.post(f"/admin/cohorts/{cohort.id}/members/{member.uuid}/remove")
    db.session.expire_all()
    assert cohort.memberships == []
    asked = client.post(f"/admin/cohorts/{cohort.id}/delete")  # asked first: nothing is deleted yet
    assert asked.status_code == 200 and "Delete the cohort" in asked.get_data(as_text=True)
    assert 'name="confirmed" value="1"' in asked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Cohort, cohort_id) is not None
    client.post(f"/admin/cohorts/{cohort.id}/delete", data={"confirmed": "1"})
    db.session.expire_all()
    assert db.session.get(Cohort, cohort_id) is None
    assert member.id is not None


def test_country_of_a_cohort_with_members_is_fixed(client, login_as, make_user, make_cohort):
    login_as("admin", country=None)
    cohort = make_cohort(country="CO", members=[make_user(country="CO")])
    response = client.post(f"/admin/cohorts/{cohort.id}/edit", data={"name": cohort.name, "country_code": "PE"})
    assert response.status_code == 400
    assert "This cohort has members" in response.get_data(as_text=True)


def test_coordinator_cannot_create_a_cohort_abroad(client, login_as):
    login_as("coordinator", country="MX")
    response = client.post("/admin/cohorts/new", data={"name": "X", "country_code": "BR"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Cohort)) == 0
