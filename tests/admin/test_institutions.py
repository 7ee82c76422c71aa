import re
from html import unescape

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import Forbidden

from app.auth.models import User
from app.extensions import db
from app.places.models import Institution
from app.places.services import delete_institution, update_institution
from tests.conftest import PG_URL
from tests.fixtures.concurrency import saved_as_deleted


def test_create_institution_with_region(client, login_as):
    login_as("coordinator", country="CL")
    response = client.post("/admin/institutions/new", data={
        "name": "Gobierno Regional de Ñuble", "country_code": "CL", "region_code": "CL-NB", "level": "regional"})
    assert response.status_code == 302
    institution = db.session.scalar(sa.select(Institution))
    assert (institution.country_code, institution.region_code) == ("CL", "CL-NB")


def test_region_must_be_in_the_country_and_regional_needs_one(client, login_as):
    login_as("admin", country=None)
    response = client.post("/admin/institutions/new", data={
        "name": "X", "country_code": "CL", "region_code": "AR-X", "level": "regional"})
    assert response.status_code == 400
    assert "Choose a region of the institution" in response.get_data(as_text=True)
    response = client.post("/admin/institutions/new", data={
        "name": "X", "country_code": "CL", "region_code": "", "level": "regional"})
    assert "Choose the region of a regional institution" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Institution)) == 0


def test_duplicate_names_are_refused_whatever_the_case(client, login_as, make_institution):
    login_as("admin", country=None)
    make_institution(country="CO", name="Gobernación de Antioquia")
    response = client.post("/admin/institutions/new", data={
        "name": "gobernación de antioquia", "country_code": "CO", "level": "national"})
    assert response.status_code == 400
    assert "already has an institution called “Gobernación de Antioquia”" in response.get_data(as_text=True)


@pytest.mark.parametrize("typed", ["GOBIERNO REGIONAL DE ÑUBLE", "Gobierno Regional de Nuble",
                                   "gobierno  regional de ñuble"])
def test_names_apart_only_in_case_or_accents_are_one_name(client, login_as, make_institution, typed):
    """On SQLite too, where lower() leaves Ñ as it is; the message names the institution already there."""
    login_as("admin", country=None)
    make_institution(country="CL", name="Gobierno Regional de Ñuble")
    response = client.post("/admin/institutions/new", data={"name": typed, "country_code": "CL", "level": "national"})
    assert response.status_code == 400
    assert "already has an institution called “Gobierno Regional de Ñuble”" in response.get_data(as_text=True)
    response = client.post("/admin/institutions/new", data={"name": typed, "country_code": "PE", "level": "national"})
    assert response.status_code == 302  # another country's name is its own
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Institution)) == 2


def test_coordinator_cannot_move_an_institution_abroad(client, login_as, make_institution):
    login_as("coordinator", country="CL")
    institution = make_institution(country="CL")
    response = client.post(f"/admin/institutions/{institution.id}/edit", data={
        "name": institution.name, "country_code": "AR", "level": "national"})
    assert response.status_code == 400
    db.session.refresh(institution)
    assert institution.country_code == "CL"


def test_delete_only_when_nobody_belongs(client, login_as, make_institution, make_user):
    login_as("admin", country=None)
    used = make_institution(country="CL")
    make_user(country="CL", institution=used)
    empty_id = make_institution(country="CL").id
    response = client.post(f"/admin/institutions/{used.id}/delete", follow_redirects=True)
    assert "move them first" in response.get_data(as_text=True)
    assert db.session.get(Institution, used.id) is not None
    asked = client.post(f"/admin/institutions/{empty_id}/delete")  # first it asks, and nothing happens yet
    assert asked.status_code == 200 and 'name="confirmed" value="1"' in asked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Institution, empty_id) is not None
    client.post(f"/admin/institutions/{empty_id}/delete", data={"confirmed": "1"})
    db.session.expire_all()
    assert db.session.get(Institution, empty_id) is None


