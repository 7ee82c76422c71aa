"""The people list's institution filter: radio buttons with whole names, and for a country with many institutions,
words of the institution's name, then perhaps one of the institutions they match; GET only, without JavaScript."""
import re
from html import unescape

import pytest

from app.admin import views

LONG = "Ministerio de Ciencia, Tecnología, Conocimiento e Innovación – División de Políticas Públicas Regionales"


def offered(html: str) -> dict[str, tuple[str, bool]]:
    """The institutions the filter offers, by id ("" for all of them): (name, chosen)."""
    radios = re.findall(r'<input class="choice__input" type="radio" name="institution" id="([^"]+)" '
                        r'value="([^"]*)"( checked)?>\s*<label class="choice__label" for="\1">([^<]*)</label>', html)
    assert '<select class="select" id="institution"' not in html
    return {value: (unescape(label), bool(checked)) for _id, value, checked, label in radios}


@pytest.fixture
def many(make_institution, make_user, monkeypatch):
    """Chile with more institutions than the filter lists, a person in each."""
    monkeypatch.setattr(views, "INSTITUTIONS_LISTED", 3)
    places = {name: make_institution(country="CL", name=name) for name in (
        "Hospital Regional de Concepción", "Hospital de Chillán", "Servicio de Impuestos Internos",
        "Gobierno Regional de Ñuble", LONG)}
    for n, institution in enumerate(places.values()):
        make_user(country="CL", name=f"Persona {n}", institution=institution)
    return places


def test_few_institutions_are_radio_buttons_with_their_whole_names(client, login_as, make_user, make_institution):
    login_as("coordinator", country="CL", locale="en")
    long, other = make_institution(country="CL", name=LONG), make_institution(country="CL", name="Municipalidad")
    make_institution(country="AR", name="Secretaría Secreta")
    make_user(country="CL", name="Chilena", institution=long)
    make_user(country="CL", name="Otra", institution=other)
    html = client.get("/admin/users").get_data(as_text=True)
    assert offered(html) == {"": ("All institutions", True), str(long.id): (LONG, False),
                             str(other.id): ("Municipalidad", False)}
    assert 'name="institution_q"' not in html
    html = client.get(f"/admin/users?institution={long.id}").get_data(as_text=True)
    assert offered(html)[str(long.id)] == (LONG, True) and offered(html)[""] == ("All institutions", False)
    assert "1 result" in html and "Chilena" in html and "Otra" not in html
    html = client.get("/admin/users?institution_q=municipalidad").get_data(as_text=True)  # not offered: not used
    assert "3 results" in html  # the coordinator too


def test_many_institutions_are_found_by_words_of_their_name(client, login_as, many):
    login_as("coordinator", country="CL", locale="en")
    html = client.get("/admin/users").get_data(as_text=True)
    assert offered(html) == {} and 'id="institution_q" name="institution_q" value=""' in html
    assert "6 results" in html  # the coordinator too
    # every word, accents and case aside: the people of every institution that matches
    html = unescape(client.get("/admin/users", query_string={"institution_q": "  HOSPITAL  chillan"}).get_data(
        as_text=True))
    assert "1 result" in html and "Persona 1" in html and "Persona 0" not in html
    html = unescape(client.get("/admin/users", query_string={"institution_q": "hospital"}).get_data(as_text=True))
    assert "2 results" in html and "Persona 0" in html and "Persona 1" in html and "Persona 2" not in html
    assert 'value="hospital"' in html and "2 institutions match “hospital”." in html
    hospital = many["Hospital Regional de Concepción"]
    assert offered(html) == {"": ("All the institutions that match", True),
                             str(many["Hospital de Chillán"].id): ("Hospital de Chillán", False),
                             str(hospital.id): ("Hospital Regional de Concepción", False)}
    # then one of them: the address says both, and can be shared
    html = unescape(client.get(f"/admin/users?institution_q=hospital&institution={hospital.id}").get_data(
        as_text=True))
    assert "1 result" in html and "Persona 0" in html and "Persona 1" not in html
    assert offered(html)[str(hospital.id)] == ("Hospital Regional de Concepción", True)
    # other words sent with the institution chosen before: the words win, as typed last
    html = unescape(client.get(f"/admin/users?institution_q=gobierno&institution={hospital.id}").get_data(
        as_text=True))
    assert "1 result" in html and "Persona 3" in html and str(hospital.id) not in offered(html)


