"""The whole course on one page, for paper, and as one file (``?download=1``) a trainee downloads once and reads
offline: every module in order, links between modules kept inside the file, nothing recorded."""
import base64
import re
from html import unescape

import sqlalchemy as sa

from app.courses.models import Module
from app.extensions import db
from app.xapi.models import Statement
from tests.fixtures.courses import COURSE_YAML, build_tree, module_text, sync_tree
from tests.queries import statements_during

NO_RULES = COURSE_YAML.replace("completion:\n  intro: viewed\n  practice: viewed\n", "")


def in_three(title: str, body: str) -> dict:
    return {locale: module_text(title, body=body) for locale in ("en", "es", "pt_BR")}


def ids(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', html)


def test_every_module_in_order_with_a_contents_list(client, login_as, synced_course):
    login_as("trainee", locale="en")
    page = client.get("/courses/pilot/print")
    assert page.status_code == 200 and "Content-Disposition" not in page.headers
    html = page.get_data(as_text=True)
    assert "site-header" not in html and '<html lang="en">' in html
    assert '<h1>Pilot course</h1>' in html and "version 1" in html
    contents = re.search(r'<nav aria-labelledby="contents">.*?</nav>', html, re.S).group(0)
    assert re.findall(r'<a href="(#module-[a-z-]+)">([^<]+)</a>', contents) == [
        ("#module-intro", "Introduction"), ("#module-practice", "Practice")]
    sections = re.findall(r'<section id="(module-[a-z-]+)"[^>]*>(.*?)</section>', html, re.S)
    assert [name for name, _body in sections] == ["module-intro", "module-practice"]
    for number, (_name, body) in enumerate(sections, 1):
        assert f"Module {number} of 2" in body and "Some text with a" in body and "Explain the idea" in body
    assert 'src="/courses/pilot/v1/assets/map.svg"' in html and 'loading="lazy"' not in html  # all ready on paper
    assert '<p class="back"><a href="/courses/pilot/">Back to the course</a></p>' in html
    assert "http://itinera.test/courses/pilot/" in html  # where to read it online, also on paper
    assert "offline" not in html
    assert len(ids(html)) == len(set(ids(html)))


def test_the_offline_file_stands_on_its_own(client, login_as, synced_course):
    login_as("trainee", locale="es")
    download = client.get("/courses/pilot/print?download=1")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="pilot-es-v1.html"'
    assert download.headers["Content-Security-Policy"] == "default-src 'none'; img-src data:; style-src data:"
    text = download.get_data(as_text=True)
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', text)
    assert policy and unescape(policy.group(1)).startswith("default-src 'none'") and "script" not in policy.group(1)
    assert text.index("Content-Security-Policy") < text.index("<link")
    stylesheet = re.search(r'<link rel="stylesheet" href="data:text/css;base64,([^"]+)">', text)
    assert b"font-family: Georgia" in base64.b64decode(stylesheet.group(1))
    assert '<link rel="icon" href="data:,">' in text
    assert text.count('src="data:image/svg+xml;base64,') == 2  # the image of each module, inside the file
    assert 'href="http://itinera.test/courses/pilot/v1/assets/map.svg"' in text
    assert not re.search(r'(?:href|src)="/', text) and 'class="back"' not in text
    assert "Introducción" in text and "Práctica" in text and text.index("Introducción") < text.index("Práctica")
    assert "Módulo 2 de 2" in text
    assert '<a href="http://itinera.test/courses/pilot/" class="address">http://itinera.test/courses/pilot/</a>' in text
    assert "<time " in text  # when the copy was made


def test_links_between_modules_stay_inside_the_file(client, login_as, app, tmp_path, sample_framework):
    """A link to another module goes to its section of the page; headings and footnotes of two modules with
    the same names keep apart, and each module's links to its own sections still reach them."""
    intro = ("See [the practice](../02-practice/en.md#try-it), [the next module](../02-practice/) and "
             "[the sources](#sources)[^1].\n\n[^1]: A note.\n\n## Sources\n\nA list.\n\n"
             '<iframe src="https://player.vimeo.com/video/1" title="A talk"></iframe>')
    practice = "## Try it\n\nNow[^1].\n\n[^1]: Another note.\n\n## Sources\n\nBack to [the intro](../01-intro/en.md)."
    root = build_tree(tmp_path / "c", modules={"01-intro": in_three("Intro", intro),
                                               "02-practice": in_three("Practice", practice)})
    sync_tree(root)
    login_as("trainee", locale="en")
    for address in ("/courses/pilot/print", "/courses/pilot/print?download=1"):
        html = client.get(address).get_data(as_text=True)
        assert 'href="#module-practice.try-it"' in html and 'id="module-practice.try-it"' in html, address
        assert re.search(r'href="#module-practice"[^>]*>the next module', html), address
        assert re.search(r'href="#module-intro"[^>]*>the intro', html), address
        assert 'href="#module-intro.sources"' in html and 'id="module-intro.sources"' in html
        assert 'id="module-practice.sources"' in html
        assert "/modules/" not in html, address  # no module's page on the site
        found = ids(html)
        assert len(found) == len(set(found)), address  # the two footnotes, the two "Sources"
        for target in re.findall(r'href="#([^"]+)"', html):
            assert target in found, (address, target)
    offline = client.get("/courses/pilot/print?download=1").get_data(as_text=True)
    assert "<iframe" not in offline and '<a href="https://player.vimeo.com/video/1">A talk</a>' in offline


def test_a_module_missing_in_the_readers_language_says_so_in_its_section(client, login_as, synced_course):
    module = db.session.scalar(sa.select(Module).where(Module.slug == "practice"))
    module.texts = {locale: text for locale, text in module.texts.items() if locale != "es"}
    db.session.commit()
    login_as("trainee", locale="es")
    for address in ("/courses/pilot/print", "/courses/pilot/print?download=1"):
        html = client.get(address).get_data(as_text=True)
        assert '<html lang="es">' in html
        intro = re.search(r'<section id="module-intro"[^>]*>.*?</section>', html, re.S).group(0)
        practice = re.search(r'<section id="module-practice"[^>]*>.*?</section>', html, re.S).group(0)
        assert intro.startswith('<section id="module-intro">') and 'role="note"' not in intro
        assert practice.startswith('<section id="module-practice" lang="en">')
        note = re.search(r'<div class="banner" role="note" lang="es"><p>([^<]+)</p></div>', practice)
        assert note and note.group(1) == ("Este módulo todavía no está disponible en su idioma, por eso se muestra "
                                          "en inglés.")
        assert "Module 2 of 2" in practice and "Practice" in practice  # the section in English throughout
        assert "Módulo 1 de 2" in intro
        contents = re.search(r'<nav aria-labelledby="contents">.*?</nav>', html, re.S).group(0)
        assert '<a href="#module-practice" lang="en">Practice</a>' in contents


def test_a_course_not_in_the_readers_language_is_in_english_and_says_so_once(client, login_as, app, tmp_path,
                                                                             sample_framework):
    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("[en, es, pt_BR]", "[en, es]"),
                      modules={"01-intro": {"en": module_text("Introduction"), "es": module_text("Introducción")},
                               "02-practice": {"en": module_text("Practice"), "es": module_text("Práctica")}})
    sync_tree(root)
    login_as("trainee", locale="pt_BR")
    html = client.get("/courses/pilot/print?download=1").get_data(as_text=True)
    assert '<html lang="en">' in html and "Module 1 of 2" in html
    assert html.count('role="note"') == 1 and '<div class="banner" role="note" lang="pt-BR">' in html
    assert 'lang="en"' not in html.partition("</header>")[2]  # no section differs from the page
    with client.get("/courses/pilot/print?download=1") as download:
        assert download.headers["Content-Disposition"] == 'attachment; filename="pilot-en-v1.html"'


