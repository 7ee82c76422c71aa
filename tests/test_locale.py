"""The locale contract: ?lang= -> saved preference -> lang cookie -> Accept-Language -> en."""
import re

import pytest

from app import parse_locale
from app.extensions import db


def lang_of(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


@pytest.mark.parametrize("value, expected", [
    ("es", "es"), ("ES", "es"), ("pt_BR", "pt_BR"), ("pt-br", "pt_BR"), ("pt", "pt_BR"), ("en", "en"),
    ("fr", None), ("", None), (None, None), ("es-MX", None),
])
def test_parse_locale(value, expected):
    assert parse_locale(value) == expected


@pytest.mark.parametrize("value, expected", [("es-MX", "es"), ("pt-PT", "pt_BR"), ("en-US", "en"), ("fr-FR", None)])
def test_parse_locale_loosely_for_accept_language(value, expected):
    assert parse_locale(value, loose=True) == expected


@pytest.mark.parametrize("header, expected", [
    ("es-CL,es;q=0.9,en;q=0.5", "es"),
    ("pt-BR,pt;q=0.9", "pt_BR"),
    ("pt-PT", "pt_BR"),
    ("es-MX", "es"),
    ("fr-FR,fr;q=0.9,es;q=0.5", "es"),
    ("de-DE", "en"),
    ("", "en"),
    ("fr, es;q=0", "en"),  # q=0 refuses a language
    ("es;q=0, pt-PT;q=0.5", "pt_BR"),
    ("es-419;q=0.0, en-GB;q=0.2", "en"),
])
def test_accept_language(client, header, expected):
    assert lang_of(client.get("/auth/login", headers={"Accept-Language": header})) == expected.replace("_", "-")


def test_query_parameter_sets_the_cookie_and_wins(client):
    response = client.get("/auth/login?lang=pt_BR", headers={"Accept-Language": "es"})
    assert lang_of(response) == "pt-BR"
    cookie = response.headers["Set-Cookie"]
    assert "lang=pt_BR" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # the cookie now beats Accept-Language
    assert lang_of(client.get("/auth/login", headers={"Accept-Language": "es"})) == "pt-BR"


def test_unsupported_query_value_is_ignored(client):
    response = client.get("/auth/login?lang=xx", headers={"Accept-Language": "es"})
    assert lang_of(response) == "es"
    assert "Set-Cookie" not in response.headers or "lang=" not in response.headers["Set-Cookie"]


def test_signed_in_users_preference_beats_cookie_and_header(client, login_as):
    user = login_as("trainee", locale="pt_BR")
    client.set_cookie("lang", "en")
    assert lang_of(client.get("/", headers={"Accept-Language": "es"})) == "pt-BR"
    # ?lang= saves a new preference for a signed-in user
    assert lang_of(client.get("/?lang=es")) == "es"
    db.session.refresh(user)
    assert user.locale == "es"
    client.set_cookie("lang", "en")
    assert lang_of(client.get("/")) == "es"


def test_switcher_is_on_every_page_and_keeps_the_current_page(client, login_as):
    html = client.get("/auth/login?next=/auth/account").get_data(as_text=True)
    assert 'href="/auth/login?next=/auth/account&amp;lang=es"' in html
    assert 'href="/auth/login?next=/auth/account&amp;lang=pt_BR"' in html
    not_found = client.get("/no/such/page").get_data(as_text=True)
    assert "lang=pt_BR" in not_found and "Português (Brasil)" in not_found
    login_as("admin", country=None)
    assert "lang=es" in client.get("/admin/users").get_data(as_text=True)


def test_the_interface_is_translated(client):
    english = client.get("/auth/login?lang=en").get_data(as_text=True)
    spanish = client.get("/auth/login?lang=es").get_data(as_text=True)
    portuguese = client.get("/auth/login?lang=pt_BR").get_data(as_text=True)
    assert "Sign in" in english
    assert "Iniciar sesión" in spanish and "Sign in" not in spanish
    assert "Entrar" in portuguese and "Sign in" not in portuguese


def test_dates_and_numbers_follow_the_locale(client, login_as, make_user, app):
    from datetime import datetime, timezone

    from flask import render_template_string
    from flask_babel import force_locale

    login_as("admin", country=None)
    person = make_user(country="BR")
    person.created_at = datetime(2026, 3, 5, 12, 0, tzinfo=timezone.utc)
    db.session.commit()
    url = f"/admin/users/{person.uuid}"
    assert "Mar 5, 2026" in client.get(url + "?lang=en").get_data(as_text=True)
    assert "5 mar 2026" in client.get(url + "?lang=es").get_data(as_text=True)
    assert "5 de mar. de 2026" in client.get(url + "?lang=pt_BR").get_data(as_text=True)
    with app.test_request_context(), force_locale("pt_BR"):
        assert render_template_string("{{ 12345.5|number }}") == "12.345,5"
    with app.test_request_context(), force_locale("en"):
        assert render_template_string("{{ 12345.5|number }}") == "12,345.5"


def test_switcher_on_a_form_sent_back_keeps_the_form(client):
    html = client.post("/auth/login?next=/auth/account", data={"email": "", "password": ""}).get_data(as_text=True)
    assert 'href="/auth/login?next=/auth/account&amp;lang=es"' in html


def test_switcher_on_a_missing_page_keeps_the_address(client):
    html = client.get("/no/such/página?x=1").get_data(as_text=True)
    assert 'href="/no/such/p%C3%A1gina?x=1&amp;lang=es"' in html
    spanish = client.get("/no/such/p%C3%A1gina?x=1&lang=es")
    assert spanish.status_code == 404 and '<html lang="es">' in spanish.get_data(as_text=True)
    assert spanish.headers["Set-Cookie"].startswith("lang=es")


def test_switcher_never_links_to_another_site(app):
    from app.template_helpers import switch_language_url

    with app.test_request_context("/x", environ_overrides={"PATH_INFO": "//evil.example/x"}):
        app.preprocess_request()
        url = switch_language_url("es")
        assert url.startswith("/") and not url.startswith("//") and url.endswith("?lang=es")


def test_switcher_on_a_form_sent_back_by_a_post_only_address_leads_to_the_form_page(client, login_as):
    """A new password refused is shown at /auth/account/password, which takes POST only: the other languages lead
    to the account page the form was on, not home, where the reader would lose their place."""
    login_as("trainee", locale="en")
    data = {"current_password": "", "new_password": ""}

    def switcher(referrer):
        headers = {"Referer": referrer} if referrer else {}
        response = client.post("/auth/account/password", data=data, headers=headers)
        assert response.status_code == 400
        return re.search(r'<a href="([^"]+)" lang="es"', response.get_data(as_text=True)).group(1)

    assert switcher("http://localhost/auth/account") == "/auth/account?lang=es"
    assert switcher("http://localhost/auth/account?x=1&lang=pt_BR") == "/auth/account?x=1&amp;lang=es"
    assert switcher("https://evil.example/auth/account") == "/?lang=es"  # another site: home, as before
    assert switcher("http://localhost//evil.example/x") == "/?lang=es"
    assert switcher("http://localhost/auth/logout") == "/?lang=es"  # POST only itself
    assert switcher("http://localhost/no/such/page") == "/?lang=es"
    assert switcher(None) == "/?lang=es"
    for unreadable in ("http://[::1/auth/account", "http://localhost]/auth/account"):  # no URL: Python refuses it
        assert switcher(unreadable) == "/?lang=es"


def test_switcher_on_a_form_refused_twice_still_leads_to_the_form_page(client, login_as):
    """Refused once, the password form is shown at /auth/account/password (POST only); sent again from there and
    refused again, its Referer is that POST-only address: the switcher still leads to the account page the form
    was first on (the refused page's forms carry it), not home. A value sent that is not a page of this site one
    can GET is not followed."""
    login_as("trainee", locale="en")

    def refused(referrer, **sent):
        response = client.post("/auth/account/password", headers={"Referer": referrer},
                               data={"current_password": "", "new_password": "", **sent})
        assert response.status_code == 400
        return response.get_data(as_text=True)

    def switcher(page):
        return re.search(r'<a href="([^"]+)" lang="es"', page).group(1)

    def hidden(page):
        form = re.search(r'<form method="post" action="/auth/account/password".*?</form>', page, re.S).group(0)
        return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))

    first = refused("http://localhost/auth/account?x=1")
    assert switcher(first) == "/auth/account?x=1&amp;lang=es"
    second = refused("http://localhost/auth/account/password", **unescaped(hidden(first)))
    assert switcher(second) == "/auth/account?x=1&amp;lang=es"
    third = refused("http://localhost/auth/account/password", **unescaped(hidden(second)))
    assert switcher(third) == "/auth/account?x=1&amp;lang=es"
    for forged in ("https://evil.example/auth/account", "//evil.example/x", "/auth/logout", "/no/such/page",
                   "javascript:alert(1)", "//[::1/auth/account"):
        assert switcher(refused("http://localhost/auth/account/password", _form_page=forged)) == "/?lang=es"


