"""The button that confirms a deletion sent twice (a double click, a tap again on a slow phone, Back then the button
again): the browser shows the second answer, which must say what the first did, not "Page not found"."""
import re
from html import unescape

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.cohorts.models import Cohort
from app.extensions import db
from app.places.models import Institution


def _cohort(make_cohort, **_):
    cohort = make_cohort(country="CL", name="Cohorte 2027")
    return Cohort, cohort.id, f"/admin/cohorts/{cohort.id}/delete", "Cohort “Cohorte 2027” deleted."


def _institution(make_institution, **_):
    institution = make_institution(country="CL", name="Ministerio de Salud")
    return Institution, institution.id, f"/admin/institutions/{institution.id}/delete", \
        "Institution “Ministerio de Salud” deleted."


def _invitation(make_user, **_):
    invited = make_user(country="CL", name="Rosa Quispe", password=None)
    return User, invited.id, f"/admin/users/{invited.uuid}/invitation/withdraw", \
        "The invitation to Rosa Quispe has been withdrawn and the unused account removed."


MAKERS = [_cohort, _institution, _invitation]
IDS = ["cohort", "institution", "invitation"]


def _confirmation(client, url, **asked) -> dict:
    """What the page that asks first (``url`` sent ``asked``) sends with its button."""
    page = client.post(url, data=asked).get_data(as_text=True)
    return {name: unescape(value) for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                                                                 page) if name != "csrf_token"}


def _said(client, response) -> str:
    return unescape(client.get(response.location).get_data(as_text=True))


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
def test_a_deletion_confirmed_again_says_it_was_done(client, login_as, make_cohort, make_institution, make_user,
                                                     make):
    """The second sending came once the first had deleted the row: it answered 404, "Page not found", as if the
    deletion had failed."""
    login_as("coordinator", country="CL", locale="en")
    model, row_id, url, said = make(make_cohort=make_cohort, make_institution=make_institution, make_user=make_user)
    sent = _confirmation(client, url)
    first = client.post(url, data=sent)
    assert first.status_code == 302 and said in _said(client, first)
    again = client.post(url, data=sent)
    assert again.status_code == 302, again.status_code
    assert again.location == first.location and said in _said(client, again)
    assert db.session.get(model, row_id) is None


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
def test_a_deletion_someone_else_made_is_still_not_found(client, login_as, make_cohort, make_institution, make_user,
                                                         make):
    """Only the form that deleted the row is told it did: another one (a colleague's deletion came first, an old
    tab) finds nothing, as before."""
    login_as("coordinator", country="CL", locale="en")
    model, row_id, url, _ = make(make_cohort=make_cohort, make_institution=make_institution, make_user=make_user)
    sent = _confirmation(client, url)
    db.session.execute(sa.delete(model).where(model.id == row_id))
    db.session.commit()
    assert client.post(url, data=sent).status_code == 404


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
def test_a_deletion_confirmed_twice_at_once_says_it_was_done_both_times(client, login_as, make_cohort,
                                                                        make_institution, make_user, make,
                                                                        post_at_once):
    """Both sendings found the row; one deleted it, and the other, held at the row meanwhile, then found it gone:
    404."""
    from app.auth import services as accounts
    from app.cohorts import services as cohorts
    from app.places import services as places

    coordinator = login_as("coordinator", country="CL", locale="en")
    model, row_id, url, said = make(make_cohort=make_cohort, make_institution=make_institution, make_user=make_user)
    sent = _confirmation(client, url)
    reads = {Cohort: (cohorts, "get_cohort"), Institution: (places, "get_institution"),
             User: (accounts, "get_visible_user")}[model]
    responses = post_at_once(coordinator, url, sent, meet=reads, follow_redirects=True)
    assert [getattr(r, "status_code", r) for r in responses] == [200, 200], responses
    for response in responses:
        assert said in unescape(response.get_data(as_text=True))
    assert db.session.get(model, row_id) is None


def test_a_move_confirmed_again_says_how_many_it_moved(client, login_as, make_institution, make_user):
    """The people of an institution moved to another, the button sent twice: the second sending found nobody left
    and said "0 people moved", the page the browser shows last, as if the move had failed."""
    login_as("coordinator", country="CL", locale="en")
    twice, kept = make_institution(country="CL", name="Agencia X"), make_institution(country="CL", name="Agencia Y")
    people = [make_user(country="CL", institution=twice) for _ in range(3)]
    url = f"/admin/institutions/{twice.id}/move"
    sent = _confirmation(client, url, target_id=kept.id)
    for _sending in range(2):
        response = client.post(url, data=sent, follow_redirects=True)
        assert "3 people moved to “Agencia Y”." in unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert {person.institution_id for person in people} == {kept.id}
    make_user(country="CL", institution=twice)  # someone added since: another move, its own form
    response = client.post(url, data={"target_id": kept.id, "confirmed": "1"}, follow_redirects=True)
    assert "1 person moved to “Agencia Y”." in unescape(response.get_data(as_text=True))