def test_reading_the_copies_records_nothing(client, login_as, synced_course):
    login_as("trainee", locale="en")
    for address in ("/courses/pilot/print", "/courses/pilot/print?download=1"):
        assert client.get(address).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Statement)) == 0


def test_the_course_page_links_to_both_copies(client, login_as, synced_course):
    login_as("trainee", locale="en")
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert '<a href="/courses/pilot/print">' in page
    assert '<a href="/courses/pilot/print?download=1" download>Download the whole course' in page


def test_an_earlier_version_has_its_own_copy(client, login_as, app, course_tree, sample_framework):
    app.config["COURSES_DIR"] = str(course_tree)
    sync_tree(course_tree)
    build_tree(course_tree, course_yaml=COURSE_YAML.replace("version: 1", "version: 2"),
               modules={"01-intro": in_three("Introduction", "Revised text."),
                        "02-practice": in_three("Practice", "Revised practice.")})
    sync_tree(course_tree)
    login_as("trainee", locale="en")
    page = client.get("/courses/pilot/").get_data(as_text=True)
    earlier = page[page.index("Earlier versions"):]
    assert 'href="/courses/pilot/v1/print"' in earlier and 'href="/courses/pilot/v1/print?download=1"' in earlier
    old = client.get("/courses/pilot/v1/print").get_data(as_text=True)
    assert "Some text with a" in old and "Revised" not in old and "version 1" in old
    assert '<p class="back"><a href="/courses/pilot/">Back to the course</a></p>' in old
    assert "Revised text." in client.get("/courses/pilot/print").get_data(as_text=True)
    with client.get("/courses/pilot/v1/print?download=1") as download:
        assert download.headers["Content-Disposition"] == 'attachment; filename="pilot-en-v1.html"'
        assert 'src="data:image/svg+xml;base64,' in download.get_data(as_text=True)
    with client.get("/courses/pilot/print?download=1") as download:  # the current one: never the same file name
        assert download.headers["Content-Disposition"] == 'attachment; filename="pilot-en-v2.html"'
    assert client.get("/courses/pilot/v7/print").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Statement)) == 0


