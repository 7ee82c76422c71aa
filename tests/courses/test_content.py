"""The first course is the exemplar every later course follows: its modules keep the shape the curriculum asks
for, in every language (objectives, 800-1,500 words, a case from a real region, a sources section)."""
import re
from pathlib import Path

import pytest

from app.courses.loader import load_tree
from app.courses.render import plain_words

CASE = {"en": "## Case", "es": "## Caso", "pt_BR": "## Caso"}
SOURCES = {"en": "## Sources", "es": "## Fuentes", "pt_BR": "## Fontes"}


def modules(app):
    [course] = [c for c in load_tree(Path(app.config["COURSES_DIR"])).courses if c.slug == "s3-foundations"]
    return [(module.slug, text) for module in course.modules for text in module.texts.values()]


def test_every_module_of_the_first_course_keeps_the_exemplar_shape(app):
    found = modules(app)
    assert len(found) == 4 * 3
    for slug, text in found:
        where = f"{slug} ({text.locale})"
        assert 800 <= plain_words(text.body) <= 1500, f"{where}: {plain_words(text.body)} words"
        assert len(text.objectives) >= 3, where
        headings = [line for line in text.body.splitlines() if line.startswith("## ")]
        assert any(h.startswith(CASE[text.locale]) for h in headings), f"{where}: no case"
        assert headings[-1].startswith(SOURCES[text.locale]), f"{where}: the sources come last"
        sources = text.body[text.body.index(SOURCES[text.locale]):]
        assert sources.count("\n- ") + sources.count("\n* ") >= 2, f"{where}: cite the documents"
        assert "invented" not in text.body.lower() and "inventada" not in text.body.lower(), where


@pytest.mark.parametrize("markdown, words", [("One two three.", 3), ("# Title\n\n- a *b* [c](https://x.org)", 4)])
def test_plain_words_counts_what_a_reader_reads(markdown, words):
    assert plain_words(markdown) == words


# the EU's own term in each language (Regulation (EU) 2021/1060 and its translations), as module 3 and the
# competence framework use it
ENABLING_CONDITIONS = {"en": "enabling condition", "es": "condiciones favorecedoras",
                       "pt_BR": "condições habilitadoras"}


def test_the_course_names_the_enabling_conditions_as_its_module_does(app):
    [course] = [c for c in load_tree(Path(app.config["COURSES_DIR"])).courses if c.slug == "s3-foundations"]
    module = course.module("enabling-conditions")
    for locale, term in ENABLING_CONDITIONS.items():
        assert term in course.summary[locale], locale
        assert term in module.texts[locale].body, locale


def test_english_terms_in_spanish_and_portuguese_modules_are_marked_as_english(app):
    """WCAG 3.1.2 (language of parts): a screen reader reads "Competitive advantage" with English sounds only
    when the page says it is English; an italic term in parentheses after its translation is such a term."""
    import re

    for slug, text in modules(app):
        if text.locale == "en":
            continue
        unmarked = re.findall(r"\(\*([A-Za-z ,]+)\*\)", text.body)
        assert not unmarked, f"{slug} ({text.locale}): mark {unmarked} with <em lang=\"en\">"
        if slug == "four-cs":
            assert '(<em lang="en">Competitive advantage</em>)' in text.body



def test_spanish_titles_in_english_and_portuguese_modules_are_marked_as_spanish(app):
    """WCAG 3.1.2 again: the title of a Mexican programme or a Chilean web page in an English or Portuguese module
    is Spanish (<em lang="es">, <cite lang="es">), not an italic the screen reader says in the module's language."""
    spanish = re.compile(r"(?<![\w-])(y|del|la|las|los)(?![\w-])")  # words Portuguese and English lack
    for slug, text in modules(app):
        if text.locale == "es":
            continue
        unmarked = [i for i in re.findall(r"(?<!\*)\*([^*\n]+)\*(?!\*)", text.body) if spanish.search(i)]
        assert not unmarked, f"{slug} ({text.locale}): mark {unmarked} with lang=\"es\""
        if slug == "latin-american-instruments":
            assert '<em lang="es">Agendas Estatales y Regionales de Innovación</em>' in text.body, text.locale


def test_spanish_and_portuguese_modules_quote_with_curly_quotes(app):
    """Spanish and Brazilian Portuguese quote with “ ”; the reader renders a straight " as it is typed (markdown-it's
    smart quotes are off), so a straight quote in the prose or the objectives would reach the page."""
    for slug, text in modules(app):
        if text.locale == "en":
            continue
        for where, prose in [("body", text.body), ("objectives", "\n".join(text.objectives))]:
            straight = re.sub(r"<[^>]+>", "", prose).count('"')
            assert not straight, f"{slug} ({text.locale}) {where}: {straight} straight quotes, write “ ”"
            assert prose.count("“") == prose.count("”"), f"{slug} ({text.locale}) {where}: an unclosed “"

