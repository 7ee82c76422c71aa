"""Forwarding to an external LRS: a remote that fails, then recovers, receives every statement exactly once."""
import json
import threading
import uuid
from collections import Counter

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.xapi.models import ForwardQueue
from tests.fixtures.xapi import XapiClient, statement
from tests.fixtures.factories import session_id
from tests.fixtures.markup import banners


class RemoteLrs:
    """A minimal remote LRS that records what it stores and can be switched off (503), refuse statements whose
    response is "poison" (400, the whole batch, as an LRS does), answer 409 when a batch holds an id it has
    (some LRSs do, even for the same statement), or answer 204."""

    def __init__(self):
        self.received = Counter()  # statement id -> times stored
        self.down = False
        self.conflicts = False
        self.refuse_poison = True
        self.status = 200
        self.requests = 0
        self.auth = []
        self.bodies = []  # (Content-Type, body) of each request
        self.page = None  # a web page answered with 200 instead (an address that is no LRS)

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.requests += 1
        self.auth.append(request.authorization.username if request.authorization else None)
        if self.down:
            return Response("down for maintenance", status=503)(environ, start_response)
        self.bodies.append((request.content_type, request.get_data()))
        if self.page is not None:
            return Response(self.page, mimetype="text/html")(environ, start_response)
        body = request.get_data()
        if request.mimetype == "multipart/mixed":  # the statements are the first part
            boundary = request.mimetype_params["boundary"].encode()
            body = body.split(b"--" + boundary)[1].split(b"\r\n\r\n", 1)[1]
        batch = json.loads(body)
        if self.refuse_poison and any(item.get("result", {}).get("response") == "poison" for item in batch):
            return Response('{"error": "result.response is poison"}', status=400)(environ, start_response)
        if self.conflicts and any(item["id"] in self.received for item in batch):
            return Response('{"error": "conflict"}', status=409)(environ, start_response)
        for item in batch:
            self.received[item["id"]] += 1
        if self.status == 204:
            return Response(status=204)(environ, start_response)
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


def count(model, *where):
    if model is Job:  # the send jobs (notifying admins starts e-mail jobs of its own)
        where = (Job.func == "app.xapi.forwarding:send_pending", *where)
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_outage_then_recovery_delivers_every_statement_exactly_once(make_app, make_lrs_client, remote):
    app = make_app(XAPI_FORWARD_URL=remote.url, XAPI_FORWARD_USERNAME="itinera", XAPI_FORWARD_PASSWORD="s3cret",
                   XAPI_FORWARD_BATCH=3, XAPI_FORWARD_RETRY_SECONDS=0)
    with app.app_context():
        lrs_client, secret = make_lrs_client()
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        remote.down = True
        sent_while_down = xapi.post([statement() for _ in range(4)]).get_json() + xapi.post(statement()).get_json()
        assert count(ForwardQueue, ForwardQueue.sent_at.is_(None)) == 5  # kept, not lost
        assert count(Job, Job.status == JobStatus.FAILED) == 1  # visible to admins, once for this outage
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


def test_cli_shows_how_far_it_is(make_app, make_lrs_client, remote):
    """A queue of a day's statements (an outage) took minutes without a word: the command says how many it sends
    and shows a bar as it goes, on the error stream, so that its output stays the summary."""
    app = make_app(XAPI_FORWARD_URL=remote.url)
    with app.app_context():
        lrs_client, secret = make_lrs_client()
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        remote.down = True
        xapi.post([statement(), statement()])
        remote.down = False
        result = app.test_cli_runner().invoke(args=["lrs", "forward"])
        assert result.exit_code == 0, result.output
        assert "Sending 2 statements to the external LRS" in result.stderr
        assert result.stdout == "2 statements forwarded; 0 still queued.\n"


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


