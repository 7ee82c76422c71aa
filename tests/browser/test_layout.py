"""Layout with real-world content at 360 px: long names and addresses, forms sent back with errors."""
import pytest
from playwright.sync_api import expect

from tests.fixtures.browser import open_menu, sign_in

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
                 f"/admin/cohorts/{cohort.id}/edit", "/admin/users?q=maximiliano"):
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


LINES_OF = """el => new Set([...(() => { const r = document.createRange(); r.selectNodeContents(el); return r; })()
    .getClientRects()].filter(rect => rect.width > 0).map(rect => Math.round(rect.bottom))).size"""


def open_as_reader(page, live_server, make_user, path, width=None, email="lectora@example.org", country="CL",
                   locale="es"):
    """A trainee of ``country`` reading in ``locale`` signs in (at ``width`` px, else the phone's) and opens
    ``path``."""
    make_user(email=email, country=country, locale=locale)
    if width is not None:
        page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, live_server, email)
    page.goto(live_server + path)


@pytest.mark.parametrize("width", [360, 1280])
def test_a_modules_status_tag_stays_on_one_line(page, live_server, make_user, shipped_course, width):
    """"Não iniciado" and "Sin comenzar" broke inside their tag, at 360 px and on a desktop alike."""
    open_as_reader(page, live_server, make_user, "/courses/s3-foundations/", width, email="leitora@example.org",
                   country="BR", locale="pt_BR")
    tags = page.locator(".task-list__item > .tag")
    expect(tags).to_have_count(4)
    for tag in tags.all():
        expect(tag).to_have_text("Não iniciado")
        assert tag.evaluate(LINES_OF) == 1, f"the tag breaks over lines at {width}px"
        box = tag.bounding_box()
        assert box["x"] + box["width"] <= width


def test_progress_bars_leave_room_around_them(page, live_server, make_user, shipped_course):
    """The bar touched the button under it (course page, dashboard) and, on a module, the label above it sat
    against the breadcrumbs."""
    open_as_reader(page, live_server, make_user, "/courses/s3-foundations/modules/four-cs")
    gap = page.evaluate("""() => document.querySelector('main .progress-label').getBoundingClientRect().top
        - document.querySelector('.breadcrumbs').getBoundingClientRect().bottom""")
    assert gap >= 16, f"the module's progress is {gap}px under the breadcrumbs"
    for path in ("/courses/s3-foundations/", "/"):
        page.goto(live_server + path)
        button = page.locator("main .button").first
        expect(button).to_be_visible()
        bar = page.locator("main progress").first.bounding_box()
        assert button.bounding_box()["y"] - (bar["y"] + bar["height"]) >= 12, f"{path}: the button touches the bar"


