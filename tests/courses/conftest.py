"""The partner content the voiding and rebuild tests post through (test_completion.py has its own ``lrs``)."""
import pytest

from app.extensions import db
from app.xapi.clients import create_client
from app.xapi.models import ClientScope
from tests.fixtures.xapi import XapiClient


@pytest.fixture
def lrs(app, client, make_user):
    """Partner content, whose client an administrator made, given our activities."""
    admin = make_user(("admin",))
    lrs_client, secret = create_client(admin, "Partner content", ClientScope.READ_WRITE,
                                       activity_prefixes=["http://itinera.test/activities/"])
    db.session.commit()
    return XapiClient(client, lrs_client.key, secret)