def test_regions_json_for_the_form_script(client, login_as):
    login_as("trainer", country="ES")
    regions = client.get("/places/countries/cl/regions.json").get_json()
    assert {"code": "CL-BI", "name": "Biobío"} in regions
    assert len(regions) == 16
    assert client.get("/places/countries/ZZ/regions.json").status_code == 404


def test_an_institution_added_twice_at_once_is_added_once(login_as, post_at_once):
    from app.places import services

    coordinator = login_as("coordinator", country="CL")
    responses = post_at_once(coordinator, "/admin/institutions/new",
                             {"name": "Ministerio de Salud", "country_code": "CL", "level": "national"},
                             times=4, meet=(services, "_validate_institution"))
    assert sorted((getattr(r, "status_code", r) for r in responses), key=str) == [302, 400, 400, 400], responses
    for response in responses:
        if response.status_code == 400:
            assert "This country already has an institution called “Ministerio de Salud”" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Institution)) == 1


def test_one_submit_shows_every_problem_of_an_institution(client, login_as, make_institution, make_user):
    login_as("admin", country=None)
    response = client.post("/admin/institutions/new", data={
        "name": "", "country_code": "CL", "region_code": "", "level": "regional"})
    assert response.status_code == 400
    page = unescape(response.get_data(as_text=True))
    assert '<a href="#name">Enter the institution\'s name</a>' in page
    assert '<a href="#region_code">Choose the region of a regional institution</a>' in page
    used = make_institution(country="CL")
    make_user(country="CL", institution=used)
    response = client.post(f"/admin/institutions/{used.id}/edit", data={
        "name": "", "country_code": "AR", "level": "national"})
    page = unescape(response.get_data(as_text=True))
    assert '<a href="#name">Enter the institution\'s name</a>' in page
    assert '<a href="#country_code">People belong to this institution, so its country cannot change</a>' in page


def test_the_change_page_of_an_institution_names_it(client, login_as, make_institution):
    login_as("admin", country=None, locale="en")
    institution = make_institution(name="Gobierno Regional del Biobío")
    html = client.get(f"/admin/institutions/{institution.id}/edit").get_data(as_text=True)
    assert "<title>Change institution “Gobierno Regional del Biobío” – Itinera</title>" in html
    assert "<h1>Change institution “Gobierno Regional del Biobío”</h1>" in html


def test_a_change_saved_by_someone_else_meanwhile_is_not_overwritten(client, login_as, make_institution):
    import re

    login_as("coordinator", country="CL", locale="en")
    institution = make_institution(country="CL", name="Ministerio de Salud")
    url = f"/admin/institutions/{institution.id}/edit"
    opened = re.search(r'name="revision" type="hidden" value="([0-9a-f]+)"',
                       client.get(url).get_data(as_text=True)).group(1)
    sent = {"name": "Ministerio de Salud", "country_code": "CL", "level": "national", "revision": opened}
    assert client.post(url, data=dict(sent, level="regional", region_code="CL-BI")).status_code == 302
    late = client.post(url, data=dict(sent, name="Minsal"))
    assert late.status_code == 400
    assert "Someone else saved a change to this after you opened the page" in unescape(late.get_data(as_text=True))
    db.session.refresh(institution)
    assert (institution.name, institution.level.value, institution.region_code) == ("Ministerio de Salud",
                                                                                    "regional", "CL-BI")


def test_someone_added_while_the_institution_is_deleted_keeps_it(client, login_as, make_institution, make_user,
                                                                 monkeypatch):
    """The person joined after the institution was counted empty (another coordinator's save, committed first):
    the deletion is refused with its message, not an error page, and nobody loses their institution."""
    from app.places import services

    login_as("coordinator", country="CL", locale="en")
    institution = make_institution(country="CL")
    person = make_user(country="CL", institution=institution)
    counts, real = [0, 0], services.member_count  # what the view, then the service, counted
    monkeypatch.setattr(services, "member_count", lambda i: counts.pop() if counts else real(i))
    response = client.post(f"/admin/institutions/{institution.id}/delete", data={"confirmed": "1"},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "People belong to this institution: move them first" in unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Institution, institution.id) is not None and person.institution_id == institution.id


