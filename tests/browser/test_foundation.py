"""Sign-in, the language switcher and user administration in Chromium at 360 px."""
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.auth.models import User
from app.extensions import db
from tests.fixtures.browser import open_menu, sign_in
from tests.fixtures.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_sign_in_and_out(page, live_server, make_user, check_page):
    make_user(email="ana@example.org", name="Ana Trainee", locale="en")
    page.goto(live_server)
    check_page(page)
    page.get_by_role("link", name="Sign in").click()
    check_page(page)

    sign_in(page, live_server, "ana@example.org", "wrong password")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # the error summary takes the focus, as the pattern says
    expect(summary).to_contain_text("The e-mail address or password is not right")
    expect(page).to_have_title("Error: Sign in – Itinera")  # heard first when the page loads
    check_page(page)

    sign_in(page, live_server, "ana@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ana Trainee")
    check_page(page)
    open_menu(page)
    page.get_by_role("link", name="Your account").click()
    check_page(page)
    expect(page.get_by_role("heading", name="Where you are signed in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out this device")).to_be_visible()  # this browser, named
    open_menu(page)
    page.get_by_role("button", name="Sign out", exact=True).click()  # the one in the header
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")


def test_language_switcher_translates_and_remembers(page, live_server, make_user, check_page):
    user = make_user(email="joao@example.org", name="João", locale="en", country="BR")
    sign_in(page, live_server, "joao@example.org")
    page.get_by_role("link", name="Português (Brasil)").click()
    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
    open_menu(page)
    expect(page.get_by_role("link", name="Sua conta")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Sua conta").click()  # the choice holds on the next page
    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
    expect(page.locator('label[lang="es"]')).to_have_text("Español")  # each language named in itself
    check_page(page)
    db.session.refresh(user)
    assert user.locale == "pt_BR"
    page.get_by_role("link", name="Español").click()
    open_menu(page)
    expect(page.get_by_role("button", name="Cerrar sesión", exact=True)).to_be_visible()
    check_page(page)


def test_admin_manages_people(page, live_server, make_user, make_institution, check_page):
    make_user(roles=("admin",), country=None, email="admin@example.org", name="Ada Admin", locale="en")
    make_institution(country="CL", name="Gobierno Regional del Biobío", level="regional", region="CL-BI")
    make_institution(country="AR", name="Municipalidad de Rosario", level="local", region="AR-S")
    sign_in(page, live_server, "admin@example.org")
    open_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    check_page(page)
    page.get_by_role("link", name="Add a person").click()
    check_page(page)

    # submit with mistakes: the error summary links to the fields and what was typed is kept
    page.get_by_label("Full name").fill("Camila Rojas")
    page.get_by_label("E-mail address").fill("camila@example.org")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Coordinators and trainees need a country")
    expect(page.get_by_label("Full name")).to_have_value("Camila Rojas")
    check_page(page)

    # choosing a country refreshes the institutions in place (progressive enhancement)
    page.get_by_label("Country", exact=True).select_option("CL")
    institution = page.get_by_role("group", name="Institution")
    expect(institution.get_by_label("Gobierno Regional del Biobío")).to_have_count(1)
    expect(institution.get_by_label("Municipalidad de Rosario")).to_have_count(0)
    institution.get_by_label("Gobierno Regional del Biobío").check()
    page.get_by_label("Position", exact=True).select_option("technician")
    page.get_by_label("Initial password").fill("a-long-initial-password")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Account created for Camila Rojas.")
    check_page(page)

    # change a detail through the summary list's change link
    page.get_by_role("link", name="Change Position").click()
    page.get_by_label("Position", exact=True).select_option("manager")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".summary-list")).to_contain_text("Manager")
    camila = db.session.scalar(sa.select(User).where(User.email == "camila@example.org"))
    assert camila.position == "manager" and camila.institution.name == "Gobierno Regional del Biobío"

    page.get_by_role("link", name="People").first.click()
    page.get_by_label("Name or e-mail").fill("camila")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".result-count")).to_have_text(re.compile(r"^1 result$"))
    check_page(page)


