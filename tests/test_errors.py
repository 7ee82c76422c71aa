"""Bad input and failures answer a translated page (or JSON), never a bare 500 or a traceback."""
import base64
from html import unescape

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from app.auth.models import User
from app.extensions import db
from tests.fixtures.factories import session_id
from tests.fixtures.services import RefusedBy

HUGE = "99999999999999999999"


def spanish(message: str) -> str:
    with force_locale("es"):
        translated = gettext(message)
    assert translated != message
    return translated


@pytest.mark.parametrize("when", ["flush", "commit"])
def test_a_database_error_answers_the_translated_500_page(make_app, make_user, when):
    """The failed transaction is rolled back before the error page, whose navigation queries the database."""
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    admin = make_user(roles=("admin",), country=None, locale="es")

    @app.route("/clash")
    def clash():
        db.session.add(User(email=admin.email, full_name="Same address"))
        db.session.flush() if when == "flush" else db.session.commit()
        return "unreachable"

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_id(admin), True
    response = client.get("/clash")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert '<html lang="es">' in html and spanish("Sorry, something went wrong on our side") in html
    assert "IntegrityError" not in html and "Traceback" not in html
    assert 'href="/notifications/"' in html and 'href="/admin/users"' in html  # the app's page, navigation too
    assert client.get("/").status_code == 200  # and the next request is served normally


def test_the_500_page_survives_a_database_that_is_gone(make_app, make_user, monkeypatch):
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("the database went away")

    def broken(*_args, **_kwargs):
        raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr("app.notifications.services.unread_count", broken)
    user = make_user(roles=("trainee",))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_id(user), True
    response = client.get("/boom?lang=es")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert spanish("Sorry, something went wrong on our side") in html
    assert 'href="/notifications/"' in html  # the navigation's unread count failed, the page did not


NUL_REQUESTS = [
    ("anonymous", "POST", "/auth/login", {"email": "ana\x00@example.org", "password": "whatever-it-is"}),
    ("anonymous", "POST", "/auth/password/forgot", {"email": "ana@example.org\x00"}),
    ("anonymous", "GET", "/auth/login?next=/%00", None),
    ("admin", "GET", "/admin/users?q=%00", None),
    ("admin", "GET", "/admin/institutions?q=a%00b", None),
    ("admin", "GET", "/admin/cohorts?country=%00", None),
    ("trainee", "POST", "/auth/account/language", {"locale": "es\x00"}),
    ("trainee", "POST", "/auth/account/password", {"current_password": "x\x00", "new_password": "a-long-password"}),
    ("admin", "POST", "/admin/users/new", {"full_name": "Ana\x00", "email": "ana@example.org", "roles": ["admin"],
                                           "country_code": "", "position": "", "locale": "", "is_active": "y"}),
    ("admin", "POST", "/admin/institutions/new", {"name": "Agencia\x00", "country_code": "CL", "level": "national"}),
    ("admin", "POST", "/admin/cohorts/new", {"name": "C\x00", "country_code": "CL"}),
    ("trainee", "POST", "/notifications/preferences", {"email_kinds": ["added_to_cohort\x00"]}),
]


@pytest.mark.parametrize("role,method,url,data", NUL_REQUESTS, ids=[r[2] for r in NUL_REQUESTS])
def test_a_nul_character_answers_400_everywhere(client, login_as, role, method, url, data):
    if role != "anonymous":
        login_as(role, country=None if role == "admin" else "CL")
    response = client.open(url, method=method, data=data, headers={"Accept-Language": "es"})
    assert response.status_code == 400
    assert spanish("The request could not be understood") in response.get_data(as_text=True)
    as_json = client.open(url, method=method, data=data, headers={"Accept": "application/json"})
    assert as_json.status_code == 400 and as_json.get_json()["error"] == "Bad Request"