def test_a_move_confirmed_twice_at_once_says_how_many_it_moved_both_times(client, login_as, make_institution,
                                                                          make_user, post_at_once):
    from app.places import services as places

    coordinator = login_as("coordinator", country="CL", locale="en")
    twice, kept = make_institution(country="CL", name="Agencia X"), make_institution(country="CL", name="Agencia Y")
    people = [make_user(country="CL", institution=twice) for _ in range(3)]
    url = f"/admin/institutions/{twice.id}/move"
    sent = _confirmation(client, url, target_id=kept.id)
    responses = post_at_once(coordinator, url, sent, meet=(places, "find_institution"), follow_redirects=True)
    assert [getattr(r, "status_code", r) for r in responses] == [200, 200], responses
    for response in responses:
        assert "3 people moved to “Agencia Y”." in unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert {person.institution_id for person in people} == {kept.id}


def test_a_move_confirmed_again_later_moves_whoever_was_added_since(client, login_as, make_institution, make_user):
    """The same confirmation sent again once someone had joined the institution (Back then the button) moved nobody
    and said "3 people moved", leaving the newcomer behind; sent with another institution chosen, it said they had
    moved there; with one that does not exist, it answered with a server error."""
    login_as("coordinator", country="CL", locale="en")
    twice, kept = make_institution(country="CL", name="Agencia X"), make_institution(country="CL", name="Agencia Y")
    other = make_institution(country="CL", name="Agencia Z")
    [make_user(country="CL", institution=twice) for _ in range(3)]
    url = f"/admin/institutions/{twice.id}/move"
    sent = _confirmation(client, url, target_id=kept.id)
    assert "3 people moved to “Agencia Y”." in _said(client, client.post(url, data=sent))
    newcomer = make_user(country="CL", institution=twice)
    assert "1 person moved to “Agencia Y”." in _said(client, client.post(url, data=sent))
    db.session.expire_all()
    assert newcomer.institution_id == kept.id
    assert "0 people moved to “Agencia Z”." in _said(client, client.post(url, data=dict(sent, target_id=other.id)))
    response = client.post(url, data=dict(sent, target_id="999999"))
    assert response.status_code in (302, 303) and "Choose another institution of the same country" in _said(
        client, response)


@pytest.mark.parametrize("make", MAKERS[:2], ids=IDS[:2])
def test_a_deletion_confirmed_again_never_names_what_came_after_it(client, login_as, make_cohort, make_institution,
                                                                   make_user, make):
    """SQLite gives a new row the number of the last one deleted: the confirmation sent again (Back then the button)
    then reached the new cohort or institution, which it rightly left alone, but said it had been deleted."""
    login_as("coordinator", country="CL", locale="en")
    model, row_id, url, said = make(make_cohort=make_cohort, make_institution=make_institution, make_user=make_user)
    sent = _confirmation(client, url)
    assert said in _said(client, client.post(url, data=sent))
    from app.places.models import InstitutionLevel

    after = model(id=row_id, name="Quien vino después", country_code="CL", **(
        {"description": ""} if model is Cohort else {"level": InstitutionLevel("national")}))
    db.session.add(after)
    db.session.commit()
    again = _said(client, client.post(url, data=sent))
    assert said in again and "“Quien vino después” deleted" not in again
    assert db.session.get(model, row_id) is not None


def test_a_withdrawal_confirmed_again_at_an_address_written_otherwise_says_it_was_done(client, login_as, make_user):
    """The person's number in the address written in capitals or without hyphens opens the same page; its
    confirmation sent twice was told "Page not found" the second time."""
    login_as("coordinator", country="CL", locale="en")
    invited = make_user(country="CL", name="Rosa Quispe", password=None)
    url = f"/admin/users/{invited.uuid.hex.upper()}/invitation/withdraw"
    sent = _confirmation(client, url)
    first = client.post(url, data=sent)
    assert first.status_code == 302
    again = client.post(url, data=sent)
    assert again.status_code == 302 and "The invitation to Rosa Quispe has been withdrawn" in _said(client, again)
    assert client.post("/admin/users/not-a-number/invitation/withdraw", data=sent).status_code == 404