def test_forms_work_without_javascript(browser, live_server, make_user, make_institution):
    make_user(roles=("admin",), country=None, email="admin@example.org", locale="en")
    make_institution(country="MX", name="Secretaría de Innovación de Jalisco", level="regional", region="MX-JAL")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    sign_in(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/admin/users/new")
    page.get_by_label("Country", exact=True).select_option("MX")
    page.get_by_role("button", name="Show the lists for this country").click()
    expect(page.get_by_role("group", name="Institution").get_by_label(re.compile("Jalisco"))).to_have_count(1)
    expect(page.locator(".error-summary")).to_have_count(0)  # refreshing is not submitting
    context.close()


def test_choosing_a_country_with_many_institutions_leads_to_its_search(page, live_server, make_user,
                                                                       make_institution, monkeypatch):
    """The script lists a country's institutions in place only when the form would list them all; for a country
    with more, the lists go and the refresh button shows its search."""
    from app.admin import views

    monkeypatch.setattr(views, "INSTITUTIONS_LISTED", 1)
    make_user(roles=("admin",), country=None, email="admin@example.org", locale="en")
    make_institution(country="MX", name="Secretaría de Innovación de Jalisco")
    for name in ("Ministerio de Economía", "Municipalidad de Rosario"):
        make_institution(country="AR", name=name)
    sign_in(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/admin/users/new")
    refresh = page.get_by_role("button", name="Show the lists for this country")
    expect(refresh).to_be_hidden()
    page.get_by_label("Country", exact=True).select_option("MX")
    expect(page.get_by_label("Secretaría de Innovación de Jalisco")).to_be_visible()
    page.get_by_label("Country", exact=True).select_option("AR")
    expect(page.get_by_role("group", name="Institution")).to_be_hidden()
    refresh.click()
    page.get_by_label("Find an institution").fill("rosario")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_label("Municipalidad de Rosario")).to_be_visible()
    expect(page.get_by_label("Ministerio de Economía")).to_have_count(0)
    page.get_by_label("Country", exact=True).select_option("MX")  # back to a country listed whole
    expect(page.get_by_label("Find an institution")).to_have_count(0)
    expect(page.get_by_label("Secretaría de Innovación de Jalisco")).to_be_visible()


def test_save_after_choosing_a_country_with_many_institutions_keeps_the_institution(page, live_server, make_user,
                                                                                    make_institution, monkeypatch):
    """The institutions of the country left go when the new country has more than the form lists: Save pressed
    then, instead of the refresh button, is refused with the institution to choose, not saved without one."""
    from app.admin import views

    monkeypatch.setattr(views, "INSTITUTIONS_LISTED", 1)
    make_user(roles=("admin",), country=None, email="admin@example.org", locale="en")
    jalisco = make_institution(country="MX", name="Secretaría de Innovación de Jalisco")
    for name in ("Ministerio de Economía", "Municipalidad de Rosario"):
        make_institution(country="AR", name=name)
    person = make_user(country="MX", email="p@example.org", institution=jalisco)
    sign_in(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/admin/users/{person.uuid}/edit")
    page.get_by_label("Country", exact=True).select_option("AR")
    expect(page.get_by_role("group", name="Institution")).to_be_hidden()
    page.get_by_role("button", name="Save").last.click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Choose an institution of the person's country, or “No institution”.")
    expect(page.get_by_label("Country", exact=True)).to_have_value("AR")  # kept, with its search
    expect(page.get_by_label("Find an institution")).to_be_visible()
    db.session.refresh(person)
    assert (person.country_code, person.institution_id) == ("MX", jalisco.id)
    summary.get_by_role("link").click()  # the summary leads to the institution's choices
    expect(page.get_by_label("No institution")).to_be_focused()
    page.get_by_label("No institution").check()
    page.get_by_role("button", name="Save").last.click()
    expect(page.locator(".banner--success")).to_have_count(1)
    db.session.refresh(person)
    assert (person.country_code, person.institution_id) == ("AR", None)


@pytest.mark.parametrize("javascript", [True, False])
def test_enter_saves_a_form_with_a_country_button(browser, live_server, make_user, javascript):
    """The country form's first visible button shows the lists; Enter in a field saves all the same."""
    from app.places.models import Institution

    make_user(roles=("admin",), country=None, email="admin@example.org", locale="en")
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 360, "height": 740})
    page = context.new_page()
    sign_in(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/admin/institutions/new")
    page.get_by_label("Country", exact=True).select_option("CL")
    page.get_by_label("Name").fill("Gobierno Regional de Ñuble")
    page.get_by_label("Name").press("Enter")
    expect(page.locator(".banner--success")).to_have_count(1)
    assert db.session.scalar(sa.select(Institution.name)) == "Gobierno Regional de Ñuble"
    page.goto(f"{live_server}/admin/users/new")
    page.get_by_label("Full name").fill("Ana Díaz")
    page.get_by_label("Full name").press("Enter")  # not everything is filled in: the errors, not a silent redisplay
    expect(page.locator(".error-summary")).to_have_count(1)
    context.close()


def test_spanish_admin_pages_on_a_phone(page, live_server, make_user, check_page):
    """Longer Spanish words, a long unbroken secret and targets close together, 360 px wide."""
    make_user(roles=("admin",), country=None, email="admin@example.org", name="Ada Admin", locale="es")
    long = make_user(email="maria.fernanda.gonzalez.rodriguez@secretariadeplanificacionregional.example.org",
                     name="María Fernanda González Rodríguez", country="CL")
    page.goto(f"{live_server}/auth/login?lang=es")
    check_page(page)  # the link under the wider "Iniciar sesión" button keeps its distance from it
    page.get_by_label("Correo electrónico").fill("admin@example.org")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    open_menu(page)
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Personas").click()
    check_page(page)  # the page heading's button wraps above the links that follow it
    page.goto(f"{live_server}/admin/users/{long.uuid}")
    check_page(page)  # an e-mail address wider than the screen wraps inside the summary list

    page.goto(f"{live_server}/admin/lrs-clients/new")
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator(".error-summary")).to_contain_text("Asigne un nombre al cliente")
    expect(page).to_have_title(re.compile(r"^Error: "))
    check_page(page)
    page.get_by_label("Nombre", exact=True).fill("Simulación de la universidad asociada")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Copie el secreto ahora")
    expect(page).not_to_have_title(re.compile("Error"))
    check_page(page)


