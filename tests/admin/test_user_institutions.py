"""Choosing a person's institution: radio buttons (a select cut long names on a phone), and for a country with
many institutions, a search by words of the name first, without JavaScript."""
import re
from html import unescape

import pytest
import sqlalchemy as sa

from app.admin import views
from app.auth.models import User
from app.extensions import db
from tests.admin.test_users import form, summary

LONG = "Ministerio de Ciencia, Tecnología, Conocimiento e Innovación – División de Políticas Públicas Regionales"


def offered(response) -> dict[str, tuple[str, bool]]:
    """The institutions offered, by id: (name, chosen)."""
    html = response.get_data(as_text=True)
    radios = re.findall(r'<input class="choice__input" type="radio" name="institution_id" id="([^"]+)" '
                        r'value="([^"]*)"( checked)?>\s*<label class="choice__label" for="\1">([^<]*)</label>', html)
    assert '<select class="select" id="institution_id"' not in html
    return {value: (unescape(label), bool(checked)) for _id, value, checked, label in radios}


def people() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


@pytest.fixture
def many(make_institution, monkeypatch):
    """Chile with more institutions than the form lists."""
    monkeypatch.setattr(views, "INSTITUTIONS_LISTED", 3)
    return {name: make_institution(country="CL", name=name) for name in (
        "Ministerio de Salud", "Secretaría Regional de Salud del Biobío", "Servicio de Impuestos Internos",
        "Gobierno Regional de Ñuble", LONG)}


def test_a_country_with_few_institutions_offers_each_as_a_radio_button_with_its_whole_name(client, login_as,
                                                                                           make_institution):
    login_as("coordinator", country="CL")
    long = make_institution(country="CL", name=LONG)
    other = make_institution(country="CL", name="Servicio de Impuestos Internos")
    make_institution(country="AR", name="Ministerio de Economía")
    response = client.get("/admin/users/new?lang=en")
    assert offered(response) == {"": ("No institution", True), str(long.id): (LONG, False),
                                 str(other.id): ("Servicio de Impuestos Internos", False)}
    assert 'name="institution_q"' not in response.get_data(as_text=True)


def test_more_institutions_than_listed_are_found_by_words_of_their_name(client, login_as, make_institution):
    login_as("coordinator", country="CL")
    for n in range(views.INSTITUTIONS_LISTED):
        make_institution(country="CL", name=f"Municipalidad número {n}")
    health = make_institution(country="CL", name="Ministerio de Salud")
    page = client.get("/admin/users/new?lang=en")
    assert 'name="institution_q"' in page.get_data(as_text=True)
    assert offered(page) == {"": ("No institution", True)}  # nothing listed before a search
    response = client.post("/admin/users/new", data=form(institution_q="salud", find="Find"))
    assert response.status_code == 200 and people() == 1  # found, nothing saved
    assert offered(response) == {"": ("No institution", True), str(health.id): ("Ministerio de Salud", False)}
    assert "1 institution matches “salud”." in unescape(response.get_data(as_text=True))


def test_the_search_ignores_accents_case_and_the_order_of_words(client, login_as, many):
    login_as("admin", country=None)
    for words in ("SECRETARIA biobio", "Biobío salud", "  salud  bio  "):
        response = client.post("/admin/users/new", data=form(institution_q=words, find="Find"))
        assert [name for name, _chosen in offered(response).values()] == [
            "No institution", "Secretaría Regional de Salud del Biobío"], words
    found = offered(client.post("/admin/users/new", data=form(institution_q="nuble", find="Find")))
    assert found[str(many["Gobierno Regional de Ñuble"].id)] == ("Gobierno Regional de Ñuble", False)


def test_a_search_that_finds_nothing_says_so(client, login_as, many):
    login_as("admin", country=None)
    response = client.post("/admin/users/new", data=form(institution_q="hacienda", find="Find"))
    assert response.status_code == 200
    assert "No institutions match your search. Try other words, or fewer." in response.get_data(as_text=True)
    assert offered(response) == {"": ("No institution", True)}


def test_more_matches_than_shown_are_counted_and_the_first_listed(client, login_as, many, monkeypatch):
    monkeypatch.setattr(views, "MATCHES_SHOWN", 2)
    login_as("admin", country=None)
    response = client.post("/admin/users/new", data=form(institution_q="de", find="Find"))
    assert [name for name, _chosen in offered(response).values()] == [
        "No institution", "Gobierno Regional de Ñuble", LONG]
    assert "5 institutions match “de”: here are the first 2. Add words to find fewer." in \
        unescape(response.get_data(as_text=True))