EDGE_CONTRAST = """el => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = rgb(c).map(v => { v /= 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const s = getComputedStyle(el), page = getComputedStyle(document.body).backgroundColor;
  if (s.borderTopStyle === 'none' || parseFloat(s.borderTopWidth) < 1) return 1;
  const [a, b] = [lum(s.borderTopColor), lum(page)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def test_a_progress_bars_track_stands_out_from_the_page(page, live_server, make_user, shipped_course):
    """The browser's own track is a pale grey on white (1.2:1): with no module completed the bar was invisible,
    and with some it was a coloured stub of no visible length (WCAG 1.4.11 asks 3:1 of a graphic's parts)."""
    open_as_reader(page, live_server, make_user, "/courses/s3-foundations/")
    for path in ("/courses/s3-foundations/", "/courses/s3-foundations/modules/four-cs", "/"):
        page.goto(live_server + path)
        bar = page.locator("main progress").first
        expect(bar).to_be_visible()
        assert bar.evaluate(EDGE_CONTRAST) >= 3, f"{path}: the bar's track has no edge of 3:1 against the page"

def test_previous_and_next_modules_read_from_the_left_on_a_phone(page, live_server, make_user, shipped_course):
    """At 360 px the pager's links took half the width each, on two rows, the next one ragged right."""
    open_as_reader(page, live_server, make_user, "/courses/s3-foundations/modules/regional-profile")
    pager = page.locator("nav.pager").bounding_box()
    for link in (page.locator(".pager__previous"), page.locator(".pager__next")):
        box = link.bounding_box()
        assert box["x"] == pager["x"] and box["width"] > 0.9 * pager["width"]
        assert link.evaluate("el => getComputedStyle(el).textAlign") in ("left", "start")


def test_usual_addresses_stay_whole_in_a_wide_list_of_people(page, live_server, make_user, make_institution):
    """On a desktop the address column was squeezed to break "camila.rojas@itinera.test" inside its words; a
    minimum width then kept that one whole, but not the demo's "ximena.hernandez@itinera.tes t", nor an official's
    longer address, while the institution column beside them had room to spare."""
    make_user(roles=("admin",), country=None, email="admin@example.org", locale="es", name="Ada Administradora")
    for n, (name, email) in enumerate((("Camila Rojas", "camila.rojas@itinera.test"),
                                       ("Josefa Contreras", "technician.cl@itinera.test"),
                                       ("Ignacio Vera", "manager.cl@itinera.test"),
                                       ("Ximena Hernández", "ximena.hernandez@itinera.test"),
                                       ("María Fernanda González", "maria.fernanda.gonzalez@mincyt.gob.ar"))):
        institution = make_institution(name=f"Agencia Nacional de Desarrollo Productivo de la Región {n}")
        make_user(name=name, email=email, institution=institution)
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/admin/users")
    cells = page.locator("td.break")
    expect(cells).to_have_count(6)
    for cell in cells.all():
        assert cell.evaluate(LINES_OF) == 1, f"{cell.text_content()} breaks over lines"
    table, main = page.locator("main table").bounding_box(), page.locator("main").bounding_box()
    assert table["x"] + table["width"] <= main["x"] + main["width"], "the table sticks out of the page"


def test_a_link_beside_a_heading_keeps_its_distance_from_what_follows(page, live_server, make_user, app):
    """At 360 px *E-mail preferences* wraps under the heading and sat against the *Mark all as read* button."""
    from app.extensions import db
    from app.notifications.services import notify

    reader = make_user(email="lectora@example.org", locale="es")
    notify(reader, "added_to_cohort", cohort="Cohorte piloto")
    db.session.commit()
    sign_in(page, live_server, "lectora@example.org")
    page.goto(f"{live_server}/notifications/")
    link = page.locator(".page-heading > a").bounding_box()
    button = page.get_by_role("button", name="Marcar todas como leídas").bounding_box()
    assert button["y"] - (link["y"] + link["height"]) >= 12


def test_filters_line_up_in_one_column_on_a_phone(page, live_server, make_user):
    """At 360 px the search box and the lists (country, role, status) had different widths, side by side or not."""
    make_user(roles=("admin",), country=None, email="admin@example.org", locale="es")
    sign_in(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/admin/users")
    filters = page.locator("form.filters")
    inner = filters.evaluate("el => el.clientWidth - parseFloat(getComputedStyle(el).paddingLeft)"
                             " - parseFloat(getComputedStyle(el).paddingRight)")
    fields = filters.locator(".input, .select")
    expect(fields).to_have_count(4)
    for field in fields.all():
        assert abs(field.bounding_box()["width"] - inner) < 1


@pytest.mark.parametrize("width", [360, 1024])
def test_on_a_phone_the_breadcrumbs_stop_at_the_parent(page, live_server, make_user, shipped_course, width):
    """At 360 px the trail ended with the module's title, three lines long, just above the same title as h1."""
    open_as_reader(page, live_server, make_user, "/courses/s3-foundations/modules/four-cs", width)
    current = page.locator(".breadcrumbs [aria-current=page]")
    expect(current).to_have_text(page.locator("h1").inner_text())
    parent = page.locator(".breadcrumbs li").nth(-2)
    separator = parent.evaluate("el => getComputedStyle(el, '::after').content")
    if width == 360:
        expect(current).to_be_hidden()
        assert separator in ("none", "normal"), "a separator leads to nothing"
    else:
        expect(current).to_be_visible()
        assert separator == '"›" / ""'  # drawn, with no text to read out


def test_a_button_beside_the_heading_stands_clear_of_the_header(page, live_server, make_user):
    """At 360 px *Add a person* sat against the header's lower edge, the heading beside it 20 px further down."""
    make_user(roles=("admin",), country=None, email="admin@example.org", locale="en")
    sign_in(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/admin/users")
    header = page.locator(".site-header").bounding_box()
    button = page.locator(".page-heading > a").bounding_box()
    heading = page.locator(".page-heading > h1").bounding_box()
    assert button["y"] < heading["y"] + heading["height"], "not beside the heading: the case is not tested"
    assert button["y"] - (header["y"] + header["height"]) >= 16


@pytest.mark.parametrize("width", [640, 768, 1024])
def test_the_list_of_people_fits_a_tablet(page, live_server, make_user, make_institution, width):
    """Between 601 and 768 px the six columns of the list of people were wider than the screen."""
    make_user(roles=("admin",), country=None, email="admin@example.org", locale="pt_BR", name="Ada Administradora")
    make_user(name="Ana Beatriz Souza", email="ana.beatriz.souza@florianopolis.sc.gov.br", country="BR",
              institution=make_institution(name="Prefeitura Municipal de Florianópolis", country="BR"))
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/admin/users")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    stacked = page.locator("table.table thead").evaluate("el => el.getBoundingClientRect().height <= 1")
    assert stacked == (width <= 768)  # a table again where its columns fit


def test_a_versions_tag_stands_apart_from_its_name(page, live_server, make_user, sample_framework):
    """"Version 1" and its tag "Current" touched ("Version 1Current"): the template lost the space between them."""
    make_user(roles=("trainer",), country="CL", email="trainer@example.org", locale="en")
    page.goto(f"{live_server}/competences/demo/A1")  # the public page, signed out
    for path in (None, "/competences/demo/"):  # then the framework's page, for its editors
        if path:
            sign_in(page, live_server, "trainer@example.org")
            page.goto(live_server + path)
        tag = page.locator("li > .tag", has_text="Current")
        expect(tag).to_have_count(1)
        gap = tag.evaluate("el => el.getBoundingClientRect().left"
                           " - el.previousElementSibling.getBoundingClientRect().right")
        assert gap >= 3, f"{page.url}: the tag is {gap}px from the version's name"


def test_a_public_competence_stands_clear_of_the_header(page, live_server, sample_framework):
    """Signed out, the competence page has no breadcrumbs: its first line (the framework's name) sat against the
    header's lower edge."""
    page.goto(f"{live_server}/competences/demo/A1")
    gap = page.evaluate("""() => document.querySelector('main > *').getBoundingClientRect().top
        - document.querySelector('.site-header').getBoundingClientRect().bottom""")
    assert gap >= 16, f"the page starts {gap}px under the header"


@pytest.mark.parametrize("width", [360, 640])
def test_a_rows_problem_tint_leaves_room_around_its_text_on_a_phone(page, live_server, make_user, width):
    """At 360 px each row of the preview is a block: on a line with a problem the text touched the tint's edges."""
    make_user(roles=("coordinator",), country="CL", email="coord@example.org", locale="en")
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, live_server, "coord@example.org")
    page.goto(f"{live_server}/admin/import")
    page.get_by_label("File").set_input_files(files=[{
        "name": "lista.csv", "mimeType": "text/csv",
        "buffer": "correo;nombre completo;cargo\nana@example.org;Ana Soto;chief\n".encode()}])
    page.get_by_role("button", name="Check the file").click()
    row = page.locator("tr.row--problem")
    expect(row).to_have_count(1)
    page.wait_for_load_state("load")  # the click returns once the preview is on its way, maybe before its stylesheet
    band = row.bounding_box()
    for cell in row.locator("td, th").all():
        box = cell.bounding_box()
        assert box["x"] - band["x"] >= 8 and band["x"] + band["width"] - (box["x"] + box["width"]) >= 8


def test_the_time_now_line_keeps_its_distance_from_the_button(page, live_server, make_user):
    """On the account page *Save time zone* sat 8 px under "Time now: …", where every other button of a form
    stands a field's distance below it."""
    open_as_reader(page, live_server, make_user, "/auth/account")
    hint = page.locator("form[action$='/timezone'] > .hint").bounding_box()
    button = page.get_by_role("button", name="Guardar zona horaria").bounding_box()
    assert button["y"] - (hint["y"] + hint["height"]) >= 16


def test_a_button_that_looks_like_a_link_is_focused_like_one(page, live_server, make_user):
    """*Sign out* (a button styled as a link) took a boxed outline and a ring when focused, unlike the links beside
    it: one focus style."""
    make_user(email="lectora@example.org", locale="en")
    sign_in(page, live_server, "lectora@example.org")
    page.goto(f"{live_server}/auth/account")
    open_menu(page)
    looks = {}
    for name in ("Your account", "Sign out"):
        for _ in range(30):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent.trim()") == name:
                break
        looks[name] = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
            return [s.outlineStyle, s.boxShadow, s.backgroundColor, s.color]; }""")
    assert looks["Sign out"] == looks["Your account"]


def test_an_address_in_a_sentence_breaks_only_when_it_cannot_fit(page, live_server, make_user):
    """The LRS address broke as "http://12" / "7.0.0.1:…/xapi" at 360 px though it fits a line of its own."""
    make_user(roles=("admin",), country=None, email="admin@example.org", locale="es")
    sign_in(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/admin/lrs-clients")
    address = page.locator("main p > code").first
    expect(address).to_contain_text("/xapi")
    assert address.evaluate(LINES_OF) == 1


def test_each_alignment_of_a_competence_reads_as_a_group(page, live_server, make_user, sample_framework):
    """The rows of *Alignments with other frameworks* were a column of look-alike labels ("Alignment 2",
    "Framework", "Code"…): nothing showed where a row began, unlike the language groups above them."""
    make_user(roles=("trainer",), country="CL", email="trainer@example.org", locale="en")
    sign_in(page, live_server, "trainer@example.org")
    page.goto(f"{live_server}/competences/demo/competences/A1/edit")
    outer = page.locator("legend", has_text="Alignments with other frameworks").bounding_box()
    rows = page.locator("fieldset fieldset:has(> legend:text-matches('^Alignment \\\\d'))")
    expect(rows.first).to_be_visible()
    for row in rows.all():
        label = row.locator("label").first.bounding_box()
        assert label["x"] - outer["x"] >= 16, "a row's fields are not set in from the list's legend"
        assert row.evaluate("el => parseFloat(getComputedStyle(el).borderLeftWidth)") > 0


@pytest.mark.parametrize("width", [640, 768])
def test_the_rows_of_an_import_preview_fit_a_tablet(page, live_server, make_user, width):
    """The preview's six columns (those of the list of people) stayed a table from 601 px up: a long surname and
    address made it 800 px wide, wider than the screen."""
    make_user(roles=("coordinator",), country="CL", email="coord@example.org", locale="en")
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, live_server, "coord@example.org")
    page.goto(f"{live_server}/admin/import")
    page.get_by_label("File").set_input_files(files=[{
        "name": "lista.csv", "mimeType": "text/csv",
        "buffer": ("correo;nombre completo;cargo;institución\n"
                   f"maximiliano.wolfeschlegelsteinhausenbergerdorff@goredelbiobio.gob.cl;{LONG_NAME};directivo;"
                   "Agencia Nacional de Desarrollo Productivo\n").encode()}])
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("table", name="Rows")).to_contain_text("Contreras")
    page.wait_for_load_state("load")  # measured as laid out by the stylesheet, not while it is on its way
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # stacked, the line number reads from the left as every other cell does, not alone at the right edge
    row = page.get_by_role("table", name="Rows").locator("tbody tr").first
    aligned = row.locator("td, th").evaluate_all("cells => cells.map(cell => getComputedStyle(cell).textAlign)")
    assert set(aligned) <= {"left", "start"}, aligned


def test_the_notifications_link_underlines_its_word_not_the_space_before_the_count(page, live_server, make_user,
                                                                                   app):
    """The header's link read "Notifications_ (1)": its underline ran on under the space before the unread count."""
    from app.extensions import db
    from app.notifications.services import notify

    reader = make_user(email="lectora@example.org", locale="es")
    notify(reader, "added_to_cohort", cohort="Cohorte piloto")
    db.session.commit()
    sign_in(page, live_server, "lectora@example.org")
    open_menu(page)
    link = page.locator(".account-menu a", has=page.locator(".badge"))
    expect(link).to_have_count(1)
    overrun = link.evaluate("""a => { const text = a.firstChild, whole = document.createRange(), word = document.createRange();
        whole.selectNodeContents(text); word.setStart(text, 0); word.setEnd(text, text.textContent.trimEnd().length);
        return whole.getBoundingClientRect().right - word.getBoundingClientRect().right; }""")
    assert overrun < 0.5, f"the underline runs {overrun}px past the word"
    expect(link).to_have_accessible_name("Notificaciones 1 sin leer")


def test_the_printable_modules_table_keeps_its_words_whole_on_a_phone(page, live_server, make_user, shipped_course):
    """At 360 px the offline copy's table broke "competitiva" and "Conectividad" inside the word: its cells
    could break anywhere, so the table never grew into its scrolling region."""
    open_as_reader(page, live_server, make_user, "/courses/s3-foundations/modules/four-cs/print")
    # measured once the page is laid out for good: its images in and its fonts ready
    page.wait_for_function("[...document.images].every((img) => img.complete) && document.fonts.status === 'loaded'")
    broken = page.evaluate("""() => [...document.querySelectorAll('td, th')].flatMap((cell) => {
        const words = [];
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
          const text = walker.currentNode.textContent;
          for (const m of text.matchAll(/\\S+/g)) {
            const r = document.createRange();
            r.setStart(walker.currentNode, m.index);
            r.setEnd(walker.currentNode, m.index + m[0].length);
            const lines = new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top)));
            if (lines.size > 1) words.push(m[0]);
          }
        }
        return words;
      })""")
    assert not broken, f"words broken inside: {broken}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # the table scrolls in its region


@pytest.mark.parametrize("width", [320, 360])
def test_the_dashboards_continue_button_is_short_and_names_the_module(page, live_server, make_user, shipped_course,
                                                                      width):
    """"Continue: Knowing your region - building an asset and bottleneck profile" was a button three
    lines tall on a phone: the module's title now reads as text above a one-line button, which still names it."""
    open_as_reader(page, live_server, make_user, "/courses/s3-foundations/modules/four-cs", width, locale="en")
    title = page.locator(".pager__next [lang]").inner_text()
    page.goto(live_server + "/")
    card = page.locator(".course-card")
    button = card.locator("a.button")
    expect(button).to_have_count(1)  # one action
    expect(button).to_have_accessible_name(f"Continue: {title}")  # heard out of context, it still says where
    # its visible label (the name a screen reader hears, with the title, is hidden text of its own)
    assert button.locator("[aria-hidden=true]").evaluate(LINES_OF) == 1, "the button's label breaks over lines"
    assert button.bounding_box()["height"] <= 48
    expect(card.locator("p:not(:has(a))").get_by_text(title, exact=True)).to_be_visible()  # as text, beside
    expect(card).to_contain_text(f"Up next: {title}")


def test_the_printable_copys_title_is_set_as_the_modules_on_a_phone(page, live_server, make_user, shipped_course):
    """At 320 px the offline copy's title was set at 32 px, six lines before the first word of the module, where the
    module's own page sets it at 24 px on a phone."""
    open_as_reader(page, live_server, make_user, "/courses/s3-foundations/modules/four-cs", 320)
    size = lambda: page.locator("h1").evaluate("el => getComputedStyle(el).fontSize")  # noqa: E731
    on_the_site = size()
    page.goto(live_server + "/courses/s3-foundations/modules/four-cs/print")
    assert size() == on_the_site
    page.set_viewport_size({"width": 1024, "height": 800})  # on a wider screen (and on paper) as large as it was
    assert size() == "32px"


def test_the_end_of_a_long_module_leads_back_to_the_course(page, live_server, make_user, shipped_course):
    """A module is 5,000 to 11,000 px long at 360 px; at its end, but on the last module, there was only the
    next module: the course's page (its modules, where one stands) was the breadcrumbs', all the way up."""
    open_as_reader(page, live_server, make_user, "/courses/s3-foundations/modules/four-cs")
    article = page.locator("article.module").bounding_box()
    back = page.locator("main a[href='/courses/s3-foundations/']").last
    expect(back).to_have_text("Volver al curso")
    assert back.bounding_box()["y"] > article["y"] + article["height"]  # below the module, not the breadcrumbs
    back.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fundamentos de la especialización inteligente")
    page.goto(live_server + "/courses/s3-foundations/modules/latin-american-instruments")  # the last: said once
    expect(page.get_by_role("link", name="Volver al curso")).to_have_count(1)


def test_signing_in_or_changing_language_fetches_no_file_again(app, page, live_server, make_user):
    """The stylesheet and the script are fetched once per release: a new session or language cookie made the
    browser ask for them again, the page waiting for the stylesheet on a slow connection. (Not the icon: Chromium
    fetches it apart from the page, when it likes.)"""
    from flask import request

    asked = []

    @app.after_request
    def count(response):
        if request.endpoint == "static" and not request.path.endswith(".svg"):
            asked.append(request.path)
        return response

    make_user(email="ana@example.org", locale="en")
    page.goto(f"{live_server}/auth/login")
    page.wait_for_load_state("load")
    assert sorted(asked) == ["/static/css/itinera.css", "/static/js/itinera.js"]
    sign_in(page, live_server, "ana@example.org")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Español").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Le damos la bienvenida")
    page.wait_for_load_state("load")
    assert len(asked) == 2, asked