def unescaped(values: dict) -> dict:
    from html import unescape

    return {name: unescape(value) for name, value in values.items()}


def test_405_page_switcher_leads_home(client):
    html = client.get("/auth/logout").get_data(as_text=True)
    assert 'href="/?lang=es"' in html


@pytest.mark.parametrize("query", ["_anchor=x", "_external=1&_scheme=javascript", "_method=POST", "endpoint=x",
                                   "page=2&_anchor=top"])
def test_switcher_and_page_links_take_any_parameter(client, login_as, make_cohort, query):
    """Every page links to itself in the other languages (and lists to their other pages) with its parameters:
    a parameter named like one of url_for's own, or like a part of the path, stays a parameter, never a 500."""
    login_as("admin", country=None)
    cohort = make_cohort(country="CL")
    for path in ("/auth/account", "/admin/users", f"/admin/cohorts/{cohort.id}", "/no/such/page"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == (404 if path == "/no/such/page" else 200), (path, response.status_code)
        assert "lang=es" in response.get_data(as_text=True)
    html = client.get(f"/admin/cohorts/{cohort.id}?cohort_id=1&_anchor=x").get_data(as_text=True)
    assert f'href="/admin/cohorts/{cohort.id}?cohort_id=1&amp;_anchor=x&amp;lang=es"' in html
    response = client.get(f"/admin/cohorts/{cohort.id}/members?cohort_id=1&_anchor=x")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/cohorts/{cohort.id}?cohort_id=1&_anchor=x"
