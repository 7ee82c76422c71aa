"""CORS on /xapi for xAPI content served from other sites: preflights, exposed headers, no credentials mode."""
import pytest

from tests.fixtures.xapi import XapiClient

ORIGIN = "https://content.example.org"
RESOURCES = {
    "/xapi/about": ["GET", "HEAD"],
    "/xapi/statements": ["GET", "HEAD", "PUT", "POST"],
    "/xapi/activities": ["GET", "HEAD"],
    "/xapi/agents": ["GET", "HEAD"],
    "/xapi/activities/state": ["GET", "HEAD", "PUT", "POST", "DELETE"],
    "/xapi/activities/profile": ["GET", "HEAD", "PUT", "POST", "DELETE"],
    "/xapi/agents/profile": ["GET", "HEAD", "PUT", "POST", "DELETE"],
}
REQUEST_HEADERS = ["Authorization", "Content-Type", "X-Experience-API-Version", "If-Match", "If-None-Match"]


def _listed(value: str) -> set[str]:
    return {part.strip().lower() for part in value.split(",")}


@pytest.mark.parametrize("path, method", [(path, method) for path, methods in RESOURCES.items()
                                          for method in methods])
def test_every_resource_answers_the_preflight_of_its_methods(client, path, method):
    preflight = client.options(path, headers={"Origin": ORIGIN, "Access-Control-Request-Method": method,
                                              "Access-Control-Request-Headers": ", ".join(REQUEST_HEADERS).lower()})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert method.lower() in _listed(preflight.headers["Access-Control-Allow-Methods"])
    assert {h.lower() for h in REQUEST_HEADERS} <= _listed(preflight.headers["Access-Control-Allow-Headers"])
    assert "Origin" in preflight.headers["Vary"]
    # the LRS ignores cookies: content calls it without credentials mode, and a browser's cached credentials
    # (HTTP Basic typed into its prompt) must not be usable by another site
    assert "Access-Control-Allow-Credentials" not in preflight.headers


def test_a_rate_limited_client_can_read_when_to_try_again(make_app, make_lrs_client):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        lrs_client, secret = make_lrs_client("Content", rate_limit="1 per minute")
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        assert xapi.get(headers={"Origin": ORIGIN}).status_code == 200
        refused = xapi.get(headers={"Origin": ORIGIN})
        assert refused.status_code == 429 and refused.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert "retry-after" in _listed(refused.headers["Access-Control-Expose-Headers"])
