import re
from html import unescape

import pytest

from app.extensions import db
from tests.fixtures.competences import competence_form, texts
from tests.fixtures.factories import session_id
from tests.fixtures.markup import banners


def test_framework_page_lists_levels_areas_and_competences(client, login_as, sample_framework):
    login_as("coordinator", country="CL")
    html = client.get("/competences/demo/?lang=es").get_data(as_text=True)
    assert "Marco de demostración" in html and "Practicante" in html and "Diagnóstico" in html
    assert "/competences/demo/competences/A1/edit" not in html  # coordinators read, editors edit


def test_the_framework_page_opens_with_its_contents(client, login_as, sample_framework):
    """A framework is a long page (the demo's is some 17 screens on a phone): its contents, before the levels, lead
    to the levels, each area, the versions and the sources, each link to a heading of the page."""
    login_as("coordinator", country="CL")
    html = unescape(client.get("/competences/demo/?lang=en").get_data(as_text=True))
    contents = re.search(r'<nav class="contents" aria-labelledby="contents">\s*<h2 id="contents">Contents</h2>'
                         r'(.*?)</nav>', html, re.S)
    assert contents and html.index(contents.group(0)) < html.index('<h2 id="levels">')
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', contents.group(1))
    areas = [f"area-{area.code}" for area in sample_framework.current.areas]
    assert [target for target, _text in links] == ["levels", *areas, "versions"] + (
        ["sources"] if sample_framework.current.sources else [])
    assert links[1][1] == f"A. {sample_framework.current.areas[0].title['en']}"
    for target, _text in links:
        assert re.search(rf'<h2 id="{target}">', html), target


@pytest.mark.parametrize("dates, shown", [
    ("valid_from: 2026-01-01\nvalid_until: 2030-12-31\n", "Valid from Jan 1, 2026 to Dec 31, 2030."),
    ("valid_from: 2026-01-01\n", "Valid from Jan 1, 2026."),
    ("valid_until: 2030-12-31\n", "Valid until Dec 31, 2030."),
    ("", None),
])
def test_the_framework_page_shows_the_version_s_validity_period(client, login_as, dates, shown):
    """A framework file's valid_from / valid_until were kept and published in the JSON-LD, but no page said
    them: the staff who browse frameworks read them under the title."""
    from app.auth.services import SYSTEM
    from app.competences import files, services
    from tests.fixtures.competences import SAMPLE

    services.import_framework(SYSTEM, files.read_yaml(SAMPLE.replace("version: 1\n", "version: 1\n" + dates, 1),
                                                      "demo.yaml"))
    db.session.commit()
    login_as("trainer", country="ES")
    html = unescape(client.get("/competences/demo/?lang=en").get_data(as_text=True))
    if shown:
        assert f'<p class="hint">{shown}</p>' in html
    else:
        assert "Valid from" not in html and "Valid until" not in html


def test_the_framework_page_shows_how_long_each_competence_counts_and_its_alignments(client, login_as,
                                                                                      sample_framework):
    """What an editor sets on a competence's page (validity, alignments) is seen where frameworks are browsed, as
    its texts and targets are: after "Saved." the page shows what was saved."""
    login_as("trainer", country="ES")
    html = client.get("/competences/demo/?lang=es").get_data(as_text=True)
    a1 = html[html.index('id="competence-A1"'):html.index('id="competence-B1"')]
    b1 = html[html.index('id="competence-B1"'):]
    assert "Vigencia" in a1 and "24 meses" in a1 and "DigComp 1.2" in a1
    assert "No vence" in b1 and "DigComp" not in b1[:b1.index("</section>")]


def test_trainer_edits_a_descriptor_in_portuguese(client, login_as, sample_framework):
    login_as("trainer", country="ES")
    page = client.get("/competences/demo/competences/A1/edit")
    assert 'lang="pt-BR"' in page.get_data(as_text=True)
    response = client.post("/competences/demo/competences/A1/edit",
                           data=competence_form(knowledge_pt_BR="Conhece indicadores de especialização regional"))
    assert response.status_code == 302
    db.session.expire_all()
    assert sample_framework.current.competences[0].knowledge["pt_BR"] == "Conhece indicadores de especialização regional"


