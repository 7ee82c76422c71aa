import re
from html import unescape

import pytest
from flask_babel import force_locale, gettext

from app.extensions import db
from tests.conftest import PG_URL
from tests.fixtures.factories import PASSWORD


def sign_in(client, email, password=PASSWORD, **kwargs):
    return client.post("/auth/login", data={"email": email, "password": password}, **kwargs)


def main_text(response) -> str:
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", html[html.index("<main"):html.index("</main>")])


def test_sign_in_and_out(client, make_user):
    make_user(email="ana@example.org")
    response = sign_in(client, "ana@example.org")
    assert response.status_code == 302 and response.location == "/"
    assert "Welcome, Person 1" in client.get("/").get_data(as_text=True)
    assert client.get("/auth/logout").status_code == 405  # signing out needs a POST (and its CSRF token)
    response = client.post("/auth/logout", follow_redirects=True)
    assert "You have signed out." in response.get_data(as_text=True)
    assert client.get("/auth/account").status_code == 302


def test_unknown_email_and_wrong_password_get_the_same_answer(client, make_user):
    make_user(email="ana@example.org")
    make_user(email="off@example.org", is_active=False)
    wrong_password = sign_in(client, "ana@example.org", "not-her-password")
    unknown = sign_in(client, "nobody@example.org", "not-her-password")
    inactive = sign_in(client, "off@example.org")
    assert wrong_password.status_code == unknown.status_code == inactive.status_code == 400
    texts = {main_text(r).replace("ana@example.org", "X").replace("nobody@example.org", "X")
             .replace("off@example.org", "X") for r in (wrong_password, unknown, inactive)}
    assert len(texts) == 1
    assert "The e-mail address or password is not right" in texts.pop()