def test_an_address_ending_in_a_stray_percent_sign_keeps_the_pages_script(page, live_server, make_user,
                                                                          make_institution):
    """A link whose #part is not percent-encoded text (#50%) stopped the page's script where it looked for the
    place to show a banner at: the country no longer listed its institutions, with no error shown."""
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    make_user(roles=("admin",), country=None, email="admin@example.org", locale="en")
    make_institution(country="MX", name="Secretaría de Innovación de Jalisco")
    sign_in(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/admin/users/new#50%")
    page.get_by_label("Country", exact=True).select_option("MX")
    expect(page.get_by_label("Secretaría de Innovación de Jalisco")).to_be_visible()
    assert errors == []


def test_a_pages_own_notice_stays_where_it_is_when_the_address_names_a_place(page, live_server, make_user,
                                                                             shipped_course):
    """Only the banners saying what was just done come to the place the address names: a page's own notice (this
    course is withdrawn from the catalogue) stays under its title, where it belongs."""
    from app.courses.models import Course

    db.session.scalar(sa.select(Course).where(Course.slug == "s3-foundations")).is_published = False
    db.session.commit()
    make_user(roles=("admin",), country=None, email="admin@example.org", locale="en")
    sign_in(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/courses/s3-foundations#progress-label")
    notice = page.locator("main .banner", has_text="withdrawn from the catalogue")
    expect(notice).to_have_count(1)
    assert notice.evaluate("banner => banner.previousElementSibling.tagName") == "H1"
