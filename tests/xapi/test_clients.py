import json
import re

import sqlalchemy as sa

from app.extensions import db
from app.xapi.clients import authenticate, hash_secret
from app.xapi.models import LrsClient
from tests.fixtures.xapi import XapiClient, statement


def test_cli_creates_a_client_and_prints_json(runner, client):
    result = runner.invoke(args=["lrs", "create-client", "Partner simulation", "--json"])
    assert result.exit_code == 0, result.output
    credentials = json.loads(result.output)
    assert set(credentials) == {"key", "secret"}
    stored = db.session.scalar(sa.select(LrsClient))
    assert stored.name == "Partner simulation" and stored.can_write
    assert credentials["secret"] not in stored.secret_hash and stored.secret_hash == hash_secret(credentials["secret"])
    xapi = XapiClient(client, credentials["key"], credentials["secret"])
    assert xapi.post(statement()).status_code == 200

    plain = runner.invoke(args=["lrs", "create-client", "Reader", "--read-only"])
    assert "key:" in plain.output and "secret:" in plain.output and "(read)" in plain.output


def test_no_key_or_secret_starts_like_an_option(app, client):
    """One in 64 started with "-", which a command line reads as an option (the ADL conformance suite's runner
    refused such a key). Among 300 clients, 600 values, one would start so but for once in some 12,000 runs."""
    from app.xapi.clients import create_client

    admin = type("Admin", (), {"is_admin": True, "id": None})()
    made = [create_client(admin, f"client {number}") for number in range(300)]
    db.session.commit()
    values = [value for lrs_client, secret in made for value in (lrs_client.key, secret)]
    assert not [value for value in values if value.startswith("-")]
    assert len(set(values)) == 600
    lrs_client, secret = made[0]
    assert XapiClient(client, lrs_client.key, secret).post(statement()).status_code == 200


def test_authenticate_refuses_bad_and_revoked_credentials(app, make_lrs_client):
    import base64

    from app.auth.services import SYSTEM
    from app.xapi.clients import revoke_client

    lrs_client, secret = make_lrs_client()

    def header(key, value):
        return "Basic " + base64.b64encode(f"{key}:{value}".encode()).decode()

    assert authenticate(header(lrs_client.key, secret)).id == lrs_client.id
    assert authenticate(header(lrs_client.key, secret + "x")) is None
    assert authenticate(header("unknown", secret)) is None
    assert authenticate("Bearer abc") is None and authenticate(None) is None
    revoke_client(SYSTEM, lrs_client)
    assert authenticate(header(lrs_client.key, secret)) is None


def test_per_client_size_limit(client, make_lrs_client):
    lrs_client, secret = make_lrs_client("Small", max_request_bytes=1024)
    xapi = XapiClient(client, lrs_client.key, secret)
    response = xapi.post([statement() for _ in range(20)])
    assert response.status_code == 413 and response.is_json
    assert xapi.post(statement()).status_code == 200


def test_per_client_rate_limit(make_app, make_lrs_client):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        lrs_client, secret = make_lrs_client("Chatty", rate_limit="3 per minute")
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        assert [xapi.get().status_code for _ in range(3)] == [200, 200, 200]
        refused = xapi.get()
        assert refused.status_code == 429 and refused.is_json
        assert 1 <= int(refused.headers["Retry-After"]) <= 60  # when the window lets it in again


def test_a_client_rate_limit_still_holds_while_redis_is_down(make_app, make_lrs_client):
    """Redis (REDIS_URL) not answering: a rate-limited client is counted in the worker's memory meanwhile, as
    sign-ins are, instead of every one of its requests failing."""
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    with app.app_context():
        lrs_client, secret = make_lrs_client("Chatty while Redis is down", rate_limit="3 per minute")
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        assert [xapi.get().status_code for _ in range(3)] == [200, 200, 200]
        refused = xapi.get()
        assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
        assert xapi.post(statement()).status_code == 429