def test_missing_translation_is_an_error_at_the_field(client, login_as, sample_framework):
    """The summary's link names the text and its language: alone, "Write this text in every language", read at
    the top of the page, away from the field, did not say which text."""
    login_as("admin", country=None)
    response = client.post("/competences/demo/competences/A1/edit", data=competence_form(skills_es=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<a href="#skills_es">Skills – Español: Write this text in every language</a>' in html


@pytest.mark.parametrize("url, field, data", [
    ("/competences/demo/competences/A1/edit", "title_es", competence_form),
    ("/competences/demo/competences/A1/edit", "skills_en", competence_form),
    ("/competences/demo/levels/2/edit", "name_en", None),
    ("/competences/demo/areas/A/edit", "title_pt_BR", None),
])
@pytest.mark.parametrize("blank", ["\u200b", "\u2060\ufeff \u00ad", "\u3164", "- ."])
def test_a_text_with_no_letter_is_refused_as_a_missing_one(client, login_as, sample_framework, url, field, data,
                                                           blank):
    """A zero-width space pasted alone, a Hangul filler or punctuation alone showed as a blank title, name or
    descriptor wherever the framework is read (and in its exports): refused as an empty text is, as names are."""
    from tests.fixtures.markup import fields_for

    login_as("admin", country=None)
    sent = data() if data else fields_for(url, client.get(url).get_data(as_text=True), "post")
    response = client.post(url, data={**sent, field: blank})
    assert response.status_code == 400
    assert re.search(rf'<a href="#{field}">[^<]+ – [^<]+: Write this text in every language</a>',
                     response.get_data(as_text=True))


def test_every_mistake_shows_in_one_round(client, login_as, sample_framework):
    """The form's own checks (a number, a choice) and the service's (every language, alignments) at once."""
    login_as("trainer", country="ES")
    response = client.post("/competences/demo/competences/B1/edit", data=competence_form(
        title_pt_BR="", knowledge_es="  ", validity_months="0", target_technician="9",
        **{"alignments-0-framework": "ESCO", "alignments-0-uri": "https://esco.ec.europa.eu/x"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for field in ("title_pt_BR", "knowledge_es", "validity_months", "target_technician", "alignments-0-uri"):
        assert html.count(f'href="#{field}"') == 1, field
    response = client.post("/competences/demo/levels/2/edit", data={
        "name_en": "x" * 5000, "name_es": "", "name_pt_BR": "Praticante",
        "descriptor_en": "Applies", "descriptor_es": "Aplica", "descriptor_pt_BR": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for field in ("name_en", "name_es", "descriptor_pt_BR"):
        assert html.count(f'href="#{field}"') == 1, field


def test_public_competence_page_and_json(client, sample_framework):
    html = client.get("/competences/demo/A1?lang=en").get_data(as_text=True)
    assert "A1 Diagnosis" in html and "Knows indicators" in html and "24 months" in html
    assert "DigComp 1.2" in html
    data = client.get("/competences/demo/A1", headers={"Accept": "application/json"}).get_json()
    assert data["id"] == "http://itinera.test/competences/demo/A1"
    assert data["knowledge"]["es"] == "Conoce indicadores" and [l["number"] for l in data["levels"]] == [1, 2, 3]
    assert client.get("/competences/demo/Z9").status_code == 404


@pytest.mark.parametrize("path, target", [
    ("/competences/demo/a1", "/competences/demo/A1"),
    ("/competences/demo/A1/", "/competences/demo/A1"),
    ("/competences/demo/a1/", "/competences/demo/A1"),
    ("/competences/DEMO/A1", "/competences/demo/A1"),
    ("/competences/Demo/b1/", "/competences/demo/B1"),
    ("/competences/demo/a1?version=1&lang=es", "/competences/demo/A1?version=1&lang=es"),
    ("/competences/DEMO/", "/competences/demo/"),
])
def test_a_competence_asked_for_in_other_capitals_or_with_a_final_slash_is_sent_to_its_iri(client, sample_framework,
                                                                                          path, target):
    """Codes are one code whatever their capitals (and slugs are lower-case): an address typed or linked another way
    leads, for good, to the competence's IRI (the address itself stays as it is)."""
    for method in (client.get, client.head):
        response = method(path)
        assert response.status_code == 301, (method, path)
        assert response.headers["Location"] == target
    assert client.get(target.split("?")[0]).status_code in (200, 302)  # 302: the framework page asks staff to sign in


@pytest.mark.parametrize("path", ["/competences/demo/z9", "/competences/demo/Z9/", "/competences/nope/a1",
                                  "/competences/NOPE/A1/", "/competences/demo/A1?version=7",
                                  "/competences/demo/a1?version=7"])
def test_an_unknown_competence_in_other_capitals_or_with_a_final_slash_is_not_found(client, sample_framework, path):
    """Not found, at once or once at its IRI (a version that does not have it), and never sent round in a loop."""
    assert client.get(path, follow_redirects=True).status_code == 404


@pytest.mark.parametrize("lang, shown", [
    ("en", ["Diagnosis", "Knows indicators", "Builds profiles", "Open to findings",
            "Foundation – Explains", "Practitioner – Applies", "Advanced – Adapts", "DigComp 1.2"]),
    ("es", ["Diagnóstico", "Conoce indicadores", "Construye perfiles", "Abierto a hallazgos",
            "Fundamentos – Explica", "Practicante – Aplica", "Avanzado – Adapta", "DigComp 1.2"]),
    ("pt_BR", ["Diagnóstico", "Conhece indicadores", "Constrói perfis", "Aberto a descobertas",
               "Fundamentos – Explica", "Praticante – Aplica", "Avançado – Adapta", "DigComp 1.2"]),
])
def test_the_public_page_shows_every_descriptor_and_level_in_each_language(client, sample_framework, lang, shown):
    """The issue's public page at the competence's IRI, for anyone: the three descriptors (knowledge, skills,
    attitudes and values), the scale's levels with their names and descriptors, and the alignments."""
    html = client.get(f"/competences/demo/A1?lang={lang}").get_data(as_text=True)
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1])))
    for part in shown:
        assert part in text, (lang, part)
    levels = re.findall(r"<li><strong>([^<]+)</strong>", html.split('<ol class="levels">')[1].split("</ol>")[0])
    assert levels == [part.split(" – ")[0] for part in shown[4:7]]


@pytest.mark.parametrize("path", ["/competences/demo/A1", "/competences/demo/Z9"])
def test_a_competence_address_tells_caches_it_varies_with_accept(client, sample_framework, path):
    """HTML for a browser, JSON for a client, at one address: a shared cache keeps them apart."""
    for accept in ("text/html", "application/json"):
        assert "Accept" in client.get(path, headers={"Accept": accept}).vary


def test_the_iri_stays_when_a_new_version_is_made(client, login_as, sample_framework):
    from app.competences.services import record_use

    record_use(sample_framework.current, "itinerary", "technicians")
    db.session.commit()
    login_as("admin", country=None)
    client.post("/competences/demo/competences/A1/edit", data=competence_form())
    db.session.expire_all()
    assert sample_framework.current.number == 2
    html = client.get("/competences/demo/A1").get_data(as_text=True)
    assert "title (en)" in html and "Version 2 of the framework" in html
    for bad in ("99999999999999999999", "abc", "0"):
        assert client.get(f"/competences/demo/?version={bad}").status_code == 404
    old = client.get("/competences/demo/?version=1").get_data(as_text=True)
    assert "Diagnosis" in old and "You are looking at version 1" in old


def test_exports_download(client, login_as, sample_framework):
    login_as("trainer", country="ES")
    response = client.get("/competences/demo/export/csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="demo-v1.csv"'
    assert response.data.decode("utf-8-sig").startswith("record,code,area,field,en,es,pt_BR,value")
    yaml_text = client.get("/competences/demo/export/yaml").get_data(as_text=True)
    assert re.search(r"^slug: demo$", yaml_text, re.M)
    assert client.get("/competences/demo/export/pdf").status_code == 404


def test_a_target_that_is_not_a_level_is_a_form_error(client, login_as, sample_framework):
    login_as("trainer", country="ES")
    for value in ("abc", "9"):
        response = client.post("/competences/demo/competences/B1/edit", data=competence_form(target_manager=value))
        assert response.status_code == 400
        assert 'href="#target_manager"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert sample_framework.current.competences[1].targets == {}


def test_validity_is_bounded(client, login_as, sample_framework):
    login_as("trainer", country="ES")
    for months in ("200000", "0", "-3"):
        response = client.post("/competences/demo/competences/A1/edit", data=competence_form(validity_months=months))
        assert response.status_code == 400 and 'href="#validity_months"' in response.get_data(as_text=True)
    response = client.post("/competences/demo/competences/A1/edit", data=competence_form(validity_months="600"))
    assert response.status_code == 302
    db.session.expire_all()
    assert sample_framework.current.competences[0].validity_months == 600


@pytest.mark.parametrize("months", ["700", "abc", "0", "1.5"])
def test_a_wrong_validity_says_what_to_give_once(client, login_as, sample_framework, months):
    """One message that names what to give, whatever was typed: not WTForms' "Not a valid integer value" beside
    "Number must be between 1 and 600"."""
    login_as("trainer", country="ES")
    response = client.post("/competences/demo/competences/A1/edit", data=competence_form(validity_months=months))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert html.count('<a href="#validity_months">') == 1
    assert '<a href="#validity_months">Give a number of months from 1 to 600, or leave it empty</a>' in html
    assert "Not a valid integer" not in html and "Number must be" not in html


def test_alignments_are_edited_as_rows(client, login_as, sample_framework):
    login_as("trainer", country="ES")
    html = client.get("/competences/demo/competences/A1/edit").get_data(as_text=True)
    assert 'name="alignments-0-code" type="text" value="1.2"' in html and 'name="alignments-3-code"' in html
    assert 'name="alignments-4-code"' not in html  # one alignment and three blank rows
    esco = "http://data.europa.eu/esco/skill/0a0b1c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d"
    response = client.post("/competences/demo/competences/A1/edit", data=competence_form(
        **{"alignments-0-framework": "", "alignments-0-code": "", "alignments-0-name": "",  # emptied: removed
           "alignments-1-framework": "OECD-OPSI", "alignments-1-code": "data-literacy",
           "alignments-2-framework": "ESCO", "alignments-2-uri": esco, "alignments-2-name": "analyse data"}))
    assert response.status_code == 302
    db.session.expire_all()
    assert sample_framework.current.competences[0].alignments == [
        {"framework": "OECD-OPSI", "code": "data-literacy"},
        {"framework": "ESCO", "uri": esco, "name": "analyse data"}]


@pytest.mark.parametrize("row, field, message", [
    ({"alignments-1-framework": "DigComp", "alignments-1-code": "7.1"}, "alignments-1-code",
     "This is not a DigComp code: use one of 1.1, 1.2"),
    ({"alignments-1-framework": "ESCO", "alignments-1-uri": "https://esco.ec.europa.eu/x"}, "alignments-1-uri",
     "Give the ESCO skill's address"),
    ({"alignments-1-code": "1.1"}, "alignments-1-framework", "Choose the framework"),
    ({"alignments-1-framework": "GreenComp"}, "alignments-1-code", "Give the GreenComp code, such as 1.1"),
    ({"alignments-1-framework": "Nope", "alignments-1-code": "1.1"}, "alignments-1-framework", "Not a valid choice"),
    ({"alignments-1-framework": "DigComp", "alignments-1-code": "1.2", "alignments-1-name": "Evaluating"},
     "alignments-1-code", "This alignment is given twice: remove one of them"),
])
def test_alignment_problems_are_form_errors(client, login_as, sample_framework, row, field, message):
    login_as("trainer", country="ES")
    kept = {"alignments-0-framework": "DigComp", "alignments-0-code": "1.2"}  # the row above, as a browser sends it
    response = client.post("/competences/demo/competences/A1/edit", data=competence_form(**kept, **row))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and f'href="#{field}"' in html
    assert message in unescape(html)
    db.session.expire_all()
    assert len(sample_framework.current.competences[0].alignments) == 1


def test_a_page_of_thousands_of_alignment_rows_is_refused_and_saves_nothing(client, login_as, sample_framework):
    from app.competences.vocabulary import ALIGNMENT_CODES, MAX_ALIGNMENTS

    login_as("trainer", country="ES")
    rows = {}
    pairs = [(framework, code) for framework, codes in ALIGNMENT_CODES.items() for code in codes]
    for index in range(MAX_ALIGNMENTS + 1):
        rows[f"alignments-{index}-framework"], rows[f"alignments-{index}-code"] = pairs[index]
    response = client.post("/competences/demo/competences/A1/edit", data=competence_form(**rows))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert (f'<a href="#alignments-{MAX_ALIGNMENTS}-framework">A competence takes at most {MAX_ALIGNMENTS} '
            f'alignments</a>') in html
    db.session.expire_all()
    assert len(sample_framework.current.competences[0].alignments) == 1


def test_rows_are_kept_as_sent_and_wtforms_messages_are_translated(client, login_as, sample_framework):
    login_as("trainer", country="ES", locale="es")
    sent = {"alignments-0-framework": "DigComp", "alignments-0-code": "1.2", "alignments-1-framework": "Nope",
            "alignments-2-code": "", "alignments-3-code": "x" * 41, "alignments-4-framework": "GreenComp",
            "alignments-4-code": "2.1"}  # a fifth row, as a page with more rows would send
    response = client.post("/competences/demo/competences/A1/edit?lang=es", data=competence_form(**sent))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert '<a href="#alignments-1-framework">Opción inválida.</a>' in html
    assert '<a href="#alignments-3-code">El campo no puede tener más de 40 caracteres.</a>' in html
    assert 'name="alignments-4-code" type="text" value="2.1"' in html and 'name="alignments-5-code"' not in html


def test_the_rows_have_no_csrf_token_of_their_own(app, client, login_as, sample_framework):
    app.config["WTF_CSRF_ENABLED"] = True
    login_as("trainer", country="ES")
    html = client.get("/competences/demo/competences/A1/edit").get_data(as_text=True)
    assert 'name="csrf_token"' in html and 'name="alignments-3-framework"' in html
    assert "csrf_token" not in html.replace('"csrf_token"', "")  # the rows (alignments-0-...) have none


def test_the_public_page_reads_the_versions_in_one_query(client, sample_framework):
    """However many versions the framework has, the page asks the same number of questions."""
    from sqlalchemy import event

    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.services import import_framework
    from tests.fixtures.competences import SAMPLE

    def statements(url):
        db.session.expire_all()
        queries = []
        listener = lambda *args: queries.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return queries

    def new_version(number):
        import_framework(SYSTEM, files.read_yaml(SAMPLE.replace("version: 1", f"version: {number}"), "demo.yaml"))
        db.session.commit()

    new_version(2)  # version 1 is an earlier one now (the current one also lists the courses developing it)
    current, first = statements("/competences/demo/A1"), statements("/competences/demo/A1?version=1")
    for number in range(3, 8):
        new_version(number)
    assert len(statements("/competences/demo/A1")) == len(current)
    assert len(statements("/competences/demo/A1?version=3")) == len(first)
    assert [v["number"] for v in client.get("/competences/demo/A1?format=json").get_json()["versions"]] == \
        [7, 6, 5, 4, 3, 2, 1]


@pytest.mark.parametrize("query, status", [("", 200), ("?version=1", 200), ("?version=2", 404),
                                           ("?version=", 404), ("?version=abc", 404), ("?version=0", 404),
                                           ("?version=-1", 404), ("?version=99999999999", 404)])
def test_the_version_asked_for_is_a_number_or_404(client, login_as, sample_framework, query, status):
    login_as("trainer", country="ES")
    for page in ("/competences/demo/", "/competences/demo/export/yaml", "/competences/demo/A1"):
        assert client.get(page + query).status_code == status, page + query


def test_two_editors_saving_at_once(client, login_as, sample_framework, monkeypatch):
    """The version is used, so both edits make version 2; the second is told to check and save again."""
    import sqlalchemy as sa

    from app.competences import services
    from app.competences.models import FrameworkVersion

    services.record_use(sample_framework.current, "itinerary", "technicians")
    db.session.commit()
    framework_id = sample_framework.id
    original = services.editable_version

    def someone_else_saves_first(actor, framework):
        # the other editor's version 2 lands between our reading the framework and our saving
        db.session.execute(sa.insert(FrameworkVersion).values(framework_id=framework_id, number=2, is_current=False,
                                                              title={}, description={}, source="", sources=[]))
        return original(actor, framework)

    monkeypatch.setattr(services, "editable_version", someone_else_saves_first)
    login_as("trainer", country="ES")
    response = client.post("/competences/demo/competences/A1/edit", data=competence_form(knowledge_en="Mine"))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved a change to this framework at the same moment" in html and 'value="Mine"' not in html
    assert re.search(r"<textarea[^>]*id=\"knowledge_en\"[^>]*>\s*Mine</textarea>", html)  # what they typed is kept
    response = client.post("/competences/demo/levels/2/edit", data={
        **{f"name_{l}": t for l, t in texts("Practitioner").items()},
        **{f"descriptor_{l}": t for l, t in texts("Applies").items()}})
    assert response.status_code == 409
    db.session.expire_all()
    assert [v.number for v in sample_framework.versions] == [1]


def test_the_public_page_shows_the_version_asked_for(client, login_as, sample_framework):
    from app.competences.services import record_use

    record_use(sample_framework.current, "course", "pilot@1")
    db.session.commit()
    login_as("admin", country=None)
    client.post("/competences/demo/competences/A1/edit", data=competence_form())
    client.get("/auth/logout")
    old = client.get("/competences/demo/A1?version=1&lang=en").get_data(as_text=True)
    assert "A1 Diagnosis" in old and "You are looking at version 1 of the framework" in old
    current = client.get("/competences/demo/A1?lang=en").get_data(as_text=True)
    assert "title (en)" in current and '<a href="/competences/demo/A1?version=1">Version 1</a>' in current
    data = client.get("/competences/demo/A1?version=1&format=json").get_json()
    assert data["frameworkVersion"] == 1 and data["title"]["en"] == "Diagnosis"
    assert data["id"] == "http://itinera.test/competences/demo/A1"
    assert [v["number"] for v in data["versions"]] == [2, 1]
    for bad in ("3", "abc", "-1"):
        assert client.get(f"/competences/demo/A1?version={bad}").status_code == 404


def test_kinds_and_version_origins_are_translated(client, login_as, sample_framework):
    from app.competences.services import record_use

    record_use(sample_framework.current, "course", "pilot@1")
    db.session.commit()
    login_as("admin", country=None)
    client.post("/competences/demo/competences/A1/edit", data=competence_form())
    db.session.expire_all()
    second = sample_framework.current
    assert (second.source, second.edited_from) == ("", 1)  # stored as data, worded when shown
    html = client.get("/competences/demo/?version=1&lang=en").get_data(as_text=True)
    assert "Course pilot@1" in html and "course pilot@1" not in html
    assert "edited from version 1" in html


def test_sources_are_shown(client, login_as, app):
    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.services import import_framework
    from tests.fixtures.competences import SOURCES
    from tests.fixtures.competences import SAMPLE

    import_framework(SYSTEM, files.read_yaml(SAMPLE + SOURCES, "demo.yaml"))
    db.session.commit()
    html = client.get("/competences/demo/A1?lang=en").get_data(as_text=True)
    assert "<cite>Guide to Research and Innovation Strategies for Smart Specialisations (RIS 3)</cite>" in html
    assert '<a href="https://doi.org/10.2776/65746" rel="external">doi:10.2776/65746</a>' in html
    assert '<li lang="pt-BR"><cite>A page</cite>' in html  # a work in another language than the page says so
    assert client.get("/competences/demo/A1?format=json").get_json()["sources"][1]["url"] == "https://example.org/page"
    login_as("coordinator", country="CL")
    assert "Foray, Goddard (2012)." in client.get("/competences/demo/").get_data(as_text=True)


def _opened(client, url) -> dict:
    """What the edit page's form holds when it is opened, as the browser would send it back."""
    from html.parser import HTMLParser

    class Fields(HTMLParser):
        def __init__(self):
            super().__init__()
            self.data, self.textarea, self.select = {}, None, None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "input" and attrs.get("type") != "submit":
                self.data[attrs["name"]] = attrs.get("value") or ""
            elif tag == "textarea":
                self.textarea = attrs["name"]
                self.data[self.textarea] = ""
            elif tag == "select":
                self.select = attrs["name"]
                self.data[self.select] = ""
            elif tag == "option" and self.select and "selected" in attrs:
                self.data[self.select] = attrs.get("value", "")

        def handle_endtag(self, tag):
            self.textarea = None if tag == "textarea" else self.textarea
            self.select = None if tag == "select" else self.select

        def handle_data(self, data):
            if self.textarea:
                self.data[self.textarea] += data

    fields = Fields()
    fields.feed(client.get(url).get_data(as_text=True))
    return {name: value.removeprefix("\n") for name, value in fields.data.items()}


@pytest.mark.parametrize("url, mine, theirs", [
    ("/competences/demo/competences/A1/edit", {"title_en": "Mine"}, {"skills_en": "Theirs"}),
    ("/competences/demo/levels/2/edit", {"name_en": "Mine"}, {"descriptor_en": "Theirs"}),
    ("/competences/demo/areas/B/edit", {"title_en": "Mine"}, {"title_es": "Theirs"}),
    ("/competences/demo/edit", {"title_en": "Mine"}, {"title_es": "Theirs"}),
])
@pytest.mark.parametrize("used", [False, True])
def test_a_second_editor_does_not_silently_overwrite_the_first(client, login_as, sample_framework, make_user, url,
                                                               mine, theirs, used):
    """Two editors open the same form; the first saves. The second is told, keeps what they typed, and only a
    deliberate second save replaces the first editor's change."""
    from app.competences.services import record_use

    if used:
        record_use(sample_framework.current, "itinerary", "technicians")
        db.session.commit()
    first, second = make_user(roles=("trainer",)), make_user(roles=("admin",))
    login_as(first)
    first_form = _opened(client, url)
    login_as(second)
    second_form = _opened(client, url)
    login_as(first)
    assert client.post(url, data={**first_form, **theirs}).status_code == 302
    login_as(second)
    response = client.post(url, data={**second_form, **mine})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 409
    assert "Someone else changed this after you opened the page" in html
    assert "Mine" in html  # what they typed is kept
    saved = client.get("/competences/demo/export/yaml").get_data(as_text=True)  # every language
    assert ": Theirs" in saved and ": Mine" not in saved
    # having been told, the second editor saves again on purpose
    again = _opened_from(html)
    assert client.post(url, data={**second_form, **mine, "revision": again}).status_code == 302
    assert ": Mine" in client.get("/competences/demo/export/yaml").get_data(as_text=True)


def _opened_from(html: str) -> str:
    return re.search(r'name="revision" type="hidden" value="([^"]*)"', html).group(1)


def test_saving_without_a_change_makes_no_new_version(client, login_as, sample_framework):
    from app.competences.services import record_use

    record_use(sample_framework.current, "itinerary", "technicians")
    db.session.commit()
    login_as("trainer", country="ES")
    for url in ("/competences/demo/competences/A1/edit", "/competences/demo/levels/1/edit",
                "/competences/demo/areas/A/edit"):
        response = client.post(url, data=_opened(client, url + "?lang=en"), follow_redirects=True)
        assert response.status_code == 200 and "Nothing was changed." in response.get_data(as_text=True)
        assert banners(response.get_data(as_text=True)) == [("info", "Nothing was changed.")]  # not a success
    db.session.expire_all()
    assert [v.number for v in sample_framework.versions] == [1]


def test_a_change_sent_twice_says_saved_both_times(client, login_as, sample_framework):
    """A double click on Save: the second sending finds the change the first saved. It was the editor's change,
    made from the page they opened: they are told it is saved, not "Nothing was changed." (the page a browser
    shows is the second one's)."""
    from app.competences.services import record_use

    record_use(sample_framework.current, "itinerary", "technicians")
    db.session.commit()
    login_as("trainer", country="ES")
    for url, field in (("/competences/demo/competences/A1/edit", "knowledge_en"),
                       ("/competences/demo/levels/1/edit", "descriptor_en"),
                       ("/competences/demo/areas/A/edit", "title_en")):
        sent = {**_opened(client, url + "?lang=en"), field: "Changed once"}
        first = client.post(url + "?lang=en", data=sent, follow_redirects=True).get_data(as_text=True)
        second = client.post(url + "?lang=en", data=sent, follow_redirects=True).get_data(as_text=True)
        assert "Saved" in first and "Nothing was changed." not in second and "Saved." in second, url
    db.session.expire_all()
    assert [v.number for v in sample_framework.versions] == [1, 2]


def test_titles_are_bounded_as_in_files(client, login_as, sample_framework):
    login_as("trainer", country="ES")
    response = client.post("/competences/demo/competences/A1/edit", data=competence_form(title_es="x" * 201))
    assert response.status_code == 400 and 'href="#title_es"' in response.get_data(as_text=True)
    response = client.post("/competences/demo/competences/A1/edit", data=competence_form(title_es="x" * 200))
    assert response.status_code == 302


def test_a_long_title_is_shown_whole_in_its_box_and_kept_on_one_line(client, login_as, sample_framework):
    """A title of 150 characters was cut in a one-line box at 360 px: titles and names are in boxes as many rows
    high as they take on a phone, and a line break typed in one becomes a space."""
    login_as("trainer", country="ES")
    title = "Diseña e implementa estrategias de especialización inteligente con actores del territorio " * 2
    response = client.post("/competences/demo/competences/A1/edit",
                           data=competence_form(title_es=title.replace("territorio Diseña", "territorio\r\nDiseña")))
    assert response.status_code == 302
    db.session.expire_all()
    assert sample_framework.current.competences[0].title["es"] == title.strip()
    html = client.get("/competences/demo/competences/A1/edit").get_data(as_text=True)
    box = re.search(r'<textarea [^>]*id="title_es"[^>]*>', html).group(0)
    assert 'class="input input--wide input--line"' in box and 'rows="6"' in box  # 179 characters, 30 a row
    assert re.search(r'<textarea [^>]*id="title_en"[^>]*rows="1"', html)
    for url, field in (("/competences/demo/areas/A/edit", "title_es"), ("/competences/demo/levels/1/edit", "name_es")):
        assert re.search(rf'<textarea [^>]*id="{field}"', client.get(url).get_data(as_text=True)), url


@pytest.mark.parametrize("query", ["/competences/demo/Z9?format=json", "/competences/nope/A1?format=json",
                                   "/competences/demo/A1?version=7&format=json"])
def test_a_competence_asked_for_as_json_that_does_not_exist_is_a_json_404(client, sample_framework, query):
    response = client.get(query)
    assert response.status_code == 404 and response.get_json()["error"] == "Not Found"


def test_paragraphs_and_line_breaks_of_a_descriptor_are_shown(client, login_as, sample_framework):
    """A descriptor written in paragraphs (in the form or the file) keeps them on the pages, escaped."""
    login_as("trainer", country="ES")
    assert client.post("/competences/demo/competences/B1/edit", data=competence_form(
        knowledge_en="Knows the EDP.\r\n\r\nAnd the <quadruple> helix:\r\n- government\r\n- firms",
        target_technician="", target_manager="")).status_code == 302
    expected = "<p>Knows the EDP.</p><p>And the &lt;quadruple&gt; helix:<br>- government<br>- firms</p>"
    for page in ("/competences/demo/B1?lang=en", "/competences/demo/?lang=en"):
        assert expected in client.get(page).get_data(as_text=True), page


def test_the_competence_page_leads_back(client, login_as, sample_framework):
    def breadcrumbs():
        html = client.get("/competences/demo/A1?lang=en").get_data(as_text=True)
        found = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S)
        return re.findall(r'href="([^"]+)"', found.group(0)) if found else None

    assert breadcrumbs() is None  # the public page, for anyone
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"  # (another framework's page keeps ?framework=)
    login_as("trainee", locale="en")
    # their competences, where they come from (or the self-assessment, or a course, whose pages lead there too),
    # not "Courses" whatever the way, nor the framework pages, which trainees do not open
    assert breadcrumbs() == ["/auth/account", "/auth/account/competences"]
    login_as("trainer", country="ES", locale="en")
    assert breadcrumbs() == ["/competences/", "/competences/demo/"]


def test_a_competence_left_out_of_the_current_version_says_so(client, login_as, sample_framework):
    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.services import import_framework
    from tests.fixtures.competences import SAMPLE

    without_b1 = SAMPLE[:SAMPLE.index("  - code: B1")].replace("version: 1", "version: 2")
    import_framework(SYSTEM, files.read_yaml(without_b1, "demo.yaml"), source="demo.yaml")
    db.session.commit()
    page = client.get("/competences/demo/B1?lang=en").get_data(as_text=True)
    assert "This competence is not in the current version of the framework (version 2)." in page
    assert "See the competence as it is now" not in page and "/competences/demo/\"" not in page
    login_as("trainer", country="ES", locale="en")
    assert 'href="/competences/demo/">See the framework as it is now' in unescape(
        client.get("/competences/demo/B1").get_data(as_text=True))


def test_the_edit_page_says_whether_saving_makes_a_new_version(client, login_as, sample_framework):
    from app.competences.services import record_use

    login_as("trainer", country="ES", locale="en")
    assert "saving changes it in place" in client.get("/competences/demo/competences/A1/edit").get_data(as_text=True)
    record_use(sample_framework.current, "course", "pilot@1")
    db.session.commit()
    page = client.get("/competences/demo/competences/A1/edit").get_data(as_text=True)
    assert "Built on version 1 of this framework: 1 course. Saving a change creates version 2" in page


def test_the_versions_list_shows_which_versions_something_stands_on(client, login_as, sample_framework):
    from app.competences.services import record_use

    record_use(sample_framework.current, "course", "pilot@1")
    db.session.commit()
    login_as("trainer", country="ES", locale="en")
    # a new version: the course keeps version 1
    client.post("/competences/demo/competences/A1/edit", data=competence_form())
    page = unescape(client.get("/competences/demo/").get_data(as_text=True))
    versions = page[page.index('id="versions"'):]
    assert '<a href="/competences/demo/?version=1#uses">1 use</a>' in versions
    assert versions.count(" use</a>") == 1  # version 2 has nothing on it yet


def test_the_error_summary_names_each_field_when_messages_repeat_in_the_order_of_the_page(
        client, login_as, sample_framework):
    """Three empty texts give the same message: each link says which text in which language, and the links come
    in the order of the page (a group of fields per language: Español, then Português, then English)."""
    login_as("admin", country=None, locale="en")
    response = client.post("/competences/demo/competences/A1/edit",
                           data=competence_form(skills_en="", skills_es="", knowledge_pt_BR=""))
    html = response.get_data(as_text=True)
    summary = html[html.index('class="error-summary"'):html.index("</div>", html.index('class="error-summary"'))]
    links = re.findall(r'<a href="#(\w+)">([^<]+)</a>', summary)
    assert [(anchor, unescape(text)) for anchor, text in links] == [
        ("skills_es", "Skills – Español: Write this text in every language"),
        ("knowledge_pt_BR", "Knowledge – Português (Brasil): Write this text in every language"),
        ("skills_en", "Skills – English: Write this text in every language"),
    ]


@pytest.mark.parametrize("url, field", [("/competences/demo/competences/A1/edit", "knowledge_en"),
                                        ("/competences/demo/levels/2/edit", "descriptor_en"),
                                        ("/competences/demo/areas/A/edit", "title_en")])
def test_two_editors_saving_the_same_part_at_the_same_moment_lose_nothing(app, make_user, post_at_once,
                                                                         sample_framework, url, field):
    """Both opened the form on the same text and save at once: one is saved, the other is told (409), never
    silently overwritten, whichever request reads first."""
    from app.competences import services

    editor = make_user(roles=("trainer",))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_id(editor), True
    opened = _opened(client, url)
    responses = post_at_once(editor, url, [{**opened, field: "Mine"}, {**opened, field: "Theirs"}],
                             meet=(services, "can_edit"))  # both have read the part and are about to write
    codes = [getattr(r, "status_code", r) for r in responses]
    assert sorted(codes) == [302, 409], codes
    winner = "Mine" if codes[0] == 302 else "Theirs"
    saved = client.get("/competences/demo/export/yaml").get_data(as_text=True)
    assert f"en: {winner}" in saved and f"en: {'Theirs' if winner == 'Mine' else 'Mine'}" not in saved


def test_level_and_area_pages_say_whether_saving_makes_a_new_version(client, login_as, sample_framework):
    """As the competence page does: an editor knows before saving that a used version is copied, not changed."""
    from app.competences.services import record_use

    login_as("trainer", country="ES")
    for url in ("/competences/demo/levels/1/edit", "/competences/demo/areas/A/edit",
                "/competences/demo/competences/A1/edit"):
        assert "saving changes it in place" in client.get(url + "?lang=en").get_data(as_text=True)
    record_use(sample_framework.current, "course", "pilot@1")
    db.session.commit()
    for url in ("/competences/demo/levels/1/edit", "/competences/demo/areas/A/edit",
                "/competences/demo/competences/A1/edit"):
        assert "Saving a change creates version 2" in client.get(url + "?lang=en").get_data(as_text=True)


def _with_more_areas(count: int) -> str:
    """The sample framework as version 2, with ``count`` more areas of one competence each."""
    from tests.fixtures.competences import SAMPLE

    text = SAMPLE.replace("version: 1", "version: 2")
    areas = "".join(f"  - code: X{n}\n    title: {{en: Area {n}, es: Área {n}, pt_BR: Área {n}}}\n"
                    for n in range(count))
    competences = "".join(
        f"  - code: X{n}-1\n    area: X{n}\n    title: {{en: Skill {n}, es: Destreza {n}, pt_BR: Destreza {n}}}\n"
        f"    knowledge: {{en: K, es: K, pt_BR: K}}\n    skills: {{en: S, es: S, pt_BR: S}}\n"
        f"    attitudes: {{en: A, es: A, pt_BR: A}}\n" for n in range(count))
    return text.replace("competences:\n", areas + "competences:\n", 1) + competences


def test_pages_listing_competences_by_area_ask_as_much_for_many_areas_as_for_two(client, login_as, app,
                                                                                  sample_framework):
    """The framework page and the self-assessment page read every area's competences at once, not per area."""
    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.services import import_framework
    from tests.queries import statements_during

    app.config["COMPETENCE_FRAMEWORK"] = "demo"
    admin = login_as("admin", country=None, locale="en")
    admin.roles = {"admin", "trainee"}
    db.session.commit()

    def counts(shown):
        found = {}
        for url in ("/competences/demo/", "/auth/account/competences/estimate"):
            response, statements = statements_during(lambda: client.get(url))
            assert response.status_code == 200
            assert all(code in response.get_data(as_text=True) for code in shown), url
            found[url] = len(statements)
        return found

    two = counts(["A1", "B1"])
    import_framework(SYSTEM, files.read_yaml(_with_more_areas(12), "demo.yaml"))
    db.session.commit()
    assert counts(["A1", "B1", "X0-1", "X11-1"]) == two


def test_pages_with_a_competence_profile_ask_as_much_for_many_framework_versions_as_for_two(client, login_as, app,
                                                                                            make_user,
                                                                                            sample_framework):
    """How long each level stays valid is read from every version of the framework (the current one decides) in
    one query, not one per version: a framework gains a version with each import or edit."""
    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.services import import_framework
    from tests.fixtures.competences import SAMPLE
    from tests.queries import profile_page_counts

    app.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = make_user(locale="en")
    admin = make_user(roles=("admin",), country=None, locale="en")

    def add_versions(numbers):
        for number in numbers:
            import_framework(SYSTEM, files.read_yaml(SAMPLE.replace("version: 1", f"version: {number}")
                                                     .replace("Skill", f"Skill v{number}"), "demo.yaml"))
            db.session.commit()

    add_versions([2])
    two = profile_page_counts(client, login_as, trainee, admin)
    add_versions([3, 4, 5])
    assert len(sample_framework.versions) == 5
    assert profile_page_counts(client, login_as, trainee, admin) == two


def test_the_list_of_frameworks_asks_as_much_for_many_frameworks_as_for_one(client, login_as, sample_framework):
    """Each framework's versions and the number of competences of its current version are read for all frameworks
    at once (counted, not read whole), not per framework."""
    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.services import import_framework
    from tests.fixtures.competences import SAMPLE
    from tests.queries import statements_during

    login_as("admin", country=None, locale="en")

    def count(frameworks):
        response, statements = statements_during(lambda: client.get("/competences/"))
        assert response.get_data(as_text=True).count("2 competences · version 1") == frameworks
        return len(statements)

    one = count(1)
    for n in range(4):
        import_framework(SYSTEM, files.read_yaml(SAMPLE.replace("slug: demo", f"slug: other{n}"), f"other{n}.yaml"))
    db.session.commit()
    assert count(5) == one


def test_a_descriptor_as_long_as_files_allow_saves_from_the_form_with_its_line_breaks(client, login_as,
                                                                                     sample_framework):
    """Browsers send each line break as \\r\\n, which is kept as \\n: the limit counts the text as it is kept (and as
    files count it), so a descriptor of 4,000 characters in paragraphs, imported or typed, saves."""
    login_as("trainer", country="ES")
    paragraphs = "\n".join(["x" * 99] * 40) + "."
    assert len(paragraphs) == 4000
    response = client.post("/competences/demo/competences/B1/edit", data=competence_form(
        knowledge_en=paragraphs.replace("\n", "\r\n"), title_es=" " + "y" * 200 + " ", target_technician="",
        target_manager=""))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    saved = next(c for c in sample_framework.current.competences if c.code == "B1")
    assert saved.knowledge["en"] == paragraphs and saved.title["es"] == "y" * 200
    response = client.post("/competences/demo/competences/B1/edit", data=competence_form(
        knowledge_en=(paragraphs + "x").replace("\n", "\r\n"), target_technician="", target_manager=""))
    assert response.status_code == 400 and 'href="#knowledge_en"' in response.get_data(as_text=True)


def test_a_title_from_a_file_is_kept_on_one_line_as_the_form_keeps_it(client, login_as, app):
    """The edit form keeps a title or a level name on one line with single spaces (a browser's text field drops
    line breaks): a file's is read the same way, so saving an edit page opened and left alone changes nothing and
    makes no version, rather than respacing the title behind the editor's back."""
    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.services import get_framework, import_framework, record_use
    from tests.fixtures.competences import SAMPLE

    text = (SAMPLE.replace("{en: Diagnosis,", "{en: Diagnosis  of   regions,")
            .replace("name: {en: Foundation,", 'name: {en: "Foun-\\n  dation",')
            .replace("title: {en: Evidence,", "title: {en: Evidence and  direction,"))
    data = files.read_yaml(text, "demo.yaml")
    assert data.competences[0]["title"]["en"] == "Diagnosis of regions"
    assert (data.levels[0]["name"]["en"], data.areas[0]["title"]["en"]) == ("Foun- dation", "Evidence and direction")
    version, _ = import_framework(SYSTEM, data, source="demo.yaml")
    record_use(version, "itinerary", "technicians")
    db.session.commit()
    login_as("trainer", country="ES")
    for url in ("/competences/demo/competences/A1/edit", "/competences/demo/levels/1/edit",
                "/competences/demo/areas/A/edit"):
        response = client.post(url, data=_opened(client, url + "?lang=en"), follow_redirects=True)
        assert response.status_code == 200 and "Nothing was changed." in response.get_data(as_text=True), url
    db.session.expire_all()
    assert [v.number for v in get_framework("demo").versions] == [1]


def test_an_alignment_name_from_a_file_is_kept_on_one_line_as_the_form_keeps_it(client, login_as, app):
    """The edit form keeps an alignment's name on one line with single spaces, as it keeps a title: a file's is
    read the same way, so saving the competence's page opened and left alone makes no version."""
    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.services import import_framework, record_use
    from tests.fixtures.competences import SAMPLE

    data = files.read_yaml(SAMPLE.replace("name: Evaluating data", 'name: "Evaluating  data\\n  and  information"'),
                           "demo.yaml")
    assert data.competences[0]["alignments"][0]["name"] == "Evaluating data and information"
    version, _ = import_framework(SYSTEM, data, source="demo.yaml")
    record_use(version, "itinerary", "technicians")
    db.session.commit()
    login_as("trainer", country="ES")
    url = "/competences/demo/competences/A1/edit"
    response = client.post(url, data=_opened(client, url + "?lang=en"), follow_redirects=True)
    assert response.status_code == 200 and "Nothing was changed." in response.get_data(as_text=True)
    db.session.expire_all()
    assert [v.number for v in version.framework.versions] == [1]


def test_a_version_loaded_from_a_file_names_the_file_in_words_not_the_server_path(client, login_as, app):
    """The list of versions said where the file lay on the server (`/srv/itinera/courses/_frameworks/demo.yaml`),
    in no language: readers (coordinators among them) get a phrase naming the file alone."""
    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.services import import_framework
    from tests.fixtures.competences import SAMPLE

    import_framework(SYSTEM, files.read_yaml(SAMPLE, "demo.yaml"), source="/srv/itinera/courses/_frameworks/demo.yaml")
    db.session.commit()
    login_as("coordinator", country="CL")
    html = client.get("/competences/demo/?lang=en").get_data(as_text=True)
    assert "/srv/itinera" not in html and "_frameworks/" not in html
    assert "imported from <code>demo.yaml</code>" in html


def test_a_source_without_authors_starts_with_its_title(client, login_as):
    """A regulation has no authors: its title takes their place, "Title (2021). Publisher.", as reference styles
    have it; the page began the reference with "(2021).", as if a name had gone missing."""
    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.services import import_framework
    from tests.fixtures.competences import SAMPLE

    import_framework(SYSTEM, files.read_yaml(SAMPLE + "sources:\n  - year: 2021\n    title: Regulation (EU) 2021/1060\n"
                                             "    publisher: Official Journal of the European Union\n", "demo.yaml"))
    db.session.commit()
    login_as("trainee", country="CL")
    html = client.get("/competences/demo/A1?lang=en").get_data(as_text=True)
    assert "<cite>Regulation (EU) 2021/1060</cite> (2021). Official Journal of the European Union." in html
    assert "(2021). <cite>" not in html


def test_a_validation_note_keeps_its_line_breaks_where_it_is_shown(client, login_as, make_user, sample_framework):
    """The note is stored with its lines; the person's profile and the coordinator's list show them as lines (the
    text escaped as ever), not run together."""
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = make_user(("trainee",), country="CL")
    login_as("coordinator", country="CL", locale="en")
    note = "Workshop in Concepción\r\n- facilitated <two> sessions\r\n- wrote the report"
    assert client.post(f"/admin/users/{trainee.uuid}/levels",
                       data={"code": "B1", "level": "2", "note": note}).status_code == 302
    shown = '<span class="kept-lines">Workshop in Concepción\n- facilitated &lt;two&gt; sessions\n- wrote the ' \
            'report</span>'
    assert shown in client.get(f"/admin/users/{trainee.uuid}").get_data(as_text=True)
    login_as(trainee)
    assert shown in client.get("/auth/account/competences").get_data(as_text=True)
    css = client.get("/static/css/itinera.css").get_data(as_text=True)
    assert re.search(r"\.kept-lines\s*\{\s*white-space:\s*pre-line;", css)


def test_a_signed_in_person_reads_their_own_level_on_the_competence_page(client, login_as, make_user,
                                                                        sample_framework):
    """Reached from "Your competences", a competence's page says the person's own level: the one evidence
    supports, what it rests on and until when it counts, and their own estimate apart. Visitors read the public
    page, and it asks nothing more of the database for them."""
    from app.competences.services import self_assess, validate_level
    from tests.queries import statements_during

    trainee = make_user(("trainee",), country="CL", locale="en")
    coordinator = make_user(("coordinator",), country="CL", locale="en", name="Carla Coord")
    validate_level(coordinator, trainee, sample_framework, "A1", 2, "Workshop in Concepción")
    self_assess(trainee, sample_framework, {"B1": 1})
    db.session.commit()
    _, visitor = statements_during(lambda: client.get("/competences/demo/A1?lang=en"))
    html = unescape(client.get("/competences/demo/A1?lang=en").get_data(as_text=True))
    assert "Your level" not in html and "Carla Coord" not in html
    assert not any("validated_level" in s or "self_assessment" in s for s in visitor)

    login_as(trainee)
    html = unescape(client.get("/competences/demo/A1?lang=en").get_data(as_text=True))
    assert "Your level" in html and "2. Practitioner" in html and "Validated by Carla Coord" in html
    assert "Workshop in Concepción" in html and "Counts until" in html
    assert 'href="/auth/account/competences?framework=demo"' in html  # its framework (the configured one is s3)
    html = unescape(client.get("/competences/demo/B1?lang=en").get_data(as_text=True))
    assert "Your level" in html and "No evidence yet" in html and "1. Foundation" in html
    assert "Carla Coord" not in html


def test_the_edit_pages_say_what_is_built_on_the_version(client, login_as, sample_framework):
    """The hint said "Courses are built on version 1" when a plan or an itinerary was: it names what is."""
    from app.competences.services import record_use

    login_as("trainer", country="CL", locale="en")
    pages = ("/competences/demo/competences/A1/edit", "/competences/demo/levels/2/edit",
             "/competences/demo/areas/A/edit", "/competences/demo/areas/B/competences/new",
             "/competences/demo/areas/new")
    record_use(sample_framework.current, "plan", "CL-2027")
    db.session.commit()
    for page in pages:
        html = unescape(client.get(page).get_data(as_text=True))
        assert "Built on version 1 of this framework: 1 plan. Saving a change creates version 2" in html, page
        assert "Courses are built" not in html
    record_use(sample_framework.current, "itinerary", "technicians")
    record_use(sample_framework.current, "course", "pilot@1")
    record_use(sample_framework.current, "course", "other@1")
    db.session.commit()
    html = unescape(client.get(pages[0]).get_data(as_text=True))
    assert "Built on version 1 of this framework: 2 courses, 1 itinerary, and 1 plan." in html


def test_the_edit_pages_count_a_course_once_whatever_its_versions(client, login_as, sample_framework):
    """Two versions of one course built on the framework's version are one course to the reader, not two."""
    from app.competences.services import record_use

    login_as("trainer", country="CL", locale="en")
    record_use(sample_framework.current, "course", "pilot@1")
    record_use(sample_framework.current, "course", "pilot@2")
    db.session.commit()
    html = unescape(client.get("/competences/demo/competences/A1/edit").get_data(as_text=True))
    assert "Built on version 1 of this framework: 1 course. Saving a change creates version 2" in html


def test_the_framework_page_names_the_target_levels(client, login_as, sample_framework):
    """A competence's target levels read "Technician: 3": the page names the level, as the edit form does."""
    login_as("coordinator", country="CL", locale="en")
    html = unescape(client.get("/competences/demo/?lang=en").get_data(as_text=True))
    assert "Technician: 3 – Advanced; Manager: 2 – Practitioner" in html


def test_the_competence_page_says_an_expired_level_or_an_estimate_of_a_competence_no_longer_in_the_framework(
        client, login_as, make_user, sample_framework):
    """A1 counts for 24 months and B1 was only estimated; version 2 drops both. The pages of A1 and B1 (as version 1
    has them) still say the person's own level there, in the words of their competences page: the level that
    counted until when and what it rested on, and the estimate as self-declared, without evidence. The expired
    level is listed on their competences page too, as evidence of a dropped competence that counts is."""
    from datetime import datetime, timedelta, timezone

    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.models import ValidatedLevel
    from app.competences.services import import_framework, self_assess
    from tests.fixtures.competences import SAMPLE

    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = make_user(("trainee",), country="CL", locale="en")
    coordinator = make_user(("coordinator",), country="CL", locale="en", name="Carla Coord")
    db.session.add(ValidatedLevel(user_id=trainee.id, framework_id=sample_framework.id, code="A1", level=3,
                                  validated_at=datetime.now(timezone.utc) - timedelta(days=3 * 365),
                                  validated_by_id=coordinator.id))
    self_assess(trainee, sample_framework, {"B1": 1})
    data = SAMPLE.replace("version: 1", "version: 2").replace("code: B1", "code: B2")
    import_framework(SYSTEM, files.read_yaml(data[:data.index("  - code: A1")] + data[data.index("  - code: B2"):],
                                             "demo.yaml"), source="demo.yaml")
    db.session.commit()
    login_as(trainee)
    html = unescape(client.get("/competences/demo/A1?lang=en").get_data(as_text=True))
    assert "This competence is not in the current version of the framework (version 2)." in html
    yours = html[html.index('id="yours"'):html.index("Proficiency levels")]
    assert "No evidence that counts now" in yours and "Level 3. Advanced counted until" in yours
    assert "Validated by Carla Coord" in yours
    html = unescape(client.get("/competences/demo/B1?lang=en").get_data(as_text=True))
    yours = html[html.index('id="yours"'):html.index("Proficiency levels")]
    assert "No evidence yet" in yours and "Self-declared" in yours and "1. Foundation" in yours
    page = unescape(client.get("/auth/account/competences?lang=en").get_data(as_text=True))
    row = page[page.index("A1 Diagnosis"):page.index("</tr>", page.index("A1 Diagnosis"))]
    assert "No longer in the framework (version 1 had it)" in row and "Level 3. Advanced counted until" in row


def test_an_editor_changes_the_framework_s_title_and_description_in_the_browser(client, login_as, sample_framework):
    """A typo in the framework's own title or description (in one language) is fixed in a form, as a competence's
    text is: no export, edit and import on the server."""
    from app.competences.services import record_use

    record_use(sample_framework.current, "itinerary", "technicians")
    db.session.commit()
    login_as("trainer", country="ES")
    page = client.get("/competences/demo/").get_data(as_text=True)
    assert 'href="/competences/demo/edit"' in page
    url = "/competences/demo/edit"
    form = _opened(client, url)
    assert form["title_pt_BR"].strip() == sample_framework.current.title["pt_BR"]
    response = client.post(url, data={**form, "description_en": "A corrected framework",
                                      "description_es": "Un marco corregido", "description_pt_BR": "Quadro corrigido"})
    assert response.status_code == 302
    db.session.expire_all()
    current = sample_framework.current
    assert current.number == 2 and current.description["pt_BR"] == "Quadro corrigido"  # used: a new version
    old = next(v for v in sample_framework.versions if v.number == 1)
    assert old.description == {}  # what is built on version 1 keeps it as it was
    history = unescape(client.get("/competences/demo/history").get_data(as_text=True))
    assert "Title and description" in history and "Quadro corrigido" in history
    login_as("trainee", country="ES")
    assert client.get(url).status_code == 403


def test_the_framework_s_title_is_needed_in_every_language_and_its_description_in_all_or_none(client, login_as,
                                                                                                sample_framework):
    login_as("admin", country=None)
    url = "/competences/demo/edit"
    form = _opened(client, url)
    response = client.post(url, data={**form, "title_es": "", "description_en": "Only in English",
                                      "description_es": "", "description_pt_BR": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#title_es"' in html and 'href="#description_es"' in html and 'href="#description_pt_BR"' in html
    given = {f"description_{locale}": f"Described ({locale})" for locale in ("en", "es", "pt_BR")}
    assert client.post(url, data={**form, **given}).status_code == 302
    db.session.expire_all()
    assert sample_framework.current.description["es"] == "Described (es)"
    blank = {f"description_{locale}": "" for locale in ("en", "es", "pt_BR")}
    assert client.post(url, data={**_opened(client, url), **blank}).status_code == 302
    db.session.expire_all()
    assert sample_framework.current.description == {}
    assert "Nothing is built on version 1" in client.get(url).get_data(as_text=True)


def test_a_competence_coded_edit_keeps_its_public_page(client, login_as, app):
    """/competences/<framework>/edit is the form of the framework's title and description unless a competence of
    an imported framework is coded "edit": its address is its IRI, public and lasting, and answers as every
    competence's does (HTML, JSON, JSON-LD; GET and HEAD), for a visitor as for an editor."""
    from app.auth.services import SYSTEM
    from app.competences import services
    from tests.fixtures.competences import coded_as_a_page

    services.import_framework(SYSTEM, coded_as_a_page("edit"), source="demo.yaml")
    db.session.commit()
    url = "/competences/demo/edit"
    for signed_in in (None, "trainer", "admin"):
        if signed_in:
            login_as(signed_in, country=None if signed_in == "admin" else "ES")
        response = client.get(url + "?lang=en")
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "Knows the EDP" in html and 'name="title_en"' not in html, signed_in
        assert "Accept" in response.vary
        assert client.head(url).status_code == 200
        as_json = client.get(url, headers={"Accept": "application/json"})
        assert as_json.status_code == 200 and as_json.json["code"] == "edit"
        assert as_json.json["id"].endswith("/competences/demo/edit")
        as_ld = client.get(url, headers={"Accept": "application/ld+json"})
        assert as_ld.status_code == 200 and as_ld.mimetype == "application/ld+json"
        assert client.get(url + "?format=jsonld").mimetype == "application/ld+json"
        assert client.get(url + "?version=9").status_code == 404  # as the competence's address answers
        assert client.get(url + "?version=9", headers={"Accept": "application/json"}).json["error"] == "Not Found"


def test_a_form_sent_to_a_framework_whose_competence_took_the_edit_address_is_saved(client, login_as,
                                                                                    sample_framework):
    """Opened before a new version brought a competence coded "edit", the form of the framework's title is still
    saved when sent (the competence's address answers no POST); a trainee is still refused."""
    from app.auth.services import SYSTEM
    from app.competences import services
    from tests.fixtures.competences import SAMPLE, coded_as_a_page

    login_as("trainer", country="ES")
    url = "/competences/demo/edit"
    form = _opened(client, url)
    new_version = coded_as_a_page("edit", SAMPLE.replace("version: 1", "version: 2"))
    services.import_framework(SYSTEM, new_version, source="demo.yaml")
    db.session.commit()
    assert "Knows the EDP" in client.get(url).get_data(as_text=True)
    response = client.post(url, data={**form, "title_en": "Renamed framework"})
    assert response.status_code == 302
    db.session.expire_all()
    assert sample_framework.current.title["en"] == "Renamed framework"
    login_as("trainee", country="ES")
    assert client.post(url, data={**form, "title_en": "Mine"}).status_code == 403
