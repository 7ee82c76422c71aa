"""The administrators' pages of the LRS clients."""
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.xapi.clients import hash_secret
from app.xapi.models import LrsClient


def test_the_endpoint_is_shown_with_its_final_slash(client, login_as):
    """Content libraries append "statements" to the endpoint they are given: the pages showed ".../xapi", and
    content pointed there asked for /xapistatements (a 404)."""
    login_as("admin", country=None)
    created = client.post("/admin/lrs-clients/new", data={"name": "Simulation", "scope": "write_own"})
    assert created.status_code == 200
    listed = client.get("/admin/lrs-clients")
    for page in (created.get_data(as_text=True), listed.get_data(as_text=True)):
        assert re.search(r"http://itinera\.test/xapi/(?=<|\s)", page)
        assert not re.search(r"http://itinera\.test/xapi(?=<|\s)", page)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LrsClient)) == 1


def test_the_new_secret_is_shown_in_the_type_of_the_list_of_keys(client, login_as):
    """The page shown once gives the endpoint, key and secret as code, as the list of clients gives keys: in a
    fixed-width type, where I, l and 1 or O and 0 (which keys and secrets hold) can be told apart when copied."""
    login_as("admin", country=None)
    page = client.post("/admin/lrs-clients/new", data={"name": "Simulation", "scope": "write_own"}).get_data(
        as_text=True)
    made = db.session.scalar(sa.select(LrsClient))
    assert f"<code>{made.key}</code>" in page and "<code>http://itinera.test/xapi/</code>" in page
    secret = re.search(r"<code>([A-Za-z0-9_-]{40,})</code>", page)
    assert secret and made.secret_hash == hash_secret(secret.group(1))