def test_a_query_with_bytes_beyond_ascii_is_read_as_a_browser_would_have_sent_it(client, login_as, make_user):
    """A raw client's query string with bytes beyond ASCII, unencoded (browsers percent-encode them), was read as
    UTF-8 text by every page, and a byte that is no UTF-8 made each one a 500 (its error page too). Such bytes are
    taken as a browser would have sent them: UTF-8 finds what it says, anything else is an unreadable character."""
    login_as("admin", country=None, locale="en")
    person = make_user(country="CL", name="José Núñez")
    raw = "José".encode().decode("latin-1")  # the WSGI server's reading of the bytes
    for path, query in ((f"/admin/users/{person.uuid}/edit", "x=\xff"), ("/admin/users", "q=\xff")):
        assert client.get(path, environ_overrides={"QUERY_STRING": query}).status_code == 200, path
    refused = client.get("/xapi/about", environ_overrides={"QUERY_STRING": "x=\xff"})  # (a parameter it has not)
    assert refused.status_code == 400 and refused.is_json
    page = client.get("/admin/users", environ_overrides={"QUERY_STRING": f"q={raw}&status=all"})
    assert "José Núñez" in page.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/admin/users/{uuid}%00/edit", "/admin/users/%00/edit",
                                  "/admin/cohorts/new?x=%00"])
def test_a_nul_in_the_address_of_an_expired_form_answers_400_and_keeps_nothing(make_app, make_user, path):
    """The CSRF check reads a form before any view: a form whose page had expired was kept (app.kept) for an
    address holding a NUL, which PostgreSQL refuses (a 500); it is refused as every other NUL is."""
    from app.kept import KeptForm
    from tests.fixtures.sessions import form_tokens

    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        admin = make_user(roles=("admin",), country=None, locale="es")
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = session_id(admin), True
        uuid = str(admin.uuid)
    sent = form_tokens(client, f"/admin/users/{uuid}/edit", "kept_for")
    response = client.post(path.format(uuid=uuid), data={**sent, "full_name": "Ana", "csrf_token": "expired"})
    assert response.status_code == 400
    assert spanish("The request could not be understood") in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(KeptForm)) == 0


def test_the_xapi_blueprint_keeps_its_own_rules_for_nul(client):
    response = client.get("/xapi/statements?verb=%00")
    assert response.status_code == 401  # its own answer: credentials first
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


@pytest.mark.parametrize("url,role", [
    (f"/admin/users?page={HUGE}", "admin"),
    (f"/admin/institutions?page={HUGE}", "admin"),
    (f"/admin/cohorts?page={HUGE}", "admin"),
    (f"/admin/invitations?page={HUGE}", "admin"),
    (f"/admin/jobs?page={HUGE}", "admin"),
    (f"/admin/outbox?page={HUGE}", "admin"),
    (f"/admin/lrs-clients?page={HUGE}", "admin"),
    (f"/notifications/?page={HUGE}", "trainee"),
    ("/notifications/?page=-5", "trainee"),
    ("/admin/users?page=abc", "admin"),
])
def test_huge_or_odd_page_numbers_show_a_page(client, login_as, url, role):
    login_as(role, country=None if role == "admin" else "CL")
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", [f"/admin/institutions/{HUGE}/edit", f"/admin/cohorts/{HUGE}",
                                 f"/admin/import/{HUGE}", f"/notifications/{HUGE}", f"/admin/outbox/{HUGE}",
                                 "/admin/cohorts/2147483648"])
def test_ids_beyond_any_column_are_not_found(client, login_as, url):
    login_as("admin", country=None)
    assert client.get(url).status_code == 404


def user_form(**overrides):
    data = {"full_name": "Marta Gómez", "email": "marta@example.org", "password": "a-long-password",
            "roles": ["trainee"], "country_code": "CL", "institution_id": "", "position": "technician",
            "locale": "es", "is_active": "y"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("field,value,message", [
    ("position", "boss", "Choose manager or technician"),
    ("institution_id", HUGE, "Choose an institution of the person's country"),
    ("institution_id", "¹", "Choose an institution of the person's country"),
    ("institution_id", "abc", "Choose an institution of the person's country"),
])
def test_account_form_answers_bad_choices_with_a_form_error(client, login_as, make_user, field, value, message):
    login_as("admin", country=None)
    created = client.post("/admin/users/new", data=user_form(**{field: value}))
    assert created.status_code == 400 and message in unescape(created.get_data(as_text=True))
    person = make_user(roles=("trainee",), country="CL")
    edited = client.post(f"/admin/users/{person.uuid}/edit", data=user_form(email=person.email, **{field: value}))
    assert edited.status_code == 400 and message in unescape(edited.get_data(as_text=True))


@pytest.mark.parametrize("cohort_id", ["abc", HUGE, "-1"])
def test_import_with_an_unreadable_cohort_is_a_form_error(client, login_as, cohort_id):
    import io

    login_as("coordinator", country="CL")
    response = client.post("/admin/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(b"email,full_name,position\nx@example.org,X,manager\n"), "people.csv"),
        "country_code": "CL", "cohort_id": cohort_id})
    assert response.status_code == 400
    assert "Choose a cohort of the same country" in response.get_data(as_text=True)