def test_a_rate_limit_written_in_spanish_or_portuguese_is_understood(client, login_as):
    """An administrator reading the site in Spanish or Portuguese wrote "600 por minuto" and was refused: only
    the limit library's English was read. The words of a limit are taken in all three languages and kept in
    English, which the LRS reads."""
    login_as("admin", country=None, locale="es")
    response = client.post("/admin/lrs-clients/new", data={"name": "Simulación", "scope": "read_write",
                                                           "rate_limit": "600 por minuto; 10000 por día"})
    assert response.status_code == 200
    stored = db.session.scalar(sa.select(LrsClient))
    assert stored.rate_limit == "600 per minute; 10000 per day"
    client.post(f"/admin/lrs-clients/{stored.id}/edit", data={"scope": "read_write", "rate_limit": "2 por Hora"})
    db.session.refresh(stored)
    assert stored.rate_limit == "2 per hour"
    bad = client.post(f"/admin/lrs-clients/{stored.id}/edit",
                      data={"scope": "read_write", "rate_limit": "2 por semana"})  # no such period
    assert bad.status_code == 400


def test_admin_manages_clients_in_the_browser_forms(client, login_as):
    login_as("admin", country=None)
    response = client.post("/admin/lrs-clients/new", data={"name": "Dashboards", "scope": "read",
                                                           "max_request_bytes": "", "rate_limit": "60 per minute"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Copy the secret now" in page
    stored = db.session.scalar(sa.select(LrsClient))
    assert stored.key in page and not stored.can_write and stored.rate_limit == "60 per minute"
    assert stored.secret_hash not in page

    bad = client.post(f"/admin/lrs-clients/{stored.id}/edit", data={"scope": "read_write", "rate_limit": "lots"})
    assert bad.status_code == 400 and "600 per minute" in bad.get_data(as_text=True)
    client.post(f"/admin/lrs-clients/{stored.id}/edit", data={"scope": "read_write", "rate_limit": ""})
    db.session.refresh(stored)
    assert stored.can_write and stored.rate_limit is None
    asked = client.post(f"/admin/lrs-clients/{stored.id}/revoke")  # asked first: they still work
    assert asked.status_code == 200 and "can no longer send or read statements" in asked.get_data(as_text=True)
    db.session.refresh(stored)
    assert stored.is_active
    client.post(f"/admin/lrs-clients/{stored.id}/revoke", data={"confirmed": "1"})
    db.session.refresh(stored)
    assert not stored.is_active
    assert "Revoked" in client.get("/admin/lrs-clients").get_data(as_text=True)


def _basic(key, secret):
    import base64

    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def test_an_unknown_key_is_not_remembered(app, make_lrs_client):
    from app.xapi import clients

    assert authenticate(_basic("made-up-key", "secret")) is None
    assert "made-up-key" not in clients._cache()
    lrs_client, secret = make_lrs_client()
    old_key = lrs_client.key
    assert authenticate(_basic(old_key, secret)) is not None
    lrs_client.key = "made-up-key"  # a key tried before it existed works at once
    db.session.commit()
    assert authenticate(_basic("made-up-key", secret)).id == lrs_client.id


def test_the_credentials_memory_is_bounded(app, make_lrs_client, monkeypatch):
    from app.xapi import clients

    monkeypatch.setattr(clients, "CACHE_SIZE", 2)
    made = [make_lrs_client(f"Client {n}") for n in range(3)]
    for lrs_client, secret in made:
        assert authenticate(_basic(lrs_client.key, secret)) is not None
    assert list(clients._cache()) == [made[1][0].key, made[2][0].key]


def test_a_client_limit_above_the_sites_is_refused(app, client, login_as):
    import pytest

    from app.auth.services import SYSTEM
    from app.errors import ValidationError
    from app.xapi.clients import create_client

    largest = app.config["MAX_CONTENT_LENGTH"]
    with pytest.raises(ValidationError) as error:
        create_client(SYSTEM, "Big", max_request_bytes=largest + 1)
    assert "max_request_bytes" in error.value.errors
    create_client(SYSTEM, "Just right", max_request_bytes=largest)

    login_as("admin", country=None)
    response = client.post("/admin/lrs-clients/new", data={"name": "Huge", "scope": "read_write",
                                                           "max_request_bytes": str(largest + 1), "rate_limit": ""})
    assert response.status_code == 400 and "the largest request this site accepts" in response.get_data(as_text=True)


def test_client_status_agrees_with_client_in_spanish(client, login_as, make_lrs_client):
    """"Active" and "Revoked" carry a context: a client (el cliente) is activo, an account (la cuenta) activa."""
    from app.db import utcnow

    make_lrs_client("Moodle regional")
    revoked, _secret = make_lrs_client("Old content")
    revoked.revoked_at = utcnow()
    db.session.commit()
    login_as("admin", country=None, locale="es")
    html = client.get("/admin/lrs-clients").get_data(as_text=True)
    assert ">Activo<" in html and ">Revocado<" in html
    assert ">Activa<" in client.get("/admin/users").get_data(as_text=True)  # the accounts, in the same language


def _shown_secret(page: str) -> str:
    return re.search(r"<dd[^>]*>\s*<code>([A-Za-z0-9_-]{40,})</code>\s*</dd>", page).group(1)


def test_a_client_created_twice_at_once_is_created_once(login_as, post_at_once):
    """A double click on Save: one client, and the page the browser shows (the last answer) gives a secret that
    works: the same secret as the first answer, which works too."""
    from app.xapi import clients

    admin = login_as("admin", country=None)
    form = {"name": "Simulation", "scope": "read_write", "max_request_bytes": "", "rate_limit": "",
            "once": "one-form-shown"}
    responses = post_at_once(admin, "/admin/lrs-clients/new", form, meet=(clients, "_validate_limits"))
    assert [getattr(r, "status_code", r) for r in responses] == [200, 200], responses
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LrsClient)) == 1
    made = db.session.scalar(sa.select(LrsClient))
    pages = [r.get_data(as_text=True) for r in responses]
    assert sum("The form was sent twice" in page for page in pages) == 1
    assert all(made.key in page for page in pages)
    secrets = {_shown_secret(page) for page in pages}
    assert len(secrets) == 1 and clients.authenticate(_basic(made.key, secrets.pop())) is not None


