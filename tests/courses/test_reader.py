"""The reader: catalogue, course page, modules (sanitised, with fallback), statements, progress and resume."""
import base64
import re
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from app.courses.models import Enrolment
from app.extensions import db
from app.xapi import vocabulary as v
from app.xapi.models import Statement
from tests.fixtures.courses import COURSE_YAML, build_tree, module_text, sync_tree

# the dashboard's button, named for a screen reader with the module's title (in its own language)
CONTINUE_EXERCISE = ('><span aria-hidden="true">Continue</span>'
                     '<span class="visually-hidden">Continue: <span lang="en">Exercise</span></span></a>')
CONTINUE_PRACTICE = ('><span aria-hidden="true">Continue</span>'
                     '<span class="visually-hidden">Continue: <span lang="en">Practice</span></span></a>')


def verbs(user) -> list[tuple[str, str]]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Statement).where(Statement.user_id == user.id).order_by(Statement.seq))
    return [(s.verb_id.rsplit("/", 1)[1], s.data["object"]["id"].replace("http://itinera.test/activities/", ""))
            for s in rows]


def test_catalogue_and_course_page(client, login_as, synced_course):
    login_as("trainee", locale="en")
    assert "Pilot course" in client.get("/courses/").get_data(as_text=True)
    html = client.get("/courses/pilot/").get_data(as_text=True)
    assert "Introduction" in html and "Practice" in html and "About 2 hours" in html
    assert "Not started" in html and "Start the course" in html
    assert "A1 Diagnosis" in html and "up to level Foundation" in html


def _two_module_course(app, tmp_path, objectives):
    """A course in English and Spanish of two modules, whose objectives are ``objectives[locale][module]``."""
    def text(locale, title, number):
        listed = "".join(f"  - {objective}\n" for objective in objectives[locale][number])
        return f"---\ntitle: {title}\nduration: 10\nobjectives:\n{listed}competences: []\n---\nSome text.\n"

    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("[en, es, pt_BR]", "[en, es]"),
                      modules={"01-intro": {"en": text("en", "Introduction", 0), "es": text("es", "Introducción", 0)},
                               "02-practice": {"en": text("en", "Practice", 1), "es": text("es", "Práctica", 1)}})
    app.config["COURSES_DIR"] = str(root)
    sync_tree(root)


def _objectives_listed(app, client, locale):
    """(lang, objective) as the course page lists them under its heading, in ``locale``."""
    with app.test_request_context(), force_locale(locale):
        heading = gettext("What you will be able to do")
    html = client.get(f"/courses/pilot/?lang={locale}").get_data(as_text=True)
    assert f"<h2>{heading}</h2>" in html, locale
    return re.findall(r'<li lang="([^"]+)">([^<]+)</li>', html.split(f"<h2>{heading}</h2>")[1].split("</ul>")[0])


def test_the_course_page_lists_every_modules_objectives_in_the_readers_language(client, login_as, app, tmp_path,
                                                                              sample_framework):
    """The issue's course page shows the objectives: each module's, in the order of the modules, in the reader's
    language, or in English (marked so) when the course is not written in it."""
    objectives = {"en": (["Name the four Cs", "Explain place-based policy"], ["Read a location quotient"]),
                  "es": (["Nombrar las cuatro C", "Explicar la política territorial"], ["Leer un cociente"])}
    _two_module_course(app, tmp_path, objectives)
    login_as("trainee", locale="es")
    listed = partial(_objectives_listed, app, client)
    assert listed("es") == [("es", "Nombrar las cuatro C"), ("es", "Explicar la política territorial"),
                            ("es", "Leer un cociente")]
    english = [("en", "Name the four Cs"), ("en", "Explain place-based policy"), ("en", "Read a location quotient")]
    assert listed("en") == english
    assert listed("pt_BR") == english


def test_the_course_page_lists_an_objective_two_modules_share_once(client, login_as, app, tmp_path, sample_framework):
    """Two modules may aim at the same thing: the course page listed that objective twice, one after the other's
    list. Each distinct objective shows once, where it first appears, in the reader's language."""
    objectives = {"en": (["Name the four Cs", "Explain place-based policy"], ["Explain place-based policy", "Read"]),
                  "es": (["Nombrar las cuatro C", "Explicar la política"], ["Leer", "Explicar la política"])}
    _two_module_course(app, tmp_path, objectives)
    login_as("trainee", locale="es")
    listed = partial(_objectives_listed, app, client)
    assert listed("es") == [("es", "Nombrar las cuatro C"), ("es", "Explicar la política"), ("es", "Leer")]
    assert listed("en") == [("en", "Name the four Cs"), ("en", "Explain place-based policy"), ("en", "Read")]


def test_reading_records_statements_and_progress(client, login_as, synced_course):
    user = login_as("trainee", locale="en")
    page = client.get("/courses/pilot/modules/intro")
    assert page.status_code == 200 and "Module 1 of 2 · 1 of 2 modules completed" in page.get_data(as_text=True)
    enrolment = db.session.scalar(sa.select(Enrolment))
    assert verbs(user) == [("launched", "courses/pilot"), ("experienced", "courses/pilot/modules/intro"),
                           ("completed", "courses/pilot/modules/intro")]
    statement = db.session.scalar(sa.select(Statement).where(Statement.verb_id == v.EXPERIENCED))
    assert statement.registration == enrolment.registration
    assert statement.data["context"]["revision"] == "1"
    assert statement.data["context"]["contextActivities"]["parent"][0]["id"] == "http://itinera.test/activities/courses/pilot"
    client.get("/courses/pilot/modules/intro")  # read again: experienced again, completed only once
    client.get("/courses/pilot/modules/practice")
    found = verbs(user)
    assert found.count(("completed", "courses/pilot/modules/intro")) == 1
    assert found[-1] == ("completed", "courses/pilot")  # every module done: the course is completed
    html = client.get("/courses/pilot/").get_data(as_text=True)
    assert "2 of 2 modules completed" in html and html.count(">Completed<") == 2
    assert "You have completed this course." in html and "Read the course again" in html
    assert "Continue where you left off" not in html
    assert '<span class="hint">Finished</span>' in client.get("/courses/pilot/modules/practice").get_data(as_text=True)


def test_a_course_only_read_says_it_proves_no_level_and_what_to_do_next(client, login_as, synced_course):
    """The course page lists the competences a course develops; a trainee who read it all found "No evidence yet"
    on their competences page and no word why, nor a next step after the course."""
    login_as("trainee", locale="en")
    reason = "Reading a course does not raise your competence levels by itself"
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert reason in page and "What happens next" not in page
    client.get("/courses/pilot/modules/intro")
    client.get("/courses/pilot/modules/practice")
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert "<h2>What happens next</h2>" in page and page.count(reason) == 1
    assert page.index("What happens next") < page.index(reason) < page.index("Read the course again")
    assert '<a href="/auth/account/competences">Your competences</a>' in page
    assert '<a href="/courses/">See the courses</a>' in page
    assert "now count in your competences" not in page


def test_the_catalogue_tags_each_course_the_trainee_started_or_completed(client, login_as, synced_course):
    import re

    login_as("trainee", locale="en")

    def tags():
        page = client.get("/courses/").get_data(as_text=True)
        heading = re.search(r'<h2><a href="/courses/pilot/".*?</h2>', page, re.S).group(0)
        return re.findall(r'<strong class="tag[^"]*">([^<]+)</strong>', heading)

    assert tags() == []
    client.get("/courses/pilot/modules/intro")
    assert tags() == ["In progress"]
    client.get("/courses/pilot/modules/practice")
    assert tags() == ["Completed"]


def test_resume_where_you_left_off(client, login_as, synced_course):
    login_as("trainee", locale="en")
    client.get("/courses/pilot/modules/intro")
    html = client.get("/courses/pilot/").get_data(as_text=True)
    assert 'href="/courses/pilot/modules/practice">Continue where you left off' in html


def test_a_module_left_behind_is_where_you_go_on(client, login_as, synced_course):
    login_as("trainee", locale="en")
    last = client.get("/courses/pilot/modules/practice").get_data(as_text=True)  # the last module, read first
    assert '<span class="hint">Last module</span>' in last and ">Finished<" not in last
    html = client.get("/courses/pilot/").get_data(as_text=True)
    assert 'href="/courses/pilot/modules/intro">Continue where you left off' in html
    assert "You have completed this course." not in html


def test_fallback_to_english_says_so(client, login_as, app, tmp_path, sample_framework):
    from app.courses.loader import load_tree
    from app.courses.services import sync
    from tests.fixtures.courses import COURSE_YAML

    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("[en, es, pt_BR]", "[en, es]")
                      .replace("  practice: viewed\n", ""),
                      modules={"01-intro": {"en": module_text("Introduction"), "es": module_text("Introducción")}})
    app.config["COURSES_DIR"] = str(root)
    sync(load_tree(root))
    db.session.commit()
    login_as("trainee", locale="pt_BR")
    html = client.get("/courses/pilot/modules/intro").get_data(as_text=True)
    assert '<h1 lang="en">Introduction</h1>' in html and '<div class="prose" lang="en">' in html
    # the interface around the English text stays in the reader's language, and says so
    assert '<article class="module">' in html and "Neste módulo, você vai aprender a" in html
    assert '<html lang="pt-BR"' in html
    assert "is shown in English" in html or "em inglês" in html
    printable = client.get("/courses/pilot/modules/intro/print").get_data(as_text=True)
    assert '<html lang="en">' in printable and '<div class="banner" role="note" lang="pt-BR">' in printable
    experienced = db.session.scalar(sa.select(Statement).where(Statement.verb_id == v.EXPERIENCED))
    assert experienced.data["context"]["language"] == "en"  # what the reader actually read
    spanish = client.get("/courses/pilot/modules/intro?lang=es").get_data(as_text=True)
    assert "Introducción" in spanish and 'lang="es"' in spanish and "shown in English" not in spanish
    assert 'role="note"' not in client.get("/courses/pilot/modules/intro/print").get_data(as_text=True)


def test_every_statement_of_a_course_read_in_english_says_english(client, login_as, app, tmp_path,
                                                                  sample_framework):
    """A course not written in the reader's language is read in English: launching and completing it said the
    interface's language, which the learner never read it in."""
    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("[en, es, pt_BR]", "[en, es]")
                      .replace("  practice: viewed\n", ""),
                      modules={"01-intro": {"en": module_text("Introduction"), "es": module_text("Introducción")}})
    app.config["COURSES_DIR"] = str(root)
    sync_tree(root)
    user = login_as("trainee", locale="pt_BR")
    client.get("/courses/pilot/modules/intro")
    assert verbs(user) == [("launched", "courses/pilot"), ("experienced", "courses/pilot/modules/intro"),
                           ("completed", "courses/pilot/modules/intro"), ("completed", "courses/pilot")]
    statements = db.session.scalars(sa.select(Statement).where(Statement.user_id == user.id))
    assert {s.data["context"]["language"] for s in statements} == {"en"}