def test_an_institution_keeps_its_own_name_when_edited_and_may_change_its_case(client, login_as, make_institution):
    login_as("admin", country=None)
    institution = make_institution(country="CL", name="Gobierno Regional de Nuble")
    for name in ("Gobierno Regional de Nuble", "Gobierno Regional de Ñuble"):
        response = client.post(f"/admin/institutions/{institution.id}/edit", data={
            "name": name, "country_code": "CL", "level": "national"})
        assert response.status_code == 302, name
        db.session.refresh(institution)
        assert institution.name == name


def test_a_coordinator_sees_and_picks_only_their_country(client, login_as, make_institution):
    make_institution(country="CL", name="Subsecretaría de Desarrollo Regional")
    make_institution(country="AR", name="Secretaría de Innovación de Córdoba")
    login_as("coordinator", country="CL", locale="en")
    listed = unescape(client.get("/admin/institutions").get_data(as_text=True))
    assert "Subsecretaría de Desarrollo Regional" in listed and "Secretaría de Innovación de Córdoba" not in listed
    assert "Secretaría de Innovación de Córdoba" not in unescape(
        client.get("/admin/institutions?country=AR").get_data(as_text=True))
    form = client.get("/admin/institutions/new").get_data(as_text=True)
    assert 'value="CL"' in form and 'value="AR"' not in form and 'value="PT"' not in form


def test_the_services_refuse_a_coordinator_of_another_country(make_user, make_institution):
    institution = make_institution(country="AR", name="Secretaría de Innovación de Córdoba")
    stranger = make_user(roles=("coordinator",), country="CL")
    with pytest.raises(Forbidden):
        update_institution(stranger, institution, name="Mine now", country_code="AR", level="national")
    with pytest.raises(Forbidden):
        delete_institution(stranger, institution)
    db.session.rollback()
    kept = db.session.get(Institution, institution.id)
    assert kept is not None and kept.name == "Secretaría de Innovación de Córdoba"


@pytest.mark.skipif(not PG_URL, reason="SQLite lets one writer in at a time: the other request waits for this one")
@pytest.mark.parametrize("with_revision", [True, False])
def test_an_institution_saved_as_it_is_deleted_is_not_found(app, login_as, make_institution, send_at_once,
                                                            with_revision):
    """The edit form saved just as a colleague deletes the institution: its save waited for the deletion, then
    read an institution that was no longer there (an error page). Now: 404, the institution is gone; also for a
    save that sends no revision."""
    from app.places.services import edit_revision

    coordinator = login_as("coordinator", country="CL")
    institution = make_institution(country="CL", name="Ministerio")
    sent = {"name": "Ministerio de Salud", "country_code": "CL", "level": "national"}
    if with_revision:
        sent["revision"] = edit_revision(institution)
    statuses = saved_as_deleted(app, send_at_once, coordinator, "institution",
                                f"/admin/institutions/{institution.id}/delete",
                                f"/admin/institutions/{institution.id}/edit", sent)
    assert statuses == [302, 404], statuses
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Institution)) == 0