def test_the_client_form_reports_every_error_at_once(app, client, login_as, make_lrs_client):
    """An invalid size hid the rate-limit and activity errors (each found after the one before was corrected),
    and a number beyond the largest request got "Give … a whole number"."""
    login_as("admin", country=None)
    bad = {"scope": "read_write", "rate_limit": "lots", "activity_prefixes": "the simulation"}
    largest = f"{app.config['MAX_CONTENT_LENGTH']:,}"
    for size, says in (("lots", "as a whole number of bytes"), ("99999999999999999999", f"at most {largest} bytes"),
                       (str(app.config["MAX_CONTENT_LENGTH"] + 1), f"at most {largest} bytes"),
                       ("0", "at least 1,024 bytes"), ("-5", "at least 1,024 bytes")):
        for name in ("", "Simulation"):
            response = client.post("/admin/lrs-clients/new", data={**bad, "name": name, "max_request_bytes": size})
            page = response.get_data(as_text=True)
            assert response.status_code == 400
            assert says in page, (size, name)
            assert "Write a limit such as “600 per minute”" in page, (size, name)
            assert "“the simulation” is not the start of an IRI" in page, (size, name)
            assert ("Give the client a name" in page) == (name == ""), (size, name)
            if size != "lots":
                assert "whole number" not in page, (size, name)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LrsClient)) == 0

    made, _secret = make_lrs_client("Partner")
    response = client.post(f"/admin/lrs-clients/{made.id}/edit", data={**bad, "max_request_bytes": "1e9"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "as a whole number of bytes" in page
    assert "Write a limit such as" in page and "is not the start of an IRI" in page


@pytest.mark.parametrize("locale", ["en", "es", "pt_BR"])
def test_the_sizes_the_client_form_gives_are_the_sites_and_in_the_readers_language(app, client, login_as, monkeypatch,
                                                                                   locale):
    """The form said "the site's limit (10 MB)" whatever XAPI_MAX_REQUEST_BYTES was, and wrote 1024 inside the
    message: both are numbers, given as the reader's language writes them."""
    from babel.numbers import format_decimal

    monkeypatch.setitem(app.config, "XAPI_MAX_REQUEST_BYTES", 2_000_000)
    login_as("admin", country=None, locale=locale)
    page = client.get("/admin/lrs-clients/new").get_data(as_text=True)
    assert format_decimal(2_000_000, locale=locale) in page and "10 MB" not in page
    error = re.search(r'id="max_request_bytes-error"[^>]*>(.*?)</p>', client.post(
        "/admin/lrs-clients/new", data={"name": "P", "scope": "read", "max_request_bytes": "5"}).get_data(as_text=True),
        re.S)
    assert error and format_decimal(1024, locale=locale) in error.group(1)


def test_revoked_credentials_are_not_changed_nor_revoked_again(client, login_as, make_lrs_client):
    """Revoked credentials cannot be used again: their form (an old tab, a bookmark) saved a new access and said
    "updated", and their Revoke button asked again to revoke what no longer worked."""
    from app.db import utcnow

    made, _secret = make_lrs_client("Old content", scope="read")
    made.revoked_at = utcnow()
    db.session.commit()
    login_as("admin", country=None, locale="en")
    for method, data in (("GET", None), ("POST", {"scope": "read_write"})):
        response = client.open(f"/admin/lrs-clients/{made.id}/edit", method=method, data=data)
        assert response.status_code == 303 and response.headers["Location"] == "/admin/lrs-clients"
        listed = client.get("/admin/lrs-clients").get_data(as_text=True)
        assert "The credentials of “Old content” were revoked on" in listed
        assert "has been updated" not in listed
    revoked = client.post(f"/admin/lrs-clients/{made.id}/revoke")  # not asked again: said done
    assert revoked.status_code == 302 and revoked.headers["Location"] == "/admin/lrs-clients"
    assert "The credentials of “Old content” no longer work." in client.get("/admin/lrs-clients").get_data(as_text=True)
    db.session.refresh(made)
    assert made.scope.value == "read"


def test_credentials_revoked_while_their_form_is_saved_are_not_said_updated(app, client, login_as, make_lrs_client):
    """A colleague revoked the credentials between the edit's read of them and its save: the save went through and
    the page said "updated", as if they still worked. The save now holds the row, reads it again and, revoked,
    leads to the list that says so."""
    from app.db import utcnow

    made, _secret = make_lrs_client("Old content", scope="read")
    login_as("admin", country=None, locale="en")
    revoked = []

    def revoke_first(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith(("UPDATE lrs_client ", 'UPDATE "lrs_client" ')) and not revoked:
            revoked.append(True)
            with db.engine.begin() as other:
                other.execute(sa.update(LrsClient).where(LrsClient.id == made.id).values(revoked_at=utcnow()))

    sa.event.listen(db.engine, "before_cursor_execute", revoke_first)
    try:
        response = client.post(f"/admin/lrs-clients/{made.id}/edit", data={"scope": "read_write"})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", revoke_first)
    assert revoked and response.status_code == 303 and response.headers["Location"] == "/admin/lrs-clients"
    listed = client.get("/admin/lrs-clients").get_data(as_text=True)
    assert "The credentials of “Old content” were revoked on" in listed and "has been updated" not in listed
    db.session.refresh(made)
    assert made.scope.value == "read"


def test_a_change_another_admin_saved_meanwhile_is_not_overwritten(client, login_as, make_lrs_client):
    """Two admins opened the same credentials' form: the second to save silently undid the first's change (a
    partner's write access taken back, or a rate limit lifted). The second is now told, with their values kept,
    and saves again knowingly."""
    from html import unescape

    made, _secret = make_lrs_client("Partner platform", scope="read")
    login_as("admin", country=None, locale="en")
    url = f"/admin/lrs-clients/{made.id}/edit"
    opened = re.search(r'name="revision" type="hidden" value="([0-9a-f]+)"',
                       client.get(url).get_data(as_text=True)).group(1)
    sent = {"scope": "read", "max_request_bytes": "", "rate_limit": "", "activity_prefixes": "", "revision": opened}
    assert client.post(url, data=dict(sent, rate_limit="600 per minute")).status_code == 302
    late = client.post(url, data=dict(sent, scope="read_write"))
    page = unescape(late.get_data(as_text=True))
    assert late.status_code == 400 and "Someone else saved a change to this after you opened the page" in page
    assert 'value="read_write" checked' in page or re.search(r'checked[^>]*value="read_write"', page), page
    db.session.refresh(made)
    assert (made.scope.value, made.rate_limit) == ("read", "600 per minute")
    again = re.search(r'name="revision" type="hidden" value="([0-9a-f]+)"', page).group(1)
    assert client.post(url, data=dict(sent, scope="read_write", revision=again)).status_code == 302
    db.session.refresh(made)
    assert (made.scope.value, made.rate_limit) == ("read_write", None)


def test_revoked_credentials_are_not_changed_by_the_service(make_lrs_client):
    import pytest

    from app.auth.services import SYSTEM
    from app.errors import ValidationError
    from app.xapi.clients import revoke_client, update_client

    made, _secret = make_lrs_client("Old content", scope="read")
    revoke_client(SYSTEM, made)
    with pytest.raises(ValidationError):
        update_client(SYSTEM, made, scope="read_write", max_request_bytes=None, rate_limit=None)


def test_the_statements_sent_again_are_counted_in_the_readers_language(client, login_as, monkeypatch):
    """The count of refused statements sent again came as Python wrote it (1234), not as the reader writes it."""
    from app.xapi import forwarding

    monkeypatch.setattr(forwarding, "retry_failed", lambda actor: 1234)
    login_as("admin", country=None, locale="pt_BR")
    client.post("/admin/lrs-clients/forwarding/retry")
    assert "1.234" in client.get("/admin/lrs-clients").get_data(as_text=True)


def test_the_rate_limits_are_listed_in_the_readers_language(client, login_as, make_lrs_client):
    """The list gave a limit as the administrator typed it ("600 per minute"), in English on every page; the
    parser's syntax stays in the form, the list says it in the reader's language, each part of it."""
    make_lrs_client("Simulation", rate_limit="600 per minute; 10/5 seconds")
    make_lrs_client("Quiz", rate_limit="1 per day")
    login_as("admin", country=None, locale="es")
    page = client.get("/admin/lrs-clients").get_data(as_text=True)
    assert "600 solicitudes por minuto y 10 solicitudes cada 5 segundos" in page
    assert "1 solicitud por día" in page and "per minute" not in page
    login_as("admin", country=None, locale="pt_BR")
    page = client.get("/admin/lrs-clients").get_data(as_text=True)
    assert "600 solicitações por minuto e 10 solicitações a cada 5 segundos" in page
    login_as("admin", country=None, locale="en")
    page = client.get("/admin/lrs-clients").get_data(as_text=True)
    assert "600 requests per minute and 10 requests every 5 seconds" in page and "1 request per day" in page