def test_words_that_match_no_institution_say_so_and_find_nobody(client, login_as, many):
    login_as("coordinator", country="CL", locale="en")
    for words in ("hospital talca", "%", "_", "'; drop table users; --", "x" * 500):
        response = client.get("/admin/users", query_string={"institution_q": words})
        html = unescape(response.get_data(as_text=True))
        assert response.status_code == 200, words
        assert "No institutions match your search." in html and "Persona" not in html, words
        assert "No people match your search." in html, words


def test_the_link_to_an_institutions_people_works_with_many(client, login_as, many):
    login_as("coordinator", country="CL", locale="en")
    hospital = many["Hospital Regional de Concepción"]
    html = unescape(client.get(f"/admin/users?institution={hospital.id}&status=all").get_data(as_text=True))
    assert "1 result" in html and "Persona 0" in html
    assert offered(html) == {"": ("All institutions", False), str(hospital.id): ("Hospital Regional de Concepción",
                                                                                 True)}


def test_a_coordinator_never_finds_another_countrys_institutions(client, login_as, make_user, make_institution,
                                                                 many):
    login_as("coordinator", country="CL", locale="en")
    foreign = make_institution(country="AR", name="Hospital de Buenos Aires")
    make_user(country="AR", name="Argentino", institution=foreign)
    html = unescape(client.get("/admin/users?institution_q=hospital+buenos").get_data(as_text=True))
    assert "Hospital de Buenos Aires" not in html and "Argentino" not in html and "No institutions match" in html
    for query in (f"institution={foreign.id}", f"institution={foreign.id}&institution_q=hospital", "institution=abc"):
        response = client.get(f"/admin/users?{query}")
        html = unescape(response.get_data(as_text=True))
        assert response.status_code == 200, query
        assert "Hospital de Buenos Aires" not in html and "Argentino" not in html and "Persona" not in html, query
        assert "This institution was not found." in html and 'href="#institution_q"' in html, query


def test_an_admin_searches_the_institutions_of_the_country_chosen(client, login_as, make_user, make_institution,
                                                                  many):
    login_as("admin", country=None, locale="en")
    html = client.get("/admin/users").get_data(as_text=True)
    assert 'name="institution_q"' not in html and offered(html) == {}  # a country first
    argentine = make_institution(country="AR", name="Hospital Italiano")
    make_user(country="AR", name="Porteña", institution=argentine)
    html = unescape(client.get("/admin/users?country=CL&institution_q=hospital").get_data(as_text=True))
    assert "2 results" in html and "Porteña" not in html
    # another country, of few institutions: its radio buttons, and the words of the search left behind
    html = unescape(client.get("/admin/users?country=AR&institution_q=ministerio").get_data(as_text=True))
    assert "1 result" in html and "Porteña" in html and 'name="institution_q"' not in html
    assert offered(html) == {"": ("All institutions", True), str(argentine.id): ("Hospital Italiano", False)}


# the words before a pasted tail: padded with spaces (a cell copied from a table), or repeated at length
PASTED_TAILS = ("hospital" + " " * 200 + "talca", "hospital " + "regional " * 30 + "talca")


@pytest.mark.parametrize("words", PASTED_TAILS)
def test_a_long_search_is_searched_whole_not_its_first_200_characters(client, login_as, many, words):
    """"hospital talca" finds no institution, however many spaces or repeated words stand between them: the
    search is not cut at 200 characters of what was typed, which would find the hospitals by their first word."""
    login_as("coordinator", country="CL", locale="en")
    html = unescape(client.get("/admin/users", query_string={"institution_q": words}).get_data(as_text=True))
    assert "No institutions match your search." in html and "Persona" not in html
