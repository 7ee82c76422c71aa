"""The pages no other browser test walks through, in Spanish and Brazilian Portuguese at 360 px: each passes
check_page (axe, weight, overflow), is in the language asked for, and says "Error:" at most once in its title."""
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.auth.models import TokenPurpose
from app.auth.services import SYSTEM
from app.auth.tokens import issue_token, send_invitation
from app.competences.services import edit_area, edit_framework
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.xapi.clients import create_client
from tests.fixtures.factories import PASSWORD

pytestmark = pytest.mark.browser

SIGN_IN = {"es": ("Correo electrónico", "Contraseña", "Iniciar sesión"),
           "pt_BR": ("E-mail", "Senha", "Entrar")}


def sign_in(page, base, email, locale):
    email_label, password_label, button = SIGN_IN[locale]
    page.goto(f"{base}/auth/login?lang={locale}")
    page.get_by_label(email_label, exact=True).fill(email)
    page.get_by_label(password_label, exact=True).fill(PASSWORD)
    page.get_by_role("button", name=button).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def visit(page, url, check_page, locale, status=200):
    response = page.goto(url)
    assert response.status == status, url
    expect(page.locator("html")).to_have_attribute("lang", locale.replace("_", "-"))
    title = page.title()
    assert title.count("Error:") + title.count("Erro:") <= 1, title
    check_page(page)


@pytest.mark.parametrize("locale", ["es", "pt_BR"])
def test_admin_pages_without_a_browser_test_of_their_own(app, page, live_server, make_user, make_institution,
                                                        make_cohort, sample_framework, check_page, locale):
    app.config["COMPETENCE_FRAMEWORK"] = "demo"
    admin = make_user(roles=("admin",), country=None, email="admin@example.org", name="Ada Admin", locale=locale)
    institution = make_institution(name="Gobierno Regional del Biobío")
    make_institution(name="Gobierno Regional del Bío Bío (duplicado)")  # its people could move there
    trainee = make_user(email="camila@example.org", name="Camila Rojas", institution=institution)
    cohort = make_cohort(name="Cohorte piloto", members=[trainee])
    invited = make_user(email="invited@example.org", name="Ignacio Vera", password=None)
    send_invitation(admin, invited)
    client, _secret = create_client(admin, "Simulación")
    edit_area(admin, sample_framework, "A", {"en": "Evidence base", "es": "Base de evidencia",
                                             "pt_BR": "Base de evidências"})  # a change in the history
    edit_framework(admin, sample_framework, sample_framework.current.title,
                   {"en": "Described", "es": "Descrito", "pt_BR": "Descrito"})  # and one of the framework's own
    db.session.commit()
    message = db.session.scalar(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()))
    base = live_server
    sign_in(page, base, "admin@example.org", locale)
    pages = [
        "/admin/cohorts", "/admin/cohorts/new", f"/admin/cohorts/{cohort.id}/edit",
        "/admin/institutions", f"/admin/institutions/{institution.id}/edit",
        "/admin/invitations", f"/admin/users/{trainee.uuid}/edit",
        f"/admin/users?institution={institution.id}&status=all", "/admin/users?institution=999999",
        "/admin/jobs", "/admin/outbox", "/admin/outbox?q=nobody", "/admin/lrs-clients", f"/admin/lrs-clients/{client.id}/edit",
        "/competences/", "/competences/demo/A1", "/competences/demo/levels/1/edit",
        "/competences/demo/areas/A/edit", "/competences/demo/edit", "/competences/demo/history",
        "/notifications/preferences",
    ]
    if message is not None:
        pages.append(f"/admin/outbox/{message.id}")
    for path in pages:
        visit(page, base + path, check_page, locale)

    page.goto(f"{base}/admin/cohorts/new")  # a form sent back, in the page's language
    page.locator("main form input[type=submit]").first.click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^(Error|Erro): "))
    check_page(page)
    page.goto(f"{base}/admin/users/{trainee.uuid}")  # the level validation, sent back empty: "Error:" said once
    page.locator("form[action$='/levels'] input[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.title().split(":")[0] in ("Error", "Erro") and page.title().count(":") == 1, page.title()
    check_page(page)
    page.goto(f"{base}/admin/users/{invited.uuid}")  # withdrawing an invitation asks first, on a page of its own
    page.locator("main form[action$='/invitation/withdraw'] button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page)

    visit(page, f"{base}/nowhere", check_page, locale, status=404)
    visit(page, f"{base}/auth/logout", check_page, locale, status=405)


@pytest.mark.parametrize("locale", ["es", "pt_BR"])
def test_pages_before_sign_in_and_refusals(page, live_server, make_user, check_page, locale):
    trainee = make_user(email="camila@example.org", name="Camila Rojas", locale=locale)
    invited = make_user(email="invited@example.org", name="Ignacio Vera", password=None, locale=locale)
    invitation = issue_token(invited, TokenPurpose.INVITATION, SYSTEM)
    reset = issue_token(trainee, TokenPurpose.PASSWORD_RESET)
    db.session.commit()
    base = live_server
    page.goto(f"{base}/auth/login?lang={locale}")
    visit(page, f"{base}/auth/password/forgot", check_page, locale)
    visit(page, f"{base}/auth/invitation/{invitation}", check_page, locale)
    visit(page, f"{base}/auth/password/reset/{reset}", check_page, locale)
    visit(page, f"{base}/auth/password/reset/not-a-token", check_page, locale, status=404)
    sign_in(page, base, "camila@example.org", locale)
    visit(page, f"{base}/notifications/preferences", check_page, locale)
    visit(page, f"{base}/admin/users", check_page, locale, status=403)