def test_module_html_is_sanitised(client, login_as, app, tmp_path, sample_framework):
    """`courses validate` refuses most of this; the sanitiser is the second line, for whatever gets through."""
    from app.courses.loader import load_tree
    from app.courses.models import Module
    from app.courses.services import sync

    body = ("Safe *text*, with <cite lang=\"en\">A Title</cite> in its language.\n\n<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
            '<a href="javascript:alert(1)">bad link</a>\n\n'
            '<iframe src="https://www.youtube-nocookie.com/embed/abc123" title="Video"></iframe>\n\n'
            '<iframe src="https://evil.example/embed/x" title="Other"></iframe>\n\n'
            '<iframe src="https://evil.example/embed/y" title="Held">Watch <b>it</b><script>alert(2)</script>'
            '</iframe>\n\n'
            '<iframe src="https://www.youtube-nocookie.com/embed/two" title="Two"><iframe x>inside</iframe>\n\n'
            'After the players.\n\n<iframe title="a src=x" src="https://evil.example/z"></iframe>\n\n'
            "![A map](assets/map.svg)\n\n| Region | Priority |\n|---|---|\n| Biobío | Forestry |\n")
    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("  practice: viewed\n", ""),
                      modules={"01-intro": {l: module_text("T") for l in ("en", "es", "pt_BR")}})
    app.config["COURSES_DIR"] = str(root)
    tree = load_tree(root)
    assert tree.problems == []
    sync(tree)
    module = db.session.scalar(sa.select(Module).where(Module.slug == "intro"))
    module.texts = {locale: {**text, "body": body} for locale, text in module.texts.items()}
    db.session.commit()
    login_as("trainee", locale="en")
    html = client.get("/courses/pilot/modules/intro").get_data(as_text=True)
    prose = html[html.index('<div class="prose" lang="en">'):html.index("</article>")]
    assert "<em>text</em>" in prose and '<cite lang="en">A Title</cite>' in prose
    assert "<script" not in prose and "onerror" not in prose and "javascript:" not in prose
    assert 'src="https://www.youtube-nocookie.com/embed/abc123"' in prose
    assert "evil.example" not in prose and "<iframe>" not in prose
    assert prose.count("<iframe ") == 2  # the two allowed players, nothing else
    assert "Watch" not in prose  # what a refused player held never comes out of it as markup
    # a player holding what looks like another player stays closed, and the text after it is shown
    assert ('<iframe src="https://www.youtube-nocookie.com/embed/two" title="Two" '
            'referrerpolicy="strict-origin-when-cross-origin" loading="lazy"></iframe>') in prose
    assert "<p>After the players.</p>" in prose and "inside" not in prose and 'title="a src=x"' not in prose
    assert 'src="/courses/pilot/v1/assets/map.svg"' in prose
    # a wide table scrolls inside a named region that keyboard users can reach; on a phone its rows stack, each
    # cell named by its column
    assert re.search(r'<div class="table-scroll" role="region" tabindex="0" aria-label="[^"]+">'
                     r'<table class="table--stacking">', prose)
    assert '<td data-label="Region">Biobío</td>' in prose and '<td data-label="Priority">Forestry</td>' in prose
    with client.get("/courses/pilot/v1/assets/map.svg") as asset:
        assert asset.status_code == 200 and asset.mimetype == "image/svg+xml"
    assert client.get("/courses/pilot/v1/assets/../course.yaml").status_code == 404


def test_printable_and_offline_copies(client, login_as, synced_course):
    login_as("trainee", locale="es")
    printable = client.get("/courses/pilot/modules/intro/print").get_data(as_text=True)
    assert "Introducción" in printable and "site-header" not in printable
    assert '<p class="back"><a href="/courses/pilot/modules/intro">Volver al módulo</a></p>' in printable
    # its title names the module, the course and the site, like every page's (and the copy a reader keeps)
    assert re.search(r"<title>Introducción – [^<]+ – Itinera</title>", printable)
    download = client.get("/courses/pilot/modules/intro/print?download=1")
    assert download.headers["Content-Disposition"] == 'attachment; filename="pilot-intro-es-v1.html"'
    text = download.get_data(as_text=True)
    stylesheet = re.search(r'<link rel="stylesheet" href="data:text/css;base64,([^"]+)">', text)
    assert b"font-family: Georgia" in base64.b64decode(stylesheet.group(1))  # its own stylesheet
    assert 'src="data:image/svg+xml;base64,' in text  # the image travels inside the file
    assert 'href="http://itinera.test/courses/pilot/v1/assets/map.svg"' in text  # links still work when online
    assert "/static/" not in text and 'class="back"' not in text  # the file stands on its own
    assert re.search(r"<title>Introducción – [^<]+ – Itinera</title>", text)


def test_the_printable_copy_names_its_icon(client, login_as, synced_course):
    """A page that names no icon makes the browser ask for /favicon.ico, which is not found: a request wasted on
    a slow link and a 404 each time. The printable page names the site's icon; the offline file an empty one, so
    it asks nothing of anyone."""
    login_as("trainee", locale="es")
    printable = client.get("/courses/pilot/modules/intro/print").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)"', printable)
    assert icon, "the printable page names no icon"
    response = client.get(icon.group(1))
    response.close()  # (a file response holds its file open until closed)
    assert response.status_code == 200
    assert client.get("/favicon.ico").status_code == 404  # which is why the page must name one
    text = client.get("/courses/pilot/modules/intro/print?download=1").get_data(as_text=True)
    assert '<link rel="icon" href="data:,">' in text


def test_unknown_course_or_module_is_404(client, login_as, synced_course):
    login_as("trainee")
    assert client.get("/courses/nope/").status_code == 404
    assert client.get("/courses/pilot/modules/nope").status_code == 404


def test_a_module_or_version_the_course_does_not_have_leads_to_the_course(client, login_as, synced_course):
    """An old bookmark of a module since renamed, or of a version that never was: the "not found" page offers
    the course it asked for, not only the home page. A course that is not there offers no course."""
    login_as("trainee")
    for address in ("/courses/pilot/modules/nope", "/courses/pilot/modules/nope/print", "/courses/pilot/v7/print",
                    "/courses/pilot/v7/modules/intro/print"):
        page = client.get(address)
        html = page.get_data(as_text=True)
        assert page.status_code == 404 and 'href="/courses/pilot/"' in html, address
        assert "Page not found" in html and "Go to the course “Pilot course”" in html, address
    assert "Go to the course" not in client.get("/courses/nope/").get_data(as_text=True)
    # a client that asks for JSON is answered in JSON, as by every other "not found"
    for address in ("/courses/pilot/modules/nope", "/courses/pilot/v7/print"):
        page = client.get(address, headers={"Accept": "application/json"})
        assert page.status_code == 404 and page.get_json()["error"] == "Not Found", address


def test_a_repeat_visit_to_a_module_stays_cheap(client, login_as, synced_course, app):
    """Reading is the hot path on a small server: count the SQL statements of a repeat visit."""
    from sqlalchemy import event

    login_as("trainee", locale="en")
    client.get("/courses/pilot/modules/intro")
    queries = []
    engine = db.engine
    listener = lambda *args: queries.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get("/courses/pilot/modules/intro").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(queries) <= 20, "\n".join(queries)


def test_earlier_versions_stay_readable_and_record_nothing(client, login_as, runner, app, course_tree,
                                                          sample_framework):
    app.config["COURSES_DIR"] = str(course_tree)
    runner.invoke(args=["courses", "sync"])
    for locale in ("en", "es", "pt_BR"):
        path = course_tree / "pilot" / "modules" / "01-intro" / f"{locale}.md"
        path.write_text(path.read_text(encoding="utf-8").replace("Some text", "Revised text"), encoding="utf-8")
    course_yaml = course_tree / "pilot" / "course.yaml"
    course_yaml.write_text(course_yaml.read_text(encoding="utf-8").replace("version: 1", "version: 2"),
                           encoding="utf-8")
    assert "pilot version 2: new version" in runner.invoke(args=["courses", "sync"]).output
    user = login_as("trainee", locale="en")
    html = client.get("/courses/pilot/").get_data(as_text=True)
    assert "Earlier versions" in html and 'href="/courses/pilot/v1/modules/intro/print"' in html
    old = client.get("/courses/pilot/v1/modules/intro/print").get_data(as_text=True)
    assert "Some text" in old and "Revised text" not in old and "version 1" in old
    assert 'src="/courses/pilot/v1/assets/map.svg"' in old
    assert "Revised text" in client.get("/courses/pilot/modules/intro").get_data(as_text=True)
    assert verbs(user).count(("experienced", "courses/pilot/modules/intro")) == 1  # the old copy recorded nothing
    with client.get("/courses/pilot/v1/modules/intro/print?download=1") as download:
        assert download.headers["Content-Disposition"] == 'attachment; filename="pilot-intro-en-v1.html"'
    with client.get("/courses/pilot/modules/intro/print?download=1") as download:  # the current one: version 2
        assert download.headers["Content-Disposition"] == 'attachment; filename="pilot-intro-en-v2.html"'
    assert client.get("/courses/pilot/v7/modules/intro/print").status_code == 404


def test_an_earlier_version_of_a_module_leads_back_to_the_course(client, login_as, app, course_tree,
                                                                 sample_framework):
    """The copy of a module of an earlier version is reached from the course page's list of versions; its
    back link went to the module of that name in the current version: not found once the module was renamed."""
    app.config["COURSES_DIR"] = str(course_tree)
    sync_tree(course_tree)
    build_tree(course_tree, course_yaml=COURSE_YAML.replace("version: 1", "version: 2")
               .replace("intro: viewed", "start: viewed"),
               modules={"01-start": in_three("Start"), "02-practice": in_three("Practice")})
    sync_tree(course_tree)
    login_as("trainee", locale="en")
    old = client.get("/courses/pilot/v1/modules/intro/print").get_data(as_text=True)
    back = re.search(r'<p class="back"><a href="([^"]+)">([^<]+)</a>', old)
    assert back.groups() == ("/courses/pilot/", "Back to the course")
    assert client.get(back.group(1)).status_code == 200
    current = client.get("/courses/pilot/modules/start/print").get_data(as_text=True)
    assert '<p class="back"><a href="/courses/pilot/modules/start">Back to the module</a>' in current