def test_the_people_of_an_institution_are_a_link_away(client, login_as, make_institution, make_user):
    """Deleting an institution people belong to is refused: the list and its page lead to those people."""
    login_as("coordinator", country="CL")
    used, empty = make_institution(country="CL", name="Usada"), make_institution(country="CL", name="Vacía")
    make_user(country="CL", institution=used)
    make_user(country="CL", institution=used, is_active=False)
    people = f"/admin/users?institution={used.id}&amp;status=all"
    html = client.get("/admin/institutions").get_data(as_text=True)
    assert f'<a href="{people}">2<span class="visually-hidden">: Usada</span></a>' in html
    assert f"/admin/users?institution={empty.id}" not in html
    refused = client.post(f"/admin/institutions/{used.id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "move them first" in refused and f'<a href="{people}">See the people of this institution</a>' in refused
    listed = client.get(people.replace("&amp;", "&")).get_data(as_text=True)
    assert "2 results" in listed


def test_the_people_of_an_institution_move_together_to_another(client, login_as, make_institution, make_user):
    """An institution entered twice ("Agencia X" and "Agencia X (ANII)") could only be deleted after opening each
    of its 397 people one by one to change their institution. Its page now moves them all, after asking."""
    login_as("coordinator", country="CL")
    twice, kept = make_institution(country="CL", name="Agencia X"), make_institution(country="CL", name="Agencia X (ANII)")
    people = [make_user(country="CL", institution=twice) for _ in range(3)]
    abroad = make_institution(country="AR", name="Agencia Y")
    page = client.get(f"/admin/institutions/{twice.id}/edit").get_data(as_text=True)
    assert f'action="/admin/institutions/{twice.id}/move"' in page
    assert re.search(rf'type="radio" name="target_id" id="target_id" value="{kept.id}" checked>\s*'
                     r'<label class="choice__label" for="target_id">Agencia X \(ANII\)</label>', page)
    assert "Agencia Y" not in page  # the only one offered, chosen

    asked = client.post(f"/admin/institutions/{twice.id}/move", data={"target_id": kept.id})
    assert asked.status_code == 200 and "Move the 3 people of “Agencia X” to “Agencia X (ANII)”?" in unescape(
        asked.get_data(as_text=True))
    db.session.expire_all()
    assert {person.institution_id for person in people} == {twice.id}  # nothing yet
    response = client.post(f"/admin/institutions/{twice.id}/move", data={"target_id": kept.id, "confirmed": "1"},
                           follow_redirects=True)
    assert "3 people moved to “Agencia X (ANII)”." in unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert {person.institution_id for person in people} == {kept.id}
    assert 'action="/admin/institutions/{}/delete"'.format(twice.id) in response.get_data(as_text=True)  # now

    for target in (abroad.id, twice.id, 999999, "x"):  # another country's, itself, none, not a number
        make_user(country="CL", institution=twice)
        refused = client.post(f"/admin/institutions/{twice.id}/move", data={"target_id": target, "confirmed": "1"},
                              follow_redirects=True)
        assert "Choose another institution of the same country" in unescape(refused.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count()).where(User.institution_id == abroad.id)) == 0


def test_a_coordinator_moves_no_one_they_cannot_change(client, login_as, make_institution, make_user):
    """A trainer or another coordinator of the country works at the institution: a coordinator cannot change
    their record, so nobody is moved and the page says why."""
    login_as("coordinator", country="CL")
    twice, kept = make_institution(country="CL"), make_institution(country="CL")
    trainee = make_user(country="CL", institution=twice)
    make_user(roles=("trainer",), country="CL", institution=twice)
    response = client.post(f"/admin/institutions/{twice.id}/move", data={"target_id": kept.id, "confirmed": "1"},
                           follow_redirects=True)
    assert "ask the programme's administrators" in unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert trainee.institution_id == twice.id
    login_as("coordinator", country="AR")
    assert client.post(f"/admin/institutions/{twice.id}/move", data={"target_id": kept.id}).status_code == 403


def test_a_move_that_would_be_refused_is_refused_before_asking(client, login_as, make_institution, make_user):
    """A coordinator was asked "Move the 2 people …?" and, having confirmed, told that a member of staff among
    them cannot be moved: the refusal now comes at the first click, as for another country's institution."""
    coordinator = login_as("coordinator", country="CL")
    twice, kept = make_institution(country="CL", name="Agencia X"), make_institution(country="CL")
    make_user(country="CL", institution=twice)
    coordinator.institution_id = twice.id  # the coordinator's own record is one they cannot change here
    db.session.commit()
    response = client.post(f"/admin/institutions/{twice.id}/move", data={"target_id": kept.id})
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/institutions/{twice.id}/edit"
    page = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "ask the programme's administrators" in page and "Move the 2 people" not in page
    # and the page says so in place of a button that would fail
    page = unescape(client.get(f"/admin/institutions/{twice.id}/edit").get_data(as_text=True))
    assert "ask the programme's administrators" in page and f'/admin/institutions/{twice.id}/move"' not in page


