"""Time zones: times are shown in the reader's zone, chosen on the account page or that of their country."""
import re
from datetime import datetime, timezone

import pytest

from app.auth.models import User
from app.extensions import db
from app.notifications import services as notifications
from app.places import timezones
from app.text import search_key


def test_a_country_s_main_zone_comes_first():
    assert timezones.zones_of("BR")[0] == "America/Sao_Paulo"  # not the database's first (Noronha)
    assert timezones.default_zone("AR") == "America/Argentina/Buenos_Aires"
    assert timezones.default_zone("co") == "America/Bogota"
    assert "Atlantic/Canary" in timezones.zones_of("ES")
    assert timezones.default_zone(None) == timezones.default_zone("XX") == "UTC"
    assert timezones.is_zone("Europe/Madrid") and timezones.is_zone("UTC")
    assert not timezones.is_zone("Mars/Olympus_Mons") and not timezones.is_zone("")


@pytest.mark.parametrize("country, chosen, shown", [
    ("AR", None, "9:00"),                 # Buenos Aires, UTC-3
    ("MX", None, "6:00"),                 # Mexico City, UTC-6
    ("ES", None, "13:00"),                # Madrid in winter, UTC+1
    ("ES", "Atlantic/Canary", "12:00"),   # chosen over the country's main zone
    (None, None, "12:00"),                # no country: UTC
])
def test_times_are_shown_in_the_reader_s_zone(client, login_as, make_user, country, chosen, shown):
    user = make_user(country=country, roles=("trainer",) if country is None else ("trainee",), locale="es")
    user.timezone = chosen
    notification = notifications.notify(user, "added_to_cohort", send_email=False, cohort="Piloto")
    notification.created_at = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)
    db.session.commit()
    login_as(user)
    html = client.get("/notifications/").get_data(as_text=True)
    assert re.search(rf"15 ene 2026,? {shown}\b", html), html[html.find("Piloto") - 200:html.find("Piloto") + 200]


def test_signed_out_pages_use_utc(client, app):
    with app.test_request_context("/"):
        from flask_babel import get_timezone

        assert str(get_timezone()) == "UTC"


def zone_saved(user) -> str | None:
    db.session.expire_all()
    return db.session.get(User, user.id).timezone


def test_a_person_chooses_their_zone_among_their_country_s(client, login_as, make_user):
    user = login_as(make_user(country="AR", locale="en"))
    page = client.get("/auth/account").get_data(as_text=True)
    assert 'value="America/Argentina/Cordoba"' in page and "Europe/Madrid" not in page
    # on a phone a select shows some 35 characters of its choice: the automatic one names the city alone (its country
    # is the person's, its offset is in the line under the list)
    assert ">Automatic: Buenos Aires<" in page and ">Córdoba, GMT-03:00<" in page
    response = client.post("/auth/account/timezone", data={"timezone": "America/Argentina/Cordoba"})
    assert response.status_code == 302
    assert zone_saved(user) == "America/Argentina/Cordoba"
    assert '<option selected value="America/Argentina/Cordoba">' in client.get("/auth/account").get_data(as_text=True)
    client.post("/auth/account/timezone", data={"timezone": ""})  # back to automatic
    assert zone_saved(user) is None


@pytest.mark.parametrize("data", [{"timezone": "Mars/Olympus_Mons"}, {"timezone": "../etc/passwd"}, {}])
def test_a_zone_that_does_not_exist_is_refused(client, login_as, make_user, data):
    user = login_as(make_user(country="AR", locale="en"))
    response = client.post("/auth/account/timezone", data=data)
    assert response.status_code == 400
    assert "Choose a time zone from the list" in response.get_data(as_text=True)
    assert zone_saved(user) is None


@pytest.mark.parametrize("zone", ["Factory", "localtime"])
def test_a_file_of_the_zone_database_that_is_no_zone_is_refused(client, login_as, make_user, zone):
    """The system's zone folder holds files that name no place ("Factory", "localtime"), which the zone library
    lists but the date formatting cannot use: choosing one must not break every page that shows a time."""
    user = login_as(make_user(country="AR", locale="en"))
    response = client.post("/auth/account/timezone", data={"timezone": zone})
    assert response.status_code == 400 and zone_saved(user) is None
    user.timezone = zone  # saved before this check existed: read as no choice
    db.session.commit()
    assert client.get("/auth/account").status_code == 200
    assert client.get("/notifications/").status_code == 200


def test_people_without_a_country_choose_among_every_country_s_zones(client, login_as, make_user):
    login_as(make_user(roles=("admin",), country=None, locale="en"))
    page = client.get("/auth/account").get_data(as_text=True)
    for zone in ("America/Sao_Paulo", "America/Lima", "Europe/Madrid", "UTC"):
        assert f'value="{zone}"' in page
    # a list of many countries: grouped by country, each zone by its city, not "Spain – Canaries, GMT+00:00"
    assert re.search(r'<optgroup label="Spain">(<option value="[^"]+">[^<]+</option>)*'
                     r'<option value="Atlantic/Canary">Canaries, GMT\+0[01]:00</option>', page)
    assert "Spain – " not in page and ">Automatic: UTC<" in page


def test_coordinators_see_the_time_zone_of_their_people(client, login_as, make_user):
    person = make_user(country="MX")
    person.timezone = "America/Tijuana"
    db.session.commit()
    login_as("coordinator", country="MX", locale="es")
    page = client.get(f"/admin/users/{person.uuid}").get_data(as_text=True)
    assert "Zona horaria" in page and "México – Tijuana, GMT-0" in page


@pytest.mark.parametrize("country, locale, main", [("BR", "pt_BR", "America/Sao_Paulo"),
                                                   ("MX", "es", "America/Mexico_City")])
def test_a_country_s_zones_are_listed_main_first_then_by_name(country, locale, main):
    """The database lists them from east to west (Noronha, Belém, Fortaleza...): among sixteen in Brazil a person
    looked for their city in an order they could not see."""
    (group, listed), utc = timezones.choices([country], locale)
    assert group is None and utc == (None, [("UTC", timezones.label("UTC", locale))])
    assert listed[0][0] == main
    names = [text.rsplit(",", 1)[0] for _zone, text in listed[1:]]
    assert len(names) >= 5
    assert names == sorted(names, key=search_key)