def test_withdrawing_a_course_from_the_catalogue(client, login_as, synced_course, make_user):
    trainer = make_user(("trainer",))
    login_as(trainer, locale="en")
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert "Withdraw from the catalogue" in page
    asked = client.post("/courses/pilot/publication", data={"published": "0"})  # asked first, with who is affected
    assert asked.status_code == 200 and "0 people have started this course" in asked.get_data(as_text=True)
    assert "Withdrawn" not in client.get("/courses/").get_data(as_text=True)
    assert client.post("/courses/pilot/publication", data={"published": "0", "confirmed": "1"}).status_code == 302
    assert "Withdrawn" in client.get("/courses/").get_data(as_text=True)  # staff still see it, marked
    assert client.get("/courses/pilot/modules/intro").status_code == 200
    login_as("trainee", locale="en")
    assert "Pilot course" not in client.get("/courses/").get_data(as_text=True)
    for address in ("/courses/pilot/", "/courses/pilot/modules/intro", "/courses/pilot/modules/intro/print",
                    "/courses/pilot/v1/assets/map.svg", "/courses/pilot/start"):
        assert client.get(address).status_code == 404, address
    assert client.post("/courses/pilot/publication", data={"published": "1"}).status_code == 403
    login_as(trainer)
    client.post("/courses/pilot/publication", data={"published": "1"})
    login_as("trainee", locale="en")
    assert "Pilot course" in client.get("/courses/").get_data(as_text=True)


def test_a_withdrawn_course_keeps_its_copies_and_earlier_versions_from_trainees(client, login_as, app, course_tree,
                                                                              sample_framework, make_user):
    """Withdrawn, a course is closed to trainees in every form: the whole course's copy, its download, and each
    earlier version's copies and assets, as its pages are; staff still read them."""
    app.config["COURSES_DIR"] = str(course_tree)
    sync_tree(course_tree)
    build_tree(course_tree, course_yaml=COURSE_YAML.replace("version: 1", "version: 2"),
               modules={"01-intro": in_three("Introduction, revised"), "02-practice": in_three("Practice")})
    sync_tree(course_tree)
    addresses = ("/courses/pilot/print", "/courses/pilot/print?download=1", "/courses/pilot/v1/print",
                 "/courses/pilot/v1/print?download=1", "/courses/pilot/v1/modules/intro/print",
                 "/courses/pilot/v1/modules/intro/print?download=1", "/courses/pilot/v2/print",
                 "/courses/pilot/v1/assets/map.svg", "/courses/pilot/v2/assets/map.svg")
    login_as("trainee", locale="en")
    assert [client.get(address).status_code for address in addresses] == [200] * len(addresses)
    login_as(make_user(("trainer",)), locale="en")
    assert client.post("/courses/pilot/publication", data={"published": "0", "confirmed": "1"}).status_code == 302
    assert [client.get(address).status_code for address in addresses] == [200] * len(addresses)
    login_as("trainee", locale="en")
    assert {address: client.get(address).status_code for address in addresses} == dict.fromkeys(addresses, 404)


def test_withdrawing_a_course_nobody_started_says_so_in_a_message_of_its_own(client, login_as, synced_course):
    """Not the singular of "%(count)s person has started…" with 0 (Portuguese reads 0 as singular: "0 pessoa
    começou este curso. Ela mantém o que conquistou…"), nor who keeps what they achieved when nobody did."""
    login_as("trainer", locale="en")
    asked = client.post("/courses/pilot/publication", data={"published": "0"}).get_data(as_text=True)
    assert "0 people have started this course, so no one loses access to it." in asked
    assert "They keep what they achieved" not in asked


def test_an_embedded_player_gets_no_powerful_features():
    from app.courses.render import to_html

    html = to_html('<iframe src="https://player.vimeo.com/video/1" title="Talk" '
                   'allow="camera; microphone; fullscreen; geolocation; picture-in-picture"></iframe>', lambda p: p)
    assert 'allow="fullscreen; picture-in-picture"' in html
    assert "camera" not in html and "microphone" not in html and "geolocation" not in html


