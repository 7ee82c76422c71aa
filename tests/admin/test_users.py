import re
from html import unescape

import pytest
import sqlalchemy as sa

from app.auth.models import Role, User
from app.extensions import db
from tests.conftest import PG_URL
from tests.fixtures.concurrency import saved_as_deleted
from tests.admin.test_user_list_institutions import offered


def form(**overrides):
    data = {"full_name": "Marta Gómez", "email": "marta@example.org", "password": "a-long-password",
            "roles": ["trainee"], "country_code": "CL", "institution_id": "", "position": "technician",
            "locale": "es", "is_active": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_creates_an_account(client, login_as, make_institution):
    login_as("admin", country=None)
    institution = make_institution(country="CL")
    response = client.post("/admin/users/new", data=form(institution_id=str(institution.id)))
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "marta@example.org"))
    assert user.roles == {Role.TRAINEE} and user.institution == institution and user.check_password("a-long-password")
    detail = client.get(response.location).get_data(as_text=True)
    assert "Account created for Marta Gómez." in detail


def test_errors_are_summarised_and_values_kept(client, login_as, make_user):
    login_as("admin", country=None)
    make_user(email="taken@example.org")
    response = client.post("/admin/users/new", data=form(email="TAKEN@example.org", position=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<a href="#email">An account with this e-mail address already exists</a>' in html
    assert '<a href="#position">' in html
    assert 'value="Marta Gómez"' in html  # what was typed stays
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2


def test_coordinator_creates_trainees_in_their_country_only(client, login_as):
    login_as("coordinator", country="PE")
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert '<option selected value="PE">' in page and 'value=""' not in page.split('id="country_code"')[1].split("</select>")[0] and 'value="AR"' not in page
    assert 'value="admin"' not in page  # only the trainee role is offered
    response = client.post("/admin/users/new", data=form(country_code="AR"))
    assert response.status_code == 400
    assert "You can only manage people of your own country" in response.get_data(as_text=True)
    response = client.post("/admin/users/new", data=form(country_code="PE", roles=["trainee", "admin"]))
    assert response.status_code == 400
    assert client.post("/admin/users/new", data=form(country_code="PE")).status_code == 302


def test_refresh_button_shows_the_institutions_of_the_new_country(client, login_as, make_institution):
    login_as("admin", country=None)
    make_institution(country="CL", name="Chilean agency")
    make_institution(country="MX", name="Mexican agency")
    response = client.post("/admin/users/new", data=form(country_code="MX", refresh="y"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Mexican agency" in html and "Chilean agency" not in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1  # nothing saved


def test_edit_and_deactivate(client, login_as, make_user):
    login_as("coordinator", country="CL")
    trainee = make_user(country="CL", email="t@example.org")
    page = client.get(f"/admin/users/{trainee.uuid}/edit").get_data(as_text=True)
    assert 'value="t@example.org"' in page and "Initial password" not in page
    response = client.post(f"/admin/users/{trainee.uuid}/edit",
                           data=form(email="t@example.org", full_name="New Name", position="manager",
                                     is_active=None, password=None))
    assert response.status_code == 302
    db.session.refresh(trainee)
    assert (trainee.full_name, trainee.position.value, trainee.is_active) == ("New Name", "manager", False)
    client.post("/auth/logout")
    denied = client.post("/auth/login", data={"email": "t@example.org", "password": "correct-horse-battery"})
    assert denied.status_code == 400


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_each_change_link_of_a_person_opens_the_form_at_its_field(client, login_as, make_user, make_institution,
                                                                   role):
    """A "Change" beside a row of a person's page leads to that field of the form, as the summary list pattern
    asks: on a phone the position was a screen or two below the top of the form every link opened."""
    login_as(role, country=None if role == "admin" else "CL", locale="en")
    person = make_user(country="CL", institution=make_institution(country="CL"))
    page = unescape(client.get(f"/admin/users/{person.uuid}").get_data(as_text=True))
    links = re.findall(r'<dd class="summary-list__actions"><a href="([^"]+)">Change<span class="visually-hidden"> '
                       r'([^<]+)</span>', page)
    assert [key for _href, key in links] == ["Full name", "E-mail address", "Roles", "Country", "Institution",
                                             "Region", "Position", "Preferred language", "Status"]
    form = client.get(f"/admin/users/{person.uuid}/edit").get_data(as_text=True)
    # sent to its address without the field: a form sent back with errors opens at its error summary
    assert f'<form method="post" action="/admin/users/{person.uuid}/edit" novalidate' in form
    for href, key in links:
        path, _, field = href.partition("#")
        assert path == f"/admin/users/{person.uuid}/edit" and field, (key, href)
        assert re.search(rf'<(input|select)[^>]* id="{field}"', form), (key, field)
        assert f'for="{field}"' in form, (key, field)  # its label, kept in view above it (scroll-margin-top)


def test_the_person_form_posts_back_under_the_sites_prefix(client, login_as, make_user):
    """Behind a proxy that mounts Itinera under a path (SCRIPT_NAME), the person form opened at a field is sent to
    its address under that path: without it the form went to the site's root, outside Itinera."""
    login_as("admin", country=None, locale="en")
    person = make_user(country="CL")
    form = client.get(f"/admin/users/{person.uuid}/edit?x=1", environ_overrides={"SCRIPT_NAME": "/lms"})
    assert f'<form method="post" action="/lms/admin/users/{person.uuid}/edit?x=1" novalidate' in form.get_data(
        as_text=True)


def test_an_invitation_withdrawn_from_the_list_leads_back_to_it_under_the_sites_prefix(client, login_as, make_user):
    """Behind a proxy that mounts Itinera under a path (SCRIPT_NAME), withdrawing an invitation from the list of
    pending ones went back to /admin/invitations at the site's root, outside Itinera."""
    login_as("admin", country=None, locale="en")
    invited = make_user(country="CL", email="invited@example.org", password=None)
    under = {"SCRIPT_NAME": "/lms"}
    listed = client.get("/admin/invitations?q=invited", environ_overrides=under).get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/lms/admin/invitations?q=invited">' in listed
    done = client.post(f"/admin/users/{invited.uuid}/invitation/withdraw", environ_overrides=under,
                       data={"next": "/lms/admin/invitations?q=invited", "confirmed": "1"})
    assert done.status_code == 302 and done.headers["Location"] == "/lms/admin/invitations?q=invited"


def test_people_list_filters_and_pages(client, login_as, make_user, app):
    app.config["PAGE_SIZE"] = 3
    login_as("admin", country=None, name="Zed Admin")
    for i in range(5):
        make_user(country="MX", name=f"Mexican {i}")
    make_user(country="AR", name="Argentine")
    html = client.get("/admin/users?country=MX").get_data(as_text=True)
    assert "5 results" in html and "Page 1 of 2" in html and 'rel="next"' in html
    assert "Argentine" not in html
    html = client.get("/admin/users?country=MX&page=2").get_data(as_text=True)
    assert len(re.findall(r"Mexican \d", html)) == 2
    assert "1 result" in client.get("/admin/users?q=argent").get_data(as_text=True)


def test_the_same_person_added_twice_at_once_is_a_form_error(client, login_as, monkeypatch):
    """A double click: the other request commits the address after this one checked it. This one is not an
    error page but the form, saying the address is taken."""
    from app.auth import services

    login_as("admin", country=None)
    checked = services._validate
    other = db.engine.connect()

    def the_other_request_commits_first(actor, user, data):
        clean = checked(actor, user, data)
        if not other.closed:
            other.execute(sa.insert(User).values(email="marta@example.org", full_name="Marta Gómez",
                                                 country_code="CL", is_active=True, session_version=1))
            other.commit()
            other.close()
        return clean

    monkeypatch.setattr(services, "_validate", the_other_request_commits_first)
    response = client.post("/admin/users/new", data=form())
    assert response.status_code == 400
    assert '<a href="#email">An account with this e-mail address already exists</a>' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email == "marta@example.org")) == 1


def test_names_are_found_whatever_their_accents_and_case(client, login_as, make_user, make_cohort):
    """SQLite lowers only A–Z and every database keeps accents: a search for "nanez" or "ÑÁÑEZ" finds Ñáñez."""
    login_as("coordinator", country="CO")
    make_user(country="CO", name="María José López Ñáñez")
    make_user(country="CO", name="Ana Zuluaga")
    for query in ("Ñáñez", "ñáñez", "nanez", "maria jose", "LÓPEZ", "López Ñáñez"):
        html = client.get("/admin/users", query_string={"q": query}).get_data(as_text=True)
        assert "María José López Ñáñez" in html and "Ana Zuluaga" not in html, query
    html = client.get("/admin/users", query_string={"q": "%"}).get_data(as_text=True)
    assert "María José López Ñáñez" not in html  # what someone types is text, not a pattern
    make_user(country="CO", name="Ñusta Quispe")
    make_user(country="CO", name="Oscar Ruiz")
    html = client.get("/admin/users").get_data(as_text=True)
    assert html.index("María José") < html.index("Ñusta Quispe") < html.index("Oscar Ruiz")


def summary(html):
    """The error summary's links: (field, message), in order."""
    if 'class="error-summary"' not in html:
        return []
    box = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    return [(field, unescape(message)) for field, message in re.findall(r'<a href="#([\w-]+)">([^<]*)</a>', box)]


def test_one_submit_shows_every_problem(client, login_as):
    """The form's own checks (an empty name) and the account's (the address, the trainee's position) at once."""
    login_as("admin", country=None)
    response = client.post("/admin/users/new", data=form(full_name="", email="ana.perez@", position="",
                                                         password=""))
    assert response.status_code == 400
    assert summary(response.get_data(as_text=True)) == [
        ("full_name", "Enter the full name"),
        ("email", "Enter an e-mail address in the right format, like name@example.org"),
        ("position", "Choose the trainee's position: manager or technician"),
    ]
    response = client.post("/admin/users/new", data=form(email="ana.perez@", password="short", is_active=None))
    assert summary(response.get_data(as_text=True)) == [
        ("email", "Enter an e-mail address in the right format, like name@example.org"),
        ("password", "The password must be at least 10 characters long"),
    ]
    response = client.post("/admin/users/new", data=form(email="ana.perez@", password="", is_active=None))
    assert summary(response.get_data(as_text=True)) == [  # no invitation for an inactive account, said with the rest
        ("email", "Enter an e-mail address in the right format, like name@example.org"),
        ("is_active", "The account is inactive, so no invitation can be sent: make it active first."),
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_one_submit_shows_every_problem_of_a_changed_account(client, login_as, make_user):
    login_as("coordinator", country="CL")
    trainee = make_user(country="CL", email="t@example.org")
    response = client.post(f"/admin/users/{trainee.uuid}/edit",
                           data=form(full_name=" ", email="t@example", position="", password=None))
    assert response.status_code == 400
    assert [field for field, _ in summary(response.get_data(as_text=True))] == ["full_name", "email", "position"]
    db.session.refresh(trainee)
    assert trainee.email == "t@example.org"


def test_a_refresh_asks_for_the_typed_password_again(client, login_as, outbox):
    """Without JavaScript the country's lists come with a refresh, which cannot keep a typed password (it is
    never sent back to the browser): the page says so, instead of Save then inviting the person instead."""
    login_as("admin", country=None)
    response = client.post("/admin/users/new", data=form(country_code="MX", refresh="y", password="my-secret-pw"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert summary(html) == [("password", "The password is not kept when the lists are refreshed: type it again, "
                                          "or leave it empty to e-mail the person an invitation.")]
    assert "my-secret-pw" not in html
    assert html.index('name="refresh"') < html.index('id="password"')  # the country is chosen before it
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    quiet = client.post("/admin/users/new", data=form(country_code="MX", refresh="y", password=""))
    assert quiet.status_code == 200 and summary(quiet.get_data(as_text=True)) == []
    assert client.post("/admin/users/new", data=form(country_code="MX", password="my-secret-pw")).status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "marta@example.org"))
    assert user.check_password("my-secret-pw") and outbox() == []


def test_a_form_sent_back_asks_for_the_typed_password_again(client, login_as, make_user, outbox):
    """A form sent back for another mistake (an empty name, an address already used) came with the password field
    empty and no word about it: Save after correcting the mistake then invited the person instead."""
    make_user(email="taken@example.org")
    login_as("admin", country=None)
    again = ("password", "The password is not sent back with the form: type it again, or leave it empty to e-mail "
                         "the person an invitation.")
    for wrong in (dict(full_name=""), dict(email="taken@example.org")):
        response = client.post("/admin/users/new", data=form(password="my-secret-pw", **wrong))
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and again in summary(html), wrong
        assert "my-secret-pw" not in html
    for said in (dict(password="", full_name=""), dict(password="short", full_name="")):  # nothing typed; its own
        assert again not in summary(client.post("/admin/users/new", data=form(**said)).get_data(as_text=True))
    assert outbox() == []


def test_an_empty_list_says_so_once_in_its_own_words(client, login_as):
    """Not "No results" above "Nothing needs attention.": a page with no search found nothing to count."""
    login_as("admin", country=None, locale="es")
    expected = {"/admin/jobs": "No hay nada que requiera atención.", "/admin/lrs-clients": "Todavía no hay credenciales.",
                "/admin/invitations": "Todas las personas ya eligieron su contraseña.",
                "/admin/cohorts": "Todavía no se ha creado ninguna cohorte."}
    for path, sentence in expected.items():
        page = unescape(client.get(path).get_data(as_text=True))
        assert sentence in page and "Ningún resultado" not in page and "result-count" not in page, path


def test_no_pending_invitation_points_to_adding_a_person(client, login_as):
    """"Everybody has chosen a password" was the whole page: the next step, adding someone (which sends the
    invitation), was two pages away."""
    login_as("coordinator", country="CL", locale="es")
    page = unescape(client.get("/admin/invitations").get_data(as_text=True))
    empty = page[page.index("Todas las personas ya eligieron su contraseña."):]
    assert re.search(r'<a [^>]*href="/admin/users/new"[^>]*>Agregar una persona</a>', empty[:empty.index("</main>")])


def test_each_page_of_a_list_has_a_title_of_its_own(client, login_as, make_user, app):
    """Screen reader users hear the title first, and browser history lists pages by it: page 2 says so."""
    app.config["PAGE_SIZE"] = 3
    login_as("admin", country=None, locale="en")
    for i in range(5):
        make_user(country="MX", name=f"Mexican {i}")
    assert "<title>People – Page 1 of 2 – Itinera</title>" in client.get("/admin/users").get_data(as_text=True)
    assert "<title>People – Page 2 of 2 – Itinera</title>" in client.get("/admin/users?page=2").get_data(as_text=True)
    single = client.get("/admin/users?country=AR").get_data(as_text=True)
    assert "<title>People – Itinera</title>" in single  # one page: nothing to tell apart


def test_a_page_past_the_end_of_a_list_shows_its_last_page(client, login_as, make_user, app):
    """A bookmark or a Previous link kept after the list shrank: the last page, not "No people match" beside
    "6 results", nor "Page 9 of 2" with a Previous link to the empty page 8."""
    app.config["PAGE_SIZE"] = 3
    login_as("admin", country=None, locale="en", name="Zed Admin")
    for i in range(5):
        make_user(country="MX", name=f"Mexican {i}")
    html = client.get("/admin/users?page=9").get_data(as_text=True)
    assert "No people match your search." not in html
    assert "Page 2 of 2" in html and "Zed Admin" in html
    assert 'href="/admin/users?page=1" rel="prev"' in html


def test_a_page_past_the_end_of_every_other_list_shows_its_last_page(client, login_as, make_user,
                                                                      make_institution, make_cohort):
    from app.notifications.services import notify

    admin = login_as("admin", country=None, locale="en")
    make_institution(name="Only institution")
    make_cohort(name="Only cohort")
    notify(admin, "added_to_cohort", send_email=False, cohort="Only cohort")
    db.session.commit()
    for path, text in [("/admin/institutions?page=4", "Only institution"), ("/admin/cohorts?page=4", "Only cohort"),
                       ("/notifications/?page=4", "Mark all as read")]:
        html = client.get(path).get_data(as_text=True)
        assert text in html, path


def test_a_persons_preferred_language_is_named_in_that_language(client, login_as, make_user):
    login_as("admin", country=None, locale="es")
    person = make_user(locale="pt_BR")
    html = client.get(f"/admin/users/{person.uuid}").get_data(as_text=True)
    assert '<span lang="pt-BR">Português (Brasil)</span>' in html


def _revision(page: str) -> str:
    return re.search(r'name="revision" type="hidden" value="([0-9a-f]+)"', page).group(1)


def test_a_change_saved_by_someone_else_meanwhile_is_not_overwritten(client, login_as, make_user):
    """Two coordinators open the same person's form; the second to save is told, keeps their values, and
    replaces the other change only by saving again."""
    login_as("coordinator", country="CL", locale="en")
    trainee = make_user(country="CL", email="t@example.org", name="Teresa Soto")
    url = f"/admin/users/{trainee.uuid}/edit"
    opened = _revision(client.get(url).get_data(as_text=True))
    other = form(email="teresa.soto@example.org", full_name="Teresa Soto", password=None, revision=opened)
    assert client.post(url, data=other).status_code == 302  # the other coordinator's tab
    late = client.post(url, data=form(email="t@example.org", full_name="Teresa Soto Paz", position="manager",
                                      password=None, revision=opened))
    page = unescape(late.get_data(as_text=True))
    assert late.status_code == 400 and "Someone else saved a change to this after you opened the page" in page
    assert 'value="Teresa Soto Paz"' in page  # what they typed is kept
    db.session.expire_all()
    assert (trainee.email, trainee.full_name) == ("teresa.soto@example.org", "Teresa Soto")
    again = client.post(url, data=form(email="t@example.org", full_name="Teresa Soto Paz", position="manager",
                                       password=None, revision=_revision(page)))
    assert again.status_code == 302
    db.session.expire_all()
    assert (trainee.email, trainee.full_name, trainee.position.value) == ("t@example.org", "Teresa Soto Paz",
                                                                          "manager")


def test_a_form_sent_without_its_email_field_says_to_enter_one(client, login_as, make_user):
    """A request without the field at all (a forged or truncated form) reaches the service's checks as None."""
    from app.auth import tokens
    from app.auth.services import SYSTEM

    login_as("admin", country=None)
    created = client.post("/admin/users/new", data=form(email=None))
    assert created.status_code == 400
    assert '<a href="#email">Enter an e-mail address</a>' in created.get_data(as_text=True)
    person = make_user(roles=("trainee",), country="CL")
    edited = client.post(f"/admin/users/{person.uuid}/edit", data=form(email=None, password=None))
    assert edited.status_code == 400 and '<a href="#email">Enter an e-mail address</a>' in edited.get_data(as_text=True)
    assert tokens.account_problems(SYSTEM, None, email=None, full_name="Ana", roles={Role.ADMIN})["email"] == \
        "Enter an e-mail address"


@pytest.mark.skipif(not PG_URL, reason="SQLite lets one writer in at a time: the other request waits for this one")
@pytest.mark.parametrize("with_revision", [True, False])
def test_an_account_saved_as_its_invitation_is_withdrawn_is_not_found(app, login_as, make_user, send_at_once,
                                                                      with_revision):
    """The account form of someone still invited, saved just as a colleague withdraws the invitation (which
    removes the account): 404, the account is gone, never an error page; with or without a revision."""
    from app.auth.services import edit_revision

    coordinator = login_as("coordinator", country="CL")
    invited = make_user(country="CL", email="invited@example.org", password=None)
    sent = form(email="invited@example.org", full_name="Invitada", password=None)
    if with_revision:
        sent["revision"] = edit_revision(invited)
    statuses = saved_as_deleted(app, send_at_once, coordinator, "\"user\"",
                                f"/admin/users/{invited.uuid}/invitation/withdraw",
                                f"/admin/users/{invited.uuid}/edit", sent)
    assert statuses == [302, 404], statuses
    assert db.session.scalar(sa.select(sa.func.count()).where(User.email == "invited@example.org")) == 0


@pytest.mark.parametrize("locale, written", [("es", r"\b5 dic 2026, \d{1,2}:40\b"),
                                             ("pt_BR", r"\b5 de dez\. de 2026 \d{1,2}:40\b"),
                                             ("en", r"\bDec 5, 2026, \d{1,2}:40\sPM\b")])
def test_a_persons_page_gives_times_to_the_minute_as_other_pages_do(client, login_as, make_user, locale, written):
    from datetime import datetime, timezone

    login_as("admin", country=None, locale=locale)
    person = make_user()
    person.last_login_at = datetime(2026, 12, 5, 20, 40, 4, tzinfo=timezone.utc)
    db.session.commit()
    text = unescape(re.sub(r"<[^>]+>", " ", client.get(f"/admin/users/{person.uuid}").get_data(as_text=True)))
    # the month in words (5/12/26 is the 12th of May in English), to the minute (no seconds)
    assert re.search(written, text), text
    assert not re.search(r"\d:40:04", text) and not re.search(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b", text)  # no 5/12/26


def test_pending_invitations_can_be_searched_by_name_or_address(client, login_as, make_user):
    """After an import of hundreds of people, the coordinator looking for one person to send the invitation again
    had only pages of names in the order they were added: the list is searched like the list of people."""
    login_as("coordinator", country="CL")
    jose = make_user(country="CL", name="José Núñez", email="jnunez@gore.cl", password=None)
    ana = make_user(country="CL", name="Ana Pérez", email="aperez@gore.cl", password=None)
    abroad = make_user(country="AR", name="José Núñez Otero", email="jno@example.org", password=None)
    page = client.get("/admin/invitations?q=nunez").get_data(as_text=True)
    assert jose.email in page and ana.email not in page and abroad.email not in page
    assert 'name="q" value="nunez"' in page
    page = client.get("/admin/invitations?q=APEREZ@gore").get_data(as_text=True)
    assert ana.email in page and jose.email not in page


def test_two_admins_taking_each_other_out_at_once_leave_one_of_them(app, make_user, send_at_once):
    """Nobody takes themselves out, so one admin always remains, unless two take each other out at the same
    moment: the second is refused, as it would leave Itinera without an active administrator."""
    ana = make_user(roles=("admin",), country=None, email="ana@example.org")
    bea = make_user(roles=("admin",), country=None, email="bea@example.org")

    def out(admin, **changes):
        return form(**{"full_name": admin.full_name, "email": admin.email, "roles": ["admin"], "country_code": "",
                       "position": "", "password": None, **changes})

    def signed_in(sql):  # each request has read its admin's sign-in before either writes ("user" is quoted on PG)
        return sql.startswith("SELECT") and " JOIN sign_in ON " in sql

    # nothing is held before the sign-in is read, so each waits for the other however loaded the machine (when one
    # finished alone first, the other's admin was already out, and was sent to the sign-in page: two 302s)
    responses = send_at_once([(ana, "POST", f"/admin/users/{bea.uuid}/edit", out(bea, is_active=None)),
                              (bea, "POST", f"/admin/users/{ana.uuid}/edit", out(ana, roles=["trainer"]))],
                             meet=signed_in, wait=20)
    assert sorted(getattr(r, "status_code", r) for r in responses) == [302, 400]
    refused = next(r for r in responses if r.status_code == 400).get_data(as_text=True)
    assert "Itinera would be left without an active administrator" in refused
    db.session.expire_all()
    assert sum(u.is_admin and u.is_active for u in db.session.scalars(sa.select(User))) == 1


@pytest.mark.parametrize("typed", ["joao silva", "Silva João", "  JOÃO   da  "])
def test_a_name_is_found_by_its_words_in_any_order(client, login_as, make_user, make_institution, make_cohort,
                                                   typed):
    """"João Silva" found nobody called "João da Silva": what was typed had to appear as it was, in one piece, and
    names of people, institutions and cohorts carry particles ("da", "de la") and are said in either order."""
    login_as("coordinator", country="BR")
    joao = make_user(country="BR", name="João da Silva", email="jds@example.org")
    other = make_user(country="BR", name="João Pereira", email="jp@example.org")
    page = client.get("/admin/users", query_string={"q": typed}).get_data(as_text=True)
    assert joao.email in page and other.email not in page
    make_institution(country="BR", name="Prefeitura de Florianópolis")
    make_cohort(country="BR", name="Turma piloto de Santa Catarina")
    assert "Prefeitura de Florianópolis" in client.get("/admin/institutions?q=prefeitura florianopolis").get_data(
        as_text=True)
    assert "Turma piloto de Santa Catarina" in client.get("/admin/cohorts?q=turma catarina").get_data(as_text=True)


def test_people_list_filters_by_institution_with_the_other_filters_and_pages(client, login_as, make_user,
                                                                            make_institution, app):
    app.config["PAGE_SIZE"] = 2
    login_as("admin", country=None)
    ministry, other = make_institution(country="CL", name="Ministerio A"), make_institution(country="CL", name="B")
    for i in range(3):
        make_user(country="CL", name=f"Ministry {i}", institution=ministry)
    make_user(country="CL", name="Ministry gone", institution=ministry, is_active=False)
    make_user(country="CL", name="Elsewhere", institution=other)
    make_user(roles=("trainer",), country="CL", name="Ministry trainer", institution=ministry)
    html = client.get(f"/admin/users?institution={ministry.id}").get_data(as_text=True)
    assert "4 results" in html and "Elsewhere" not in html and "Ministry gone" not in html
    assert offered(html)[str(ministry.id)] == ("Ministerio A", True)
    assert '<option value="CL" selected>' in html  # the institution's country is the one shown
    assert f'href="/admin/users?institution={ministry.id}&amp;page=2" rel="next"' in html
    second = client.get(f"/admin/users?institution={ministry.id}&page=2").get_data(as_text=True)
    assert len(re.findall(r"Ministry [0-9a-z]+", second)) == 2 and "Elsewhere" not in second
    assert "5 results" in client.get(f"/admin/users?institution={ministry.id}&status=all").get_data(as_text=True)
    gone = client.get(f"/admin/users?institution={ministry.id}&status=inactive").get_data(as_text=True)
    assert "1 result" in gone and "Ministry gone" in gone
    trainers = client.get(f"/admin/users?institution={ministry.id}&role=trainer").get_data(as_text=True)
    assert "1 result" in trainers and "Ministry trainer" in trainers
    assert "1 result" in client.get(f"/admin/users?institution={ministry.id}&q=ministry+2").get_data(as_text=True)
    # another country chosen: its own institutions are offered, and the one of Chile no longer narrows the list
    html = client.get(f"/admin/users?institution={ministry.id}&country=AR").get_data(as_text=True)
    assert "Ministerio A" not in html and "No people match your search." in html


def test_a_coordinator_filters_only_by_institutions_of_their_country(client, login_as, make_user, make_institution):
    login_as("coordinator", country="CL")
    own = make_institution(country="CL", name="Municipalidad de Chillán")
    foreign = make_institution(country="AR", name="Secretaría Secreta")
    make_user(country="CL", name="Chilena", institution=own)
    make_user(country="AR", name="Argentino", institution=foreign)
    html = client.get(f"/admin/users?institution={own.id}").get_data(as_text=True)
    assert "1 result" in html and "Chilena" in html
    assert "Secretaría Secreta" not in html  # other countries' institutions are not offered
    for value in (foreign.id, 999_999, "abc", "-1", "9" * 40):
        response = client.get(f"/admin/users?institution={value}")
        html = unescape(response.get_data(as_text=True))
        assert response.status_code == 200, value
        assert "Secretaría Secreta" not in html and "Argentino" not in html and "Chilena" not in html, value
        assert "This institution was not found. Choose an institution from the list." in html, value
        assert 'href="#institution"' in html and "<title>Error: People – Itinera</title>" in html, value


def test_an_admin_is_told_of_an_unknown_institution(client, login_as, make_user):
    login_as("admin", country=None)
    make_user(country="CL", name="Chilena")
    html = unescape(client.get("/admin/users?institution=999999").get_data(as_text=True))
    assert "This institution was not found." in html and "Chilena" not in html


def test_the_people_list_tells_people_without_a_password_from_the_active_and_filters_them(client, login_as,
                                                                                       make_user):
    login_as("admin", country=None, locale="en")
    make_user(name="Ana Activa", country="AR")
    make_user(name="Ines Invitada", country="AR", password=None)
    make_user(name="Dora Desactivada", country="AR", is_active=False)

    def status_of(html, name):
        row = re.search(rf"{name}</a></th>(.*?)</tr>", html, re.S).group(1)
        return re.sub(r"<[^>]+>", "", row.rsplit("<td", 1)[1].split(">", 1)[1]).strip()

    everyone = client.get("/admin/users?country=AR&status=all").get_data(as_text=True)
    assert status_of(everyone, "Ana Activa") == "Active"
    assert status_of(everyone, "Ines Invitada") == "No password yet"
    assert status_of(everyone, "Dora Desactivada") == "Inactive"
    invited = client.get("/admin/users?country=AR&status=invited").get_data(as_text=True)
    assert '<option value="invited" selected>No password yet</option>' in invited
    assert "Ines Invitada" in invited and "Ana Activa" not in invited and "Dora Desactivada" not in invited


def test_an_invitation_ended_by_a_deactivation_is_not_called_expired(client, login_as, outbox):
    from tests.fixtures.factories import invite

    login_as("admin", country=None, locale="en")
    invite(client)
    rosa = db.session.scalar(sa.select(User).where(User.email == "rosa@example.org"))
    fields = {"full_name": "Rosa Quispe", "email": "rosa@example.org", "roles": ["trainee"], "country_code": "PE",
              "position": "technician", "locale": "en", "is_active": ""}
    assert client.post(f"/admin/users/{rosa.uuid}/edit", data=fields).status_code == 302
    page = client.get(f"/admin/users/{rosa.uuid}").get_data(as_text=True)
    assert "The account is inactive, so no invitation can be sent: make it active first." in page
    assert "Send a new one" not in page  # no advice the next sentence takes back
    assert client.post(f"/admin/users/{rosa.uuid}/edit", data={**fields, "is_active": "y"}).status_code == 302
    listed = client.get("/admin/invitations").get_data(as_text=True)
    row = re.search(r"Rosa Quispe</a></th>(.*?)</tr>", listed, re.S).group(1)
    assert ">Cancelled<" in row and "Expired" not in row


def test_a_coordinator_who_also_trains_is_listed_only_the_invitations_of_their_country(client, login_as, make_user):
    """The pending invitations are those of the people one manages; a coordinator who also trains (trainers see
    every country) was listed every country's, with buttons to send them again that only refused."""
    login_as(make_user(roles=("coordinator", "trainer"), country="PE"))
    own = make_user(country="PE", email="rosa@example.pe", password=None)
    abroad = make_user(country="MX", email="diego@example.mx", password=None)
    page = client.get("/admin/invitations").get_data(as_text=True)
    assert own.email in page and abroad.email not in page


@pytest.mark.parametrize("path, name", [("/admin/users", "Chilena"), ("/admin/institutions", "Ministerio de Chile"),
                                        ("/admin/cohorts", "Cohorte de Chile")])
@pytest.mark.parametrize("role, value", [("admin", "ZZ"), ("admin", "XX9"), ("coordinator", "AR")])
def test_a_list_says_when_its_country_filter_names_no_country_offered(client, login_as, make_user, make_institution,
                                                                     make_cohort, path, name, role, value):
    """A country typed in the address that the list does not offer (no such code, or one the coordinator does not
    manage) listed nobody under a form that showed "All countries" chosen: now the page says so at the field."""
    login_as(role, country=None if role == "admin" else "CL")
    ministry = make_institution(country="CL", name="Ministerio de Chile")
    make_user(country="CL", name="Chilena", institution=ministry)
    make_cohort(country="CL", name="Cohorte de Chile")
    response = client.get(f"{path}?country={value}")
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and name not in html
    assert "This country was not found. Choose a country from the list." in html
    assert 'href="#country"' in html and 'id="country"' in html and 'aria-invalid="true"' in html
    assert "<title>Error: " in html


@pytest.mark.parametrize("path, name", [("/admin/users", "Chilena"), ("/admin/institutions", "Ministerio de Chile"),
                                        ("/admin/cohorts", "Cohorte de Chile")])
def test_a_country_filter_in_lower_case_is_read(client, login_as, make_user, make_institution, make_cohort, path, name):
    login_as("admin", country=None)
    ministry = make_institution(country="CL", name="Ministerio de Chile")
    make_user(country="CL", name="Chilena", institution=ministry)
    make_cohort(country="CL", name="Cohorte de Chile")
    html = unescape(client.get(f"{path}?country=cl").get_data(as_text=True))
    assert name in html and "This country was not found" not in html


@pytest.mark.parametrize("value", ["bogus", "", "ALL", "%FF"])
def test_an_unknown_status_filter_lists_what_the_form_shows_chosen(client, login_as, make_user, value):
    """The status list shows "Active" chosen for a value it does not offer (a browser selects the first option):
    the list was of everyone, the inactive included. It now lists what the form shows."""
    login_as("admin", country=None)
    make_user(country="CL", name="Activa")
    make_user(country="CL", name="Inactiva", is_active=False)
    make_user(country="CL", name="Invitada", password=None)
    html = unescape(client.get(f"/admin/users?status={value}").get_data(as_text=True))
    listed = re.findall(r'">(\w+)</a></th>', html)
    assert "Activa" in listed and "Inactiva" not in listed
    assert listed == re.findall(r'">(\w+)</a></th>', client.get("/admin/users?status=active").get_data(as_text=True))
    assert '<option value="active" selected>' in html


def test_every_list_says_its_search_found_nothing_and_links_to_clear_it(client, login_as, make_user, make_cohort,
                                                                         make_institution):
    """The lists' button says "Search", but an empty result said "No people match these filters.": each list
    now says its search found nothing, in the same words, with a link back to the whole list."""
    login_as("admin", country=None, locale="en")
    cohort = make_cohort(country="CL", members=[make_user(country="CL"), make_user(country="CL")])
    make_institution(country="CL")
    cleared = '<a href="{}">Clear the search</a>'
    for url, message, back in [
        ("/admin/users?q=nadie", "No people match your search.", "/admin/users"),
        ("/admin/cohorts?q=nadie", "No cohorts match your search.", "/admin/cohorts"),
        ("/admin/institutions?q=nadie", "No institutions match your search.", "/admin/institutions"),
        ("/admin/invitations?q=nadie", "No pending invitations match your search.", "/admin/invitations"),
        ("/admin/outbox?q=nadie", "No e-mails match your search.", "/admin/outbox"),
        (f"/admin/cohorts/{cohort.id}?member_q=nadie&q=x", "No members match your search.",
         f"/admin/cohorts/{cohort.id}?q=x#cohort-members"),
        (f"/admin/cohorts/{cohort.id}?member_q=p&q=nadie", "No people match your search.",
         f"/admin/cohorts/{cohort.id}?member_q=p#add"),
    ]:
        html = client.get(url).get_data(as_text=True)
        assert message in html and cleared.format(back) in html, url
        assert "these filters" not in html


def test_a_list_with_nothing_yet_does_not_speak_of_a_search(client, login_as):
    login_as("coordinator", country="CL", locale="en")
    cohorts = client.get("/admin/cohorts").get_data(as_text=True)
    assert "No cohort has been created yet." in cohorts and "Clear the search" not in cohorts
    institutions = client.get("/admin/institutions").get_data(as_text=True)
    assert "No institution has been added yet." in institutions and "Clear the search" not in institutions


def test_no_pending_invitation_shows_no_search(client, login_as, make_user):
    """With nobody pending there is nothing to search: the form stood above "Everybody has chosen a password". It
    stays while someone is pending, and after a search that found nobody (to change the words)."""
    login_as("coordinator", country="CL", locale="en")
    search = 'role="search"'
    assert search not in client.get("/admin/invitations").get_data(as_text=True)
    make_user(country="CL", password=None, name="Ana Pending")
    assert search in client.get("/admin/invitations").get_data(as_text=True)
    assert search in client.get("/admin/invitations?q=nobody").get_data(as_text=True)
