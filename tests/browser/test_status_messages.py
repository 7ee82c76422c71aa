"""What was just done is heard: the banner saying so takes the focus when the next page loads, as the error summary
does, so a screen reader reads it first (WCAG 4.1.3; GOV.UK's notification banner after an action does the same)."""
import pytest
from playwright.sync_api import expect

from tests.fixtures.browser import open_menu, sign_in

pytestmark = pytest.mark.browser


def test_the_banner_saying_what_was_done_takes_the_focus(page, live_server, make_user, shipped_course):
    """It was a role="status" region already there when the page loaded, which screen readers do not announce: a
    blind person heard the page's title and had to look for what became of their action. Where the address names a
    place (the competence just saved), the banner comes above it and takes the focus there, both in view."""
    make_user(roles=("trainer",), country="CL", email="formadora@example.org", locale="en")
    sign_in(page, live_server, "formadora@example.org")
    open_menu(page)
    page.get_by_role("button", name="Sign out", exact=True).click()
    banner = page.get_by_role("status")
    expect(banner).to_contain_text("You have signed out.")
    expect(banner).to_be_focused()
    page.keyboard.press("Tab")  # the keyboard goes on from there, into the page
    assert page.evaluate("document.activeElement.closest('main') !== null || "
                         "document.activeElement.closest('footer') !== null")

    sign_in(page, live_server, "formadora@example.org")
    page.goto(f"{live_server}/competences/s3/competences/E3/edit")
    page.locator("main form [type=submit]").last.click()
    page.wait_for_url("**/competences/s3/#competence-E3")
    banner = page.get_by_role("status")
    expect(banner).to_be_focused()
    top = page.evaluate("document.querySelector('#title-E3').getBoundingClientRect().bottom")
    assert banner.bounding_box()["y"] >= 0 and top <= page.viewport_size["height"]


def test_a_page_without_such_a_banner_starts_at_the_skip_link(page, live_server, make_user, shipped_course):
    """Only a banner about what was just done takes the focus: elsewhere the first Tab leads to the skip link."""
    make_user(email="ana@example.org", locale="en")
    sign_in(page, live_server, "ana@example.org")
    page.goto(f"{live_server}/auth/account")
    expect(page.locator("body")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()


def _sign_out_keeping_the_banner(page):
    """Signs out as the menu's button does, but without opening the page after it: "You have signed out" waits for
    the next page this browser opens."""
    page.evaluate("""async () => {
        const form = document.querySelector('form[action$="/auth/logout"]');
        await fetch(form.action, {method: 'POST', body: new FormData(form), redirect: 'manual'});
    }""")


def _with_html(page, url_part: str, old: str, new: str):
    """The page at ``url_part`` as the server sends it, with ``old`` written as ``new`` (markup no page has yet)."""
    def change(route):
        response = route.fetch()
        route.fulfill(response=response, body=response.text().replace(old, new, 1))
    page.route(lambda url: url.split("#")[0].endswith(url_part), change)


def test_the_banner_leaves_the_focus_to_a_field_the_page_gives_it(page, live_server, make_user):
    """A page whose field takes the focus as it opens (autofocus) keeps it there: the banner does not take it."""
    make_user(email="ana@example.org", locale="en")
    sign_in(page, live_server, "ana@example.org")
    _sign_out_keeping_the_banner(page)
    _with_html(page, "/auth/login", 'id="email"', 'id="email" autofocus')
    page.goto(f"{live_server}/auth/login")
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")
    expect(page.locator("#email")).to_be_focused()