def test_asset_names_with_spaces_and_accents_work_everywhere(client, login_as, app, tmp_path, sample_framework):
    """markdown-it percent-encodes link addresses; the checked, served and offline names must agree."""
    body = "![Mapa](assets/mapa%20região.svg) and [the same](<assets/mapa região.svg>)\n\n" \
           '<figure><iframe src="https://player.vimeo.com/video/1" title="V"></iframe><img src="assets/mapa região.svg" alt="m"></figure>\n'
    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("  practice: viewed\n", ""),
                      modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    (root / "pilot" / "assets" / "mapa região.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><title>Região</title></svg>', encoding="utf-8")
    sync_tree(root)
    login_as("trainee", locale="en")
    html = client.get("/courses/pilot/modules/intro").get_data(as_text=True)
    addresses = set(re.findall(r'(?:src|href)="(/courses/pilot/v1/assets/[^"]+)"', html))
    assert addresses == {"/courses/pilot/v1/assets/mapa%20regi%C3%A3o.svg"}
    for address in addresses:
        with client.get(address) as response:
            assert response.status_code == 200 and "Região".encode() in response.data
    with client.get("/courses/pilot/modules/intro/print?download=1") as download:
        assert download.get_data(as_text=True).count('src="data:image/svg+xml;base64,') == 2


def test_an_asset_whose_name_holds_a_hash_or_a_question_mark_is_found(client, login_as, app, tmp_path,
                                                                        sample_framework):
    """"Why?.svg" or "step#2.svg" linked as the address writes them (%3F, %23) was refused as missing: the name was
    cut at the # or ? it holds, read as the start of a fragment or a query."""
    body = ("![Why](assets/Why%3F.svg) and [step 2](assets/step%232.svg#legend)\n\n"
            '<img src="assets/step%232.svg" alt="s">\n')
    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("  practice: viewed\n", ""),
                      modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    for name in ("Why?.svg", "step#2.svg"):
        (root / "pilot" / "assets" / name).write_text(
            f'<svg xmlns="http://www.w3.org/2000/svg"><title>{name}</title></svg>', encoding="utf-8")
    sync_tree(root)
    login_as("trainee", locale="en")
    html = client.get("/courses/pilot/modules/intro").get_data(as_text=True)
    addresses = set(re.findall(r'(?:src|href)="(/courses/pilot/v1/assets/[^"#]+)', html))
    assert addresses == {"/courses/pilot/v1/assets/Why%3F.svg", "/courses/pilot/v1/assets/step%232.svg"}, addresses
    assert 'href="/courses/pilot/v1/assets/step%232.svg#legend"' in html
    for address in addresses:
        with client.get(address) as response:
            assert response.status_code == 200 and b"<title>" in response.data
    # written without its escape, the # starts a fragment: the file is named in the message
    root = build_tree(tmp_path / "d", course_yaml=COURSE_YAML.replace("  practice: viewed\n", ""),
                      modules={"01-intro": {l: module_text("T", body="Intro.\n\n![s](assets/step#2.svg)")
                                            for l in ("en", "es", "pt_BR")}})
    (root / "pilot" / "assets" / "step#2.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    from app.courses.loader import load_tree

    assert [str(p) for p in load_tree(root).problems if p.file.endswith("en.md")] == [
        "pilot/modules/01-intro/en.md:11: broken link: 'assets/step#2.svg' does not exist (a # in a file's name is "
        "written %23: 'assets/step%232.svg')"]


def test_links_between_modules_and_to_sections_work_in_every_copy(client, login_as, app, tmp_path, sample_framework):
    """Modules link to each other as files do (../02-practice/en.md, which also works where the files are read);
    the reader sends the link to the module's page, and a heading can be linked to."""
    body = ("See [the practice](../02-practice/en.md#try-it), [the sources](#sources) and "
            "[the catalogue](/courses/).\n\n## Sources\n\nA list.")
    root = build_tree(tmp_path / "c", modules={
        "01-intro": {l: module_text("Intro", body=body) for l in ("en", "es", "pt_BR")},
        "02-practice": {l: module_text("Practice", body="## Try it\n\nNow.") for l in ("en", "es", "pt_BR")}})
    sync_tree(root)
    login_as("trainee", locale="en")
    html = client.get("/courses/pilot/modules/intro").get_data(as_text=True)
    assert 'href="/courses/pilot/modules/practice#try-it"' in html and '<h2 id="sources">Sources</h2>' in html
    assert 'href="#sources"' in html
    assert '<h2 id="try-it">' in client.get("/courses/pilot/modules/practice").get_data(as_text=True)
    assert 'href="/courses/pilot/modules/practice#try-it"' in \
        client.get("/courses/pilot/modules/intro/print").get_data(as_text=True)
    # the offline copy is opened from a file: every address of the site must name the site, by its public
    # address (ITINERA_BASE_URL), not the name a proxy in front of it used
    offline = client.get("/courses/pilot/modules/intro/print?download=1").get_data(as_text=True)
    assert "localhost" not in offline  # the name this request came with (a proxy's inner name, say)
    assert 'href="http://itinera.test/courses/pilot/modules/practice#try-it"' in offline
    assert 'href="http://itinera.test/courses/"' in offline and 'href="#sources"' in offline
    assert not re.search(r'(?:href|src)="/', offline)
    # an earlier version's copy links to that version's copies
    old = client.get("/courses/pilot/v1/modules/intro/print").get_data(as_text=True)
    assert 'href="/courses/pilot/v1/modules/practice/print#try-it"' in old


def test_a_link_to_a_page_of_an_asset_keeps_the_page(client, login_as, app, tmp_path, sample_framework):
    """[page 12](assets/guide.pdf#page=12): the reader sent the reader to the file's first page."""
    body = ("Read [page 12 of the guide](assets/guide.pdf#page=12) or <a href=\"assets/guide.pdf#page=3\">page 3</a>."
            "\n\n![The map](assets/map.svg#legend)")
    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("  practice: viewed\n", ""),
                      modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    (root / "pilot" / "assets" / "guide.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    sync_tree(root)
    login_as("trainee", locale="en")
    html = client.get("/courses/pilot/modules/intro").get_data(as_text=True)
    assert 'href="/courses/pilot/v1/assets/guide.pdf#page=12"' in html
    assert 'href="/courses/pilot/v1/assets/guide.pdf#page=3"' in html
    offline = client.get("/courses/pilot/modules/intro/print?download=1").get_data(as_text=True)
    assert 'href="http://itinera.test/courses/pilot/v1/assets/guide.pdf#page=12"' in offline
    assert 'src="/courses/pilot/v1/assets/map.svg#legend"' in html
    assert 'src="data:image/svg+xml;base64,' in offline  # the image still travels inside the file


def _css_rules(css: str) -> dict:
    """{selector: {property: value}} of a plain stylesheet (no nesting), media queries left out."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", css)
    rules: dict = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        for declaration in body.split(";"):
            name, _sep, value = declaration.partition(":")
            if value:
                for selector in selectors.split(","):
                    rules.setdefault(selector.strip(), {})[name.strip().lower()] = value.strip()
    return rules


def test_the_printable_copy_wraps_what_a_phone_cannot_show(client, login_as, synced_course):
    """At 360 px, a code block or a long word must wrap in the printable and offline copies (they have no
    scrolling region of their own: anything wider than the screen widens the whole page)."""
    login_as("trainee", locale="en")
    download = client.get("/courses/pilot/modules/intro/print?download=1").get_data(as_text=True)
    stylesheet = re.search(r'<link rel="stylesheet" href="data:text/css;base64,([^"]+)">', download)
    rules = _css_rules(base64.b64decode(stylesheet.group(1)).decode())
    assert rules["pre"]["white-space"] == "pre-wrap"
    assert rules["body"]["overflow-wrap"] in ("anywhere", "break-word")
    assert rules["code"]["overflow-wrap"] == "anywhere"


def test_two_first_visits_at_once_enrol_once(client, login_as, synced_course, monkeypatch):
    """A double tap on "Start the course" sends two requests: the second must find the enrolment the first made
    instead of failing on the unique constraint, and ``launched`` stays recorded once."""
    from app.courses import services

    user = login_as("trainee", locale="en")
    assert client.get("/courses/pilot/modules/intro").status_code == 200
    real, calls = services.enrolment_of, []

    def racing(user_, course):  # the first look misses the enrolment the other request is committing
        calls.append(1)
        return None if len(calls) == 1 else real(user_, course)

    monkeypatch.setattr(services, "enrolment_of", racing)
    assert client.get("/courses/pilot/modules/practice").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 1
    assert verbs(user).count(("launched", "courses/pilot")) == 1
    assert ("experienced", "courses/pilot/modules/practice") in verbs(user)


def test_assets_that_could_run_scripts_are_sandboxed(client, login_as, app, tmp_path, sample_framework):
    """An asset opened on its own is a page of the site: an HTML or SVG file may not run script there (the
    site's script-src 'self' would let it load another asset as a script)."""
    from app.courses.loader import load_tree
    from app.courses.services import sync

    root = build_tree(tmp_path / "c")
    assets = root / "pilot" / "assets"
    (assets / "page.html").write_text('<script src="tool.js"></script>', encoding="utf-8")
    (assets / "tool.js").write_text("alert(document.cookie)", encoding="utf-8")
    (assets / "paper.pdf").write_bytes(b"%PDF-1.4")
    sync(load_tree(root))
    db.session.commit()
    login_as("trainee", locale="en")
    for name in ("page.html", "map.svg"):
        with client.get(f"/courses/pilot/v1/assets/{name}") as response:
            assert response.status_code == 200
            assert "sandbox" in response.headers["Content-Security-Policy"].split("; "), name
    with client.get("/courses/pilot/v1/assets/paper.pdf") as response:  # browsers' PDF viewers refuse a sandbox
        assert "sandbox" not in response.headers["Content-Security-Policy"]


def test_every_xml_asset_is_sandboxed_and_no_asset_is_served_as_a_script(client, login_as, app, tmp_path,
                                                                          sample_framework):
    """Browsers run XHTML <script> in any document served as ...+xml (RDF, XSLT, MathML, Atom, XUL), and an
    asset served as JavaScript is a script the site's script-src 'self' allows wherever it is loaded from."""
    from app.courses.loader import load_tree
    from app.courses.services import sync

    root = build_tree(tmp_path / "c")
    assets = root / "pilot" / "assets"
    page = '<x xmlns:h="http://www.w3.org/1999/xhtml"><h:script src="tool.js"/></x>'
    for name in ("data.rdf", "style.xsl", "formula.mml", "feed.atom", "window.xul", "plain.xml"):
        (assets / name).write_text(page, encoding="utf-8")
    (assets / "tool.js").write_text("fetch('/admin/')", encoding="utf-8")
    (assets / "tool.mjs").write_text("fetch('/admin/')", encoding="utf-8")
    sync(load_tree(root))
    db.session.commit()
    login_as("trainee", locale="en")
    for name in ("data.rdf", "style.xsl", "formula.mml", "feed.atom", "window.xul", "plain.xml"):
        with client.get(f"/courses/pilot/v1/assets/{name}") as response:
            assert response.status_code == 200
            assert "sandbox" in response.headers["Content-Security-Policy"].split("; "), name
    for name in ("tool.js", "tool.mjs"):
        with client.get(f"/courses/pilot/v1/assets/{name}") as response:
            assert response.status_code == 200 and response.data == b"fetch('/admin/')"
            assert response.mimetype == "text/plain" and response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_compressed_asset_is_served_as_the_compressed_file_it_is(client, login_as, app, tmp_path, sample_framework):
    """map.svgz holds gzip bytes: served as an SVG image, a browser would show a broken one."""
    import gzip

    from app.courses.loader import load_tree
    from app.courses.services import sync

    root = build_tree(tmp_path / "c")
    assets = root / "pilot" / "assets"
    (assets / "map.svgz").write_bytes(gzip.compress(b"<svg xmlns='http://www.w3.org/2000/svg'/>"))
    (assets / "data.csv.gz").write_bytes(gzip.compress(b"a,b\n1,2\n"))
    (assets / "notes.tar.xz").write_bytes(b"\xfd7zXZ\x00")
    sync(load_tree(root))
    db.session.commit()
    login_as("trainee", locale="en")
    for name, media_type in (("map.svgz", "application/gzip"), ("data.csv.gz", "application/gzip"),
                             ("notes.tar.xz", "application/x-xz"), ("map.svg", "image/svg+xml")):
        with client.get(f"/courses/pilot/v1/assets/{name}") as response:
            assert response.status_code == 200 and response.mimetype == media_type, name
            assert "Content-Encoding" not in response.headers


def sync_course_in_english_and_spanish(tmp_path):
    """The pilot course with one module, in English and Spanish only (no Portuguese)."""
    from app.courses.loader import load_tree
    from app.courses.services import sync

    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("[en, es, pt_BR]", "[en, es]")
                      .replace("  practice: viewed\n", ""),
                      modules={"01-intro": {"en": module_text("Introduction"), "es": module_text("Introducción")}})
    sync(load_tree(root))
    db.session.commit()


def test_the_course_page_says_when_its_modules_are_in_english(client, login_as, app, tmp_path, sample_framework):
    sync_course_in_english_and_spanish(tmp_path)
    login_as("trainee", locale="pt_BR")
    with app.test_request_context(), force_locale("pt_BR"):
        note = gettext("This course is not available in your language yet, so its modules are shown in English.")
    assert note in client.get("/courses/pilot/").get_data(as_text=True)
    assert 'role="note"' not in client.get("/courses/pilot/?lang=es").get_data(as_text=True)


def test_the_catalogue_and_course_page_say_in_which_languages_a_course_is(client, login_as, app, tmp_path,
                                                                          sample_framework):
    """A Portuguese reader of a course in English and Spanish only got English, told only once a module was open,
    and never that the course was in Spanish: the card and the course page name its languages, in the reader's."""
    sync_course_in_english_and_spanish(tmp_path)
    login_as("trainee", locale="pt_BR")
    with app.test_request_context(), force_locale("pt_BR"):
        available = gettext("Available in %(languages)s", languages="inglês e espanhol")
        languages = gettext("Languages")
    catalogue = client.get("/courses/").get_data(as_text=True)
    assert available in catalogue
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert re.search(rf"<dt[^>]*>\s*{languages}\s*</dt>\s*<dd[^>]*>\s*inglês e espanhol\s*</dd>", page), page
    english = client.get("/courses/pilot/?lang=en").get_data(as_text=True)
    assert re.search(r"<dt[^>]*>\s*Languages\s*</dt>\s*<dd[^>]*>\s*English and Spanish\s*</dd>", english)
    for lang in ("en", "es"):  # in the reader's language: nothing to say on the card
        assert "Available in" not in client.get(f"/courses/?lang={lang}").get_data(as_text=True)


def test_the_course_page_names_brazilian_portuguese_as_the_rest_of_the_site_does(client, login_as, synced_course):
    """The page called the language "portugués" where the language switcher and the forms say "Português (Brasil)":
    in each language of the pages it is Brazil's Portuguese, as CLDR names it."""
    login_as("trainee")
    for lang, named in (("en", "English, Spanish, and Portuguese (Brazil)"),
                        ("es", "inglés, español y portugués (Brasil)"),
                        ("pt_BR", "inglês, espanhol e português (Brasil)")):
        page = client.get(f"/courses/pilot/?lang={lang}").get_data(as_text=True)
        assert re.search(rf"<dd[^>]*>\s*{re.escape(named)}\s*</dd>", page), lang


def test_a_started_course_that_is_withdrawn_stays_on_the_dashboard_without_a_link(client, login_as, synced_course,
                                                                               make_user):
    trainee = make_user(("trainee",), locale="en")
    login_as(trainee)
    assert client.get("/courses/pilot/modules/intro").status_code == 200  # started
    login_as(make_user(("trainer",)))
    client.post("/courses/pilot/publication", data={"published": "0", "confirmed": "1"})
    login_as(trainee)
    page = client.get("/").get_data(as_text=True)
    assert "Pilot course" in page and "Withdrawn from the catalogue" in page
    assert "You keep what you achieved" in page and "You have not started a course yet" not in page
    assert 'href="/courses/pilot/' not in page


def test_a_coordinator_sees_the_courses_a_trainee_of_their_country_has_started(client, login_as, synced_course,
                                                                               make_user):
    trainee = make_user(("trainee",), country="CL", locale="en", name="Rosa Quispe")
    login_as(trainee)
    client.get("/courses/pilot/modules/intro")
    login_as("coordinator", country="CL", locale="en")
    page = client.get(f"/admin/users/{trainee.uuid}").get_data(as_text=True)
    section = page[page.index("<h2>Courses</h2>"):]
    assert "Pilot course" in section and "1 of 2 modules completed" in section
    other = make_user(("trainee",), country="CL", locale="en")
    assert "No course started yet." in client.get(f"/admin/users/{other.uuid}").get_data(as_text=True)


def test_modules_completed_through_outside_content_count_on_the_course_page(client, login_as, synced_course,
                                                                            make_user):
    """Content elsewhere reports to the LRS without the trainee opening the course here: the page says so."""
    from app.xapi import vocabulary as v
    from app.xapi.services import store

    trainee = make_user(("trainee",), locale="en")
    actor = {"account": {"homePage": "http://itinera.test", "name": str(trainee.uuid)}}
    for module in ("intro", "practice"):
        store([{"actor": actor, "verb": {"id": v.COMPLETED}, "object": {"id": v.module_iri("pilot", module)}}],
              {"mbox": "mailto:partner@example.org", "objectType": "Agent"})
    db.session.commit()
    login_as(trainee)
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert "You have completed this course." in page and "Start the course" not in page
    assert "Read the course again" in page


def test_a_course_followed_through_outside_content_is_on_the_dashboard_and_the_persons_page(
        client, login_as, synced_course, make_user):
    from app.xapi.services import store

    trainee = make_user(("trainee",), country="CL", locale="en")
    actor = {"account": {"homePage": "http://itinera.test", "name": str(trainee.uuid)}}
    store([{"actor": actor, "verb": {"id": v.COMPLETED}, "object": {"id": v.module_iri("pilot", "intro")}}],
          {"mbox": "mailto:partner@example.org", "objectType": "Agent"})
    db.session.commit()
    login_as(trainee)
    page = client.get("/").get_data(as_text=True)
    assert "Pilot course" in page and "1 of 2 modules completed" in page
    login_as("coordinator", country="CL", locale="en")
    detail = client.get(f"/admin/users/{trainee.uuid}").get_data(as_text=True)
    assert "1 of 2 modules completed" in detail[detail.index("<h2>Courses</h2>"):]


def outside(user, module: str, course: str = "pilot") -> None:
    """Content elsewhere reports a module completed to the LRS: no enrolment, no last module here."""
    from app.xapi.services import store

    actor = {"account": {"homePage": "http://itinera.test", "name": str(user.uuid)}}
    store([{"actor": actor, "verb": {"id": v.COMPLETED}, "object": {"id": v.module_iri(course, module)}}],
          {"mbox": "mailto:partner@example.org", "objectType": "Agent"})
    db.session.commit()


def in_three(title: str) -> dict:
    return {locale: module_text(title) for locale in ("en", "es", "pt_BR")}


def test_after_outside_content_the_course_page_and_the_dashboard_go_on_at_the_same_module(client, login_as,
                                                                                       synced_course, make_user):
    trainee = make_user(("trainee",), locale="en")
    outside(trainee, "intro")
    login_as(trainee)
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert 'href="/courses/pilot/modules/practice">Continue where you left off' in page
    assert "Go to the first module" not in page and "Start the course" not in page
    dashboard = client.get("/").get_data(as_text=True)
    assert 'href="/courses/pilot/modules/practice"' + CONTINUE_PRACTICE in dashboard
    assert 'Up next: <span lang="en">Practice</span>' in dashboard
    assert client.get("/courses/pilot/start").location == "/courses/pilot/modules/practice"


def test_when_the_last_module_is_gone_in_a_new_version_both_go_on_at_the_same_module(client, login_as, app,
                                                                                   course_tree, sample_framework):
    app.config["COURSES_DIR"] = str(course_tree)
    sync_tree(course_tree)
    login_as("trainee", locale="en")
    client.get("/courses/pilot/modules/intro")
    client.get("/courses/pilot/modules/practice")  # the last module read, renamed in version 2
    build_tree(course_tree, course_yaml=COURSE_YAML.replace("version: 1", "version: 2")
               .replace("practice: viewed", "exercise: viewed"),
               modules={"01-intro": in_three("Introduction"), "02-exercise": in_three("Exercise")})
    sync_tree(course_tree)
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert "1 of 2 modules completed" in page and "Go to the first module" not in page
    assert 'href="/courses/pilot/modules/exercise">Continue where you left off' in page
    dashboard = client.get("/").get_data(as_text=True)
    assert 'href="/courses/pilot/modules/exercise"' + CONTINUE_EXERCISE in dashboard
    assert 'Up next: <span lang="en">Exercise</span>' in dashboard
    assert client.get("/courses/pilot/start").location == "/courses/pilot/modules/exercise"


def test_progress_on_a_module_and_in_the_catalogue_says_module_as_the_course_page_does(client, login_as, app,
                                                                                     tmp_path, sample_framework):
    """A module's page and the catalogue said "0 de 1 completados" (a plural for one module) where the course page
    and the dashboard say "0 de 1 módulo completado": the same progress now in the same words everywhere."""
    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("  intro: viewed\n", ""))
    app.config["COURSES_DIR"] = str(root)
    sync_tree(root)
    login_as("trainee", locale="es")
    module = client.get("/courses/pilot/modules/intro").get_data(as_text=True)  # optional: one module counts
    assert "Módulo 1 de 2 · 0 de 1 módulo completado" in module
    catalogue = client.get("/courses/").get_data(as_text=True)
    assert "2 módulos · 0 de 1 módulo completado" in catalogue
    client.get("/courses/pilot/modules/practice")
    catalogue = client.get("/courses/?lang=en").get_data(as_text=True)
    assert "1 of 1 module completed" in catalogue and "done" not in catalogue


def test_an_optional_module_once_read_is_not_where_the_trainee_goes_on(client, login_as, app, tmp_path,
                                                                      sample_framework):
    """An optional module has nothing left to do once read (it is never completed): going on from it went back
    to it, on the course page, the dashboard and /start, instead of the module still to do."""
    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("  intro: viewed\n", ""))
    app.config["COURSES_DIR"] = str(root)
    sync_tree(root)
    login_as("trainee", locale="en")
    client.get("/courses/pilot/modules/intro")  # optional, read first
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert "0 of 1 module completed" in page  # one module: the singular, on the course page as on the dashboard
    assert 'href="/courses/pilot/modules/practice">Continue where you left off' in page
    dashboard = client.get("/").get_data(as_text=True)
    assert 'href="/courses/pilot/modules/practice"' + CONTINUE_PRACTICE in dashboard
    assert 'Up next: <span lang="en">Practice</span>' in dashboard
    assert client.get("/courses/pilot/start").location == "/courses/pilot/modules/practice"


def test_start_goes_to_the_first_module_before_anything_and_after_everything(client, login_as, synced_course):
    login_as("trainee", locale="en")
    assert client.get("/courses/pilot/start").location == "/courses/pilot/modules/intro"
    client.get("/courses/pilot/modules/practice")
    assert client.get("/courses/pilot/start").location == "/courses/pilot/modules/intro"  # left behind
    client.get("/courses/pilot/modules/intro")
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert 'href="/courses/pilot/modules/intro">Read the course again' in page
    assert client.get("/courses/pilot/start").location == "/courses/pilot/modules/intro"


def test_progress_through_outside_content_on_a_withdrawn_course_stays_listed(client, login_as, synced_course,
                                                                            make_user):
    trainee = make_user(("trainee",), country="CL", locale="en")
    login_as(make_user(("trainer",)))
    client.post("/courses/pilot/publication", data={"published": "0", "confirmed": "1"})
    outside(trainee, "intro")  # a course she never opened here
    login_as(trainee)
    page = client.get("/").get_data(as_text=True)
    assert "Pilot course" in page and "Withdrawn from the catalogue" in page and "1 of 2 modules completed" in page
    assert "You have not started a course yet" not in page and 'href="/courses/pilot/' not in page
    login_as("coordinator", country="CL", locale="en")
    detail = client.get(f"/admin/users/{trainee.uuid}").get_data(as_text=True)
    section = detail[detail.index("<h2>Courses</h2>"):]
    assert "Pilot course" in section and "Withdrawn from the catalogue" in section
    assert "1 of 2 modules completed" in section
    other = make_user(("trainee",), country="CL", locale="en")  # no progress: nothing listed
    assert "No course started yet." in client.get(f"/admin/users/{other.uuid}").get_data(as_text=True)


def test_a_course_that_names_no_completion_rule_is_completed_by_reading_it(client, login_as, app, tmp_path,
                                                                          sample_framework):
    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("completion:\n  intro: viewed\n"
                                                                      "  practice: viewed\n", ""))
    app.config["COURSES_DIR"] = str(root)
    sync_tree(root)
    user = login_as("trainee", locale="en")
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert "optional" not in page and "0 of 2 modules completed" in page
    client.get("/courses/pilot/modules/intro")
    assert ("completed", "courses/pilot/modules/intro") in verbs(user)
    assert "1 of 2 modules completed" in client.get("/courses/pilot/").get_data(as_text=True)
    client.get("/courses/pilot/modules/practice")
    assert verbs(user)[-1] == ("completed", "courses/pilot")
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert "You have completed this course." in page and "2 of 2 modules completed" in page


