"""A trainee reads the first course on a 360 px phone screen, each page within the budget of CONTRACTS.md."""
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from app.demo import load_content
from app.extensions import db
from tests.fixtures.browser import sign_in

pytestmark = pytest.mark.browser
ROOT = Path(__file__).parents[2]


@pytest.fixture
def first_course(app):
    load_content()  # the shipped framework and courses, as the demo loads them
    db.session.commit()


def test_trainee_reads_the_first_course_on_a_phone(page, live_server, make_user, first_course, check_page):
    make_user(email="lectora@example.org", country="CL", locale="es")
    sign_in(page, live_server, "lectora@example.org")
    page.get_by_role("link", name="Cursos").first.click()
    check_page(page)
    page.get_by_role("link", name="Fundamentos de la especialización inteligente").click()
    check_page(page)
    start = page.get_by_role("link", name="Comenzar el curso")
    expect(start).to_be_in_viewport()  # on the first screen of the phone, before the course's details
    start.click()
    expect(page.locator("article.module .prose")).to_have_attribute("lang", "es")
    weights = [check_page(page)["weight"]]
    for _ in range(3):
        page.get_by_role("link", name="Siguiente", exact=False).click()
        weights.append(check_page(page)["weight"])
    page.get_by_role("link", name="Volver al curso").click()
    expect(page.locator("progress")).to_have_attribute("value", "4")
    check_page(page)
    assert max(weights) <= 100 * 1024
    page.goto(f"{live_server}/courses/s3-foundations/modules/four-cs/print")
    check_page(page)
    page.keyboard.press("Tab")  # the printable copy's first link shows its focus as the site's links do
    focused = page.locator("a:focus")
    expect(focused).to_have_css("background-color", "rgb(255, 200, 69)")
    # the whole course on one page: its contents lead to each module's part of it
    page.goto(f"{live_server}/courses/s3-foundations/print")
    check_page(page)
    contents = page.locator("nav[aria-labelledby=contents] a")
    expect(contents).to_have_count(4)
    contents.nth(2).click()
    expect(page).to_have_url(f"{live_server}/courses/s3-foundations/print#module-enabling-conditions")
    expect(page.locator("#module-enabling-conditions h2")).to_be_in_viewport()

    # the competences of the shipped framework, none achieved by reading alone
    page.goto(f"{live_server}/auth/account/competences")
    expect(page.get_by_role("table", name="Sus competencias")).to_contain_text("Todavía sin evidencia")
    check_page(page)

    # the trainee estimates two levels on the phone; the table shows them apart, as self-declared
    page.get_by_role("link", name="Estime sus niveles").click()
    check_page(page)
    page.get_by_role("group", name="A1 ", exact=False).get_by_label("2.", exact=False).check()
    page.get_by_role("group", name="B1 ", exact=False).get_by_label("1.", exact=False).check()
    page.get_by_role("button", name="Guardar mis estimaciones").click()
    expect(page.get_by_role("status")).to_contain_text("Se han guardado 2 estimaciones.")
    table = page.get_by_role("table", name="Sus competencias")
    expect(table.get_by_role("row", name="A1 ", exact=False)).to_contain_text("2. ")
    check_page(page)


