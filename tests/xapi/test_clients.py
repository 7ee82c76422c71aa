import json

import sqlalchemy as sa

from app.extensions import db
from app.xapi.clients import authenticate, hash_secret
from app.xapi.models import LrsClient
from tests.xapi.conftest import XapiClient, statement


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
        assert [xapi.get().status_code for _ in range(4)] == [200, 200, 200, 429]


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
    client.post(f"/admin/lrs-clients/{stored.id}/revoke")
    db.session.refresh(stored)
    assert not stored.is_active
    assert "Revoked" in client.get("/admin/lrs-clients").get_data(as_text=True)