def test_a_module_without_a_rule_beside_others_with_one_is_optional(client, login_as, app, tmp_path,
                                                                   sample_framework):
    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("  practice: viewed\n", ""))
    app.config["COURSES_DIR"] = str(root)
    sync_tree(root)
    user = login_as("trainee", locale="en")
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert page.count("· optional") == 1 and "0 of 1 module completed" in page
    client.get("/courses/pilot/modules/practice")  # read, but optional: not completed, and blocks nothing
    assert ("completed", "courses/pilot/modules/practice") not in verbs(user)
    client.get("/courses/pilot/modules/intro")
    assert verbs(user)[-1] == ("completed", "courses/pilot")
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert "You have completed this course." in page and "1 of 1 module completed" in page


def test_english_text_on_other_language_pages_is_marked_as_english(client, login_as, runner, app, tmp_path,
                                                                   sample_framework, make_user):
    english = COURSE_YAML.replace("[en, es, pt_BR]", "[en]").replace(", es: Curso piloto, pt_BR: Curso piloto", "") \
        .replace(", es: Un curso corto, pt_BR: Um curso curto", "")
    root = build_tree(tmp_path / "c", course_yaml=english, modules={
        "01-intro": {"en": module_text("Introduction")}, "02-practice": {"en": module_text("Practice")}})
    app.config["COURSES_DIR"] = str(root)
    sync_tree(root)
    build_tree(root, course_yaml=english.replace("version: 1", "version: 2"), modules={
        "01-intro": {"en": module_text("Introduction", body="Revised.")}, "02-practice": {"en": module_text("Practice")}})
    sync_tree(root)
    trainee = make_user(("trainee",), country="CL", locale="es")
    login_as(trainee)
    catalogue = client.get("/courses/").get_data(as_text=True)
    assert 'href="/courses/pilot/" lang="en">Pilot course</a>' in catalogue
    assert '<p lang="en">A short course</p>' in catalogue
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert '<h1 lang="en">Pilot course</h1>' in page and '<p class="lead" lang="en">A short course</p>' in page
    assert '<span aria-current="page" lang="en">Pilot course</span>' in page  # the breadcrumb
    assert 'href="/courses/pilot/v1/modules/intro/print" lang="en">Introduction</a>' in page  # earlier versions
    module = client.get("/courses/pilot/modules/intro").get_data(as_text=True)
    assert 'href="/courses/pilot/" lang="en">Pilot course</a>' in module
    assert '<span aria-current="page" lang="en">Introduction</span>' in module
    dashboard = client.get("/").get_data(as_text=True)
    assert '<a href="/courses/pilot/" lang="en">Pilot course</a>' in dashboard
    # the button's name for a screen reader: its hidden text, where the title keeps its language (an aria-label
    # would be read whole with Spanish pronunciation)
    assert '<span class="visually-hidden">Continuar: <span lang="en">Practice</span></span></a>' in dashboard
    assert "aria-label" not in dashboard.partition('href="/courses/pilot/modules/')[2].partition("</a>")[0]
    assert ': <span lang="en">Practice</span></p>' in dashboard  # the title in English, in a Spanish sentence
    login_as("coordinator", country="CL", locale="pt_BR")
    detail = client.get(f"/admin/users/{trainee.uuid}").get_data(as_text=True)
    assert 'href="/courses/pilot/" lang="en">Pilot course</a>' in detail
    login_as("trainer", locale="es")
    asked = client.post("/courses/pilot/publication", data={"published": "0"}).get_data(as_text=True)
    assert 'href="/courses/pilot/" lang="en">Pilot course</a>' in asked


def test_translated_course_text_carries_the_readers_language(client, login_as, synced_course):
    login_as("trainee", locale="es")
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert '<h1 lang="es">Curso piloto</h1>' in page and '<p class="lead" lang="es">Un curso corto</p>' in page
    assert '<p lang="es">Un curso corto</p>' in client.get("/courses/").get_data(as_text=True)