def test_a_module_read_but_not_assessed_grants_the_foundation_level_only(app):
    """Level 2 of the framework is applying a method on one's own to routine cases; a module completed by reading
    it (`viewed`) shows at most that its reader can explain the concepts, the foundation level."""
    [course] = [c for c in load_tree(Path(app.config["COURSES_DIR"])).courses if c.slug == "s3-foundations"]
    read = [module for module in course.modules if module.completion in (None, "viewed")]
    assert read, "the first course has modules completed by reading"
    for module in read:
        assert all(level == 1 for _, level in module.competences), f"{module.slug}: {module.competences}"


def test_english_modules_quote_with_curly_quotes_and_apostrophes(app):
    """English prose quotes with “ ” and writes its apostrophes ’, like the Spanish and Portuguese modules; what
    the reader does not read as prose (HTML attributes, link targets, code) keeps its straight quotes."""
    markup = re.compile(r"<[^>]+>|\]\([^)]*\)|`[^`]*`")
    for slug, text in modules(app):
        if text.locale != "en":
            continue
        for where, prose in [("title", text.title), ("body", text.body), ("objectives", "\n".join(text.objectives))]:
            straight = re.findall(r"[^\n]{0,30}[\"'][^\n]{0,30}", markup.sub("", prose))
            assert not straight, f"{slug} (en) {where}: write “ ” and ’ in {straight}"
            assert prose.count("“") == prose.count("”"), f"{slug} (en) {where}: an unclosed “"
    [course] = [c for c in load_tree(Path(app.config["COURSES_DIR"])).courses if c.slug == "s3-foundations"]
    for where in ("title", "summary"):
        assert not re.search(r"[\"']", getattr(course, where)["en"]), f"course.yaml {where} (en): write “ ” and ’"


MENTION = re.compile(r"\b(?:(?:next|previous) module|module \d|(?:próximo|anterior) módulo|módulo \d)", re.I)


def test_a_module_that_mentions_another_links_to_it(app):
    """“See module 4” or “the next module” in a text is a link to that module, in every language."""
    for slug, text in modules(app):
        unlinked = [m.group() for m in MENTION.finditer(re.sub(r"\[[^\]]*\]\([^)]*\)", "", text.body))]
        assert not unlinked, f"{slug} ({text.locale}): link {unlinked} to the module"


# The content hash of each version of the first course shipped: changing its files without raising `version` in
# course.yaml fails here, before a site that synced the version refuses the new files (and `make run` stops).
SHIPPED = {7: "694d58d305e4c87efa9bc9d81abdb13541cb0338585000cbbd3cc3a19e04aaf7",
           8: "6704586af194132a1e024e68520102fe55b0d686061bf38e2a5e1dee082aaa97",
           9: "9d0dfe00c98d9d908bd6f57c1196283a2f80c423cedfe3a43b0f1dd4c9787880",
           10: "ae14c8cf73a2120351350a0be193976562502d24cd5ce1bb4b85a709f7fe0010",
           11: "3a2dfab9bf9efba72b40b161b1597868128ae3b9011e05d6dc59d0f3661b19f0",
           12: "c75418347718ddd4783fa1b50b2218a81d8888929e5802d44cc49aaec1243f28",
           13: "8c5e939537e29add8dc5e4b72005349c0bfac3315383e2272fda8cc5592a7fbc",
           14: "e3f5160f8a65723bc775e65d723320203ad4707673a62f557dcd6e874734b010",
           15: "d83f33d1ad02fa1ed893d3ee23782e4811df044bba47bd5e6b1f1895c8a47307",
           16: "4eecf3754997c4c8b7bc86f110e9b19e7a73ec89357dd36561de5d36ebd0932a",
           17: "f1a20cb07d4f5f83e8cb312334737f870cabdd84d0e71a697ef5ce072cd60f30",
           18: "45f03dee8f8088e3be82f5c84c3fe8311a29056365822c427814b7c8fc692223"}


def test_the_first_course_changes_only_under_a_new_version(app):
    [course] = [c for c in load_tree(Path(app.config["COURSES_DIR"])).courses if c.slug == "s3-foundations"]
    assert SHIPPED.get(course.version, course.content_hash) == course.content_hash, (
        f"s3-foundations changed under version {course.version}: raise version in course.yaml")
    assert course.version in SHIPPED, f"record version {course.version}'s hash {course.content_hash} in SHIPPED"