def test_who_may_have_the_copies(client, login_as, synced_course, make_user):
    assert client.get("/courses/pilot/print").status_code == 302  # to the sign-in page
    assert client.get("/courses/nope/print").status_code == 302
    login_as("trainee", locale="en")
    assert client.get("/courses/nope/print").status_code == 404
    client.get("/courses/pilot/modules/intro")  # started
    synced_course.is_published = False
    db.session.commit()
    for address in ("/courses/pilot/print", "/courses/pilot/print?download=1", "/courses/pilot/v1/print"):
        response = client.get(address)
        assert response.status_code == 404 and "Content-Disposition" not in response.headers, address
    login_as("trainee", locale="en")  # who never started it
    assert client.get("/courses/pilot/print?download=1").status_code == 404
    for role in ("trainer", "admin"):
        login_as(role, locale="en")
        with client.get("/courses/pilot/print?download=1") as download:
            assert download.status_code == 200 and "Introduction" in download.get_data(as_text=True), role


def test_the_copy_asks_as_much_for_a_dozen_modules_as_for_two(client, login_as, app, tmp_path, sample_framework):
    """Each module with its own image: the modules, their texts and the images' bytes are read at once."""
    root = tmp_path / "c"
    login_as("trainee", locale="en")

    def counts(number: int, version: int) -> dict:
        modules = {f"{i:02d}-m{i}": in_three(f"Module {i}", f"Text {i}.\n\n![Figure {i}](assets/figure{i}.svg)")
                   for i in range(1, number + 1)}
        build_tree(root, course_yaml=NO_RULES.replace("version: 1", f"version: {version}"), modules=modules)
        for i in range(1, number + 1):
            (root / "pilot" / "assets" / f"figure{i}.svg").write_text(
                f'<svg xmlns="http://www.w3.org/2000/svg" width="{i}" height="{i}"><title>{i}</title></svg>',
                encoding="utf-8")
        sync_tree(root)
        found = {}
        for address in ("/courses/pilot/print", "/courses/pilot/print?download=1"):
            client.get(address)
            response, statements = statements_during(lambda: client.get(address))
            assert response.status_code == 200
            assert response.get_data(as_text=True).count(f"Text {number}.") == 1
            found[address] = len(statements)
        return found

    two, dozen = counts(2, 1), counts(12, 2)
    assert two == dozen