def test_hours_that_are_no_number_do_not_break_the_pages(client, login_as, synced_course):
    """A version synced before the loader refused .inf keeps it: the pages leave the hours out."""
    synced_course.current.estimated_hours = float("inf")
    db.session.commit()
    login_as("trainee", locale="en")
    catalogue = client.get("/courses/")
    assert catalogue.status_code == 200 and "Pilot course" in catalogue.get_data(as_text=True)
    assert "hour" not in catalogue.get_data(as_text=True) and "2 modules" in catalogue.get_data(as_text=True)
    page = client.get("/courses/pilot/")
    assert page.status_code == 200 and "About" not in page.get_data(as_text=True)


def test_a_head_request_records_nothing(client, login_as, synced_course):
    """HEAD is safe: a link checker or a download manager asking about a module has not read it."""
    user = login_as("trainee", locale="en")
    assert client.head("/courses/pilot/modules/intro").status_code == 200
    assert verbs(user) == [] and db.session.scalar(sa.select(Enrolment)) is None
    client.get("/courses/pilot/modules/intro")
    assert [verb for verb, _object in verbs(user)] == ["launched", "experienced", "completed"]


def test_a_withdrawn_course_tells_those_who_started_it_what_happened(client, login_as, synced_course, make_user):
    """A bookmark or a 'continue' link of someone who started the course: not a bare 'Page not found'. Anyone
    else learns nothing of a course they cannot see."""
    trainee = make_user(("trainee",), locale="es")
    login_as(trainee)
    client.get("/courses/pilot/modules/intro")  # started
    login_as(make_user(("trainer",)))
    client.post("/courses/pilot/publication", data={"published": "0", "confirmed": "1"})
    login_as(trainee)
    for address in ("/courses/pilot/modules/practice", "/courses/pilot/", "/courses/pilot/start"):
        page = client.get(address)
        html = page.get_data(as_text=True)
        assert page.status_code == 404 and '<span lang="es">Curso piloto</span>' in html, address
        assert "Retirado del catálogo" in html and "Conserva lo que logró en él." in html
        as_json = client.get(address, headers={"Accept": "application/json"})  # no page for a client wanting JSON
        assert as_json.status_code == 404 and as_json.is_json, address
    assert len(verbs(trainee)) == 3  # nothing more recorded
    login_as("trainee", locale="es")  # never started it
    html = client.get("/courses/pilot/modules/practice").get_data(as_text=True)
    assert "Curso piloto" not in html and "Retirado" not in html


def test_table_column_alignment_survives_the_sites_content_security_policy(app):
    """markdown-it aligns a column (|--:|) with style attributes, which the site's CSP (style-src 'self', no
    'unsafe-inline') blocks: the alignment is a class, styled in both stylesheets."""
    from app.courses.render import to_html

    html = to_html("| Region | Budget | Note |\n|:--|--:|:-:|\n| Biobío | 1200 | a |\n", lambda path: path)
    assert "style=" not in html
    assert '<th class="align-right">Budget</th>' in html and '<td data-label="Budget" class="align-right">' in html
    assert '<th class="align-center">Note</th>' in html and "<th>Region</th>" in html
    static = Path(app.static_folder) / "css"
    site = _css_rules((static / "itinera.css").read_text(encoding="utf-8"))
    printed = _css_rules((static / "print.css").read_text(encoding="utf-8"))
    assert site[".prose .align-right"]["text-align"] == printed[".align-right"]["text-align"] == "right"
    assert site[".prose .align-center"]["text-align"] == printed[".align-center"]["text-align"] == "center"


def test_each_tables_region_has_a_name_of_its_own(app):
    """Every wide table's scrolling region was named "Table": on the whole course's copy, four regions of one
    name, which a screen reader's list of landmarks cannot tell apart (axe: landmark-unique). A region is
    named by the heading it comes under, and numbered when a heading has more than one."""
    from app.courses.render import to_html

    table = "| Region | Budget |\n|--|--|\n| Biobío | 1200 |\n"
    html = to_html(f"{table}\n## The four Cs\n\n{table}\n## Cases\n\n{table}\ntext\n\n{table}",
                   lambda path: path)
    names = re.findall(r'<div class="table-scroll" role="region" tabindex="0" aria-label="([^"]+)">', html)
    assert names == ["Table", "The four Cs", "Cases", "Cases (2)"]


def test_addresses_that_name_another_host_without_a_scheme_are_removed():
    """//host/x and its spellings load from another host in the reader, and from a network share (file://host/x,
    which Windows opens with the reader's credentials) in the offline copy opened from a disk."""
    from app.courses.render import to_html

    for address in ("//evil.example/p.png", "/\\evil.example/p.png", "\\\\evil.example\\p.png", " /\t/evil.example/p",
                    "&#47;&#47;evil.example/p.png"):
        html = to_html(f'<img src="{address}" alt="x"> <a href="{address}">x</a> <q cite="{address}">q</q>',
                       lambda path: path)
        assert "evil.example" not in html, (address, html)
    kept = to_html('<a href="/courses/">the courses</a> <a href="https://gov.example/a">a</a>', lambda path: path)
    assert 'href="/courses/"' in kept and 'href="https://gov.example/a"' in kept


def test_data_addresses_inline_svg_and_lookalike_players_are_removed(app):
    """The other half of what a hostile module could hold: data: addresses (an HTML page or an SVG with script
    in them), inline SVG and MathML, event handlers and entity-encoded javascript: links, and players from hosts
    that only look like the allowed ones."""
    from app.courses.render import to_html

    with app.test_request_context():
        html = to_html(
            '![i](data:image/png;base64,AAAA) <img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" alt="p">\n\n'
            '<a href="data:text/html,<script>alert(1)</script>">d</a> <a href="&#106;avascript:alert(1)">j</a>\n\n'
            '<svg onload="alert(1)"><a href="javascript:alert(2)"><text>drawn</text></a></svg>\n\n'
            '<math><mtext><mglyph><style><img src=x onerror=alert(3)></style></mglyph></mtext></math>\n\n'
            '<p onmouseover="alert(4)">hover</p> <details ontoggle="alert(5)" open><summary>s</summary></details>\n\n'
            '<iframe src="https://www.youtube-nocookie.com.evil.example/embed/x" title="a"></iframe>'
            '<iframe src="https://www.youtube-nocookie.com@evil.example/embed/x" title="b"></iframe>'
            '<iframe src="http://www.youtube-nocookie.com/embed/x" title="c"></iframe>'
            '<iframe src="https://www.youtube.com/embed/x" title="d"></iframe>', lambda path: path)
    assert "data:" not in html and "javascript" not in html.lower() and "alert" not in html, html
    assert "<svg" not in html and "<math" not in html and "<style" not in html and " on" not in html, html
    assert "<iframe" not in html and "evil.example" not in html, html
    assert "<p>hover</p>" in html and '<img alt="i">' in html  # the text and the images' alt stay


def test_a_quotations_source_is_kept_only_as_a_web_address(app):
    """cite="javascript:..." (or data:, vbscript:) reached the page as written: the sanitiser checks the schemes of
    links and images, not of a quotation's source. A source on the web stays."""
    from app.courses.render import to_html

    with app.test_request_context():
        for address in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", " java\tscript:alert(1)", "&#106;avascript:x",
                        "data:text/html,x", "vbscript:x"):
            html = to_html(f'<q cite="{address}">q</q>\n\n<blockquote cite="{address}">b</blockquote>',
                           lambda path: path)
            assert "cite=" not in html and "script" not in html.lower() and "data:" not in html, (address, html)
        kept = to_html('<q cite="https://gov.example/report">q</q>', lambda path: path)
    assert '<q cite="https://gov.example/report">q</q>' in kept


def test_a_heading_named_as_a_part_of_the_page_gets_an_id_of_its_own(client, login_as, tmp_path, sample_framework):
    """A module's "## Main" or "## Contents title" would give the page a second id="main" (the skip link's
    target) or "contents-title": the heading takes the next number instead, and the module's links follow it."""
    body = ("[Up](#main-1)\n\n## Main\n\nText.\n\n## Contents title\n\nText.\n\n## Objectives title\n\nText.\n\n"
            "## Progress label\n\nText.")
    root = build_tree(tmp_path / "c", modules={
        "01-intro": {l: module_text("Intro", body=body) for l in ("en", "es", "pt_BR")},
        "02-practice": {l: module_text("Practice", body="Now.") for l in ("en", "es", "pt_BR")}})
    from app.courses.loader import load_tree

    assert load_tree(root).problems == []  # the link to #main-1 is one to a heading of the module
    sync_tree(root)
    login_as("trainee", locale="en")
    html = client.get("/courses/pilot/modules/intro").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(ids)
    assert '<h2 id="main-1">Main</h2>' in html and 'href="#main-1"' in html
    assert '<a href="#contents-title-1">Contents title</a>' in html  # the page's list of sections leads there


def test_many_headings_of_one_title_are_told_apart_quickly(app):
    """Each heading's id is told apart from the same title's before it by a number (exercise, exercise-1, ...):
    found by trying every number from 1 again for each heading, a module of 10,000 "## Exercise" headings (half
    a megabyte under the limit) took 25 seconds to check and as long again to show, longer than a page may.
    Measured against as many headings of different titles, in this process's time: a wall-clock limit failed
    now and then on a machine busy with other work (the Markdown alone takes some seconds there)."""
    import time

    from app.courses.render import to_html

    body = "## Exercise\n\n## Exercise 1\n\n" + "".join("## Exercise\n\nText.\n\n" for _ in range(10_000))
    different = "## Exercise\n\n## Exercise 1\n\n" + "".join(f"## Part {n}\n\nText.\n\n" for n in range(10_000))
    with app.test_request_context():
        started = time.process_time()
        to_html(different, lambda path: path)
        apart = time.process_time() - started
        started = time.process_time()
        html = to_html(body, lambda path: path)
        alike = time.process_time() - started
    assert alike < 3 * apart + 0.5
    ids = re.findall(r'<h2 id="([^"]+)"', html)
    # "exercise-1" is the second heading's own; the third heading takes the next number free
    assert ids[:4] == ["exercise", "exercise-1", "exercise-2", "exercise-3"] and ids[-1] == "exercise-10001"
    assert len(set(ids)) == len(ids) == 10_002