@pytest.mark.parametrize("path", ["/auth/account/competences/estimate", "/auth/account"])
def test_buttons_wrap_at_a_larger_text_size_on_a_phone(page, live_server, make_user, sample_framework, app, path):
    """At 150 % text, "Salvar minhas estimativas" (a submit input, which never wraps) was 433 px wide on a 360 px
    phone, and the whole page scrolled sideways."""
    app.config["COMPETENCE_FRAMEWORK"] = "demo"
    open_as_reader(page, live_server, make_user, path + "?lang=pt_BR", width=360, locale="pt_BR")
    page.evaluate("document.documentElement.style.fontSize = '150%'")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    buttons = [button for button in page.locator("main input[type=submit], main .button").all() if button.is_visible()]
    assert buttons, "no button to measure"
    for button in buttons:
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, (button.evaluate("b => b.value"), box)


@pytest.mark.parametrize("locale", ["es", "pt_BR"])
def test_a_status_tag_in_a_wide_table_stays_on_one_line(page, live_server, make_user, app, locale):
    """On a desktop the outgoing e-mail's "Escrito en el registro" broke inside its tag, a two-line grey block
    beside one-line rows, as the module status tags did before."""
    from app.extensions import db
    from app.notifications.models import MailStatus, OutboxMessage

    make_user(roles=("admin",), country=None, email="admin@example.org", locale=locale)
    db.session.add_all([OutboxMessage(to_address=f"persona{n}@example.org", locale="es", status=MailStatus.LOGGED,
                                      subject="Ahora forma parte de la cohorte “Cohorte piloto 2026”", body="…")
                        for n in range(3)])
    db.session.commit()
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/admin/outbox")
    tags = page.locator("main td .tag")
    expect(tags).to_have_count(3)
    for tag in tags.all():
        assert tag.evaluate(LINES_OF) == 1, f"{tag.text_content()} breaks over lines"
    table, main = page.locator("main table").bounding_box(), page.locator("main").bounding_box()
    assert table["x"] + table["width"] <= main["x"] + main["width"]