def test_the_course_page_says_about_how_large_the_file_is(client, login_as, app, tmp_path, sample_framework):
    """On a slow link a reader wants to know what a download costs before starting it: the link says about how
    large the file is, near enough to what it weighs (an image inside it counts as often as it is shown)."""
    body = ("A long text. " * 2000 + "\n\n![The map](assets/map.svg) and [the map again](assets/map.svg)\n\n"
            '<img src="../../assets/photo.svg" alt="A photo">')
    root = build_tree(tmp_path / "c", modules={"01-intro": in_three("Intro", body),
                                               "02-practice": in_three("Practice", "![The photo](assets/photo.svg)")})
    (root / "pilot" / "assets" / "photo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg">' + "<g/>" * 5000 + "</svg>", encoding="utf-8")
    (root / "pilot" / "assets" / "poster.svg").write_text(  # in no module
        '<svg xmlns="http://www.w3.org/2000/svg">' + "<g/>" * 50000 + "</svg>", encoding="utf-8")
    sync_tree(root)
    login_as("trainee", locale="en")
    page = client.get("/courses/pilot/").get_data(as_text=True)
    hint = re.search(r'download>Download the whole course to read offline \(about ([\d.]+) kB\)</a>', page)
    assert hint, page[page.index("Download the whole"):][:200]
    weight = len(client.get("/courses/pilot/print?download=1").get_data()) / 1000
    assert 0.8 * weight <= float(hint.group(1)) <= 1.2 * weight, (hint.group(1), weight)


def test_a_modules_page_says_about_how_large_its_offline_copy_is(client, login_as, app, tmp_path, sample_framework):
    """The whole course's link said what its download weighs, a module's said nothing: a module with a few images
    inside it may weigh more than the rest of the course, and a reader on a slow link asks before starting it."""
    body = "A text. " * 500 + "\n\n![The photo](assets/photo.svg)\n\n![The photo, again](assets/photo.svg)\n"
    root = build_tree(tmp_path / "c", modules={"01-intro": in_three("Intro", body),
                                               "02-practice": in_three("Practice", "Some text.")})
    (root / "pilot" / "assets" / "photo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg">' + "<g/>" * 20000 + "</svg>", encoding="utf-8")
    sync_tree(root)
    login_as("trainee", locale="en")
    for module in ("intro", "practice"):
        page = client.get(f"/courses/pilot/modules/{module}").get_data(as_text=True)
        hint = re.search(r'download>Download to read offline \(about ([\d.]+) kB\)</a>', page)
        assert hint, page[page.index("Download to read"):][:200]
        weight = len(client.get(f"/courses/pilot/modules/{module}/print?download=1").get_data()) / 1000
        assert 0.8 * weight <= float(hint.group(1)) <= 1.2 * weight, (module, hint.group(1), weight)


def test_the_size_counts_images_however_the_text_writes_them(client, login_as, app, tmp_path, sample_framework):
    """An image named by reference (![A photo][photo] ... [photo]: assets/photo.svg) or between < and > because its
    name has a space is inside the file as much as one written inline: the hint counts it too."""
    body = ("A short text.\n\n![A photo][photo]\n\n![The same photo, again](<assets/big photo.svg>)\n\n"
            "[photo]: assets/photo.svg\n")
    root = build_tree(tmp_path / "c", modules={"01-intro": in_three("Intro", body),
                                               "02-practice": in_three("Practice", "Some text.")})
    for name in ("photo.svg", "big photo.svg"):
        (root / "pilot" / "assets" / name).write_text(
            '<svg xmlns="http://www.w3.org/2000/svg">' + "<g/>" * 20000 + "</svg>", encoding="utf-8")
    sync_tree(root)
    login_as("trainee", locale="en")
    page = client.get("/courses/pilot/").get_data(as_text=True)
    hint = re.search(r'download>Download the whole course to read offline \(about ([\d.]+) kB\)</a>', page)
    with client.get("/courses/pilot/print?download=1") as download:
        weight = len(download.get_data()) / 1000
        assert download.get_data(as_text=True).count('src="data:image/svg+xml;base64,') == 2
    assert hint and 0.8 * weight <= float(hint.group(1)) <= 1.2 * weight, (hint and hint.group(1), weight)


def test_a_heading_without_letters_takes_no_modules_place(client, login_as, app, tmp_path, sample_framework):
    """A heading of punctuation alone (## …, ## ?) has no name to link by: it gets no id rather than an empty one
    (which HTML does not allow), and on the whole course's page it does not take the id of its module's section,
    to which the contents list leads."""
    body = "## …\n\nA pause.\n\n## ?\n\nA question.\n\nBack to [the top](#)."
    root = build_tree(tmp_path / "c", modules={"01-intro": in_three("Intro", body),
                                               "02-practice": in_three("Practice", "Some text.")})
    sync_tree(root)
    login_as("trainee", locale="en")
    assert ' id=""' not in client.get("/courses/pilot/modules/intro").get_data(as_text=True)
    for address in ("/courses/pilot/print", "/courses/pilot/print?download=1"):
        html = client.get(address).get_data(as_text=True)
        found = ids(html)
        assert len(found) == len(set(found)), (address, found)
        assert found.count("module-intro") == 1 and "<h3>…</h3>" in html, address


def test_players_wait_until_the_reader_reaches_them(client, login_as, app, tmp_path, sample_framework):
    """Each player weighs hundreds of kilobytes of script: a page of twelve modules with a video each must not
    fetch twelve players on opening, on a phone and a slow link, as a module's page does not either."""
    modules = {f"{i:02d}-m{i}": in_three(f"Module {i}", f'Watch.\n\n<iframe src="https://player.vimeo.com/video/{i}" '
                                                         f'title="Talk {i}"></iframe>') for i in range(1, 13)}
    root = build_tree(tmp_path / "c", course_yaml=NO_RULES, modules=modules)
    sync_tree(root)
    login_as("trainee", locale="en")
    html = client.get("/courses/pilot/print").get_data(as_text=True)
    players = re.findall(r"<iframe[^>]*>", html)
    assert len(players) == 12 and all('loading="lazy"' in player for player in players), players
