"""Layout with real-world content at 360 px: long names and addresses, forms sent back with errors."""
import pytest
from playwright.sync_api import expect

from tests.browser.test_foundation import sign_in

pytestmark = pytest.mark.browser

LONG_NAME = "Maximiliano Wolfeschlegelsteinhausenbergerdorff Contreras"  # a real surname can be this long
LONG_COHORT = "Cohorte-Interinstitucional-EspecializaciónInteligente-BiobíoÑubleMaule-2026"


def test_long_names_wrap_in_headings_and_breadcrumbs_at_360_px(page, live_server, make_user, make_cohort,
                                                                check_page):
    make_user(roles=("admin",), country=None, email="admin@example.org", locale="en")
    person = make_user(name=LONG_NAME, email="maximiliano.wolfeschlegelsteinhausenbergerdorff@goredelbiobio.gob.cl")
    cohort = make_cohort(name=LONG_COHORT, members=[person])
    make_user(name="Bartholomäus Schwarzenbergerhofstättermeier", email="b.s@example.org")  # one to add, as a choice
    sign_in(page, live_server, "admin@example.org")
    for path in (f"/admin/users/{person.uuid}", f"/admin/users/{person.uuid}/edit", f"/admin/cohorts/{cohort.id}",
                 f"/admin/cohorts/{cohort.id}/edit", f"/admin/users?q=maximiliano"):
        page.goto(live_server + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check_page(page)  # no horizontal scrolling at 360 px


def test_an_error_summary_link_shows_the_fields_label_and_hint_with_the_field(page, live_server, make_user,
                                                                             sample_framework, app, check_page):
    """The summary's link moves to the field; on a phone its label (and hint, and message) must stay in view
    above it, or the reader lands on a bare box."""
    app.config["COMPETENCE_FRAMEWORK"] = "demo"
    make_user(roles=("admin",), country=None, email="admin@example.org", locale="en")
    trainee = make_user(name="Camila Rojas")
    sign_in(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/admin/users/{trainee.uuid}")
    page.locator("form[action$='/levels'] input[type=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    for field_id in ("code", "level"):
        page.evaluate("window.scrollTo(0, 0)")
        summary.locator(f"a[href='#{field_id}']").click()
        expect(page.locator(f"#{field_id}")).to_be_focused()
        label_top = page.evaluate(f"document.querySelector('label[for={field_id}]').getBoundingClientRect().top")
        assert label_top >= 0, f"the label of {field_id} is above the screen ({label_top}px)"
    check_page(page)
