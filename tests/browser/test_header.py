"""The site header on a phone: the page's content starts near the top, the menu opens without JavaScript, the
languages stay in sight."""
import pytest
from playwright.sync_api import expect

from tests.fixtures.browser import sign_in

pytestmark = pytest.mark.browser

# Two rows: the brand beside the menu's 44 px target, then the languages (24 px targets), with the bar's padding
# and its 6 px border: about 100 px, a sixth of a 640 px screen. It took 274 px at 360 and 302 px at 320.
HEADER_BOUND = 104


@pytest.mark.parametrize("width", [320, 360])
def test_the_header_leaves_the_screen_to_the_page_on_a_phone(page, live_server, coordinator, check_page, width):
    """The brand, the languages, six sections and the account's links took 274 px of a phone 360 px wide (302 px
    at 320): half the screen before any content."""
    page.set_viewport_size({"width": width, "height": 640})
    sign_in(page, live_server, "coord@example.org")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Le damos la bienvenida")
    page.wait_for_load_state("load")  # measured as laid out by the stylesheet, not while it is on its way
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= HEADER_BOUND, f"the header takes {header['height']}px at {width}px"
    for name in ("Español", "Português (Brasil)", "English"):  # the languages stay in sight, every one
        language = page.get_by_role("navigation", name="Idioma").get_by_text(name)
        expect(language).to_be_visible()
        if name != "Español":  # (the language in use is no link)
            assert language.bounding_box()["height"] >= 24
    expect(page.get_by_role("navigation", name="Principal")).to_be_hidden()
    expect(page.locator(".site-header summary .badge")).to_have_text("1 sin leer")  # the unread count in sight
    check_page(page)


def test_the_menu_opens_without_javascript(browser, live_server, coordinator, axe_source):
    """The menu is a disclosure that works without scripts: a slow link may never run them."""
    context = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server, "coord@example.org")
        menu = page.locator(".site-header summary")
        expect(menu).to_have_accessible_name("Menú 1 sin leer")  # and the count unread
        menu.click()
        for name in ("Inicio", "Cursos", "Personas", "Instituciones", "Cohortes", "Competencias", "Su cuenta"):
            link = page.locator(".site-header").get_by_role("link", name=name, exact=True)
            expect(link).to_be_visible()
            box = link.bounding_box()
            assert box["height"] >= 44 and box["width"] >= 0.8 * 360, f"{name}: a small target {box}"
        expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.locator(".site-header").get_by_role("link", name="Cursos", exact=True).click()
        expect(page).to_have_url(f"{live_server}/courses/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Cursos")
    finally:
        context.close()


def test_the_menus_button_shows_its_focus(page, live_server, coordinator):
    sign_in(page, live_server, "coord@example.org")
    menu = page.locator(".site-header summary")
    for _ in range(10):
        page.keyboard.press("Tab")
        if menu.evaluate("el => el === document.activeElement"):
            break
    expect(menu).to_be_focused()
    expect(menu).to_have_css("background-color", "rgb(255, 200, 69)")  # the site's one focus style
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation", name="Principal")).to_be_visible()


@pytest.mark.parametrize("width", [768, 1280])
def test_a_wide_screen_shows_the_navigation_without_a_menu(page, live_server, coordinator, width):
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, live_server, "coord@example.org")
    expect(page.locator(".site-header summary")).to_be_hidden()
    navigation = page.get_by_role("navigation", name="Principal")
    expect(navigation).to_be_visible()
    navigation.get_by_role("link", name="Personas").click()
    expect(page).to_have_url(f"{live_server}/admin/users")
    expect(page.get_by_role("link", name="Notificaciones 1 sin leer")).to_be_visible()


@pytest.mark.parametrize("width", [360, 1024])
def test_the_languages_stand_on_one_line(page, live_server, make_user, width):
    """On a phone the language one reads sat 2 px above the two others (theirs, links, have padding to be 24 px
    targets; the current one, a word, has none): the three read on one line, their letters on one baseline."""
    make_user(email="ana@example.org", locale="pt_BR")
    page.set_viewport_size({"width": width, "height": 640})
    page.goto(f"{live_server}/?lang=pt_BR")
    page.wait_for_load_state("load")
    bottoms = page.evaluate("""() => [...document.querySelectorAll('.languages li')].map((li) => {
        const range = document.createRange(); range.selectNodeContents(li);
        return Math.round([...range.getClientRects()].filter((r) => r.width > 0).at(-1).bottom); })""")
    assert len(bottoms) == 3 and len(set(bottoms)) == 1, bottoms