def test_the_institution_chosen_stays_offered_and_chosen_whatever_is_searched(client, login_as, make_user, many):
    login_as("coordinator", country="CL")
    taxes = many["Servicio de Impuestos Internos"]
    person = make_user(country="CL", email="p@example.org", institution=taxes)
    page = offered(client.get(f"/admin/users/{person.uuid}/edit"))
    assert page == {"": ("No institution", False), str(taxes.id): ("Servicio de Impuestos Internos", True)}
    response = client.post(f"/admin/users/{person.uuid}/edit", data=form(
        email="p@example.org", password=None, institution_id=str(taxes.id), institution_q="salud", find="Find"))
    assert list(offered(response).items())[:2] == [("", ("No institution", False)),
                                                   (str(taxes.id), ("Servicio de Impuestos Internos", True))]
    assert len(offered(response)) == 4  # and the two that match
    health = many["Ministerio de Salud"]
    saved = client.post(f"/admin/users/{person.uuid}/edit", data=form(
        email="p@example.org", password=None, institution_id=str(health.id), institution_q="salud",
        institution_searched="salud"))
    assert saved.status_code == 302
    db.session.refresh(person)
    assert person.institution == health


def test_words_sent_with_save_are_searched_not_passed_over(client, login_as, many):
    """Enter in the search box presses Save (the form's first button): the words are searched, nothing saved."""
    login_as("admin", country=None)
    response = client.post("/admin/users/new", data=form(institution_q="impuestos", submit="Save"))
    assert response.status_code == 200 and people() == 1
    taxes = str(many["Servicio de Impuestos Internos"].id)
    assert taxes in offered(response) and 'name="institution_searched" type="hidden" value="impuestos"' in \
        response.get_data(as_text=True)
    response = client.post("/admin/users/new", data=form(institution_q="impuestos", institution_searched="impuestos",
                                                         institution_id=taxes, submit="Save"))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(User).where(User.email == "marta@example.org")).institution_id == int(taxes)
    emptied = client.post("/admin/users/new", data=form(email="b@example.org", institution_q="",
                                                        institution_searched="impuestos", submit="Save"))
    assert emptied.status_code == 302  # a box emptied: saved


def test_a_coordinator_finds_and_chooses_only_their_countrys_institutions(client, login_as, make_institution,
                                                                          many):
    login_as("coordinator", country="CL")
    abroad = make_institution(country="AR", name="Ministerio de Salud de la Nación")
    response = client.post("/admin/users/new", data=form(institution_q="salud", institution_id=str(abroad.id),
                                                         find="Find"))
    html = response.get_data(as_text=True)
    assert "de la Nación" not in html and str(abroad.id) not in offered(response)
    assert len(offered(response)) == 3  # no institution, and Chile's two
    refused = client.post("/admin/users/new", data=form(institution_q="salud", institution_searched="salud",
                                                        institution_id=str(abroad.id)))
    assert refused.status_code == 400 and people() == 1
    assert "Choose an institution of the person&#39;s country" in refused.get_data(as_text=True)
    other_country = client.post("/admin/users/new", data=form(country_code="AR", institution_q="salud",
                                                              find="Find"))
    assert "de la Nación" not in other_country.get_data(as_text=True)


@pytest.mark.parametrize("words", ["x" * 10_000, "%", "_", "' OR 1=1 --", "ø" * 300, "   "])
def test_any_words_are_searched_without_error(client, login_as, many, words):
    login_as("admin", country=None)
    response = client.post("/admin/users/new", data=form(institution_q=words, find="Find"))
    assert response.status_code == 200 and people() == 1
    if words.strip() and words != "_":
        assert len(offered(response)) == 1


def test_an_institution_of_the_country_left_is_no_longer_chosen(client, login_as, make_user, make_institution):
    """The country changed and the lists refreshed: the institution of the other country is not offered, and "No
    institution" shows chosen (nothing was, and Save then left the person without one, unsaid)."""
    login_as("admin", country=None)
    santiago = make_institution(country="CL", name="Municipalidad de Santiago")
    rosario = make_institution(country="AR", name="Municipalidad de Rosario")
    person = make_user(country="CL", email="p@example.org", institution=santiago)
    response = client.post(f"/admin/users/{person.uuid}/edit", data=form(
        email="p@example.org", password=None, country_code="AR", institution_id=str(santiago.id), refresh="y"))
    assert offered(response) == {"": ("No institution", True), str(rosario.id): ("Municipalidad de Rosario", False)}
    refused = client.post("/admin/users/new", data=form(country_code="AR", institution_id=str(santiago.id)))
    assert refused.status_code == 400  # sent to be saved, it is refused, not dropped
    assert "Choose an institution of the person&#39;s country" in refused.get_data(as_text=True)