def test_an_outage_is_reported_to_admins_once(make_app, make_lrs_client, make_user, remote):
    from app.notifications.models import Notification

    app = make_app(XAPI_FORWARD_URL=remote.url)
    with app.app_context():
        make_user(roles=("admin",), country=None)
        lrs_client, secret = make_lrs_client()
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        remote.down = True
        for _ in range(6):
            assert xapi.post(statement()).status_code == 200
        assert count(Job) == 1 and count(Job, Job.status == JobStatus.FAILED) == 1
        assert count(Notification, Notification.kind == "job_failed") == 1
        assert count(ForwardQueue, ForwardQueue.sent_at.is_(None)) == 6


def test_later_jobs_of_a_reported_outage_do_not_fail_again(make_app, make_lrs_client, make_user, remote):
    from app.notifications.models import Notification

    app = make_app(XAPI_FORWARD_URL=remote.url, XAPI_FORWARD_RETRY_SECONDS=0)
    with app.app_context():
        make_user(roles=("admin",), country=None)
        lrs_client, secret = make_lrs_client()
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        remote.down = True
        for _ in range(4):
            xapi.post(statement())
        assert count(Job, Job.status == JobStatus.FAILED) == 1 and count(Job, Job.status == JobStatus.DONE) == 3
        assert count(Notification, Notification.kind == "job_failed") == 1
        remote.down = False
        xapi.post(statement())
        assert len(remote.received) == 5 and set(remote.received.values()) == {1}
        remote.down = True  # a new outage after a delivery is a new report
        xapi.post(statement())
        assert count(Notification, Notification.kind == "job_failed") == 2


def test_a_write_does_not_start_a_second_job_while_one_is_waiting(make_app, make_lrs_client, remote):
    from app.xapi.forwarding import send_pending

    app = make_app(XAPI_FORWARD_URL=remote.url)
    with app.app_context():
        lrs_client, secret = make_lrs_client()
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        waiting = Job(func=f"{send_pending.__module__}:{send_pending.__qualname__}", status=JobStatus.RETRYING)
        db.session.add(waiting)
        db.session.commit()
        xapi.post(statement())
        xapi.post(statement())
        assert count(Job) == 1 and remote.requests == 0  # the waiting job will send them


def test_outside_content_completing_a_course_leaves_no_send_job_stranded(app, synced_course, make_user,
                                                                         make_lrs_client, remote):
    """The send job queued with a module's statement ran when the course enrolment released its savepoint,
    before its row was committed: it found nothing to run and stayed queued, and every later write for
    JOB_STALLED_MINUTES took it for a job under way and forwarded nothing."""
    from app.xapi import vocabulary as v

    app.config.update(XAPI_FORWARD_URL=remote.url, XAPI_FORWARD_RETRY_SECONDS=0)
    trainee = make_user(("trainee",))
    lrs_client, secret = make_lrs_client(activity_prefixes=[v.course_iri("pilot") + "/", "http://example.org/"])
    xapi = XapiClient(app.test_client(), lrs_client.key, secret)
    actor = {"account": {"homePage": "http://itinera.test", "name": str(trainee.uuid)}}
    done = [{"actor": actor, "verb": {"id": v.COMPLETED}, "object": {"id": v.module_iri("pilot", module)}}
            for module in ("intro", "practice")]
    assert xapi.post(done).status_code == 200
    assert xapi.post(statement()).status_code == 200  # a later write
    assert count(Job, Job.status == JobStatus.QUEUED) == 0
    assert count(ForwardQueue, ForwardQueue.sent_at.is_(None)) == 0


def test_a_remote_answering_409_to_a_resend_counts_as_delivered(make_app, make_lrs_client, remote):
    app = make_app(XAPI_FORWARD_URL=remote.url, XAPI_FORWARD_BATCH=10)
    with app.app_context():
        lrs_client, secret = make_lrs_client()
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        known = [str(uuid.uuid4()), str(uuid.uuid4())]
        remote.received.update(known)  # the remote stored these, but its answer never reached us
        remote.conflicts = True
        ids = xapi.post([statement(id=known[0]), statement(), statement(id=known[1]), statement(), statement()]) \
            .get_json()
        assert set(remote.received) == set(ids) and set(remote.received.values()) == {1}
        assert count(ForwardQueue, ForwardQueue.sent_at.is_(None)) == 0
        assert count(ForwardQueue, ForwardQueue.failed_at.is_not(None)) == 0
        assert count(Job, Job.status != JobStatus.DONE) == 0


