"""A trainer edits a competence descriptor in Portuguese, with the interface in Portuguese (360 px wide)."""
import pytest
from playwright.sync_api import expect

from tests.fixtures.browser import sign_in

pytestmark = pytest.mark.browser


def test_edit_a_descriptor_in_portuguese(page, live_server, make_user, sample_framework, check_page):
    make_user(roles=("trainer",), country="BR", email="formadora@example.org", locale="pt_BR")
    page.goto(f"{live_server}/auth/login?lang=pt_BR")
    page.get_by_label("E-mail").fill("formadora@example.org")
    page.get_by_label("Senha").fill("correct-horse-battery")
    page.get_by_role("button", name="Entrar").click()
    page.goto(f"{live_server}/competences/demo/")
    check_page(page)
    page.get_by_role("link", name="A1", exact=False).first.wait_for()
    page.locator("#competence-A1").get_by_role("link", name="A1", exact=False).last.click()
    check_page(page)
    # the Portuguese group: its legend names the language, in that language
    portuguese = page.locator("fieldset.language-group", has=page.locator('legend[lang="pt-BR"]'))
    field = portuguese.get_by_label("Conhecimentos", exact=False)
    field.fill("Conhece os indicadores de especialização e os gargalos da difusão")
    portuguese.get_by_label("Habilidades", exact=False).fill("")
    page.get_by_role("button", name="Salvar").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check_page(page)
    portuguese.get_by_label("Habilidades", exact=False).fill("Constrói perfis regionais")
    page.get_by_role("button", name="Salvar").click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.locator("#competence-A1")).to_contain_text("Conhece os indicadores de especialização")
    check_page(page)


def test_move_a_course_to_a_newer_version(page, live_server, make_user, synced_course, sample_framework,
                                          check_page):
    """Without JavaScript: the framework page's form moves what was built on version 1 to version 2."""
    from app.competences import services
    from app.extensions import db
    from tests.fixtures.competences import texts

    editor = make_user(roles=("trainer",), country="ES", email="mover@example.org", locale="en")
    services.edit_area(editor, sample_framework, "A", texts("Evidence and direction"))  # used: makes version 2
    db.session.commit()
    sign_in(page, live_server, "mover@example.org")
    page.goto(f"{live_server}/competences/demo/?version=1")
    check_page(page)
    page.get_by_label("Move pilot@1 to").select_option("2")
    page.get_by_role("button", name="Move").click()
    expect(page.get_by_role("status")).to_contain_text("pilot@1 is now built on version 2")
    expect(page.locator("#uses + ul")).to_contain_text("pilot@1")
    check_page(page)


def test_a_long_title_reads_whole_in_its_box_on_a_phone(page, live_server, make_user, sample_framework):
    """A competence's title of 150 characters showed its first 30 in a one-line box at 360 px."""
    from app.extensions import db

    title = "Diseña e implementa estrategias de especialización inteligente con los actores públicos y privados " \
            "del territorio regional"
    sample_framework.current.competences[0].title = {**sample_framework.current.competences[0].title, "es": title}
    db.session.commit()
    make_user(roles=("trainer",), country="ES", email="formadora@example.org", locale="es")
    sign_in(page, live_server, "formadora@example.org")
    page.goto(f"{live_server}/competences/demo/competences/A1/edit")
    box = page.locator("#title_es")
    expect(box).to_have_value(title)
    assert box.evaluate("el => el.scrollHeight <= el.clientHeight && el.scrollWidth <= el.clientWidth")
    short = page.locator("#title_en")  # a short title keeps a box of one line
    assert short.evaluate("el => el.getBoundingClientRect().height") < 60


def test_add_a_competence_in_portuguese(page, live_server, make_user, sample_framework, check_page):
    """A trainer adds B2 to area B with the interface in Portuguese at 360 px: the page suggests the code, a
    missing text is pointed at, and the framework page then lists B2 after B1."""
    from app.competences import services
    from app.extensions import db
    from tests.fixtures.browser import sign_in_in_language

    make_user(roles=("trainer",), country="BR", email="formadora@example.org", locale="pt_BR")
    sign_in_in_language(page, live_server, "formadora@example.org", "pt_BR")
    page.goto(f"{live_server}/competences/demo/")
    page.locator('a[href$="/competences/demo/areas/B/competences/new"]').click()
    check_page(page)
    expect(page.locator("#code")).to_have_value("B2")
    for locale in ("es", "pt-BR", "en"):
        group = page.locator("fieldset.language-group", has=page.locator(f'legend[lang="{locale}"]'))
        group.get_by_label("Título", exact=False).fill(f"Descoberta empreendedora ({locale})")
        group.get_by_label("Conhecimentos", exact=False).fill(f"Conhece o processo ({locale})")
        group.get_by_label("Habilidades", exact=False).fill(f"Conduz oficinas ({locale})")
        if locale != "en":  # one text left out: the page says where
            group.get_by_label("Atitudes", exact=False).fill(f"Escuta ({locale})")
    page.get_by_role("button", name="Salvar").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#code")).to_have_value("B2")
    check_page(page)
    english = page.locator("fieldset.language-group", has=page.locator('legend[lang="en"]'))
    english.get_by_label("Atitudes", exact=False).fill("Listens (en)")
    page.get_by_role("button", name="Salvar").click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.locator("#competence-B2")).to_contain_text("Descoberta empreendedora (pt-BR)")
    check_page(page)
    html = page.content()
    assert html.index('id="competence-B1"') < html.index('id="competence-B2"')
    db.session.expire_all()
    assert services.find_competence("demo", "B2").attitudes["en"] == "Listens (en)"


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]


def test_saved_shows_its_banner_beside_what_was_saved_on_a_phone(page, live_server, make_user, shipped_course):
    """Saving the framework's last competence led to it, far down the framework's page: at 360 px the banner
    saying "Saved as version 2" stayed at the top of the page, out of sight. It now comes just above the
    competence, and both are in view."""
    make_user(roles=("trainer",), country="CL", email="formadora@example.org", locale="en")
    sign_in(page, live_server, "formadora@example.org")
    page.goto(f"{live_server}/competences/s3/competences/E3/edit")
    title = page.locator("#title_en")
    title.fill(title.input_value() + " (revised)")
    page.locator("main form [type=submit]").last.click()
    page.wait_for_url("**/competences/s3/#competence-E3")
    banner = page.get_by_role("status")
    expect(banner).to_be_visible()
    assert in_view(page, banner), banner.bounding_box()
    assert in_view(page, page.locator("#title-E3")), page.locator("#title-E3").bounding_box()