def test_the_page_counts_the_staff_it_cannot_move(client, login_as, make_institution, make_user):
    """A coordinator's own institution, where they are the only member of staff, said "Some people of this
    institution are members of staff" under "1 person belongs to this institution": it counts them."""
    coordinator = login_as("coordinator", country="CL", locale="en")
    own, other = make_institution(country="CL"), make_institution(country="CL")
    coordinator.institution_id = own.id
    db.session.commit()
    page = unescape(client.get(f"/admin/institutions/{own.id}/edit").get_data(as_text=True))
    assert "1 person of this institution is a member of staff, whose record you cannot change" in page
    assert "Some people" not in page
    make_user(roles=("trainer",), country="CL", institution=own)
    page = unescape(client.get(f"/admin/institutions/{own.id}/edit").get_data(as_text=True))
    assert "2 people of this institution are members of staff, whose records you cannot change" in page
    response = client.post(f"/admin/institutions/{own.id}/move", data={"target_id": other.id}, follow_redirects=True)
    assert "2 people of this institution are members of staff" in unescape(response.get_data(as_text=True))


def test_an_admin_chooses_the_country_of_a_new_institution_or_cohort(client, login_as):
    """An admin's forms offered every country with none chosen, so the browser showed the first (Argentina) as
    chosen: an institution or cohort saved without a look at the country went to Argentina without a word. The
    list starts with "Choose a country", as the import's does; a coordinator's holds their own country."""
    import re

    pattern = re.compile(r'<select[^>]*name="country_code"[^>]*>(.*?)</select>', re.S)
    login_as("admin", country=None, locale="en")
    for page in ("/admin/institutions/new", "/admin/cohorts/new"):
        select = pattern.search(client.get(page).get_data(as_text=True)).group(1)
        first = re.search(r"<option([^>]*)>([^<]*)</option>", select)
        assert 'value=""' in first.group(1) and first.group(2) == "Choose a country", page
        assert re.findall(r'<option selected value="([^"]*)"', select) in ([], [""]), page
    response = client.post("/admin/institutions/new", data={"name": "Agencia", "country_code": "", "level": "national"})
    assert response.status_code == 400 and "Choose a country from the list" in response.get_data(as_text=True)
    # the list of one country's institutions adds one there
    page = client.get("/admin/institutions?country=PE").get_data(as_text=True)
    assert 'href="/admin/institutions/new?country=PE"' in page
    select = pattern.search(client.get("/admin/institutions/new?country=PE").get_data(as_text=True)).group(1)
    assert re.search(r'<option selected value="PE"', select)


def test_a_coordinator_who_also_trains_is_linked_only_to_the_institutions_they_may_change(client, login_as,
                                                                                          make_user,
                                                                                          make_institution):
    """A trainer sees every country's institutions; a coordinator who also trains had each of them linked to its
    form, which answered Forbidden for every country but their own."""
    own, abroad = make_institution(country="PE", name="Gobierno Regional de Cusco"), make_institution(country="MX")
    login_as(make_user(roles=("coordinator", "trainer"), country="PE"))
    page = client.get("/admin/institutions").get_data(as_text=True)
    assert f'href="/admin/institutions/{own.id}/edit"' in page and abroad.name in page
    assert f'href="/admin/institutions/{abroad.id}/edit"' not in page
    assert client.get(f"/admin/institutions/{abroad.id}/edit").status_code == 403


