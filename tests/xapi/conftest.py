import base64

import pytest

from app.auth.services import SYSTEM
from app.extensions import db
from app.xapi.clients import create_client
from app.xapi.models import ClientScope

VERSION = {"X-Experience-API-Version": "1.0.3"}


class XapiClient:
    """The test client speaking xAPI: HTTP Basic credentials and the version header on every request."""

    def __init__(self, client, key, secret):
        self.client, self.key, self.secret = client, key, secret

    def headers(self, extra=None):
        token = base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()
        return {"Authorization": f"Basic {token}", **VERSION, **(extra or {})}

    def get(self, path="/xapi/statements", params=None, headers=None):
        return self.client.get(path, query_string=params or {}, headers=self.headers(headers))

    def post(self, body, path="/xapi/statements", headers=None):
        return self.client.post(path, json=body, headers=self.headers(headers))

    def put(self, body, statement_id, headers=None):
        return self.client.put("/xapi/statements", json=body, query_string={"statementId": statement_id},
                               headers=self.headers(headers))


@pytest.fixture
def make_lrs_client(app):
    def make(name="Test client", scope=ClientScope.READ_WRITE, **limits):
        client, secret = create_client(SYSTEM, name, scope, **limits)
        db.session.commit()
        return client, secret

    return make


@pytest.fixture
def xapi(client, make_lrs_client):
    lrs_client, secret = make_lrs_client()
    return XapiClient(client, lrs_client.key, secret)


def statement(**overrides):
    data = {"actor": {"mbox": "mailto:ana@example.org", "name": "Ana"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
            "object": {"id": "http://example.org/activities/one"}}
    data.update(overrides)
    return data
