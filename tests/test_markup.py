"""Markup every page shares: ids are unique, even where a page holds several forms; every page, as each role sees
it, is sound HTML where a validator would find fault and no browser test looks (see tests/fixtures/markup.py)."""
import re
from collections import Counter
from html import unescape

import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from tests.fixtures.factories import session_id
from tests.fixtures.markup import Markup, markup_problems
from tests.fixtures.pages import ROLES, demo_world, page_urls


def repeated_ids(html: str) -> list[str]:
    return [name for name, count in Counter(re.findall(r'\sid="([^"]+)"', html)).items() if count > 1]


def test_pages_with_several_forms_repeat_no_id(app, client, login_as, make_user, make_cohort):
    app.config["WTF_CSRF_ENABLED"] = True  # the hidden token each form carries
    admin = login_as("admin", country=None, locale="en")
    session_id(admin)  # signed in on a second device too: one more form on the account page
    trainee = make_user(country="CL", password=None)  # invited: send again, withdraw
    cohort = make_cohort(country="CL", members=[trainee, make_user(country="CL")])
    for path in ("/auth/account", f"/admin/users/{trainee.uuid}", f"/admin/cohorts/{cohort.id}",
                 "/notifications/preferences"):
        html = client.get(path).get_data(as_text=True)
        assert html.count("<form") >= (5 if path == "/auth/account" else 2), path  # the header's sign-out too
        assert 'name="csrf_token"' in html, path
        assert repeated_ids(html) == [], path


def test_the_checks_find_what_they_look_for():
    page = ('<html lang="es"><head><title>Cursos – Itinera</title></head><body><h1>Cursos</h1><h2 id="">A</h2>'
            '<h2 id="a b">B</h2><label for="nada">C</label></body></html>')
    assert markup_problems(page, "es") == ["id='': an id needs a character and no spaces",
                                           "id='a b': an id needs a character and no spaces",
                                           'label for="nada": no such id']
    assert markup_problems(page, "en")[2] == "the page's language is [('html', 'es')], not en"


def test_every_page_as_each_role_sees_it_has_sound_markup(app):
    """Every GET page of the browser crawl, with the same demo data and roles (and the admin's pages in English
    too), and the pages of an address not found and a method not allowed: no markup_problems."""
    values = demo_world(app)
    problems = []
    for role, email, locale in [*ROLES, ("admin", "admin@itinera.test", "en")]:
        client = app.test_client()
        if email:
            user = db.session.scalar(sa.select(User).where(User.email == email))
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = session_id(user), True
        client.get(f"/?lang={locale}")
        for path in [*(path for path, _rule in page_urls(app, values[email])), "/nowhere", "/auth/logout"]:
            response = client.get(path)
            if response.mimetype != "text/html" or 300 <= response.status_code < 400:
                continue
            problems += [f"{role} {locale} {path} ({response.status_code}): {problem}"
                         for problem in markup_problems(response.get_data(as_text=True), locale)]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


EDIT_HEADING = re.compile(r"Change (the account of \S.*|[a-z][a-zA-Z ]* (“\S.*”|[A-Z]?[0-9]+|[A-Z]))")
CREATE_HEADING = re.compile(r"Add an? [a-zA-Z][a-zA-Z ]*")


def test_every_change_and_add_page_is_headed_alike(app):
    """A page that changes a record is headed "Change <what> <which>" (a name in quotes, a code or a number as it
    is), one that adds one "Add a <what>", and its title is its heading: they were "Change “Simulación”",
    "Change cohort" with the cohort named in the title only, "Create a cohort" beside "Add a person". In Spanish
    and Portuguese too, the title is the heading."""
    values = demo_world(app)
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@itinera.test"))
    headings = {}
    for locale in ("en", "es", "pt_BR"):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = session_id(admin), True
        client.get(f"/?lang={locale}")
        for path, rule in page_urls(app, values[admin.email]):
            if not rule.endswith(("/edit", "/new")):
                continue
            markup = Markup()
            markup.feed(html := client.get(path).get_data(as_text=True))
            h1 = " ".join(unescape(re.sub(r"<[^>]+>", "", re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1))).split())
            title = " ".join(markup.title.split())
            assert title == f"{h1} – Itinera", (path, locale, title, h1)
            headings[(rule, locale)] = h1
    english = {rule: h1 for (rule, locale), h1 in headings.items() if locale == "en"}
    assert len(english) >= 10, english
    for rule, h1 in english.items():
        pattern = EDIT_HEADING if rule.endswith("/edit") else CREATE_HEADING
        assert pattern.fullmatch(h1), (rule, h1)


SEARCH_FORM = re.compile(r'<form method="get"[^>]*role="search" aria-label="([^"]*)">(.*?)</form>', re.S)