def test_a_refused_statement_is_set_aside_and_the_others_arrive_once(make_app, make_lrs_client, make_user, remote):
    from flask import render_template_string

    from app.xapi import forwarding

    app = make_app(XAPI_FORWARD_URL=remote.url, XAPI_FORWARD_BATCH=10)
    with app.app_context():
        lrs_client, secret = make_lrs_client()
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        batch = [statement() for _ in range(3)] + [statement(result={"response": "poison"})] + \
            [statement() for _ in range(4)]
        ids = xapi.post(batch).get_json()
        poison = ids[3]
        assert set(remote.received) == set(ids) - {poison} and set(remote.received.values()) == {1}
        assert count(Job, Job.status != JobStatus.DONE) == 0  # nothing to retry: the rest went through
        entry = db.session.scalar(sa.select(ForwardQueue).where(ForwardQueue.failed_at.is_not(None)))
        assert entry is not None and entry.sent_at is None and "HTTP 400" in entry.last_error
        assert forwarding.pending_count() == 0 and forwarding.failed_count() == 1
        later = xapi.post(statement()).get_json()[0]  # the queue goes on
        assert remote.received[later] == 1 and poison not in remote.received

        with app.test_request_context():
            page = render_template_string('{% from "xapi/_forwarding.html" import forwarding_status %}'
                                          "{{ forwarding_status(status) }}", status=forwarding.status())
        assert poison in page and "refused 1 statement" in page and "HTTP 400" in page

        runner = app.test_cli_runner()
        assert "1 statements were refused" in runner.invoke(args=["lrs", "forward"]).output
        remote.refuse_poison = False  # the remote's problem is fixed: an admin sends it again
        result = runner.invoke(args=["lrs", "forward", "--retry-refused"])
        assert result.exit_code == 0 and "1 statements forwarded; 0 still queued." in result.output
        assert remote.received[poison] == 1 and forwarding.failed_count() == 0


def test_a_204_answer_is_a_delivery(make_app, make_lrs_client, remote):
    app = make_app(XAPI_FORWARD_URL=remote.url)
    with app.app_context():
        lrs_client, secret = make_lrs_client()
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        remote.status = 204
        ids = xapi.post([statement(), statement()]).get_json()
        assert sorted(remote.received) == sorted(ids) and remote.requests == 1
        assert count(ForwardQueue, ForwardQueue.sent_at.is_(None)) == 0
        assert count(Job, Job.status != JobStatus.DONE) == 0


@pytest.mark.parametrize("answer", ["<html><body>Welcome to our portal</body></html>", "[]", '{"ok": true}'])
def test_a_200_without_the_statement_ids_is_no_delivery(make_app, make_lrs_client, make_user, remote, answer):
    """XAPI_FORWARD_URL pointing at a web page that answers 200 to anything (a portal, a login page): every
    statement was marked sent, none ever arrived, and nothing said so. An LRS answers a POST of statements with
    their ids."""
    from flask import render_template_string

    from app.notifications.models import Notification
    from app.xapi import forwarding

    app = make_app(XAPI_FORWARD_URL=remote.url)
    with app.app_context():
        make_user(roles=("admin",), country=None)
        lrs_client, secret = make_lrs_client()
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        remote.page = answer
        assert xapi.post([statement(), statement()]).status_code == 200
        assert remote.requests >= 1 and count(ForwardQueue, ForwardQueue.sent_at.is_(None)) == 2
        assert count(Job, Job.status == JobStatus.FAILED) == 1
        assert count(Notification, Notification.kind == "job_failed") == 1
        entry = db.session.scalar(sa.select(ForwardQueue).order_by(ForwardQueue.id).limit(1))
        assert "not the ids of the statements sent" in entry.last_error and answer[:20] in entry.last_error
        with app.test_request_context():
            page = render_template_string('{% from "xapi/_forwarding.html" import forwarding_status %}'
                                          "{{ forwarding_status(status) }}", status=forwarding.status())
        assert "2 statements wait to be sent." in page and "not the ids of the statements sent" in page
        remote.page = None  # the address is corrected: they go
        result = app.test_cli_runner().invoke(args=["lrs", "forward"])
        assert result.exit_code == 0 and len(remote.received) == 2, result.output