def test_the_people_of_an_institution_move_to_one_found_by_name_in_a_country_of_many(client, login_as,
                                                                                    make_institution, make_user,
                                                                                    monkeypatch):
    """Its people go to another institution of the country, offered as radio buttons (a select cut long names on
    a phone); in a country with more than the person form lists, found by words of the name first."""
    from app.admin import views

    monkeypatch.setattr(views, "INSTITUTIONS_LISTED", 2)
    login_as("coordinator", country="CL")
    twice = make_institution(country="CL", name="Agencia Nacional de Investigación")
    kept = make_institution(country="CL", name="Agencia Nacional de Investigación y Desarrollo (ANID)")
    for name in ("Ministerio de Salud", "Servicio de Impuestos Internos"):
        make_institution(country="CL", name=name)
    make_institution(country="AR", name="Agencia Nacional de Promoción")
    make_user(country="CL", institution=twice)
    page = client.get(f"/admin/institutions/{twice.id}/edit?lang=en").get_data(as_text=True)
    assert 'name="move_q"' in page and 'name="target_id"' not in page  # nothing offered before a search
    found = unescape(client.get(f"/admin/institutions/{twice.id}/edit?move_q=AGENCIA+investigacion").get_data(
        as_text=True))
    assert re.findall(r'name="target_id" id="[^"]+" value="(\d+)"', found) == [str(kept.id)]  # not itself
    assert "Promoción" not in found and 'value="AGENCIA investigacion"' in found
    none = client.get(f"/admin/institutions/{twice.id}/edit?move_q=hacienda").get_data(as_text=True)
    assert "No institutions match your search." in none and 'name="target_id"' not in none
    moved = client.post(f"/admin/institutions/{twice.id}/move", data={"target_id": kept.id, "confirmed": "1"},
                        follow_redirects=True)
    assert "1 person moved to" in moved.get_data(as_text=True)


def test_a_move_sent_without_a_choice_keeps_the_search(client, login_as, make_institution, make_user, monkeypatch):
    """Radio buttons, unlike the select before them, can be sent with none chosen: the page came back with the
    refusal but without the institutions found, which had to be searched for again."""
    from app.admin import views

    monkeypatch.setattr(views, "INSTITUTIONS_LISTED", 2)
    login_as("coordinator", country="CL", locale="en")
    twice = make_institution(country="CL", name="Agencia Nacional")
    first = make_institution(country="CL", name="Agencia Uno")
    second = make_institution(country="CL", name="Agencia Dos")
    make_institution(country="CL", name="Ministerio")
    make_user(country="CL", institution=twice)
    page = client.get(f"/admin/institutions/{twice.id}/edit?move_q=agencia").get_data(as_text=True)
    form = page[page.index(f'action="/admin/institutions/{twice.id}/move"'):]
    assert 'name="move_q" value="agencia"' in form[:form.index("</form>")]
    refused = client.post(f"/admin/institutions/{twice.id}/move", data={"move_q": "agencia"})
    assert refused.status_code == 302
    assert refused.location == f"/admin/institutions/{twice.id}/edit?move_q=agencia#move"
    again = unescape(client.get(refused.location).get_data(as_text=True))
    assert "Choose another institution of the same country" in again
    assert re.findall(r'name="target_id" id="[^"]+" value="(\d+)"', again) == [str(second.id), str(first.id)]


def test_moving_people_a_long_search_is_searched_whole_not_its_first_200_characters(client, login_as,
                                                                                   make_institution, make_user,
                                                                                   monkeypatch):
    """"agencia hacienda" offers no institution to move to, however many spaces or repeated words stand between."""
    from app.admin import views

    monkeypatch.setattr(views, "INSTITUTIONS_LISTED", 1)
    login_as("coordinator", country="CL", locale="en")
    moved = make_institution(country="CL", name="Agencia Nacional de Investigación")
    for name in ("Agencia Nacional de Investigación y Desarrollo", "Ministerio de Salud"):
        make_institution(country="CL", name=name)
    make_user(country="CL", institution=moved)
    for words in ("agencia" + " " * 200 + "hacienda", "agencia " + "nacional " * 30 + "hacienda"):
        page = client.get(f"/admin/institutions/{moved.id}/edit", query_string={"move_q": words})
        html = page.get_data(as_text=True)
        assert "No institutions match your search." in html and 'name="target_id"' not in html