def test_a_player_address_that_climbs_out_of_the_players_folder_is_removed(app):
    """A browser reads /embed/../x as /x: any page of the video host (its sign-in, its comments), not a player."""
    from app.courses.render import to_html, video_allowed

    climbing = ["https://www.youtube-nocookie.com/embed/../account", "https://www.youtube-nocookie.com/embed/%2e%2e/x",
                "https://player.vimeo.com/video/1/../../user/settings", "https://player.vimeo.com/video/%2E./x",
                "https://www.youtube-nocookie.com/embed/./../x", "https://player.vimeo.com/video/..%2Fx",
                "https://www.youtube-nocookie.com/embed/..\\x"]
    with app.test_request_context():
        for address in climbing:
            assert not video_allowed(address), address
            assert "<iframe" not in to_html(f'<iframe src="{address}" title="t"></iframe>', lambda path: path), address
        kept = to_html('<iframe src="https://www.youtube-nocookie.com/embed/a1b2..c3" title="t"></iframe>',
                       lambda path: path)
    assert '<iframe src="https://www.youtube-nocookie.com/embed/a1b2..c3"' in kept  # dots inside a name are fine


def test_players_load_when_needed_and_become_links_in_the_offline_copy(client, login_as, app, tmp_path,
                                                                       sample_framework):
    body = ('Watch this.\n\n<iframe src="https://www.youtube-nocookie.com/embed/abc?start=5&amp;rel=0" '
            'title="Interview &quot;RIS3&quot;" allow="fullscreen"></iframe>\n\nThen read.')
    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("  practice: viewed\n", ""),
                      modules={"01-intro": {l: module_text("Intro", body=body) for l in ("en", "es", "pt_BR")}})
    sync_tree(root)
    login_as("trainee", locale="en")
    page = client.get("/courses/pilot/modules/intro").get_data(as_text=True)
    assert re.search(r'<iframe [^>]*loading="lazy"></iframe>', page)  # no player's script before it is near
    assert 'loading="lazy"' not in client.get("/courses/pilot/modules/intro/print").get_data(as_text=True)
    offline = client.get("/courses/pilot/modules/intro/print?download=1").get_data(as_text=True)
    assert "<iframe" not in offline  # it could not play from a file, nor offline
    assert ('<a href="https://www.youtube-nocookie.com/embed/abc?start=5&amp;rel=0">Interview &quot;RIS3&quot;</a>'
            in offline)


def test_players_are_told_which_site_embeds_them(client, login_as, app, tmp_path, sample_framework):
    """The site sends no Referer to other sites (Referrer-Policy: same-origin), and YouTube refuses to play in a
    player that does not say where it is embedded ("Error 153"): each player asks for the site's origin to be
    sent to it, whatever the file wrote, and only the origin (never the module's address)."""
    body = ('<iframe src="https://www.youtube-nocookie.com/embed/abc" title="Talk" referrerpolicy="no-referrer">'
            '</iframe>\n\n<iframe src="https://player.vimeo.com/video/1" title="Other"></iframe>')
    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("  practice: viewed\n", ""),
                      modules={"01-intro": {l: module_text("Intro", body=body) for l in ("en", "es", "pt_BR")}})
    sync_tree(root)
    login_as("trainee", locale="en")
    for address in ("/courses/pilot/modules/intro", "/courses/pilot/modules/intro/print"):
        with client.get(address) as response:
            assert response.headers["Referrer-Policy"] == "same-origin"
            players = re.findall(r"<iframe [^>]*>", response.get_data(as_text=True))
            assert len(players) == 2
            assert all(p.count("referrerpolicy=") == 1 and 'referrerpolicy="strict-origin-when-cross-origin"' in p
                       for p in players), players


def test_images_load_when_needed_on_the_page_and_all_at_once_on_paper(client, login_as, synced_course):
    """On a slow link an image far down a module waits until the reader comes near it; the printable copy and
    the offline file hold every image ready."""
    login_as("trainee", locale="en")
    page = client.get("/courses/pilot/modules/intro").get_data(as_text=True)
    images = re.findall(r"<img [^>]*>", page)
    assert images and all(image.endswith(' loading="lazy">') for image in images), images
    assert 'alt="The map"' in images[0] and 'src="/courses/pilot/v1/assets/map.svg"' in images[0]
    for copy in ("/courses/pilot/modules/intro/print", "/courses/pilot/modules/intro/print?download=1"):
        assert 'loading="lazy"' not in client.get(copy).get_data(as_text=True), copy
    from app.courses.render import lazy_images

    assert lazy_images('<img src="a.png" alt="" loading="eager">') == '<img src="a.png" alt="" loading="eager">'


def _png(width: int, height: int) -> bytes:
    """A PNG's signature and header chunk: all a browser (or a reader of sizes) needs to learn its size."""
    import struct
    import zlib

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(header)) + b"IHDR" + header
            + struct.pack(">I", zlib.crc32(b"IHDR" + header)))


def test_images_keep_their_place_while_they_load(client, login_as, app, course_tree, sample_framework):
    """An image that says its size (an SVG's width and height, a PNG's header) gets them on the page and in both
    copies, so the text does not jump as it arrives; the text's own size wins, and an image that gives none, or
    a file that is no image it can read, gets none."""
    from tests.fixtures.courses import module_text, sync_tree

    assets = course_tree / "pilot" / "assets"
    (assets / "map.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="480" height="320.4">'
                                    "<title>Map</title></svg>", encoding="utf-8")
    (assets / "photo.png").write_bytes(_png(1200, 800))
    (assets / "broken.png").write_bytes(b"\x89PNG not really")
    (assets / "drawing.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"></svg>',
                                        encoding="utf-8")
    body = ("![The map](assets/map.svg)\n\n![A photo](../../assets/photo.png)\n\n"
            '<img src="assets/photo.png" alt="Small" width="300">\n\n![Broken](assets/broken.png)\n\n'
            "![Drawing](assets/drawing.svg)")
    for locale in ("en", "es", "pt_BR"):
        (course_tree / "pilot" / "modules" / "01-intro" / f"{locale}.md").write_text(
            module_text("Introduction", body=body), encoding="utf-8")
    app.config["COURSES_DIR"] = str(course_tree)
    sync_tree(course_tree)
    login_as("trainee", locale="en")
    for address in ("/courses/pilot/modules/intro", "/courses/pilot/modules/intro/print",
                    "/courses/pilot/modules/intro/print?download=1"):
        images = {re.search(r'alt="([^"]*)"', image).group(1): image
                  for image in re.findall(r"<img [^>]*>", client.get(address).get_data(as_text=True))}
        assert ' width="480" height="320"' in images["The map"], address
        assert ' width="1200" height="800"' in images["A photo"], address
        assert ' width="300"' in images["Small"] and "height=" not in images["Small"], address
        assert "width=" not in images["Broken"] and "width=" not in images["Drawing"], address


def _copies_of_the_pilot(root: Path, slugs) -> None:
    """More courses in the tree: the pilot course under other slugs."""
    import shutil

    for slug in slugs:
        shutil.copytree(root / "pilot", root / slug)
        yaml = (root / slug / "course.yaml").read_text(encoding="utf-8")
        (root / slug / "course.yaml").write_text(yaml.replace("slug: pilot", f"slug: {slug}"), encoding="utf-8")


def test_pages_listing_courses_ask_as_much_for_many_courses_as_for_two(client, login_as, make_user, app, course_tree,
                                                                        sample_framework):
    """The catalogue, the dashboard and a person's page read every course's modules and progress together,
    not once per course (a site has a few courses, and each one added must not cost every page a few queries)."""
    from tests.queries import statements_during

    app.config["COURSES_DIR"] = str(course_tree)
    trainee, admin = make_user(locale="en"), make_user(roles=("admin",), country=None, locale="en")

    def measure(slugs):
        sync_tree(course_tree)
        login_as(trainee)
        for slug in slugs:
            assert client.get(f"/courses/{slug}/modules/intro").status_code == 200
        counts = {}
        for url, who in (("/", trainee), ("/courses/", trainee), (f"/admin/users/{trainee.uuid}", admin)):
            login_as(who)
            response, statements = statements_during(lambda: client.get(url))
            assert response.status_code == 200
            assert response.get_data(as_text=True).count('href="/courses/pilot') >= len(slugs), url
            counts[url] = len(statements)
        return counts

    _copies_of_the_pilot(course_tree, ["pilot2"])
    few = measure(["pilot", "pilot2"])
    more = [f"pilot{n}" for n in range(3, 9)]
    _copies_of_the_pilot(course_tree, more)
    assert measure(more) == few


def test_pages_listing_courses_read_only_the_texts_they_show(client, login_as, make_user, app, course_tree,
                                                            sample_framework):
    """A module's texts (its body in every language) are most of what a course weighs: the catalogue, which
    shows none, and a person's page do not read them, and the dashboard reads only those of the modules it
    offers to go on with, in one query (reading every course's bodies cost each of these pages some 15 ms)."""
    from tests.queries import statements_during

    app.config["COURSES_DIR"] = str(course_tree)
    _copies_of_the_pilot(course_tree, ["pilot2", "pilot3"])
    sync_tree(course_tree)
    trainee, admin = make_user(locale="en"), make_user(roles=("admin",), country=None, locale="en")
    login_as(trainee)
    for slug in ("pilot", "pilot2"):
        assert client.get(f"/courses/{slug}/modules/intro").status_code == 200

    def reading_texts(url, who):
        login_as(who)
        response, statements = statements_during(lambda: client.get(url))
        assert response.status_code == 200
        return response.get_data(as_text=True), [s for s in statements if "module.texts" in s]

    html, read = reading_texts("/courses/", trainee)
    assert html.count("2 modules") - html.count("of 2 modules") == 3 and not read  # three courses listed
    html, read = reading_texts(f"/admin/users/{trainee.uuid}", admin)
    assert 'href="/courses/pilot2/' in html and not read
    html, read = reading_texts("/", trainee)
    assert html.count('modules/practice"' + CONTINUE_PRACTICE) == 2, html
    assert html.count('Up next: <span lang="en">Practice</span>') == 2, html
    assert len(read) == 1 and "WHERE module.id IN" in read[0], read


def test_a_course_page_lists_its_earlier_versions_modules_in_one_query(client, login_as, app, course_tree,
                                                                       sample_framework):
    """Each earlier version is listed with its modules: read for all of them at once, not a version at a time."""
    from tests.queries import statements_during

    app.config["COURSES_DIR"] = str(course_tree)
    login_as("trainee", locale="en")

    def count(up_to):
        for number in range(2, up_to + 1):
            build_tree(course_tree, course_yaml=COURSE_YAML.replace("version: 1", f"version: {number}")
                       .replace("A short course", f"A short course ({number})"))
            sync_tree(course_tree)
        response, statements = statements_during(lambda: client.get("/courses/pilot/"))
        html = response.get_data(as_text=True)
        for number in range(1, up_to):
            assert f'href="/courses/pilot/v{number}/modules/practice/print"' in html, number
        return len(statements)

    sync_tree(course_tree)
    two = count(2)
    assert count(5) == two


def test_a_module_page_title_names_its_course(client, login_as, synced_course):
    """"Introduction" alone could be any course's: the title, heard first and shown in tabs, says which."""
    login_as("trainee", locale="es")
    html = client.get("/courses/pilot/modules/intro").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.endswith("– Curso piloto – Itinera"), title