def test_a_client_form_sent_again_soon_keeps_the_secret(client, login_as):
    """Back, then Save again a few minutes later, after the secret was copied into a partner's platform: the
    same client, whose secret still works (it used to be replaced without a word: the partner's platform was
    locked out), shown again."""
    from datetime import timedelta

    from app.xapi import clients

    login_as("admin", country=None)
    form = {"name": "Dashboards", "scope": "read", "once": "sent-twice"}
    first = _shown_secret(client.post("/admin/lrs-clients/new", data=form).get_data(as_text=True))
    made = db.session.scalar(sa.select(LrsClient))
    made.created_at -= timedelta(minutes=5)
    fingerprint = made.secret_hash
    db.session.commit()
    again = client.post("/admin/lrs-clients/new", data=form).get_data(as_text=True)
    assert "The form was sent twice" in again and _shown_secret(again) == first
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LrsClient)) == 1
    assert db.session.scalar(sa.select(LrsClient.secret_hash)) == fingerprint
    assert clients.authenticate(_basic(made.key, first)) is not None
    other = _shown_secret(client.post("/admin/lrs-clients/new", data=dict(form, once="another-form"))
                          .get_data(as_text=True))
    assert other != first  # another form, another client: another secret


def test_a_form_secret_that_would_start_with_a_dash_is_shown_again_the_same(client, login_as, monkeypatch):
    """The secret the form derives is kept from starting with "-" both when it is made and when the form is sent
    again: only the first did so, and a form sent twice then found its secret unlike the one stored (one in 64)."""
    import hmac
    from types import SimpleNamespace

    from app.xapi import clients

    class Dashed:  # a MAC whose first six bits are 62: "-" in URL-safe base64
        def __init__(self, *args):
            self.mac = hmac.new(*args)

        def digest(self):
            return bytes([0xF8]) + self.mac.digest()[1:]

        def hexdigest(self):
            return self.digest().hex()

    monkeypatch.setattr(clients, "hmac", SimpleNamespace(new=Dashed, compare_digest=hmac.compare_digest))
    login_as("admin", country=None)
    form = {"name": "Dashboards", "scope": "read", "once": "sent-twice"}
    first = _shown_secret(client.post("/admin/lrs-clients/new", data=form).get_data(as_text=True))
    assert first and not first.startswith("-")
    again = client.post("/admin/lrs-clients/new", data=form).get_data(as_text=True)
    assert "The form was sent twice" in again and _shown_secret(again) == first
    made = db.session.scalar(sa.select(LrsClient))
    assert clients.authenticate(_basic(made.key, first)) is not None