def test_every_lists_search_is_worded_alike(app):
    """A list's search box is labelled by what it matches ("Name or e-mail"), its button says "Search" and its
    landmark "Search <the list>": they said "Filter" on some pages, "Search" on others, "Find members" on a third."""
    values = demo_world(app)
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@itinera.test"))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_id(admin), True
    client.get("/?lang=en")
    landmarks = {}
    for path, _rule in page_urls(app, values[admin.email]):
        html = client.get(path).get_data(as_text=True)
        for landmark, form in SEARCH_FORM.findall(html):
            landmarks[landmark] = path
            assert re.fullmatch(r"Search [a-z][a-z -]+", landmark), (path, landmark)
            assert re.findall(r"<button[^>]*>(.*?)</button>", form) == ["Search"], (path, landmark)
            box = re.search(r'<input class="input" type="search" id="([^"]+)"', form)
            assert box and re.search(rf'<label class="label" for="{box.group(1)}">[A-Z][a-z -]+</label>', form)
        assert not re.search(r"<button[^>]*>\s*Filter", html), path
    assert {"Search people", "Search cohorts", "Search institutions", "Search pending invitations",
            "Search e-mails", "Search members", "Search people to add"} <= set(landmarks), landmarks


def test_the_search_for_an_institution_has_sound_markup(app, client, login_as, make_institution, monkeypatch):
    """A country with more institutions than the person form lists: the search box, its matches as radio buttons,
    "no match", and an error beside them."""
    from app.admin import views

    monkeypatch.setattr(views, "INSTITUTIONS_LISTED", 2)
    login_as("coordinator", country="CL", locale="en")
    for name in ("Ministerio de Salud", "Secretaría Regional de Salud", "Servicio de Impuestos Internos"):
        make_institution(country="CL", name=name)
    form = {"full_name": "Marta Gómez", "email": "marta@example.org", "roles": "trainee", "country_code": "CL",
            "position": "technician"}
    pages = [client.get("/admin/users/new?lang=en")]
    for sent in ({"institution_q": "salud", "find": "Find"}, {"institution_q": "hacienda", "find": "Find"},
                 {"institution_q": "salud", "institution_searched": "salud", "institution_id": "x", "email": ""}):
        pages.append(client.post("/admin/users/new", data={**form, **sent}))
    assert [page.status_code for page in pages] == [200, 200, 200, 400]
    for page in pages:
        html = page.get_data(as_text=True)
        assert 'name="institution_q"' in html
        assert markup_problems(html, "en") == [] and repeated_ids(html) == []


def test_the_search_for_an_institution_to_move_people_to_has_sound_markup(app, client, login_as, make_institution,
                                                                          make_user, monkeypatch):
    from app.admin import views

    monkeypatch.setattr(views, "INSTITUTIONS_LISTED", 1)
    login_as("coordinator", country="CL", locale="en")
    twice, *_others = [make_institution(country="CL", name=name) for name in (
        "Agencia X", "Agencia X (ANII)", "Agencia Y", "Ministerio de Salud")]
    make_user(country="CL", institution=twice)
    for words in ("", "agencia", "hacienda"):
        html = client.get(f"/admin/institutions/{twice.id}/edit?lang=en&move_q={words}").get_data(as_text=True)
        assert markup_problems(html, "en") == [] and repeated_ids(html) == [], words
        (landmark, form), = SEARCH_FORM.findall(html)
        assert landmark == "Search institutions to move to" and '<label class="label" for="move_q">' in form


def test_the_people_lists_institution_filter_has_sound_markup(app, client, login_as, make_institution, make_user,
                                                              monkeypatch):
    """Its radio buttons, and for a country of many institutions its search box, the matches, "no match", the link
    to an institution's people and an institution not found."""
    from app.admin import views

    login_as("coordinator", country="CL", locale="en")
    health, *_others = [make_institution(country="CL", name=name) for name in (
        "Ministerio de Salud", "Secretaría Regional de Salud", "Servicio de Impuestos Internos")]
    make_user(country="CL", institution=health)
    paths = ["", f"?institution={health.id}", "?institution=999999"]
    for listed in (5, 1):
        monkeypatch.setattr(views, "INSTITUTIONS_LISTED", listed)
        for path in paths + (["?institution_q=salud", "?institution_q=hacienda",
                              f"?institution_q=salud&institution={health.id}"] if listed == 1 else []):
            html = client.get(f"/admin/users{path}").get_data(as_text=True)
            assert ('name="institution_q"' in html) == (listed == 1), path
            assert markup_problems(html, "en") == [] and repeated_ids(html) == [], (listed, path)
            (landmark, form), = SEARCH_FORM.findall(html)
            assert ('name="institution"' in form) == (listed == 5 or path.startswith("?institution_q")
                                                      or path == f"?institution={health.id}"), (listed, path)


REFRESH_BUTTON = re.compile(r'<(?:button|input)\b[^>]*\bname="refresh"[^>]*>')


