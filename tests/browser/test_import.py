"""A coordinator previews a trainee list with problems, corrects it and imports it (360 px wide)."""
import pytest
from playwright.sync_api import expect

from tests.fixtures.browser import open_menu, sign_in

pytestmark = pytest.mark.browser

WITH_PROBLEMS = "correo;nombre completo;cargo;región\nana@example.org;Ana Soto;técnica;Biobío\n" \
                "ana@example.org;Ana Bis;jefe;\nluis@example.org;Luis Vera;chief;Atlantis\n"
CORRECTED = "correo;nombre completo;cargo;región\nana@example.org;Ana Soto;técnica;Biobío\n" \
            "luis@example.org;Luis Vera;directivo;CL-NB\n"


def test_import_preview_then_import(page, live_server, make_user, make_cohort, check_page):
    make_user(roles=("coordinator",), country="CL", email="coord@example.org", locale="en")
    cohort = make_cohort(country="CL", name="Cohorte Biobío")
    sign_in(page, live_server, "coord@example.org")
    open_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_role("link", name="Import trainees from a file").click()
    check_page(page)

    page.get_by_label("File").set_input_files(files=[{"name": "lista.csv", "mimeType": "text/csv",
                                                      "buffer": WITH_PROBLEMS.encode("cp1252")}])
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("alert")).to_contain_text("3 problems: nothing has been imported")
    problems = page.get_by_role("table", name="Problems, by line of the file")
    expect(problems).to_contain_text("The same e-mail address is on line 2")
    expect(problems).to_contain_text("“chief” is not a position")
    expect(problems).to_contain_text("No region called “Atlantis” in this country")
    expect(page.get_by_role("button", name="Import 3 people")).to_have_count(0)
    check_page(page)

    page.get_by_role("link", name="Upload a corrected file").click()
    page.get_by_label("File").set_input_files(files=[{"name": "lista.csv", "mimeType": "text/csv",
                                                      "buffer": CORRECTED.encode("utf-8-sig")}])
    page.get_by_label("Add everyone to a cohort").select_option(label="Cohorte Biobío")
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("status")).to_contain_text("2 people are ready to import.")
    check_page(page)
    page.get_by_role("button", name="Import 2 people").click()
    expect(page.get_by_role("status").first).to_contain_text("2 people imported.")
    expect(page).to_have_url(f"{live_server}/admin/cohorts/{cohort.id}")  # where the people imported are
    expect(page.get_by_role("table", name="Members")).to_contain_text("Luis Vera")
    check_page(page)

    open_menu(page)
    page.get_by_role("link", name="Notifications").click()
    expect(page.locator(".notifications")).to_contain_text("2 people imported from lista.csv")
    check_page(page)

    # deleting the cohort asks first, on a page of its own
    page.goto(f"{live_server}/admin/cohorts/{cohort.id}")
    page.get_by_role("link", name="Change cohort").click()
    page.get_by_role("button", name="Delete cohort").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete the cohort “Cohorte Biobío”?")
    check_page(page)
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cohorte Biobío")


def test_the_region_hint_follows_the_country_chosen(page, live_server, make_user, check_page):
    """The example of a region under "What the file can contain" stayed Argentina's when JavaScript changed the
    country (the cohort list followed; without JavaScript the refresh button showed the right one)."""
    from app.places.services import regions_of

    make_user(roles=("admin",), country=None, email="admin@example.org", locale="en")
    chile, brazil = regions_of("CL")[0], regions_of("BR")[0]
    sign_in(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/admin/import")
    hint = page.locator(".summary-list__row", has_text="Region")
    expect(hint).to_contain_text("Optional: a region's name or ISO code.")
    page.get_by_label("Country").select_option(label="Chile")
    expect(hint).to_contain_text(f"such as {chile.name} or {chile.code}.")
    page.get_by_label("Country").select_option(label="Brazil")
    expect(hint).to_contain_text(f"such as {brazil.name} or {brazil.code}.")
    page.get_by_label("Country").select_option(value="")
    expect(hint).to_contain_text("Optional: a region's name or ISO code.")
    expect(page.get_by_role("button", name="Show the lists for this country")).to_be_hidden()
    check_page(page)


def test_an_import_without_invitations_sends_them_later_from_its_page(page, live_server, make_user, check_page):
    make_user(roles=("coordinator",), country="CL", email="coord@example.org", locale="en")
    sign_in(page, live_server, "coord@example.org")
    page.goto(f"{live_server}/admin/import")
    page.get_by_label("File").set_input_files(files=[{"name": "lista.csv", "mimeType": "text/csv",
                                                      "buffer": CORRECTED.encode()}])
    page.get_by_label("E-mail each person an invitation to choose a password").uncheck()
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Import 2 people").click()
    expect(page.get_by_role("status").first).to_contain_text("2 people imported.")

    open_menu(page)
    page.get_by_role("link", name="Notifications").click()
    page.get_by_role("link", name="2 people imported from lista.csv").click()
    expect(page.get_by_text("2 people of this import have not been sent an invitation.")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Send 2 invitations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send invitations to 2 people?")
    check_page(page)
    page.get_by_role("button", name="Send 2 invitations").click()
    expect(page.get_by_role("status").first).to_contain_text("Invitations have been sent to 2 people.")
    expect(page.get_by_role("button", name="Send 2 invitations")).to_have_count(0)