def test_lrs_client_form_refuses_a_size_no_column_holds(client, login_as):
    login_as("admin", country=None)
    response = client.post("/admin/lrs-clients/new", data={"name": "Big", "scope": "read", "max_request_bytes": HUGE})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "the largest request this site accepts" in html  # not "a whole number"
    assert html.count('href="#max_request_bytes"') == 1  # one message, not WTForms' words beside ours
    text = client.post("/admin/lrs-clients/new", data={"name": "Big", "scope": "read", "max_request_bytes": "10 MB"})
    assert text.status_code == 400 and text.get_data(as_text=True).count('href="#max_request_bytes"') == 1


def test_without_a_mail_server_production_warns_at_start_up(make_app, caplog):
    import logging

    with caplog.at_level(logging.WARNING):
        make_app(TESTING=False, MAIL_SERVER=None)
    assert any("MAIL_SERVER is not set" in record.getMessage() for record in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        make_app(MAIL_SERVER=None)  # tests (and development) are quiet about it
    assert not any("MAIL_SERVER" in record.getMessage() for record in caplog.records)


def test_production_warns_at_start_up_when_its_address_is_this_machine(make_app, caplog):
    """Links in e-mails and the IRIs of statements (kept for good) are built from ITINERA_BASE_URL: its default,
    127.0.0.1, is only right on a developer's machine."""
    import logging

    for base, warned in [("http://127.0.0.1:5000", True), ("http://localhost:8000", True),
                         ("https://itinera.example.org", False)]:
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            make_app(TESTING=False, BASE_URL=base)
        assert any("ITINERA_BASE_URL is" in r.getMessage() for r in caplog.records) is warned, base
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        make_app(BASE_URL="http://127.0.0.1:5000")  # tests (and development) are quiet about it
    assert not any("ITINERA_BASE_URL" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("url,status", [("/places/countries/ZZ/regions.json", 404),
                                        ("/places/countries/%00/institutions.json", 400),
                                        ("/places/countries/AR/cohorts.json", 403)])
def test_the_errors_of_a_json_address_are_json_whatever_the_client_accepts(client, login_as, url, status):
    login_as("coordinator", country="CL")
    response = client.get(url, headers={"Accept": "*/*"})
    assert response.status_code == status and response.is_json and response.get_json()["error"]


@pytest.mark.parametrize("purpose, state, status", [("invitation", "unknown", 404), ("invitation", "used", 410),
                                                   ("password-reset", "unknown", 404),
                                                   ("password-reset", "expired", 410)])
def test_a_link_that_cannot_be_used_answers_json_to_a_client_that_asks_for_it(client, make_user, purpose, state,
                                                                             status):
    """An unknown, used or expired link of an e-mail, asked for by a client that wants JSON: the page for a person
    ("This link cannot be used") came in HTML, where every other error answers such a client in JSON."""
    from datetime import timedelta

    from app.auth.models import AccountToken, TokenPurpose
    from app.auth.tokens import issue_token
    from app.db import utcnow

    token = "not-a-real-token"
    if state != "unknown":
        invited = purpose == "invitation"
        token = issue_token(make_user(password=None if invited else "a-good-long-password"),
                            TokenPurpose.INVITATION if invited else TokenPurpose.PASSWORD_RESET)
        made = db.session.scalar(sa.select(AccountToken))
        if state == "used":
            made.used_at = utcnow()
        else:
            made.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    path = f"/auth/{'invitation' if purpose == 'invitation' else 'password/reset'}/{token}"
    as_json = client.get(path, headers={"Accept": "application/json"})
    assert as_json.status_code == status and as_json.is_json and as_json.get_json()["message"]
    page = client.get(path + "?lang=en")  # (a link opens in its person's language)
    assert page.status_code == status and "This link cannot be used" in page.get_data(as_text=True)


def test_a_json_address_asked_without_signing_in_answers_401_in_json(client):
    """The script that refills a form's lists, once the session has ended: a 401 it can read, not a redirect
    to the sign-in page's HTML. Pages still lead to the sign-in page and back."""
    response = client.get("/places/countries/PE/regions.json", headers={"Accept": "*/*"})
    assert response.status_code == 401 and response.is_json and response.get_json()["error"]
    page = client.get("/courses/?page=2")
    assert page.status_code == 302
    assert page.location == "/auth/login?next=%2Fcourses%2F%3Fpage%3D2"


def test_a_course_file_ending_in_json_is_a_link_a_person_follows(client, login_as):
    """Only the JSON addresses of the site answer in JSON: a module's link to a data file (data.json) opened after
    the session ended leads to the sign-in page and back, not to a 401 in JSON with no way on."""
    response = client.get("/courses/pilot/v1/assets/data.json", headers={"Accept": "text/html,*/*"})
    assert response.status_code == 302
    assert response.location == "/auth/login?next=%2Fcourses%2Fpilot%2Fv1%2Fassets%2Fdata.json"
    login_as("trainee", country="CL", locale="en")
    missing = client.get("/courses/pilot/v1/assets/data.json", headers={"Accept": "text/html,*/*"})
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert client.get("/nothing/here.json").is_json  # no route: the address is all there is to go by


def test_a_405_names_the_methods_the_address_takes(client):
    """RFC 9110 15.5.6: a 405 MUST carry an Allow header (what the address takes); the page and the JSON answer
    replaced the one Werkzeug's error gives, without it."""
    page = client.get("/auth/logout")
    assert page.status_code == 405 and page.mimetype == "text/html"
    assert "POST" in page.headers["Allow"] and "GET" not in page.headers["Allow"]
    as_json = client.get("/auth/logout", headers={"Accept": "application/json"})
    assert as_json.status_code == 405 and as_json.is_json and "POST" in as_json.headers["Allow"]


@pytest.mark.parametrize("role, country, told", [("trainee", "CL", "contact your country coordinator"),
                                                 ("trainee", "PT", "contact the programme's administrators"),
                                                 ("trainer", "CL", "contact the programme's administrators"),
                                                 ("coordinator", "CL", "contact the programme's administrators")])
def test_a_refusal_names_whom_to_ask(client, login_as, make_user, role, country, told):
    """A coordinator was told to ask their country coordinator: themselves; a trainer, one they do not have (a
    coordinator manages trainees of a country, not trainers); a European peer too (Portugal has none)."""
    make_user(roles=("coordinator",), country="CL")
    login_as(role, country=country)
    response = client.get("/admin/jobs")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert told in page.replace("&#39;", "'")
    assert ("country coordinator" in page) == (told == "contact your country coordinator")


@pytest.mark.parametrize("host", ["a" * 64, "itinera..example.org", "xn--zz"])
def test_a_host_header_that_is_no_host_name_answers_400(app, host):
    """A label longer than 63 characters or empty leaves no address to build (the error page's links failed: a
    500 on every page), and punycode that decodes to nothing no address to come back to after signing in."""
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    for path in ("/auth/login", "/auth/account"):  # (the test client reads the address itself: a server does not)
        body, status, _headers = run_wsgi_app(app.wsgi_app, EnvironBuilder(
            path=path, headers={"Host": host, "Accept-Language": "es"}).get_environ(), buffered=True)
        if path == "/auth/login" and host.startswith("xn--"):
            assert status.startswith("200")  # the sign-in page needs no address but its own path
            continue
        assert status.startswith("400"), (path, status)
        page = unescape(b"".join(body).decode())
        assert spanish("The request could not be understood") in page
        # a page without links, whose title still names the site, as every page's does
        assert f"<title>{spanish('The request could not be understood')} – Itinera</title>" in page


GONE_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/gone"  # nothing listens there: the connection is refused


def test_a_database_that_cannot_be_reached_is_a_503_to_try_again_not_a_500(app, make_app):
    """A database that is down (restarting, unreachable) is no fault of the page: people are told the service is
    unavailable for a moment, and clients (browsers, the xAPI content reporting to the LRS) when to try again."""
    down = make_app(GONE_DATABASE, TESTING=False, PROPAGATE_EXCEPTIONS=False)
    client = down.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f:key"  # someone signed in: loaded from the database
    page = client.get("/", headers={"Accept-Language": "es"})
    assert page.status_code == 503 and page.headers["Retry-After"].isdigit()
    html = page.get_data(as_text=True)
    assert spanish("The service is temporarily unavailable") in html and "OperationalError" not in html
    lrs = down.test_client().post("/xapi/statements", json={}, headers={
        "Authorization": "Basic " + base64.b64encode(b"key:secret").decode(), "X-Experience-API-Version": "1.0.3"})
    assert lrs.status_code == 503 and lrs.is_json and lrs.get_json()["error"] == 503
    assert lrs.headers["Retry-After"].isdigit() and lrs.headers["X-Experience-API-Version"] == "1.0.3"


def test_a_database_error_that_is_no_outage_is_still_a_500(make_app, make_user):
    """Only a database that cannot be reached, or asks for the transaction to be tried again, is a 503: a fault of
    the page's own (a query the database refuses) stays a 500, and nobody is told to wait for it to go away."""
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.route("/broken")
    def broken():
        db.session.execute(sa.text("SELECT * FROM no_such_table"))
        return "unreachable"

    response = app.test_client().get("/broken")
    assert response.status_code == 500 and "Retry-After" not in response.headers


def test_a_410_asked_for_as_json_says_what_is_gone_in_the_reader_s_language(client, make_user):
    """A used invitation answered to a JSON client: its message says, in words and in the language asked for,
    that what the link led to is no longer there (it said the status' English name, "Gone")."""
    from app.auth.models import AccountToken, TokenPurpose
    from app.auth.tokens import issue_token
    from app.db import utcnow

    token = issue_token(make_user(password=None), TokenPurpose.INVITATION)
    db.session.scalar(sa.select(AccountToken)).used_at = utcnow()
    db.session.commit()
    as_json = client.get(f"/auth/invitation/{token}", headers={"Accept": "application/json", "Accept-Language": "es"})
    assert as_json.status_code == 410
    assert as_json.get_json() == {"error": "Gone", "message": spanish("This is no longer available")}


@pytest.mark.parametrize("sqlstate, status", [("40P01", 503), ("40001", 503), ("57P03", 503), ("57014", 500),
                                              ("42P01", 500)])
def test_a_transaction_to_try_again_is_a_503_for_the_person_still_signed_in(make_app, make_user, sqlstate, status):
    """A deadlock or a serialization failure asks for the request to be sent again (503, Retry-After), to the
    person as they are signed in (the database answers: their navigation is shown); a query cancelled by the
    statement timeout, or one the database refuses, is the page's own fault (500)."""
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    person = make_user(roles=("trainee",))

    @app.route("/contended")
    def contended():
        raise sa.exc.OperationalError("UPDATE", {}, RefusedBy(sqlstate))

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_id(person), True
    response = client.get("/contended")
    assert response.status_code == status
    assert ("Retry-After" in response.headers) == (status == 503)
    assert 'href="/notifications/"' in response.get_data(as_text=True)


def test_a_database_gone_after_the_person_was_read_still_gets_a_503_page(make_app, make_user, monkeypatch):
    """The database went away in the middle of a request, the person already read: the page that says so cannot
    draw their name, nor read their saved language (both need the database), and is the plain one, in the
    language the browser asks for, rather than no page at all."""
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    person = make_user(roles=("trainee",), locale="es")

    def gone(*_args, **_kwargs):
        raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))

    @app.route("/going")
    def going():
        db.session.expire_all()  # what a rollback leaves: the person's fields are read again when next used
        monkeypatch.setattr(sa.orm.Session, "execute", gone)
        gone()

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_id(person), True
    response = client.get("/going", headers={"Accept-Language": "pt-BR"})
    assert response.status_code == 503 and response.headers["Retry-After"].isdigit()
    with force_locale("pt_BR"):
        assert gettext("The service is temporarily unavailable") in response.get_data(as_text=True)