@pytest.mark.parametrize("locale", ["es", "pt_BR"])
def test_a_small_laptop_shows_the_whole_list_of_people(page, live_server, make_user, make_institution, locale):
    """Room for a 40-character address at 960 px pushed the demo's list of people (long institutions, "Participante
    (técnico(a))") 30-50 px past the edge of a small laptop's screen."""
    make_user(roles=("admin",), country=None, email="admin@example.org", locale=locale, name="Ada Administradora")
    institution = make_institution(name="Secretaria de Ciência e Tecnologia de Pernambuco (demo)")
    for name, email, position in (("Ana Beatriz Souza", "ana.souza@itinera.test", "manager"),
                                  ("Fernanda Lima", "technician.br@itinera.test", "technician"),
                                  ("Ximena Hernández", "ximena.hernandez@itinera.test", "technician")):
        make_user(name=name, email=email, institution=institution, position=position)
    make_user(roles=("coordinator",), name="Catalina Restrepo", email="coord.co@itinera.test", country="CO")
    make_user(name="Rosa María Estrada", email="rosa.estrada@example.org", password=None)  # "Ainda sem senha"
    sign_in(page, live_server, "admin@example.org")
    for width in (960, 1024, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{live_server}/admin/users")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"the list overflows at {width}px"


# the width a select would take to show this choice whole (its text, padding and arrow), against the room it has
SELECT_FITS = """el => [...el.options].filter((o) => !o.disabled).map((option) => {
  const one = el.cloneNode(false);
  one.style.width = 'auto'; one.style.maxWidth = 'none'; one.style.position = 'absolute';
  one.append(new Option(option.text));
  el.parentElement.append(one);
  const needed = one.getBoundingClientRect().width;
  one.remove();
  return [option.text, needed, el.parentElement.clientWidth];
}).filter(([text, needed, room]) => needed > room + 0.5)"""


@pytest.mark.parametrize("country, locale", [("CL", "es"), ("BR", "pt_BR"), ("MX", "es"), ("AR", "en"),
                                             (None, "es"), (None, "pt_BR")])
def test_every_time_zone_reads_whole_in_its_list_on_a_phone(page, live_server, make_user, country, locale):
    """At 360 px the list showed "Automática: Chile – Santiago de Chi": the country and the offset of the automatic
    choice took the room of its city; an administrator's list named a country before each of its zones."""
    make_user(roles=("trainee",) if country else ("admin",), country=country, email="zona@example.org",
              locale=locale)
    sign_in(page, live_server, "zona@example.org")
    page.goto(f"{live_server}/auth/account")
    select = page.locator("select#timezone")
    expect(select).to_be_visible()
    assert select.evaluate("el => el.options.length") > 1
    assert select.evaluate(SELECT_FITS) == []


@pytest.mark.parametrize("path", ["/courses/s3-foundations/modules/four-cs/print", "/courses/s3-foundations/print"])
def test_the_printable_copys_tables_stack_on_a_phone(page, live_server, make_user, shipped_course, path):
    """At 360 px the offline copy kept the tables' columns: three of some 100 px, a word a line, and the course's
    widest table scrolled sideways in its region (521 px in Spanish), where the module's page stacks its rows."""
    open_as_reader(page, live_server, make_user, path)
    regions = page.locator(".table-scroll")
    assert regions.count() >= 1
    for region in regions.all():
        assert region.evaluate("el => el.scrollWidth <= el.clientWidth"), "the table scrolls sideways"
        cells = region.locator("tbody td")
        for cell in cells.all()[:6]:
            assert cell.evaluate("el => getComputedStyle(el).display") == "block"
            assert abs(cell.bounding_box()["width"] - region.bounding_box()["width"]) < 1
        labelled = region.locator("tbody td[data-label]:not([data-label=''])").first
        assert labelled.evaluate("el => getComputedStyle(el, '::before').content") != "none"
        assert region.locator("thead").evaluate("el => el.getBoundingClientRect().height") <= 1  # read, not shown
    page.set_viewport_size({"width": 1024, "height": 800})  # a wider screen keeps the columns
    assert page.locator(".table-scroll tbody td").first.evaluate("el => getComputedStyle(el).display") == "table-cell"


def test_a_headings_change_link_lines_up_with_it_on_a_phone(page, live_server, make_user, shipped_course):
    """At 360 px an area's heading wraps and its *Modificar* went to a line of its own, set in by the room kept
    between it and the heading's words: a link 8 px off the page's left edge, under a heading on it."""
    make_user(roles=("trainer",), country="CL", email="formadora@example.org", locale="es")
    sign_in(page, live_server, "formadora@example.org")
    page.goto(f"{live_server}/competences/s3/")
    links = page.locator("h2 > .heading-link")
    assert links.count() >= 5
    for link in links.all():
        heading = link.locator("xpath=..").bounding_box()
        box = link.bounding_box()
        assert abs(box["x"] - heading["x"]) < 1, f"{link.inner_text()} is {box['x'] - heading['x']}px in"
        assert box["height"] >= 24


def test_every_competence_to_validate_reads_whole_on_a_phone(page, live_server, make_user, sample_framework, app):
    """At 360 px the competence select of "Validate a level" showed "A1 Diagnóstico territorial de la es": the
    competences are a list of choices, whose labels wrap."""
    from app.extensions import db

    app.config["COMPETENCE_FRAMEWORK"] = "demo"
    competence = sample_framework.current.competences[0]
    competence.title = {**competence.title, "es": "Diagnóstico territorial de la especialización productiva regional"}
    db.session.commit()
    make_user(roles=("coordinator",), country="CL", email="coord@example.org", locale="es")
    trainee = make_user(name="Rosa Quispe")
    sign_in(page, live_server, "coord@example.org")
    page.goto(f"{live_server}/admin/users/{trainee.uuid}")
    labels = page.locator("form[action$='/levels'] .choice__label")
    assert labels.count() >= 2
    for label in labels.all():
        assert label.evaluate("el => el.scrollWidth <= el.clientWidth && el.getBoundingClientRect().right <= 360")
    assert page.locator("form[action$='/levels'] select").evaluate_all(
        f"els => els.flatMap({SELECT_FITS})") == []


@pytest.mark.parametrize("locale", ["es", "pt_BR", "en"])
def test_every_region_reads_whole_in_its_list_on_a_phone(page, live_server, make_user, locale):
    """At 360 px an institution's region list showed "Aisén del General Carlos Ibañez d": four regions' ISO names
    are longer than a select shows; the lists give the names in common use ("Aysén")."""
    from app.places.services import EU_MEMBER_STATES, PROGRAMME_COUNTRIES

    make_user(roles=("admin",), country=None, email="admin@example.org", locale=locale)
    sign_in(page, live_server, "admin@example.org")
    for country in (*PROGRAMME_COUNTRIES, *EU_MEMBER_STATES):
        page.goto(f"{live_server}/admin/institutions/new?country={country}")
        assert page.locator("select#region_code").evaluate(SELECT_FITS) == [], country


LONG_INSTITUTION = ("Ministerio de Ciencia, Tecnología, Conocimiento e Innovación – División de Políticas Públicas "
                    "Regionales y Desarrollo Territorial")


def whole_long_label(page, check_page, several_lines=True):
    """The label of LONG_INSTITUTION's radio button, checked to read whole within 360 px (on several lines where
    it has them), on a page that passes check_page."""
    label = page.locator("label", has_text=LONG_INSTITUTION)
    expect(label).to_be_visible()
    assert label.evaluate("el => el.scrollWidth <= el.clientWidth && el.textContent.trim()") == LONG_INSTITUTION
    box = label.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    if several_lines:
        assert box["height"] > 40  # whole, on several lines
    check_page(page)
    return label


@pytest.mark.parametrize("others", [2, 25])
def test_a_long_institution_name_reads_whole_and_is_chosen_on_a_phone(page, live_server, make_user,
                                                                      make_institution, check_page, others):
    """A closed select cut "Ministerio de Ciencia, Tecnología, Con…" at 360 px: the institutions are radio
    buttons whose names wrap; a country with many is searched by words of the name first (Enter in the box
    searches, without JavaScript's help), and the institution chosen is saved."""
    from app.auth.models import User
    from app.extensions import db

    make_user(roles=("coordinator",), country="CL", email="coord@example.org", locale="en")
    for n in range(others):
        make_institution(country="CL", name=f"Municipalidad de la comuna número {n}")
    long = make_institution(country="CL", name=LONG_INSTITUTION)
    sign_in(page, live_server, "coord@example.org")
    page.goto(f"{live_server}/admin/users/new")
    page.get_by_label("Full name").fill("Marta Gómez")
    page.get_by_label("E-mail address").fill("marta@example.org")
    page.get_by_label("Position").select_option("technician")
    if others > 20:
        expect(page.get_by_label(LONG_INSTITUTION)).to_have_count(0)  # not listed before a search
        page.get_by_label("Find an institution").fill("comuna 1")
        page.get_by_label("Find an institution").press("Enter")
        expect(page.get_by_text("12 institutions match “comuna 1”.")).to_be_visible()
        page.get_by_label("Find an institution").fill("innovacion politicas")
        page.get_by_role("button", name="Find").click()
        expect(page.get_by_text("1 institution matches “innovacion politicas”.")).to_be_visible()
        top = page.get_by_label("Find an institution").evaluate("el => el.getBoundingClientRect().top")
        assert page.evaluate("window.scrollY") > 0 and 0 <= top < 300  # the page opens on the search
    label = whole_long_label(page, check_page)
    label.click()
    expect(page.get_by_label(LONG_INSTITUTION)).to_be_checked()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Account created for Marta Gómez.")).to_be_visible()
    person = db.session.scalar(db.select(User).where(User.email == "marta@example.org"))
    assert person.institution_id == long.id


def test_people_move_to_a_long_named_institution_found_on_a_phone(page, live_server, make_user, make_institution,
                                                                   check_page):
    """The institution to move people to was a select, which cut long names at 360 px; in a country of many
    institutions it is found by name first."""
    from app.auth.models import User
    from app.extensions import db

    make_user(roles=("coordinator",), country="CL", email="coord@example.org", locale="en")
    for n in range(25):
        make_institution(country="CL", name=f"Municipalidad de la comuna número {n}")
    twice = make_institution(country="CL", name="Ministerio de Ciencia (duplicado)")
    long = make_institution(country="CL", name=LONG_INSTITUTION)
    person = make_user(country="CL", email="p@example.org", institution=twice)
    sign_in(page, live_server, "coord@example.org")
    page.goto(f"{live_server}/admin/institutions/{twice.id}/edit")
    page.get_by_label("Institution name").fill("ciencia innovacion")
    page.get_by_role("button", name="Search").click()
    label = whole_long_label(page, check_page, several_lines=False)
    label.click()
    page.get_by_role("button", name="Move people").click()
    page.get_by_role("button", name="Move people").click()  # asked first
    expect(page.get_by_text("1 person moved to")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(User, person.id).institution_id == long.id


@pytest.mark.parametrize("others", [2, 25])
def test_the_people_list_filters_by_a_long_named_institution_on_a_phone(page, live_server, make_user,
                                                                         make_institution, check_page, others):
    """The list of people's institution filter was a select of every institution of the country, which cut long
    names at 360 px and held hundreds: radio buttons whose names wrap, and for a country of many, words of the
    name first (Enter in the box searches), then one of the institutions found; the address says both."""
    make_user(roles=("coordinator",), country="CL", email="coord@example.org", locale="en")
    for n in range(others):
        make_user(country="CL", name=f"Persona {n}",
                  institution=make_institution(country="CL", name=f"Municipalidad de la comuna número {n}"))
    long = make_institution(country="CL", name=LONG_INSTITUTION)
    make_user(country="CL", name="Marta Gómez", institution=long)
    sign_in(page, live_server, "coord@example.org")
    page.goto(f"{live_server}/admin/users")
    if others > 20:
        expect(page.get_by_label(LONG_INSTITUTION)).to_have_count(0)  # not listed before a search
        page.get_by_label("Institution name").fill("Innovación políticas")
        page.get_by_label("Institution name").press("Enter")
        expect(page.get_by_text("1 institution matches “Innovación políticas”.")).to_be_visible()
        expect(page.get_by_text("1 result", exact=True)).to_be_visible()  # the people of the institutions found
    label = whole_long_label(page, check_page)
    label.click()
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 result", exact=True)).to_be_visible()
    expect(page.locator("table")).to_contain_text("Marta Gómez")
    assert f"institution={long.id}" in page.url
    expect(page.get_by_label(LONG_INSTITUTION)).to_be_checked()
    page.goto(f"{live_server}/admin/users?institution={long.id}")  # the link from the institution's page
    expect(page.get_by_label(LONG_INSTITUTION)).to_be_checked()
    expect(page.get_by_text("1 result", exact=True)).to_be_visible()
    check_page(page)