CITATION = re.compile(r"\([^()]*(?:\b(?:19|20)\d\d\b|n\.d\.|s\. ?f\.|s\.d\.)[^()]*\)")
FIGURE = re.compile(r"\d+ ?%|\b(?:percent|por ciento|por cento)\b", re.I)


def test_every_figure_in_the_first_course_carries_its_source(app):
    """A share or a percentage is a fact a trainee may repeat to a minister: its paragraph names where it comes
    from (tables summarise what the text above them cites)."""
    for slug, text in modules(app):
        body = text.body[:text.body.index(SOURCES[text.locale])]
        for paragraph in re.split(r"\n\s*\n", body):
            if FIGURE.search(paragraph) and not paragraph.lstrip().startswith("|"):
                assert CITATION.search(paragraph), f"{slug} ({text.locale}): {paragraph[:120]}"


# An objective says what a trainee will be able to do, in a verb someone can check: "understand", "know" or
# "draw lessons" cannot be observed (Bloom's action verbs; the framework's skills are written the same way).
VAGUE = {"en": ("understand", "know", "learn", "draw lessons", "be aware", "appreciate"),
         "es": ("comprender", "entender", "conocer", "aprender", "extraer lecciones", "sacar lecciones"),
         "pt_BR": ("compreender", "entender", "conhecer", "aprender", "tirar lições", "extrair lições")}


def test_every_objective_of_the_first_course_starts_with_an_observable_verb(app):
    for slug, text in modules(app):
        for objective in text.objectives:
            assert not objective.lower().startswith(VAGUE[text.locale]), f"{slug} ({text.locale}): {objective}"


WORK = re.compile(r"doi:\S+?(?=[,;]?\s|\.?$)|\bJRC\d{6}\b|\bEUR \d{5}\b|ISBN [\d-]+")


def test_a_work_is_cited_under_one_name_throughout_the_first_course(app):
    """The same document (by its doi, ISBN, JRC or EUR number) is cited by the same author and year in every
    module of a language, so a trainee who meets "(JRC, 2016)" in one module finds it under JRC in the next."""
    for locale in ("en", "es", "pt_BR"):
        names = {}
        for slug, text in modules(app):
            if text.locale != locale:
                continue
            sources = text.body[text.body.index(SOURCES[locale]):]
            for entry in re.findall(r"^[-*] (.+)$", sources, re.M):
                author = re.split(r"[,(]", entry, maxsplit=1)[0].strip()
                year = re.search(r"\((\d{4}|n\.d\.|s\. ?f\.|s\.d\.)\)", entry)
                for work in WORK.findall(entry):
                    names.setdefault(work, set()).add((author, year and year.group(1), slug))
        # what the check compares: works cited in more than one module (none found, it would compare nothing)
        assert sum(len({slug for _, _, slug in cited}) > 1 for cited in names.values()) >= 5, (locale, names)
        for work, cited in names.items():
            assert len({(a, y) for a, y, _ in cited}) == 1, f"{locale}: {work} cited as {sorted(cited)}"


def test_the_first_courses_competences_are_listed_in_the_frameworks_order(client, login_as):
    """The course page listed them as its modules first name them (B2, A1, A2, C2...), while every other list of
    competences (the framework, a person's levels) follows the framework."""
    from app.competences.services import get_framework
    from app.demo import load_content
    from app.extensions import db

    load_content()
    db.session.commit()
    login_as("trainee", locale="en")
    page = client.get("/courses/s3-foundations/").get_data(as_text=True)
    section = page.split("Competences developed", 1)[1].split("</ul>", 1)[0]
    listed = re.findall(r'/competences/s3/([A-Z]\d)"', section)
    framework = [competence.code for competence in get_framework("s3").current.competences]
    assert len(listed) >= 3
    assert listed == [code for code in framework if code in listed]


# the public documents the programme's curriculum names for each module (the research notes' Part B3, by their
# doi, number or title): a module's sources cite each of them, in every language
CURRICULUM = {"four-cs": ["doi:10.2776/65746"],
              "regional-profile": ["doi:10.2776/65746", "doi:10.2760/114716"],
              "enabling-conditions": ["Regulation (EU) 2021/1060|Reglamento (UE) 2021/1060|Regulamento (UE) 2021/1060"],
              "latin-american-instruments": ["doi:10.2760/114716", "Smart Specialisation in the world",
                                             "Acto Legislativo 05 de 2011", "Competitividad (FIC)",
                                             "Agendas Estatales y Regionales de Innovación"]}


def test_every_module_of_the_first_course_cites_the_documents_its_curriculum_names(app):
    for slug, text in modules(app):
        sources = text.body[text.body.index(SOURCES[text.locale]):]
        for document in CURRICULUM[slug]:
            assert any(name in sources for name in document.split("|")), f"{slug} ({text.locale}): cite {document}"