def test_the_forwarding_panel_says_how_long_statements_wait_and_what_went_wrong(make_app, make_lrs_client, remote):
    """The panel showed only counts: nothing told an admin whether the queue had been stuck for a minute or a
    week, when the remote last took anything, or why it does not now."""
    from datetime import timedelta

    from flask import render_template_string

    from app.db import utcnow
    from app.xapi import forwarding

    app = make_app(XAPI_FORWARD_URL=remote.url, XAPI_FORWARD_RETRY_SECONDS=0)
    with app.app_context():
        lrs_client, secret = make_lrs_client()
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)

        def panel():
            with app.test_request_context("/?lang=en"):
                return render_template_string('{% from "xapi/_forwarding.html" import forwarding_status %}'
                                              "{{ forwarding_status(status) }}", status=forwarding.status())

        assert "Nothing has been delivered yet." in panel()
        xapi.post(statement())
        assert "Last delivery: " in panel() and "The oldest has waited" not in panel()
        remote.down = True
        xapi.post(statement())
        xapi.post(statement())
        db.session.execute(sa.update(ForwardQueue).where(ForwardQueue.sent_at.is_(None))
                           .values(queued_at=utcnow() - timedelta(hours=3)))
        db.session.commit()
        page = panel()
        assert "2 statements wait to be sent." in page and "The oldest has waited 3 hours, since " in page
        assert "The last attempt to send them failed:" in page and "HTTP 503: down for maintenance" in page
        assert "Last delivery: " in page


def test_admins_see_refused_statements_and_send_them_again(make_app, make_lrs_client, make_user, remote):
    from app.xapi import forwarding

    app = make_app(XAPI_FORWARD_URL=remote.url, XAPI_FORWARD_BATCH=10)
    with app.app_context():
        lrs_client, secret = make_lrs_client()
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        poison = xapi.post(statement(result={"response": "poison"})).get_json()[0]
        admin = make_user(roles=("admin",), country=None)
        browser = app.test_client()
        with browser.session_transaction() as session:
            session["_user_id"] = session_id(admin)
        page = browser.get("/admin/lrs-clients?lang=en").get_data(as_text=True)
        assert "Forwarding to the external LRS" in page and poison in page
        assert "Send the refused statements again" in page
        remote.refuse_poison = False
        response = browser.post("/admin/lrs-clients/forwarding/retry")
        assert response.status_code == 302
        assert remote.received[poison] == 1 and forwarding.failed_count() == 0
        page = browser.get("/admin/lrs-clients").get_data(as_text=True)
        assert "1 statement will be sent again." in page and "Send the refused statements again" not in page
        # a second click, or an old tab: nothing was waiting, and the page says so rather than "0 statements"
        again = browser.post("/admin/lrs-clients/forwarding/retry", follow_redirects=True).get_data(as_text=True)
        assert "No statement was waiting to be sent again." in again and "will be sent again" not in again
        assert banners(again) == [("info", "No statement was waiting to be sent again.")]


