"""The "Show password" button our script adds to every password field (the GOV.UK password input), at 360 px."""
import pytest
from playwright.sync_api import expect

from app.auth.models import TokenPurpose
from app.auth.services import SYSTEM
from app.auth.tokens import issue_token
from app.extensions import db
from tests.fixtures.browser import NARROW

pytestmark = pytest.mark.browser

# Records the field's type as the form is sent, after our script's own submit listener, and keeps the page.
WATCH_SUBMIT = """() => {
  const form = document.querySelector('main form');
  form.addEventListener('submit', (event) => {
    window.sentAs = form.querySelector('#password').type;
    event.preventDefault();
  });
}"""


def test_show_and_hide_the_password_being_chosen(page, live_server, make_user, check_page):
    trainee = make_user(email="camila@example.org", name="Camila Rojas", locale="en")
    reset = issue_token(trainee, TokenPurpose.PASSWORD_RESET)
    db.session.commit()
    page.goto(f"{live_server}/auth/password/reset/{reset}")
    field = page.locator("#password")
    field.fill("correct horse battery staple")
    expect(field).to_have_attribute("type", "password")
    expect(field).to_have_attribute("autocomplete", "new-password")  # unchanged: a password manager still offers one
    button = page.locator("button[aria-controls=password]")
    expect(button).to_have_accessible_name("Show password")
    expect(button).to_have_attribute("type", "button")
    check_page(page)  # its focus is visible, it fits at 360 px, axe has nothing to say

    button.click()
    expect(field).to_have_attribute("type", "text")
    expect(field).to_have_value("correct horse battery staple")
    expect(button).to_have_text("Hide password")
    expect(page.locator("[aria-live=polite]")).to_have_text("Your password is visible")
    button.click()
    expect(field).to_have_attribute("type", "password")
    expect(button).to_have_text("Show password")
    expect(page.locator("[aria-live=polite]")).to_have_text("Your password is hidden")

    # shown, then sent: the browser never sees (nor keeps in its history) a visible password
    button.click()
    expect(field).to_have_attribute("type", "text")
    page.evaluate(WATCH_SUBMIT)
    field.press("Enter")
    page.wait_for_function("() => window.sentAs !== undefined")
    assert page.evaluate("window.sentAs") == "password"
    expect(field).to_have_attribute("type", "password")
    expect(button).to_have_text("Show password")


def test_without_javascript_there_is_no_button(browser, live_server, make_user):
    invited = make_user(email="invited@example.org", name="Ignacio Vera", password=None, locale="en")
    invitation = issue_token(invited, TokenPurpose.INVITATION, SYSTEM)
    db.session.commit()
    context = browser.new_context(viewport=NARROW, locale="en-GB", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/auth/invitation/{invitation}")
        expect(page.locator("#password")).to_have_attribute("type", "password")
        expect(page.get_by_role("button", name="Save password")).to_be_visible()  # its submit button, alone
        expect(page.get_by_role("button")).to_have_count(1)
        expect(page.locator(".password-input, [aria-live]")).to_have_count(0)
    finally:
        context.close()