def test_on_a_wide_screen_the_sections_and_the_accounts_links_share_a_line(page, live_server, coordinator):
    """The sections (links with a bar under the current one) and the account's links (one a button) were centred
    in their row, not set on one line of text: the account's letters stood 1.5 px lower."""
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, "coord@example.org")
    page.wait_for_load_state("load")
    bottoms = page.evaluate("""() => [...document.querySelectorAll('.nav a, .account-menu a, .account-menu button')]
        .map((el) => { const range = document.createRange(); range.selectNodeContents(el);
                       return [...range.getClientRects()].filter((r) => r.width > 0)[0].bottom; })""")  # (a word)
    assert len(bottoms) == 9 and max(bottoms) - min(bottoms) < 0.5, bottoms


# each control the header's Tab stops reach, in the order reached, with where it stands on the screen
HEADER_STOPS = """() => { const el = document.activeElement; if (!el.closest('.site-header, .skip-link')) return null;
    const box = el.getBoundingClientRect();
    return {name: (el.innerText || el.textContent).trim().split('\\n')[0], top: box.top, bottom: box.bottom,
            left: box.left}; }"""


def _tab_stops(page) -> list[dict]:
    page.wait_for_load_state("load")
    page.evaluate("document.activeElement.blur()")
    stops = []
    for _ in range(20):
        page.keyboard.press("Tab")
        stop = page.evaluate(HEADER_STOPS)
        if stop is None:
            break
        stops.append(stop)
    return stops


def _read_in_order(stops: list[dict]) -> bool:
    """Whether the stops come as a reader takes them in: line by line from the top, left to right on a line (two
    stops share a line when one's middle is within the other's height)."""
    for before, after in zip(stops, stops[1:]):
        same_line = before["top"] <= (after["top"] + after["bottom"]) / 2 <= before["bottom"]
        if not (after["left"] > before["left"] if same_line else after["top"] >= before["bottom"] - 1):
            return False
    return True


@pytest.mark.parametrize("width", [360, 1024])
@pytest.mark.parametrize("signed_in", [True, False])
def test_the_header_is_tabbed_through_in_the_order_it_is_read(page, live_server, coordinator, signed_in, width):
    """At 360 px the menu's button (or "Sign in") stands beside the brand, on the first line, and the languages on
    the line under them; Tab went from the brand to the languages, and only then up to the button. A wider screen
    is read in the order Tab takes too."""
    page.set_viewport_size({"width": width, "height": 640})
    if signed_in:
        sign_in(page, live_server, "coord@example.org")
        page.wait_for_url(f"{live_server}/")
    else:
        page.goto(f"{live_server}/no-such-page?lang=es")  # signed out, on a page other than the landing page
    stops = _tab_stops(page)
    names = [stop["name"] for stop in stops]
    assert names[:2] == ["Ir al contenido principal", "Itinera"] and "English" in names, names
    assert ("Menú" if width < 600 else "Cursos") in names if signed_in else "Iniciar sesión" in names, names
    assert _read_in_order(stops[1:]), stops  # (the skip link shows over the page only while it has the focus)
    if signed_in and width < 600:  # opened, the menu's links come after its button, where they show
        page.locator(".site-header summary").click()
        assert _read_in_order(_tab_stops(page)[1:]), stops


def test_on_a_wide_screen_the_header_keeps_its_height_from_page_to_page(page, live_server, coordinator):
    """The bar under the current section made its row 3 px taller: going from a section's page (Courses) to one of
    no section (Notifications) the header and all the page under it jumped up, and back down on the way back."""
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, "coord@example.org")
    heights = {}
    for path in ("/courses/", "/notifications/", "/auth/account"):
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("load")
        heights[path] = page.locator(".site-header").bounding_box()["height"]
    assert len(set(heights.values())) == 1, heights


def test_signed_out_on_a_wide_screen_the_header_keeps_its_height_on_the_sign_in_page(page, live_server, app):
    """A public page offers Sign in beside the brand, a 44 px target taller than the brand's line: the header was
    2 px taller there than on the sign-in page, and the page jumped up when one followed the link."""
    page.set_viewport_size({"width": 1280, "height": 800})
    heights = {}
    for path in ("/page-that-is-not-here", "/auth/login"):
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("load")
        heights[path] = page.locator(".site-header").bounding_box()["height"]
    assert len(set(heights.values())) == 1, heights