def test_attachment_data_received_goes_along_even_with_a_file_url(make_app, make_lrs_client, remote):
    """Communication 1.5.2.s3.b3: an LRS MUST NOT push statements without the attachment data it received."""
    import hashlib

    from tests.fixtures.xapi import multipart, post_multipart

    app = make_app(XAPI_FORWARD_URL=remote.url)
    with app.app_context():
        lrs_client, secret = make_lrs_client()
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        content = b"certificate of attendance"
        sha2 = hashlib.sha256(content).hexdigest()
        attachment = {"usageType": "http://example.org/usage/certificate", "display": {"en": "Certificate"},
                      "contentType": "text/plain", "length": len(content), "sha2": sha2,
                      "fileUrl": "https://example.org/certificate.txt"}
        response = post_multipart(xapi, multipart([statement(attachments=[attachment])],
                                                  [(content, sha2, "text/plain")]))
        assert response.status_code == 200
        [statement_id] = response.get_json()
        assert remote.received[statement_id] == 1
        content_type, body = remote.bodies[-1]
        assert content_type.startswith("multipart/mixed") and content in body
        assert xapi.post(statement(attachments=[dict(attachment, sha2="b" * 64)])).status_code == 200
        assert remote.bodies[-1][0] == "application/json"  # nothing received to send: plain JSON


class SlowRemote(RemoteLrs):
    """A remote that takes ``delay`` seconds to answer each request. ``clock`` is the time the forwarding code
    reads in the tests that use it (the slow_remote fixture puts it in place of time.monotonic): it moves on by
    ``delay`` with each answer and by nothing else, so how many requests a budget lets start is the same on an
    idle machine and on a crowded one, where the work around each request may take longer than the remote."""

    def __init__(self, delay: float):
        super().__init__()
        self.delay = delay
        self.spent = 0.0

    def clock(self) -> float:
        return self.spent

    def __call__(self, environ, start_response):
        import time

        time.sleep(self.delay)
        self.spent += self.delay  # before the answer goes: the code that asked reads the clock after it
        return super().__call__(environ, start_response)


