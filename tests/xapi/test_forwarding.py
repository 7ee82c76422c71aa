"""Forwarding to an external LRS: a remote that fails, then recovers, receives every statement exactly once."""
import json
import threading
from collections import Counter

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.xapi.models import ForwardQueue
from tests.xapi.conftest import XapiClient, statement


class RemoteLrs:
    """A minimal remote LRS that records what it stores and can be switched off (503) or made slow."""

    def __init__(self):
        self.received = Counter()  # statement id -> times stored
        self.down = False
        self.requests = 0
        self.auth = []

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.requests += 1
        self.auth.append(request.authorization.username if request.authorization else None)
        if self.down:
            return Response("down for maintenance", status=503)(environ, start_response)
        batch = json.loads(request.get_data())
        for item in batch:
            self.received[item["id"]] += 1
        return Response(json.dumps([s["id"] for s in batch]), mimetype="application/json")(environ, start_response)


@pytest.fixture
def remote():
    lrs = RemoteLrs()
    server = make_server("127.0.0.1", 0, lrs, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    lrs.url = f"http://127.0.0.1:{server.server_port}/xapi/"
    yield lrs
    server.shutdown()


def test_outage_then_recovery_delivers_every_statement_exactly_once(make_app, make_lrs_client, remote):
    app = make_app(XAPI_FORWARD_URL=remote.url, XAPI_FORWARD_USERNAME="itinera", XAPI_FORWARD_PASSWORD="s3cret",
                   XAPI_FORWARD_BATCH=3)
    with app.app_context():
        lrs_client, secret = make_lrs_client()
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        remote.down = True
        sent_while_down = xapi.post([statement() for _ in range(4)]).get_json() + xapi.post(statement()).get_json()
        db.session.expire_all()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ForwardQueue)
                                 .where(ForwardQueue.sent_at.is_(None))) == 5  # kept, not lost
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)
                                 .where(Job.status == JobStatus.FAILED)) == 2  # visible to admins
        assert remote.received == Counter()

        remote.down = False
        sent_after = xapi.post(statement()).get_json()  # the next job sends the whole queue, oldest first
        assert set(remote.received) == set(sent_while_down + sent_after)
        assert set(remote.received.values()) == {1}
        assert set(remote.auth) == {"itinera"}
        db.session.expire_all()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ForwardQueue)
                                 .where(ForwardQueue.sent_at.is_(None))) == 0


def test_cli_sends_what_is_left(make_app, make_lrs_client, remote):
    app = make_app(XAPI_FORWARD_URL=remote.url)
    with app.app_context():
        lrs_client, secret = make_lrs_client()
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        remote.down = True
        ids = xapi.post([statement(), statement()]).get_json()
        runner = app.test_cli_runner()
        result = runner.invoke(args=["lrs", "forward"])
        assert result.exit_code == 1 and "2 statements still queued" in result.output
        remote.down = False
        result = runner.invoke(args=["lrs", "forward"])
        assert "2 statements forwarded; 0 still queued." in result.output
        assert sorted(remote.received) == sorted(ids)


def test_a_remote_that_hangs_times_out(make_app, make_lrs_client):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/xapi/"
    app = make_app(XAPI_FORWARD_URL=url, XAPI_FORWARD_TIMEOUT=0.3, JOB_MAX_ATTEMPTS=1)
    with app.app_context():
        lrs_client, secret = make_lrs_client()
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        assert xapi.post(statement()).status_code == 200  # the LRS still answers its own client
        db.session.expire_all()
        entry = db.session.scalar(sa.select(ForwardQueue))
        assert entry.sent_at is None and "Timeout" in entry.last_error
    listener.close()


def test_without_a_forward_url_nothing_is_queued(xapi):
    xapi.post(statement())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ForwardQueue)) == 0
