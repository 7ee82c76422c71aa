"""An edit form saved just as a colleague deletes what it edits: the normal 404 page, never an error page, on
every database, whether the form sends its revision or not (a form from before revisions, a script)."""
import pytest

from tests.fixtures.concurrency import deleted_meanwhile


def _cohort(make_cohort, **_):
    from app.cohorts.services import edit_revision

    cohort = make_cohort(country="CL")
    return "cohort", cohort.id, f"/admin/cohorts/{cohort.id}/edit", \
        {"name": "Cohorte nueva", "country_code": "CL"}, edit_revision(cohort)


def _institution(make_institution, **_):
    from app.places.services import edit_revision

    institution = make_institution(country="CL", name="Ministerio")
    return "institution", institution.id, f"/admin/institutions/{institution.id}/edit", \
        {"name": "Ministerio de Salud", "country_code": "CL", "level": "national"}, edit_revision(institution)


def _account(make_user, **_):
    from app.auth.services import edit_revision

    invited = make_user(country="CL", email="invited@example.org", password=None)  # an invitation withdrawn
    return "user", invited.id, f"/admin/users/{invited.uuid}/edit", \
        {"full_name": "Invitada", "email": "invited@example.org", "roles": ["trainee"], "country_code": "CL",
         "institution_id": "", "position": "technician", "locale": "es", "is_active": "y"}, edit_revision(invited)


@pytest.mark.parametrize("with_revision", [True, False], ids=["revision", "no-revision"])
@pytest.mark.parametrize("make", [_cohort, _institution, _account], ids=["cohort", "institution", "account"])
def test_an_edit_of_something_deleted_meanwhile_is_not_found(app, client, login_as, make_cohort, make_institution,
                                                             make_user, make, with_revision):
    login_as("coordinator", country="CL")
    table, row_id, url, data, revision = make(make_cohort=make_cohort, make_institution=make_institution,
                                              make_user=make_user)
    if with_revision:
        data["revision"] = revision
    with deleted_meanwhile(app, table, row_id, "/edit") as deleted:
        response = client.post(url, data=data)
    assert deleted and response.status_code == 404


@pytest.mark.parametrize("make", [_cohort, _institution, _account], ids=["cohort", "institution", "account"])
def test_an_edit_saved_just_before_a_deletion_says_it_was_saved(app, client, login_as, make_cohort,
                                                                make_institution, make_user, make):
    """Deleted right after the save committed: the page says what was saved (read before the commit), and the
    next page says the thing is gone."""
    login_as("coordinator", country="CL")
    table, row_id, url, data, revision = make(make_cohort=make_cohort, make_institution=make_institution,
                                              make_user=make_user)
    with deleted_meanwhile(app, table, row_id, "/edit", after_commit=True) as deleted:
        response = client.post(url, data={**data, "revision": revision})
    assert deleted and response.status_code == 302
    assert client.get(response.location).status_code in (200, 404)


@pytest.mark.parametrize("after_commit", [False, True], ids=["before-sending", "after-sending"])
def test_an_invitation_sent_again_as_it_is_withdrawn(app, client, login_as, make_user, outbox, after_commit):
    """Send again, just as a colleague withdraws the invitation (which removes the account): the person is not
    found (404), or the invitation went first and the page says so; never an error page."""
    login_as("coordinator", country="CL")
    invited = make_user(country="CL", email="invited@example.org", password=None)
    with deleted_meanwhile(app, "user", invited.id, "/invitation/resend", after_commit=after_commit,
                           before=("UPDATE ", "INSERT ", "DELETE ")) as deleted:  # before its first write
        response = client.post(f"/admin/users/{invited.uuid}/invitation/resend", data={})  # (no one-time token)
    assert deleted and response.status_code == (302 if after_commit else 404)