@pytest.fixture
def slow_remote(monkeypatch):
    from types import SimpleNamespace

    from app.xapi import forwarding

    lrs = SlowRemote(0.5)
    monkeypatch.setattr(forwarding, "time", SimpleNamespace(monotonic=lrs.clock))
    server = make_server("127.0.0.1", 0, lrs, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    lrs.url = f"http://127.0.0.1:{server.server_port}/xapi/"
    yield lrs
    server.shutdown()


def test_without_redis_a_slow_remote_holds_up_a_request_only_so_long(make_app, make_lrs_client, slow_remote):
    """The send job runs inside the request that wrote: once its budget is spent it starts no request to the
    remote, and what is left goes with the next write or `flask lrs forward`. A remote slower than the budget is
    still served, one batch at a time, and nothing is sent twice."""
    # the budget of 1 s counts from the first request: the second starts 0.5 s later on the remote's clock, the
    # third would start at 1 s, so exactly two batches go (on a busy machine too: the clock is the remote's, and
    # what the test holds the request to is that count, not the time a slow machine takes for it)
    app = make_app(XAPI_FORWARD_URL=slow_remote.url, XAPI_FORWARD_BATCH=2, XAPI_FORWARD_IN_REQUEST_SECONDS=1.0)
    with app.app_context():
        lrs_client, secret = make_lrs_client()
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        ids = xapi.post([statement() for _ in range(6)]).get_json()
        assert slow_remote.requests == 2  # two batches of 0.5 s, then the budget is spent
        assert count(ForwardQueue, ForwardQueue.sent_at.is_(None)) == 2
        ids += xapi.post(statement()).get_json()  # the next write sends what was left, and its own
        assert count(ForwardQueue, ForwardQueue.sent_at.is_(None)) == 0
        assert count(Job, Job.status == JobStatus.FAILED) == 0  # slow is not down
        assert set(slow_remote.received) == set(ids) and set(slow_remote.received.values()) == {1}


def test_without_redis_splitting_a_refused_batch_stops_with_the_budget(make_app, make_lrs_client, slow_remote):
    """A batch the remote refuses is split to find the statement it refuses; in a request that search stops
    when the budget is spent, and goes on later."""
    import time

    app = make_app(XAPI_FORWARD_URL=slow_remote.url, XAPI_FORWARD_BATCH=16, XAPI_FORWARD_IN_REQUEST_SECONDS=1.0)
    with app.app_context():
        lrs_client, secret = make_lrs_client()
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        batch = [statement() for _ in range(15)] + [statement(result={"response": "poison"})]
        started = time.monotonic()
        assert xapi.post(batch).status_code == 200
        # the batch (refused), then its first half (taken), and the budget is spent: not the 31 requests (15 s) of
        # a search (the time has room for a busy machine, where 3.5 s were seen; the count is what the budget decides)
        assert time.monotonic() - started < 7.5 and slow_remote.requests == 2
        assert count(ForwardQueue, ForwardQueue.sent_at.is_(None), ForwardQueue.failed_at.is_(None)) == 8
        result = app.test_cli_runner().invoke(args=["lrs", "forward"])  # the command line has no budget
        assert "7 statements forwarded; 0 still queued." in result.output, result.output
        assert "1 statements were refused" in result.output and len(slow_remote.received) == 15


def test_without_redis_a_slow_start_still_sends_one_batch(make_app, make_lrs_client, monkeypatch):
    """The budget counts from the first request to the remote: when getting ready took longer than the whole
    budget (a busy machine, a first TLS set-up), the write still moves the queue on by one batch."""
    import time

    import httpx

    from app.xapi import forwarding

    class SlowToOpen(httpx.Client):
        def __init__(self, *args, **kwargs):
            time.sleep(0.4)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(forwarding.httpx, "Client", SlowToOpen)
    remote = RemoteLrs()
    server = make_server("127.0.0.1", 0, remote, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        app = make_app(XAPI_FORWARD_URL=f"http://127.0.0.1:{server.server_port}/xapi/", XAPI_FORWARD_BATCH=2,
                       XAPI_FORWARD_IN_REQUEST_SECONDS=0.2)
        with app.app_context():
            lrs_client, secret = make_lrs_client()
            xapi = XapiClient(app.test_client(), lrs_client.key, secret)
            ids = xapi.post([statement() for _ in range(2)]).get_json()
            assert remote.requests >= 1 and set(remote.received) == set(ids)
            assert count(ForwardQueue, ForwardQueue.sent_at.is_(None)) == 0
    finally:
        server.shutdown()


@pytest.mark.parametrize("status", [400, 503])
def test_a_remote_answer_with_a_nul_character_is_kept_without_it(make_app, make_lrs_client, status):
    """PostgreSQL keeps no NUL in text: a refusal (or an outage page) whose body held one failed the commit that
    records it, so the job failed on every retry and the queue never moved past that statement."""
    def remote_app(environ, start_response):
        return Response(b'{"error": "bad\x00byte"}', status=status, mimetype="application/json")(environ,
                                                                                                 start_response)

    server = make_server("127.0.0.1", 0, remote_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        app = make_app(XAPI_FORWARD_URL=f"http://127.0.0.1:{server.server_port}/xapi/")
        with app.app_context():
            from app.xapi import forwarding

            lrs_client, secret = make_lrs_client()
            xapi = XapiClient(app.test_client(), lrs_client.key, secret)
            assert xapi.post(statement()).status_code == 200
            if status == 503:
                with pytest.raises(forwarding.ForwardError):
                    forwarding.send_pending(always_raise=True)
            db.session.expire_all()
            entry = db.session.scalar(sa.select(ForwardQueue))
            assert entry.sent_at is None and f"HTTP {status}" in entry.last_error
            assert "\x00" not in entry.last_error and "bad\ufffdbyte" in entry.last_error
            assert (entry.failed_at is not None) == (status == 400)
    finally:
        server.shutdown()