def test_a_client_form_sent_again_later_shows_no_secret_twice(client, login_as):
    from datetime import timedelta

    login_as("admin", country=None)
    form = {"name": "Dashboards", "scope": "read", "once": "sent-yesterday"}
    assert "Copy the secret now" in client.post("/admin/lrs-clients/new", data=form).get_data(as_text=True)
    made = db.session.scalar(sa.select(LrsClient))
    made.created_at -= timedelta(hours=1)
    fingerprint = made.secret_hash
    db.session.commit()
    again = client.post("/admin/lrs-clients/new", data=form)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/admin/lrs-clients/{made.id}/edit")
    assert "revoke them and create new ones" in client.get(again.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LrsClient)) == 1
    assert db.session.scalar(sa.select(LrsClient.secret_hash)) == fingerprint
    other = client.post("/admin/lrs-clients/new", data=dict(form, once="another-form"))
    assert "Copy the secret now" in other.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LrsClient)) == 2


def test_a_key_with_a_nul_character_is_refused_as_unknown(client, make_lrs_client):
    """Looking such a key up failed on PostgreSQL, which keeps no NUL in text: a 500 instead of a 401."""
    import base64

    lrs_client, secret = make_lrs_client()
    for key in ("\x00", lrs_client.key + "\x00"):
        token = base64.b64encode(f"{key}:{secret}".encode()).decode()
        response = client.get("/xapi/statements", headers={"Authorization": f"Basic {token}",
                                                           "X-Experience-API-Version": "1.0.3"})
        assert response.status_code == 401 and response.is_json


def test_a_rate_limit_of_no_requests_or_beyond_a_year_is_refused(client, login_as):
    """"0 per minute" answered every request with a 429; "10 per 1000000000000 years" is a window Redis refuses,
    and its error sent the counting of every client to each worker's memory for a while; "1 per 0 seconds", a
    period of no time, was taken (and counted as "1 per second")."""
    login_as("admin", country=None)
    for limit in ("0 per minute", "10 per 1000000000000 years", "600 per minute; 0 per day", "1 per 0 second",
                  "10/0 seconds", "5 per 0 minutes"):
        response = client.post("/admin/lrs-clients/new", data={"name": "Partner", "scope": "read_write",
                                                               "max_request_bytes": "", "rate_limit": limit})
        assert response.status_code == 400 and "in a period of 1 second to a year" in response.get_data(as_text=True), \
            limit
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LrsClient)) == 0
    response = client.post("/admin/lrs-clients/new", data={"name": "Partner", "scope": "read_write",
                                                           "max_request_bytes": "", "rate_limit": "1 per year"})
    assert response.status_code == 200 and db.session.scalar(sa.select(LrsClient)).rate_limit == "1 per year"