def test_trainee_estimates_their_levels_in_another_framework_on_a_phone(page, live_server, make_user, first_course,
                                                                         check_page):
    """With a second framework beside the shipped one, the competences page offers it; the estimate made there is
    saved in it, and the page it comes back to is that framework's."""
    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.services import import_framework
    from tests.fixtures.competences import SAMPLE

    import_framework(SYSTEM, files.read_yaml(SAMPLE, "demo.yaml"), source="demo.yaml")
    db.session.commit()
    make_user(email="lectora@example.org", country="CL", locale="en")
    sign_in(page, live_server, "lectora@example.org")
    page.goto(f"{live_server}/auth/account/competences")
    frameworks = page.get_by_role("navigation", name="Other frameworks:")
    frameworks.get_by_role("link", name="Demo framework").click()
    expect(page).to_have_url(f"{live_server}/auth/account/competences?framework=demo")
    expect(page.get_by_role("main")).to_contain_text("the framework “Demo framework”")
    check_page(page)
    page.get_by_role("link", name="Estimate your levels").click()
    expect(page).to_have_url(f"{live_server}/auth/account/competences/estimate?framework=demo")
    check_page(page)
    page.get_by_role("group", name="A1 ", exact=False).get_by_label("3.", exact=False).check()
    page.get_by_role("button", name="Save my estimates").click()
    expect(page).to_have_url(f"{live_server}/auth/account/competences?framework=demo")
    expect(page.get_by_role("status")).to_contain_text("1 estimate has been saved.")
    expect(page.get_by_role("table", name="Your competences").get_by_role("row", name="A1 ", exact=False)
           ).to_contain_text("3. Advanced")
    frameworks.get_by_role("link").click()  # back to the shipped framework: the estimate is not there
    expect(page).to_have_url(f"{live_server}/auth/account/competences")
    expect(page.get_by_role("table", name="Your competences")).not_to_contain_text("3. Advanced")


@pytest.mark.parametrize("link, file", [("Descargar para leer sin conexión", "s3-foundations-four-cs-es-v{}.html"),
                                        ("Descargar el curso completo", "s3-foundations-es-v{}.html")])
def test_the_offline_copy_opens_from_a_disk_without_a_network(page, live_server, make_user, first_course, tmp_path,
                                                              link, file):
    """The downloaded file, opened from the disk with the network gone: in its language, styled, its diagram
    shown, and nothing refused by its own policy."""
    make_user(email="lectora@example.org", country="CL", locale="es")
    sign_in(page, live_server, "lectora@example.org")
    page.goto(f"{live_server}/courses/s3-foundations/" + ("modules/four-cs" if "curso" not in link else ""))
    with page.expect_download() as download:
        page.get_by_role("link", name=link, exact=False).click()
    # named with the version read (as the shipped course.yaml numbers it), so copies of two versions never collide
    file = file.format(yaml.safe_load((ROOT / "courses" / "s3-foundations" / "course.yaml").read_text())["version"])
    assert download.value.suggested_filename == file
    saved = tmp_path / file
    download.value.save_as(saved)
    refused = []
    page.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)
    page.context.set_offline(True)
    page.goto(saved.as_uri())
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("body")).to_have_css("font-family", 'Georgia, "Times New Roman", serif')
    diagram = page.get_by_role("img", name="Diagrama", exact=False).first
    diagram.scroll_into_view_if_needed()
    assert diagram.evaluate("image => image.complete && image.naturalWidth > 0")
    page.context.set_offline(False)
    assert not refused, refused


def test_paper_writes_a_web_links_address_once(page, live_server, make_user, first_course):
    """Printed, a web link is followed by its address, but a link written as its address (the regulation's
    <https://eur-lex...> in the sources, the module's address at the top) was followed by it a second time."""
    make_user(email="lectora@example.org", country="CL", locale="es")
    sign_in(page, live_server, "lectora@example.org")
    page.goto(f"{live_server}/courses/s3-foundations/modules/enabling-conditions/print")
    page.emulate_media(media="print")
    printed = page.eval_on_selector_all('a[href^="http"]', """links => links.map(link =>
        [link.textContent, getComputedStyle(link, '::after').content])""")
    addresses = [text for text, after in printed if text.startswith("http")]
    assert len(addresses) >= 3, printed  # the module's, and the two regulations'
    assert all(after == "none" for text, after in printed if text.startswith("http")), printed
    after = page.evaluate("""() => {  // a link with words of its own keeps its address
        const link = '<a id="own" href="https://example.org/">the example</a>';
        document.querySelector("main").insertAdjacentHTML("beforeend", link);
        return getComputedStyle(document.getElementById("own"), "::after").content; }""")
    assert after == '" (" attr(href) ")"' or "https://example.org/" in after, after