def test_showing_a_countrys_lists_lands_on_the_country(app, client, login_as, make_institution):
    """Without JavaScript, "Show the lists for this country" sends the form back: the page it answers opens at the
    country just chosen, with the lists it refreshed below it, not at the top of a form a phone shows a screen or two
    above them (the person form's institutions, the import's cohorts, an institution's regions)."""
    login_as("admin", country=None, locale="en")
    institution = make_institution(country="CL")
    for path in ("/admin/users/new", "/admin/import", "/admin/institutions/new",
                 f"/admin/institutions/{institution.id}/edit"):
        for response in (client.get(path), client.post(path, data={"country_code": "AR", "refresh": "Show"})):
            html = response.get_data(as_text=True)
            button, = REFRESH_BUTTON.findall(html)
            assert 'formaction="#country_code"' in button, (path, button)
            assert '<select class="select" id="country_code"' in html, path


HEADER = re.compile(r'<header class="site-header">(.*?)</header>', re.S)


def test_a_signed_out_visitor_can_sign_in_from_the_header(client, sample_framework, make_user):
    """A public page opened signed out (a competence's address, from a credential or a course; an address not
    found) offers "Sign in" in its header, as the landing page does in its text: it was reached only through the
    home page. The sign-in page and the landing page, whose own button says it, have none."""
    header = HEADER.search(client.get("/nowhere?lang=en").get_data(as_text=True)).group(1)
    assert re.search(r'<a class="site-header__sign-in" href="/auth/login">Sign in</a>', header)
    # from a page that is there, back to it once signed in
    header = HEADER.search(client.get("/competences/demo/A1?lang=en").get_data(as_text=True)).group(1)
    link = re.search(r'<a class="site-header__sign-in" href="([^"]+)">Sign in</a>', header).group(1)
    assert link == "/auth/login?next=/competences/demo/A1?lang%3Den"
    for path in ("/auth/login?lang=en", "/?lang=en", "/auth/password/forgot?lang=en"):
        header = HEADER.search(client.get(path).get_data(as_text=True)).group(1)
        assert "site-header__sign-in" not in header and ">Sign in<" not in header, path
    from tests.fixtures.factories import PASSWORD

    make_user(email="ana@example.org")
    signed_in = client.post(link, data={"email": "ana@example.org", "password": PASSWORD})
    assert signed_in.location == "/competences/demo/A1?lang=en"


PASSWORD_FORM = re.compile(r"<form\b[^>]*>(?:(?!</form>).)*?autocomplete=\"(?:current|new)-password\".*?</form>", re.S)


def test_every_form_for_ones_own_password_names_the_account(app, client, login_as, make_user):
    """A form where a person types or chooses their own password holds the account's address as its username
    (autocomplete="username"), so that a password manager fills in or saves the password for the right account
    (WCAG 2.2, 3.3.8 Accessible Authentication): the account page's change of password named none, and a manager
    offered every password it held for the site, or saved the new one without an account."""
    from app.auth.models import TokenPurpose
    from app.auth.services import SYSTEM
    from app.auth.tokens import issue_token

    invited = make_user(email="ignacio@example.org", password=None)
    reset = make_user(email="camila@example.org")
    paths = {"/auth/login": None, f"/auth/invitation/{issue_token(invited, TokenPurpose.INVITATION, SYSTEM)}":
             "ignacio@example.org", f"/auth/password/reset/{issue_token(reset, TokenPurpose.PASSWORD_RESET)}":
             "camila@example.org"}
    db.session.commit()
    forms = {path: PASSWORD_FORM.findall(client.get(path).get_data(as_text=True)) for path in paths}
    login_as("trainee", email="ana@example.org", locale="en")
    forms["/auth/account"], paths["/auth/account"] = PASSWORD_FORM.findall(client.get("/auth/account").get_data(
        as_text=True)), "ana@example.org"
    for path, found in forms.items():
        assert len(found) == 1, (path, found)
        username = re.search(r'<input\b[^>]*autocomplete="username"[^>]*>', found[0])
        assert username, path
        if paths[path]:
            assert f'value="{paths[path]}"' in username.group(0), (path, username.group(0))


def test_ones_own_name_and_address_say_what_they_are(client, login_as, make_user):
    """Changing one's own account (an administrator's "Change details" on their account page), the name and e-mail
    fields say they hold the person's name and e-mail (autocomplete="name", "email"), so that a browser or an assistive
    tool can fill them in or mark them (WCAG 2.1, 1.3.5 Identify Input Purpose); for someone else's account they
    stay "off", where the browser's suggestions would be the editor's own."""
    admin = login_as("admin", country=None, locale="en")
    someone = make_user(country="CL")
    fields = {}
    for user in (admin, someone):
        html = client.get(f"/admin/users/{user.uuid}/edit").get_data(as_text=True)
        fields[user] = [re.search(rf'<input\b[^>]*\bid="{name}"[^>]*>', html).group(0)
                        for name in ("full_name", "email")]
    assert ['autocomplete="name"' in fields[admin][0], 'autocomplete="email"' in fields[admin][1]] == [True, True], \
        fields[admin]
    assert all('autocomplete="off"' in field for field in fields[someone]), fields[someone]