def test_a_rate_limit_longer_than_is_kept_is_refused_on_the_command_line(runner):
    """The form holds it to 100 characters; the command line stored it, and PostgreSQL refused the row (a
    traceback instead of a message)."""
    result = runner.invoke(args=["lrs", "create-client", "Partner", "--rate-limit", "; ".join(["600 per minute"] * 10)])
    assert result.exit_code == 1 and "at most 100 characters" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LrsClient)) == 0


def test_a_name_longer_than_is_kept_is_refused_on_the_command_line(runner):
    """The form holds the name to 200 characters; the command line cut it to 200 without a word."""
    result = runner.invoke(args=["lrs", "create-client", "Partner " + "x" * 200])
    assert result.exit_code == 1 and "at most 200 characters" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LrsClient)) == 0


def test_failed_authentications_are_limited_per_address(make_app, make_lrs_client):
    """200 guesses of a client's secret in a row all got a 401: nothing slowed them. Failures from an address are
    now limited; a client's successful requests never count, however many."""
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", XAPI_AUTH_FAILURE_LIMIT="5 per minute")
    with app.app_context():
        lrs_client, secret = make_lrs_client("Busy")
        good = XapiClient(app.test_client(), lrs_client.key, secret)
        assert all(good.get().status_code == 200 for _ in range(20))
        guess = XapiClient(app.test_client(), lrs_client.key, "guess")
        assert [guess.get().status_code for _ in range(5)] == [401] * 5
        refused = guess.get()
        assert refused.status_code == 429 and refused.is_json and refused.get_json()["error"] == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        # the address is held back whatever it sends now (a right guess must not show), another is not
        assert good.get().status_code == 429
        elsewhere = app.test_client().get("/xapi/statements", headers=good.headers(),
                                          environ_base={"REMOTE_ADDR": "192.0.2.7"})
        assert elsewhere.status_code == 200
        assert guess.client.options("/xapi/statements").status_code == 200  # a preflight carries no credentials
        assert guess.client.get("/xapi/about").status_code == 200


def test_the_command_line_gives_a_client_its_largest_request(runner, client):
    """The form sets a client's largest request; the command line, which sets its rate limit and activities, had
    no way to (an operator without the admin pages could not hold a partner's uploads below the site's limit)."""
    result = runner.invoke(args=["lrs", "create-client", "Partner", "--max-request-bytes", "2048", "--json"])
    assert result.exit_code == 0, result.output
    credentials = json.loads(result.output)
    assert db.session.scalar(sa.select(LrsClient)).max_request_bytes == 2048
    xapi = XapiClient(client, credentials["key"], credentials["secret"])
    response = xapi.post([statement(result={"response": "x" * 1000}) for _ in range(3)])
    assert response.status_code == 413 and "2048 bytes" in response.get_json()["message"]

    refused = runner.invoke(args=["lrs", "create-client", "Tiny", "--max-request-bytes", "10"])
    assert refused.exit_code == 1 and "at least 1,024 bytes" in refused.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LrsClient)) == 1


def test_the_command_line_revokes_the_credentials_it_made(runner, client):
    """Credentials made on the command line (throwaway ones for the conformance suite, whose logs keep them) could
    be revoked only in the admin pages."""
    credentials = json.loads(runner.invoke(args=["lrs", "create-client", "Throwaway", "--json"]).output)
    xapi = XapiClient(client, credentials["key"], credentials["secret"])
    assert xapi.post(statement()).status_code == 200

    result = runner.invoke(args=["lrs", "revoke-client", credentials["key"]])
    assert result.exit_code == 0 and "Throwaway" in result.output
    assert xapi.post(statement()).status_code == 401
    assert xapi.get().status_code == 401
    assert db.session.scalar(sa.select(LrsClient)).revoked_at is not None

    again = runner.invoke(args=["lrs", "revoke-client", credentials["key"]])
    assert again.exit_code == 0 and "already revoked" in again.output
    unknown = runner.invoke(args=["lrs", "revoke-client", "no-such-key"])
    assert unknown.exit_code == 1 and "no-such-key" in unknown.output
