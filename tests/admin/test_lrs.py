"""The administrators' pages of the LRS clients."""
import re

import sqlalchemy as sa

from app.extensions import db
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