def test_save_with_no_institution_chosen_is_refused_not_dropped(client, login_as, make_user, make_institution, many):
    """The script hides the institutions of the country left when the new one has more than the form lists (its
    search shows after a refresh): Save then sends no institution at all. The person keeps theirs until one of the
    new country, or "No institution", is chosen; what was typed stays."""
    login_as("admin", country=None)
    rosario = make_institution(country="AR", name="Municipalidad de Rosario")
    person = make_user(country="AR", email="p@example.org", name="Pía Soto", institution=rosario)
    sent = form(email="p@example.org", password=None, full_name="Pía Soto Ruiz", country_code="CL",
                institution_id=None, institution_offered="1", submit="Save")
    refused = client.post(f"/admin/users/{person.uuid}/edit", data=sent)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert summary(html) == [("institution_id", "Choose an institution of the person's country, or “No institution”.")]
    assert 'value="Pía Soto Ruiz"' in html and 'name="institution_q"' in html  # kept; Chile's search shows
    assert offered(refused) == {"": ("No institution", False)}  # nothing shows chosen: a choice to make
    db.session.refresh(person)
    assert (person.country_code, person.institution, person.full_name) == ("AR", rosario, "Pía Soto")
    saved = client.post(f"/admin/users/{person.uuid}/edit", data={**sent, "institution_id": ""})
    assert saved.status_code == 302  # "No institution", chosen: saved
    db.session.refresh(person)
    assert (person.country_code, person.institution) == ("CL", None)


def test_a_new_person_sent_with_no_institution_chosen_is_refused(client, login_as, many):
    login_as("admin", country=None)
    refused = client.post("/admin/users/new", data=form(institution_id=None, institution_offered="1"))
    assert refused.status_code == 400 and people() == 1
    assert ("institution_id", "Choose an institution of the person's country, or “No institution”.") in \
        summary(refused.get_data(as_text=True))
    assert client.post("/admin/users/new", data=form(institution_offered="1")).status_code == 302


def test_without_javascript_a_country_changed_keeps_the_institution_until_another_is_chosen(client, login_as,
                                                                                           make_user,
                                                                                           make_institution):
    """No script: the country changed and Save pressed at once sends the institution of the country left. It is
    refused; the page shows the new country's institutions with none chosen, and Save again is refused again."""
    login_as("admin", country=None)
    santiago = make_institution(country="CL", name="Municipalidad de Santiago")
    rosario = make_institution(country="AR", name="Municipalidad de Rosario")
    person = make_user(country="CL", email="p@example.org", institution=santiago)
    sent = form(email="p@example.org", password=None, country_code="AR", institution_offered="1", submit="Save")
    first = client.post(f"/admin/users/{person.uuid}/edit", data={**sent, "institution_id": str(santiago.id)})
    assert first.status_code == 400
    assert offered(first) == {"": ("No institution", False), str(rosario.id): ("Municipalidad de Rosario", False)}
    again = client.post(f"/admin/users/{person.uuid}/edit", data={k: v for k, v in sent.items()
                                                                   if k != "institution_id"})
    assert again.status_code == 400
    db.session.refresh(person)
    assert (person.country_code, person.institution) == ("CL", santiago)
    nobody_before = make_user(country="CL", email="q@example.org")
    explicit = client.post(f"/admin/users/{nobody_before.uuid}/edit", data={**sent, "email": "q@example.org"})
    assert explicit.status_code == 302  # "No institution" chosen, as before: nothing is lost


def test_the_institutions_of_a_country_are_counted_and_only_those_a_form_lists_sent(client, login_as,
                                                                                     make_institution):
    """The script lists a country's institutions in place only when the form would list them all: it is sent how
    many there are and, at most, as many as the form lists (not a whole country's list to count them)."""
    from app.places.services import INSTITUTIONS_LISTED

    names = sorted(f"Municipalidad número {n:02}" for n in range(INSTITUTIONS_LISTED + 5))
    for name in names:
        make_institution(country="CL", name=name)
    economy = make_institution(country="AR", name="Ministerio de Economía")
    login_as("coordinator", country="CL")
    answer = client.get("/places/countries/CL/institutions.json").get_json()
    assert answer["count"] == INSTITUTIONS_LISTED + 5
    assert [i["name"] for i in answer["institutions"]] == names[:INSTITUTIONS_LISTED]
    assert client.get("/places/countries/AR/institutions.json").status_code == 403  # their own country only
    login_as("admin", country=None)
    assert client.get("/places/countries/AR/institutions.json").get_json() == {
        "count": 1, "institutions": [{"id": economy.id, "name": "Ministerio de Economía"}]}


@pytest.mark.parametrize("words", ["salud" + " " * 200 + "hacienda", "salud " + "regional " * 30 + "hacienda"])
def test_a_long_search_is_searched_whole_not_its_first_200_characters(client, login_as, many, words):
    """"salud hacienda" finds no institution, however many spaces or repeated words stand between the words."""
    login_as("admin", country=None, locale="en")
    response = client.post("/admin/users/new", data=form(institution_q=words, find="Find"))
    assert response.status_code == 200 and set(offered(response)) == {""}  # "No institution" alone