def test_the_catalogue_is_in_the_alphabetical_order_of_the_readers_titles(client, login_as, app, course_tree,
                                                                          sample_framework):
    """Not by slug, which nobody reads: by title in the reader's language, an accented first letter beside
    its base letter (Ámbito before Curso)."""
    import shutil

    shutil.copytree(course_tree / "pilot", course_tree / "zeta")
    (course_tree / "zeta" / "course.yaml").write_text(
        COURSE_YAML.replace("slug: pilot", "slug: zeta").replace(
            "title: {en: Pilot course, es: Curso piloto, pt_BR: Curso piloto}",
            "title: {en: Acting locally, es: Ámbito local, pt_BR: Zona de ação}"), encoding="utf-8")
    app.config["COURSES_DIR"] = str(course_tree)
    sync_tree(course_tree)
    login_as("trainee")

    def titles(lang):
        html = client.get(f"/courses/?lang={lang}").get_data(as_text=True)
        return re.findall(r'<h2><a href="/courses/[^"]+/"[^>]*>([^<]+)</a>', html)

    assert titles("en") == ["Acting locally", "Pilot course"]
    assert titles("es") == ["Ámbito local", "Curso piloto"]
    assert titles("pt_BR") == ["Curso piloto", "Zona de ação"]


def test_a_competence_page_says_a_course_that_is_read_proves_no_level(client, synced_course):
    html = re.sub(r"\s+", " ", client.get("/competences/demo/A1?lang=en").get_data(as_text=True))
    assert "Courses that develop it" in html and 'href="/courses/pilot/" lang="en">Pilot course</a>' in html
    assert "It is read: it develops the competence without proving a level." in html
    html = client.get("/competences/demo/B1?lang=en").get_data(as_text=True)  # no module of it grants B1
    assert "No course in the catalogue develops this competence yet." in html


def test_an_optional_module_completed_elsewhere_does_not_count_towards_the_course(client, login_as, app, tmp_path,
                                                                                 sample_framework):
    from app.xapi.services import record

    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("  practice: viewed\n", ""))
    app.config["COURSES_DIR"] = str(root)
    sync_tree(root)
    user = login_as("trainee", locale="en")
    record(user, v.COMPLETED, v.module_iri("pilot", "practice"), result={"completion": True})
    db.session.commit()
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert "0 of 1 module completed" in page and "You have completed this course." not in page


def test_a_quiz_answered_correctly_but_not_completed_is_in_progress(client, login_as, app, tmp_path,
                                                                  sample_framework):
    from app.xapi.services import record

    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("practice: viewed", "practice: quiz"))
    app.config["COURSES_DIR"] = str(root)
    sync_tree(root)
    user = login_as("trainee", locale="en")
    client.get("/courses/pilot/modules/intro")
    record(user, "http://adlnet.gov/expapi/verbs/answered", v.module_iri("pilot", "practice"),
           result={"success": True, "completion": False})
    db.session.commit()
    page = client.get("/courses/pilot/").get_data(as_text=True)
    assert "1 of 2 modules completed" in page and "You have completed this course." not in page


def test_a_course_started_here_is_listed_once_though_its_modules_have_progress(client, login_as, synced_course):
    from app.courses.services import courses_started

    user = login_as("trainee", locale="en")
    client.get("/courses/pilot/modules/intro")
    [item] = courses_started(user)
    assert (item["version"].course.slug, item["done"], item["total"]) == ("pilot", 1, 2)
    assert item["resume"].slug == "practice" and not item["finished"]
    assert client.get("/").get_data(as_text=True).count("1 of 2 modules completed") == 1


@pytest.mark.parametrize("hours, locale, catalogue, course", [
    (0.75, "en", "0.75 hours", "About 0.75 hours"),
    (1.25, "es", "1,25 horas", "Aproximadamente 1,25 horas"),
    (1.25, "pt_BR", "1,25 hora", "Cerca de 1,25 hora"),  # Portuguese counts 0 to 1.x as one (CLDR)
    (1, "es", "1 hora", "Aproximadamente 1 hora"),
])
def test_hours_with_a_fraction_take_their_languages_plural(client, login_as, synced_course, hours, locale, catalogue,
                                                           course):
    """The form was chosen from the hours rounded: a course of 0.75 or 1.25 hours read "0.75 hour", "1,25 hora"."""
    synced_course.current.estimated_hours = hours
    db.session.commit()
    login_as("trainee", locale=locale)
    assert catalogue in client.get("/courses/").get_data(as_text=True)
    assert course in client.get("/courses/pilot/").get_data(as_text=True)


@pytest.mark.parametrize("header", [("Sec-Purpose", "prefetch"), ("Sec-Purpose", "prefetch;prerender"),
                                    ("Purpose", "prefetch")])
def test_a_prefetched_module_records_nothing(client, login_as, synced_course, header):
    """A browser fetching a linked module ahead (a prefetch, a prerender) had the trainee "experience", even
    complete it, though they never opened it: the page is served, uncached as ever, and nothing is recorded."""
    user = login_as("trainee", locale="en")
    response = client.get("/courses/pilot/modules/intro", headers=[header])
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    assert verbs(user) == [] and db.session.scalar(sa.select(Enrolment)) is None
    client.get("/courses/pilot/modules/intro")
    assert [verb for verb, _object in verbs(user)] == ["launched", "experienced", "completed"]


def test_an_optional_module_once_opened_shows_as_read_not_in_progress(client, login_as, app, tmp_path,
                                                                      sample_framework):
    """An optional module (no completion rule) is never completed: once opened it showed "In progress" for
    ever, as if something were left to do in it."""
    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("  practice: viewed\n", ""))
    app.config["COURSES_DIR"] = str(root)
    sync_tree(root)
    login_as("trainee", locale="en")
    client.get("/courses/pilot/modules/practice")
    page = client.get("/courses/pilot/").get_data(as_text=True)
    practice = re.search(r'<li class="task-list__item">\s*<span class="task-list__name"><a href="/courses/pilot/'
                         r'modules/practice".*?</li>', page, re.S).group(0)
    assert "In progress" not in practice and ">Read</strong>" in practice and "optional" in practice


def test_the_offline_copy_says_where_the_module_stands_and_that_reading_it_is_not_recorded(client, login_as,
                                                                                          synced_course):
    """The downloaded file said neither which module of the course it is nor that reading it offline counts for
    nothing; and, saved without the server's headers, nothing stopped a script in it."""
    from html import unescape

    login_as("trainee", locale="en")
    text = client.get("/courses/pilot/modules/practice/print?download=1").get_data(as_text=True)
    main = re.sub(r"\s+", " ", text[text.index("<main"):])
    assert "Module 2 of 2" in main
    assert "Reading this copy offline does not count as progress" in main
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', text)
    assert policy and "default-src 'none'" in unescape(policy.group(1)) and "script-src" not in policy.group(1)
    assert text.index("Content-Security-Policy") < text.index("<link")  # before anything it governs
    printable = client.get("/courses/pilot/modules/practice/print").get_data(as_text=True)
    assert "Module 2 of 2" in printable and "offline" not in printable  # on paper, where it stands too


def test_a_modules_copy_says_when_it_was_made_and_where_the_module_is(client, login_as, synced_course, runner,
                                                                      course_tree):
    """The whole course's copy gave its date and the course's address, a module's copy neither: a file kept for
    months told its reader to open the module in Itinera without saying where, nor how old it was."""
    login_as("trainee", locale="en")
    for copy in ("/courses/pilot/modules/practice/print", "/courses/pilot/modules/practice/print?download=1"):
        text = client.get(copy).get_data(as_text=True)
        main = re.sub(r"\s+", " ", text[text.index("<main"):])
        assert re.search(r'copied on <time datetime="\d{4}-\d{2}-\d{2}">', main), copy
        address = "http://itinera.test/courses/pilot/modules/practice"
        assert f'The module, with your progress, is at <a href="{address}" class="address">{address}</a>' in main, copy
    course_yaml = course_tree / "pilot" / "course.yaml"
    course_yaml.write_text(course_yaml.read_text(encoding="utf-8").replace("version: 1", "version: 2"),
                           encoding="utf-8")
    practice = course_tree / "pilot" / "modules" / "02-practice" / "en.md"
    practice.write_text(practice.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    assert "pilot version 2: new version" in runner.invoke(args=["courses", "sync"]).output
    earlier = client.get("/courses/pilot/v1/modules/practice/print").get_data(as_text=True)
    address = "http://itinera.test/courses/pilot/"  # an earlier version's module: the course, which lists it
    assert f'The course, with your progress, is at <a href="{address}" class="address">{address}</a>' in earlier


def test_a_link_written_as_its_address_is_marked_so_that_paper_does_not_print_it_twice(app):
    """On paper, print.css writes each web link's address after it: after <https://eur-lex.europa.eu/...>, whose
    text is that address, it was printed twice. Such a link is marked; one with words of its own is not."""
    from app.courses.render import to_html

    with app.test_request_context():
        html = to_html("<https://eur-lex.europa.eu/eli/reg/2021/1060/oj> and [the regulation]"
                       "(https://eur-lex.europa.eu/eli/reg/2021/1060/oj), <https://example.org/a%20b?x=1&y=2>",
                       lambda path: path)
    links = re.findall(r"<a [^>]*>[^<]*</a>", html)
    assert len(links) == 3 and ['class="address"' in link for link in links] == [True, False, True], links


def test_a_long_modules_page_lists_its_sections(client, login_as, app, tmp_path, sample_framework):
    """A module runs to ten screens on a phone: its page lists its sections (its ## headings) under the objectives,
    each leading to its heading, as a guide's contents do; a module of one or two sections needs no list."""
    from flask_babel import force_locale, gettext

    long = "## Why *it* matters\n\nText.\n\n## The case\n\nText.\n\n### A detail\n\nText.\n\n## Sources\n\n- A source."
    modules = {"01-intro": {locale: module_text("Intro", body=long) for locale in ("en", "es", "pt_BR")},
               "02-practice": {locale: module_text("Practice", body="## Try it\n\nText.")
                               for locale in ("en", "es", "pt_BR")}}
    root = build_tree(tmp_path / "c", modules=modules)
    app.config["COURSES_DIR"] = str(root)
    sync_tree(root)
    login_as("trainee", locale="es")
    page = client.get("/courses/pilot/modules/intro").get_data(as_text=True)
    with app.test_request_context(), force_locale("es"):
        contents = gettext("Contents")
    nav = re.search(r'<nav class="contents" aria-labelledby="contents-title">.*?</nav>', page, re.S)
    assert nav, page
    assert f'<h2 id="contents-title">{contents}</h2>' in nav.group(0)
    links = re.findall(r'<a href="#([^"]+)">([^<]*)</a>', nav.group(0))
    assert [text for _, text in links] == ["Why it matters", "The case", "Sources"]  # not the ### heading
    assert all(f'<h2 id="{anchor}">' in page for anchor, _ in links)
    assert page.index("objectives-title") < nav.start() < page.index('<div class="prose"')
    assert 'class="contents"' not in client.get("/courses/pilot/modules/practice").get_data(as_text=True)