def test_empty_form_shows_an_error_summary_linking_to_each_field(client):
    response = client.post("/auth/login", data={"email": "", "password": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="error-summary"' in html
    assert '<a href="#email">Enter your e-mail address</a>' in html
    assert '<a href="#password">Enter your password</a>' in html
    assert 'aria-invalid="true"' in html


def test_next_parameter_only_allows_local_paths(client, make_user):
    make_user(email="ana@example.org")
    assert sign_in(client, "ana@example.org", query_string={"next": "/auth/account"}).location == "/auth/account"
    client.post("/auth/logout")
    for evil in ("https://evil.example/", "//evil.example/", "javascript:alert(1)",
                 "//[::1/auth/account", "https://[evil.example/"):  # not even URLs to Python: no 500 either
        assert sign_in(client, "ana@example.org", query_string={"next": evil}).location == "/"
        client.post("/auth/logout")


def test_next_that_cannot_be_opened_leads_home_not_to_an_error(client, make_user):
    """A sign-in page reached with ?next=/auth/logout (or any address answering only a form, or none) sent the person,
    once signed in, to a "method not allowed" or "not found" page: they land on the home page instead."""
    make_user(email="ana@example.org")
    for target in ("/auth/logout", "/no/such/page", "/auth/account/data/nothing"):
        assert sign_in(client, "ana@example.org", query_string={"next": target}).location == "/"
        assert client.get("/auth/login", query_string={"next": target}).location == "/"
        client.post("/auth/logout")
    assert sign_in(client, "ana@example.org", query_string={"next": "/courses/?page=2"}).location == "/courses/?page=2"


def test_the_sign_in_page_opened_once_signed_in_goes_on_to_the_page_asked_for(client, make_user):
    """Sent to sign in from two tabs (a module and the account page), a person signs in in one; the other tab's
    sign-in page, opened again, sent them home instead of to the module it was asked for."""
    make_user(email="ana@example.org")
    sign_in(client, "ana@example.org")
    assert client.get("/auth/login", query_string={"next": "/auth/account?x=1"}).location == "/auth/account?x=1"
    assert client.get("/auth/login").location == "/"
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        assert client.get("/auth/login", query_string={"next": evil}).location == "/"


@pytest.mark.parametrize("path, section", [("/auth/account/password", "password"),
                                           ("/auth/account/language", "language"),
                                           ("/auth/account/timezone", "time-zone")])
def test_the_address_of_an_account_form_opened_again_leads_to_its_section(client, make_user, path, section):
    """A form of the account page sent back with a problem shows at the form's address: opened again from there
    (the address bar, a phone reloading a tab it had put away) it was a "This action is not allowed here" page.
    It now leads to the form's section of the account page, and changes nothing."""
    make_user(email="ana@example.org", locale="en")
    assert client.get(path, follow_redirects=True).request.path == "/auth/login"  # signed out: to sign in first
    sign_in(client, "ana@example.org")
    response = client.get(path)
    assert response.status_code in (301, 302, 307, 308) and response.location.endswith(f"/auth/account#{section}")
    assert client.head(path).status_code == response.status_code
    assert "Your account" in client.get(path, follow_redirects=True).get_data(as_text=True)


def test_first_sign_in_saves_the_language_in_use(client, make_user):
    user = make_user(email="ana@example.org", locale=None)
    sign_in(client, "ana@example.org", headers={"Accept-Language": "pt-BR,pt;q=0.9"})
    db.session.refresh(user)
    assert user.locale == "pt_BR"


def test_account_page_changes_language_and_password(client, login_as):
    user = login_as("trainee", country="BR")
    page = client.get("/auth/account").get_data(as_text=True)
    assert user.email in page
    response = client.post("/auth/account/language", data={"locale": "es"}, follow_redirects=True)
    assert '<html lang="es">' in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.locale == "es"

    response = client.post("/auth/account/password",
                           data={"current_password": "wrong", "new_password": "short"})
    assert response.status_code == 400
    response = client.post("/auth/account/password",
                           data={"current_password": PASSWORD, "new_password": "a-brand-new-password"})
    assert response.status_code == 302
    assert client.get("/auth/account").status_code == 200  # this session survives the change


@pytest.mark.parametrize("section, heading", [("language", "Language"), ("time-zone", "Time zone")])
def test_the_account_choices_do_not_repeat_their_heading(client, login_as, section, heading):
    """The account page read "Language" as the section's heading and again as the question under it ("Idioma /
    Idioma"), and "Time zone" so too: the question says what the choice sets."""
    login_as("trainee", country="CL")
    page = client.get("/auth/account?lang=en").get_data(as_text=True)
    assert re.search(rf'<h2 id="{section}">(.*?)</h2>', page).group(1) == heading
    question = re.search(rf'<h2 id="{section}">.*?<(legend|label)[^>]*>\s*(.*?)\s*</\1>', page, re.S).group(2)
    assert question != heading


def test_signing_out_a_device_is_its_own_message(app):
    """"Sign out" beside each device of *Where you are signed in* ends that sign-in, not the reader's session: in
    Spanish and Portuguese it needs other words than the header's "Cerrar sesión" / "Sair", so it is a message of
    its own (context "sign-in")."""
    from babel.messages.extract import extract_from_file
    from app.cli import ROOT

    template = ROOT / "app/auth/templates/auth/account.html"
    found = {(context, message) for _line, message, _comments, context in extract_from_file(
        "jinja2", str(template), keywords={"_": None, "pgettext": ((1, "c"), 2)}, options={"trimmed": "true"})}
    assert ("sign-in", "Sign out") in found
    assert (None, "Sign out") not in found  # the header's "Sign out" lives in base.html


def test_login_attempts_are_rate_limited(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute", RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    with app.app_context():
        make_user(email="ana@example.org")
    for _ in range(3):
        assert sign_in(client, "ana@example.org", "wrong-password").status_code == 400
    blocked = sign_in(client, "ana@example.org", "wrong-password", headers={"Accept-Language": "es"})
    assert blocked.status_code == 429
    with app.test_request_context(), force_locale("es"):
        expected = gettext("Too many attempts")
    assert expected != "Too many attempts" and expected in blocked.get_data(as_text=True)


def test_the_too_many_attempts_page_says_a_reset_link_still_works_and_when_to_try_again(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per hour", RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    with app.app_context():
        make_user(email="ana@example.org")
    for _ in range(2):
        assert sign_in(client, "ana@example.org", "wrong-password").status_code == 400
    page = sign_in(client, "ana@example.org", "wrong-password").get_data(as_text=True)
    assert "A password-reset link already sent to your inbox still works" in page
    minutes = int(re.search(r"You can try again in (\d+) minutes", page).group(1))
    assert 58 <= minutes <= 60
    for _ in range(2):
        client.post("/auth/password/forgot", data={"email": "ana@example.org"})
    refused = client.post("/auth/password/forgot", data={"email": "ana@example.org"})
    assert refused.status_code == 429
    assert "A password-reset link already sent to your inbox still works" in refused.get_data(as_text=True)


def test_with_redis_the_sign_in_limit_holds_across_workers(make_app, make_user, redis_url):
    """With REDIS_URL the failed sign-ins are counted in Redis, so a worker started later (each gunicorn worker
    has its own memory) still refuses an address that spent its attempts on another."""
    import uuid

    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    email = f"{uuid.uuid4().hex[:10]}@example.org"  # the per-address count, too, is kept apart from other runs
    settings = dict(REDIS_URL=redis_url, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
    first = make_app(**settings)
    with first.app_context():
        make_user(email=email)
    for _ in range(2):
        assert sign_in(first.test_client(), email, "wrong-password",
                       environ_base={"REMOTE_ADDR": address}).status_code == 400
    second = make_app(**settings)
    assert sign_in(second.test_client(), email, PASSWORD, environ_base={"REMOTE_ADDR": address}).status_code == 429


def test_a_form_sent_back_with_errors_says_so_first_in_the_title(client, login_as, make_user):
    def title(response):
        return re.search(r"<title>(.*?)</title>", response.get_data(as_text=True), re.S).group(1).strip()

    assert title(client.get("/auth/login")) == "Sign in – Itinera"
    assert title(client.post("/auth/login", data={"email": "", "password": ""})) == "Error: Sign in – Itinera"
    login_as(make_user(locale="en"))
    assert not title(client.get("/auth/account")).startswith("Error")
    sent_back = client.post("/auth/account/timezone", data={"timezone": "Mars/Olympus_Mons"})
    assert sent_back.status_code == 400 and title(sent_back).startswith("Error: ")


def test_a_reset_link_lets_in_a_person_whose_sign_in_someone_else_exhausted(make_app, make_user):
    """Failed attempts for an address are limited per address too: a stranger can spend them. The person then
    gets in through a password reset link, which proves the address."""
    import sqlalchemy as sa

    from app.notifications.models import OutboxMessage

    app = make_app(RATELIMIT_ENABLED=True, LOGIN_ACCOUNT_RATE_LIMIT="3 per hour", RATELIMIT_STORAGE_URI="memory://")
    stranger, owner = app.test_client(), app.test_client()
    with app.app_context():
        make_user(email="ana@example.org")
    for _ in range(3):
        assert sign_in(stranger, "ana@example.org", "guess").status_code == 400
    assert sign_in(owner, "ana@example.org", PASSWORD).status_code == 429  # held back, even with the password
    owner.post("/auth/password/forgot", data={"email": "ana@example.org"})
    with app.app_context():
        body = db.session.scalars(sa.select(OutboxMessage.body)).one()
    link = re.search(r"http://itinera\.test(/auth/password/reset/\S+)", body).group(1)
    response = owner.post(link, data={"password": "a-brand-new-password"})
    assert response.status_code == 302 and response.location == "/"
    assert owner.get("/auth/account").status_code == 200


def _three_guesses_per_address(make_app, make_user):
    """A client of an app that allows three sign-in attempts per address an hour, where ana@example.org exists."""
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_ACCOUNT_RATE_LIMIT="3 per hour", LOGIN_RATE_LIMIT="1000 per minute",
                   RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        make_user(email="ana@example.org")
    return app.test_client()


def test_the_limit_per_address_holds_for_a_sign_in_sent_as_json(make_app, make_user):
    """Flask-WTF also reads a JSON body: guesses sent that way count against the same address."""
    stranger = _three_guesses_per_address(make_app, make_user)
    for _ in range(3):
        assert sign_in(stranger, "ana@example.org", "guess").status_code == 400
    as_json = stranger.post("/auth/login", json={"email": "Ana@Example.org", "password": PASSWORD})
    assert as_json.status_code == 429  # the same address, however the form came


def test_invisible_characters_do_not_make_another_address_to_guess_for(make_app, make_user):
    """"ana@example.org" with a zero-width space signs in to Ana's account, so it counts against her address."""
    stranger = _three_guesses_per_address(make_app, make_user)
    for spelling in ("ana@example.org", "ana@example.org\u200b", "\ufeffana@example.org"):
        assert sign_in(stranger, spelling, "guess").status_code == 400
    assert sign_in(stranger, "ana\u00ad@example.org", PASSWORD).status_code == 429


def test_guessing_the_current_password_on_the_account_page_is_limited(make_app, make_user):
    """Whoever finds a session open must not try passwords there without end: the account page counts wrong
    current passwords against the same limits as the sign-in page."""
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_ACCOUNT_RATE_LIMIT="3 per hour", LOGIN_RATE_LIMIT="1000 per minute",
                   RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    with app.app_context():
        make_user(email="ana@example.org")
    assert sign_in(client, "ana@example.org").status_code == 302
    for guess in ("guess-number-1", "guess-number-2", "guess-number-3"):
        response = client.post("/auth/account/password",
                               data={"current_password": guess, "new_password": "a-brand-new-password"})
        assert response.status_code == 400
    held_back = client.post("/auth/account/password",
                            data={"current_password": PASSWORD, "new_password": "a-brand-new-password"})
    assert held_back.status_code == 429
    assert client.get("/auth/account").status_code == 200  # still signed in; only the guessing stops


@pytest.mark.skipif(not PG_URL, reason="SQLite lets one writer in at a time: the other change waits for this one")
def test_two_password_changes_at_once_take_turns(app, make_user, send_at_once):
    """Two tabs change the password at the same moment: both were told it was saved, though only the last one
    counted. Now the second is checked against the first's new password (as if sent later), and refused; the
    same change sent twice (a double click) is saved once and told so both times."""
    from app.auth.models import User

    def reads_the_password(statement):
        return statement.lstrip().startswith("SELECT") and "password_hash" in statement

    user = make_user()
    sent = [{"current_password": PASSWORD, "new_password": f"a-new-password-number-{n}"} for n in range(2)]
    responses = send_at_once([(user, "POST", "/auth/account/password", data) for data in sent],
                             meet=reads_the_password)
    assert sorted(getattr(r, "status_code", r) for r in responses) == [302, 400], responses
    [refused] = [r for r in responses if r.status_code == 400]
    assert "The current password is not right" in refused.get_data(as_text=True)
    saved = responses.index(next(r for r in responses if r.status_code == 302))
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(sent[saved]["new_password"])
    again = {"current_password": sent[saved]["new_password"], "new_password": "yet-another-password-1"}
    responses = send_at_once([(user, "POST", "/auth/account/password", again)] * 2, meet=reads_the_password)
    assert [getattr(r, "status_code", r) for r in responses] == [302, 302], responses
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("yet-another-password-1")


def test_a_form_sent_once_the_sign_in_has_ended_leads_back_to_its_page(client, make_user):
    """A page left open past the end of its sign-in: its form, sent, asks to sign in first, and then the person
    goes back to the page the form was on, not to the form's address, which takes POST only (a 405 page)."""
    make_user(email="ana@example.org")
    sent = client.post("/auth/account/language", data={"locale": "es"},
                       headers={"Referer": "http://localhost/auth/account?x=1"})
    assert sent.status_code == 302 and sent.location.startswith("/auth/login")
    signed_in = client.post(sent.location, data={"email": "ana@example.org", "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in.location == "/auth/account?x=1"
    client.post("/auth/logout")
    sent = client.post("/auth/account/password", data={})  # no Referer: the sign-in leads home
    assert client.post(sent.location, data={"email": "ana@example.org", "password": PASSWORD}).location == "/"
    client.post("/auth/logout")
    sent = client.post("/auth/account/competences/estimate", data={})  # an address that takes GET too: itself
    assert sent.location == "/auth/login?next=%2Fauth%2Faccount%2Fcompetences%2Festimate"


@pytest.mark.parametrize("path", ["/auth/account/language", "/auth/account/competences/estimate"])
def test_a_form_sent_once_the_sign_in_has_ended_is_said_not_saved(client, make_user, path):
    """Signed out meanwhile (in another tab, from another device): the sign-in page says what the form sent was not
    saved, in the person's language, rather than leaving them to think it was."""
    make_user(email="ana@example.org")
    sent = client.post(path, data={"locale": "es"}, headers={"Referer": "http://localhost/auth/account",
                                                              "Accept-Language": "pt-BR"})
    page = client.get(sent.location, headers={"Accept-Language": "pt-BR"})
    with force_locale("pt_BR"):
        said = gettext("Your sign-in had ended, so what you sent was not saved. Sign in, then send it again.")
    assert said in main_text(page)
    assert "not saved" not in main_text(client.get("/auth/login"))  # said once, and not to a plain visit


@pytest.mark.parametrize("role, said", [
    ("trainee", "To correct these details, ask your country coordinator."),
    ("coordinator", "To correct these details, ask the programme's administrators."),
    ("trainer", "To correct these details, ask the programme's administrators."),
])
def test_the_account_page_says_who_corrects_its_details(client, login_as, make_user, role, said):
    """A coordinator (and a trainer) read "ask your country coordinator": themselves, or nobody. Only the programme's
    administrators change a coordinator's or a trainer's account."""
    make_user(roles=("coordinator",), country="BR")
    login_as(role, country="BR")
    page = unescape(main_text(client.get("/auth/account")))
    assert said in page
    assert role == "trainee" or "ask your country coordinator" not in page


def test_a_trainee_of_a_country_without_a_coordinator_asks_the_administrators_for_corrections(client, login_as):
    """A European peer read "ask your country coordinator", and Portugal has none."""
    login_as("trainee", country="PT")
    page = unescape(main_text(client.get("/auth/account")))
    assert "To correct these details, ask the programme's administrators." in page


def test_an_administrator_corrects_their_own_details(client, login_as):
    admin = login_as("admin", country=None)
    page = main_text(client.get("/auth/account"))
    assert f'href="/admin/users/{admin.uuid}/edit"' in page and "ask your country coordinator" not in page
    assert client.get(f"/admin/users/{admin.uuid}/edit").status_code == 200


@pytest.mark.parametrize("cookies", ["old", "new"])
def test_a_sign_in_sent_twice_leaves_one_sign_in(make_app, make_user, cookies):
    """A double tap on "Sign in": each request started a sign-in, and "Where you're signed in" then listed a
    second device, not "This device", beside the advice to sign out unknown devices and change the password. The
    repeat of the same form goes where the first went and leaves one sign-in, this browser's."""
    from app.auth import sign_ins
    from app.auth.models import User

    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        user_id = make_user(email="ana@example.org").id
    html = client.get("/auth/login?next=/courses/").get_data(as_text=True)
    form = dict(re.findall(r'name="(csrf_token|once)" type="hidden" value="([^"]*)"', html))
    assert set(form) == {"csrf_token", "once"}
    form |= {"email": "ana@example.org", "password": PASSWORD}
    before = client.get_cookie("session").value
    first = client.post("/auth/login?next=/courses/", data=form)
    assert first.status_code == 302 and first.location == "/courses/"
    if cookies == "old":
        client.set_cookie("session", before)
    again = client.post("/auth/login?next=/courses/", data=form)
    assert again.status_code == 302 and again.location == "/courses/"
    with app.app_context():
        assert len(sign_ins.open_sign_ins(db.session.get(User, user_id))) == 1
    account = client.get("/auth/account?lang=en")
    assert account.status_code == 200 and "This device" in account.get_data(as_text=True)
    wrong = dict(form, password="not-her-password")  # the token does not stand for the password
    client.set_cookie("session", before)  # signed out
    assert client.post("/auth/login", data=wrong).status_code == 400


@pytest.mark.parametrize("cookies", ["old", "new"])
def test_a_password_change_sent_twice_says_the_password_was_changed(make_app, make_user, cookies):
    """A double tap on "Change password": the first request changes it and starts a new sign-in; the second,
    sent with the cookies from before (the first answer not yet back) or after, was told its sign-in had ended or
    its page had expired, "nothing was saved", and the person then tried their old password."""
    from app.auth.models import User

    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        user_id = make_user(email="ana@example.org").id
    html = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    client.post("/auth/login", data={"email": "ana@example.org", "password": PASSWORD, "csrf_token": token})
    html = client.get("/auth/account?lang=en").get_data(as_text=True)
    form = dict(re.findall(r'name="(csrf_token|once)" type="hidden" value="([^"]*)"', html))
    assert set(form) == {"csrf_token", "once"}
    form |= {"current_password": PASSWORD, "new_password": "a-brand-new-password"}
    before = client.get_cookie("session").value
    assert client.post("/auth/account/password", data=form).status_code == 302
    if cookies == "old":
        client.set_cookie("session", before)
    again = client.post("/auth/account/password?lang=en", data=form, follow_redirects=True)
    text = main_text(again)
    assert again.status_code == 200 and "Your password has been changed" in text, text
    assert "not saved" not in text and "Nothing was saved" not in text
    if cookies == "old":
        assert "Sign in with your new password" in text
    with app.app_context():
        assert db.session.get(User, user_id).check_password("a-brand-new-password")
    forged = dict(form, once="made-up-token")  # only the token of the change made is recognised
    assert client.post("/auth/account/password", data=forged).status_code in (302, 400)
    assert "Your password has been changed" not in client.get("/?lang=en").get_data(as_text=True)


@pytest.mark.parametrize("cookies", ["old", "new"])
@pytest.mark.parametrize("purpose, answer, refusal", [
    ("reset", "Your password has been set", "new link"),
    ("invitation", "Your account is ready", "new invitation"),
])
def test_a_link_form_sent_twice_says_the_password_was_set(make_app, make_user, cookies, purpose, answer, refusal):
    """A double tap on the form of a reset or invitation link: the first request set the password and signed the
    person in; the second said "This link cannot be used: already used", and to ask for a new link or
    invitation, for nothing. The same form sent again now says the password is set (the account is ready), with
    the way to the dashboard."""
    from app.auth.models import TokenPurpose, User
    from app.auth.tokens import issue_token

    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        user = make_user(email="ana@example.org")
        if purpose == "invitation":
            user.password_hash = None
            link = f"/auth/invitation/{issue_token(user, TokenPurpose.INVITATION)}"
        else:
            link = f"/auth/password/reset/{issue_token(user, TokenPurpose.PASSWORD_RESET)}"
        user_id = user.id
        db.session.commit()
    html = client.get(link + "?lang=en").get_data(as_text=True)
    form = dict(re.findall(r'name="(csrf_token|once)" type="hidden" value="([^"]*)"', html))
    assert set(form) == {"csrf_token", "once"}
    form["password"] = "a-brand-new-password"
    before = client.get_cookie("session").value
    assert client.post(link, data=form).status_code == 302
    if cookies == "old":
        client.set_cookie("session", before)
    again = client.post(link + "?lang=en", data=form)
    text = main_text(again)
    assert again.status_code == 200 and answer in text, text
    assert "cannot be used" not in text and refusal not in text and 'href="/"' in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user_id).check_password("a-brand-new-password")
    other_form = dict(form, once="made-up-token")  # the link itself, used, is still refused
    assert "cannot be used" in main_text(client.post(link + "?lang=en", data=other_form))


def test_an_over_long_address_to_send_a_link_to_gets_one_message_not_two(client):
    """Too long and so not in an e-mail address's format either: the person reads the first problem once."""
    response = client.post("/auth/password/forgot", data={"email": "a" * 300 + "@example.org"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Field cannot be longer than 254 characters." in html
    assert "Enter an e-mail address in the right format" not in html


def test_the_sign_in_page_says_why_a_link_led_to_it(client, make_user):
    """A link to a page (in an e-mail, a bookmark) opened signed out led to a bare sign-in form: it now says the
    page asked for opens once signed in. Not when the person went to the sign-in page themselves, nor beside the
    message of a form whose sign-in had ended."""
    make_user(email="ana@example.org")
    sent = client.get("/courses/", headers={"Accept-Language": "es"})
    assert sent.status_code == 302 and sent.location.startswith("/auth/login?next=")
    page = client.get(sent.location, headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Inicie sesión para abrir la página que pidió." in page
    failed = client.post(sent.location, data={"email": "ana@example.org", "password": "wrong"},
                         headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Inicie sesión para abrir la página que pidió." in failed  # still true after a mistyped password
    plain = client.get("/auth/login", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Inicie sesión para abrir" not in plain
    assert "Inicie sesión para abrir" not in client.get("/auth/login", query_string={"next": "/auth/logout"},
                                                        headers={"Accept-Language": "es"}).get_data(as_text=True)
    ended = client.post("/auth/account/language", data={"locale": "es"},
                        headers={"Referer": "http://localhost/auth/account", "Accept-Language": "es"})
    page = client.get(ended.location, headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "no se guardó" in page and "Inicie sesión para abrir" not in page


EMAIL_BOX = re.compile(r'<input\b[^>]*\bid="email"[^>]*>')


def test_a_failed_sign_in_leads_to_the_forgotten_password_page_with_its_address(app, client, make_user):
    """Someone who cannot sign in and follows "Forgotten your password?" finds the address they just typed already
    there, as WCAG 2.2 asks of a step that needs what was entered before (3.3.7 Redundant Entry): on a phone they had
    to type it again. Nobody else's browser sees it, and it is gone once they are signed in."""
    make_user(email="ana@example.org")
    assert sign_in(client, " Ana@Example.org ", "not-her-password").status_code == 400
    box = EMAIL_BOX.search(client.get("/auth/password/forgot").get_data(as_text=True)).group(0)
    assert 'value="Ana@Example.org"' in box
    assert 'value=""' in EMAIL_BOX.search(app.test_client().get("/auth/password/forgot").get_data(
        as_text=True)).group(0)
    sent = client.post("/auth/password/forgot", data={"email": ""})  # what the person sends is what counts
    assert sent.status_code == 400 and 'value=""' in EMAIL_BOX.search(
        sent.get_data(as_text=True)).group(0)
    assert sign_in(client, "ana@example.org").status_code == 302
    client.post("/auth/logout")
    assert 'value=""' in EMAIL_BOX.search(client.get("/auth/password/forgot").get_data(as_text=True)).group(0)


def test_the_forgotten_password_page_with_the_address_typed_is_kept_in_no_cache(client, make_user):
    """The page holds the address of the failed sign-in: a shared proxy, or the browser's cache on a shared computer,
    would show it to whoever opens the page next, as the pages of an invitation or a reset link are not."""
    make_user(email="ana@example.org")
    assert sign_in(client, "ana@example.org", "not-her-password").status_code == 400
    page = client.get("/auth/password/forgot")
    assert 'value="ana@example.org"' in EMAIL_BOX.search(page.get_data(as_text=True)).group(0)
    assert "no-store" in page.headers.get("Cache-Control", "")


def test_the_address_of_a_failed_sign_in_is_forgotten_once_the_reset_link_is_asked_for(client, make_user, outbox):
    """It is there to ask for the link: once asked, the browser (a shared computer's) no longer offers it."""
    make_user(email="ana@example.org")
    assert sign_in(client, "ana@example.org", "not-her-password").status_code == 400
    assert client.post("/auth/password/forgot", data={"email": "ana@example.org"}).status_code == 200
    assert len(outbox()) == 1
    assert 'value=""' in EMAIL_BOX.search(client.get("/auth/password/forgot").get_data(as_text=True)).group(0)


def test_the_address_of_a_failed_sign_in_is_offered_once_and_only_soon_after(client, make_user, monkeypatch):
    """The address sits in the session cookie, which the browser keeps (a shared computer's too) after a sign-in
    given up: it is offered to the next "Forgotten your password?" only, and only minutes after the failure, not to
    whoever opens that page in the same browser later."""
    from datetime import timedelta

    from app.auth import views

    make_user(email="ana@example.org")
    assert sign_in(client, "ana@example.org", "not-her-password").status_code == 400
    assert 'value="ana@example.org"' in EMAIL_BOX.search(client.get("/auth/password/forgot").get_data(
        as_text=True)).group(0)
    assert 'value=""' in EMAIL_BOX.search(client.get("/auth/password/forgot").get_data(as_text=True)).group(0)

    assert sign_in(client, "ana@example.org", "not-her-password").status_code == 400
    later = views.utcnow() + views.TYPED_EMAIL_FOR + timedelta(seconds=1)
    monkeypatch.setattr(views, "utcnow", lambda: later)
    assert 'value=""' in EMAIL_BOX.search(client.get("/auth/password/forgot").get_data(as_text=True)).group(0)


def test_a_password_typed_in_the_address_box_is_not_kept_for_the_forgotten_password_page(client, make_user):
    """Typing one's password in the address box is a common slip: what a failed sign-in keeps in the (readable)
    session cookie for "Forgotten your password?" is an e-mail address, never anything else typed there."""
    make_user(email="ana@example.org")
    assert sign_in(client, "Secreto-de-Ana-2026", "ana@example.org").status_code == 400
    with client.session_transaction() as session:
        assert "Secreto" not in repr(dict(session))
    assert "Secreto-de-Ana-2026" not in client.get("/auth/password/forgot").get_data(as_text=True)


def test_a_later_sign_in_without_an_address_leaves_no_earlier_address_to_offer(client, make_user):
    """What the forgotten-password page offers is the address of the last failed sign-in: one that typed no address
    (a password in the address box) leaves nothing, not the address an earlier attempt (someone else's) typed."""
    make_user(email="ana@example.org")
    assert sign_in(client, "ana@example.org", "not-her-password").status_code == 400
    assert sign_in(client, "Secreto-de-Luis-2026", "luis@example.org").status_code == 400
    assert 'value=""' in EMAIL_BOX.search(client.get("/auth/password/forgot").get_data(as_text=True)).group(0)


def test_a_later_sign_in_sent_with_a_box_left_empty_leaves_no_earlier_address_to_offer(client, make_user):
    """A sign-in sent with the address box (or the password box) left empty fails too: the forgotten-password page
    then offers no address an earlier attempt (someone else's, on a shared browser) typed."""
    make_user(email="ana@example.org")
    assert sign_in(client, "ana@example.org", "not-her-password").status_code == 400
    assert sign_in(client, "", "Secreto-de-Luis-2026").status_code == 400
    assert 'value=""' in EMAIL_BOX.search(client.get("/auth/password/forgot").get_data(as_text=True)).group(0)
    assert sign_in(client, "ana@example.org", "not-her-password").status_code == 400
    assert sign_in(client, "luis@example.org", "").status_code == 400
    assert "ana@example.org" not in client.get("/auth/password/forgot").get_data(as_text=True)
