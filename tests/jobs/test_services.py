import sqlalchemy as sa
from redis import Redis
from rq import Queue
from rq.registry import FailedJobRegistry

from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.jobs.services import enqueue
from app.notifications.models import Notification
from app.notifications.services import text_of
from app.places.models import Institution, InstitutionLevel
from tests.fixtures.services import run_worker
from tests.jobs import tasks


def names():
    db.session.expire_all()
    return set(db.session.scalars(sa.select(Institution.name)))


def the_job(job_id) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def test_runs_right_after_the_transaction_commits(app):
    job = enqueue(tasks.add_institution, "after commit")
    job_id = job.id
    assert the_job(job_id).status is JobStatus.QUEUED  # nothing runs before the commit
    db.session.commit()
    assert "after commit" in names()
    assert the_job(job_id).status is JobStatus.DONE and the_job(job_id).attempts == 1


def test_a_rolled_back_transaction_runs_nothing(app):
    enqueue(tasks.add_institution, "never")
    db.session.rollback()
    db.session.commit()
    assert "never" not in names()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_a_savepoint_released_before_the_commit_runs_nothing_yet(app):
    """A service that opens a savepoint (course enrolment does) after a job was queued: releasing it fired the
    job before its row was committed, so the job found nothing to run and stayed QUEUED for good."""
    job_id = enqueue(tasks.add_institution, "after the real commit").id
    with db.session.begin_nested():
        db.session.add(Institution(name="in the savepoint", country_code="CL", level=InstitutionLevel.NATIONAL))
    assert the_job(job_id).status is JobStatus.QUEUED
    db.session.commit()
    assert {"after the real commit", "in the savepoint"} <= names()
    assert the_job(job_id).status is JobStatus.DONE


def test_a_savepoint_rolled_back_keeps_the_jobs_queued_before_it(app):
    job_id = enqueue(tasks.add_institution, "queued before").id
    savepoint = db.session.begin_nested()
    enqueue(tasks.add_institution, "rolled back")
    savepoint.rollback()
    db.session.commit()
    assert "queued before" in names() and "rolled back" not in names()
    assert the_job(job_id).status is JobStatus.DONE


def test_arguments_must_travel_as_json(app):
    import pytest

    with pytest.raises(TypeError):
        enqueue(tasks.add_institution, object())


def test_in_process_failure_is_retried_then_succeeds(app, tmp_path):
    job_id = enqueue(tasks.flaky, str(tmp_path / "runs"), 2).id
    db.session.commit()
    job = the_job(job_id)
    assert (job.status, job.attempts, job.last_error) == (JobStatus.DONE, 3, None)
    assert "made on run 3" in names()


def test_in_process_failure_after_every_attempt_is_shown_to_admins(app, client, login_as, make_user):
    admin = make_user(roles=("admin",), country=None)
    job_id = enqueue(tasks.always_fails).id
    db.session.commit()
    job = the_job(job_id)
    assert job.status is JobStatus.FAILED and job.attempts == app.config["JOB_MAX_ATTEMPTS"]
    assert "this task never works" in job.last_error
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == admin.id))
    assert note.kind == "job_failed" and note.data["job_id"] == job_id

    login_as(admin)
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "tests.jobs.tasks:always_fails" in page and "this task never works" in page
    assert "Count the stars" in page  # what the task does, beside its function
    assert text_of(note) == "A background task failed after every attempt: Count the stars"
    client.post(f"/admin/jobs/{job_id}/retry")  # runs again (and fails again) at once without Redis
    job = the_job(job_id)
    # with a fresh set of attempts: every one of them was tried again, not just one past the limit
    assert job.status is JobStatus.FAILED and job.attempts == app.config["JOB_MAX_ATTEMPTS"]


def test_with_redis_the_job_waits_for_a_worker_and_is_retried(rq_app, tmp_path):
    with rq_app.app_context():
        job_id = enqueue(tasks.flaky, str(tmp_path / "runs"), 1).id
        db.session.commit()
        assert db.session.get(Job, job_id).status is JobStatus.QUEUED  # handed to Redis, not run here
        assert Queue(rq_app.config["JOB_QUEUE"], connection=Redis.from_url(rq_app.config["REDIS_URL"])).count == 1
    run_worker(rq_app)
    with rq_app.app_context():
        job = db.session.get(Job, job_id)
        assert (job.status, job.attempts) == (JobStatus.DONE, 2)
        assert db.session.scalar(sa.select(Institution.name)) == "made on run 2"


def test_with_redis_an_attempt_that_runs_too_long_is_stopped_and_counted(rq_app):
    rq_app.config.update(JOB_TIMEOUT=1, JOB_MAX_ATTEMPTS=2)
    with rq_app.app_context():
        job_id = enqueue(tasks.slow, 5).id
        db.session.commit()
        [queued] = Queue(rq_app.config["JOB_QUEUE"], connection=Redis.from_url(rq_app.config["REDIS_URL"])).jobs
        assert queued.timeout == 1
    run_worker(rq_app)
    with rq_app.app_context():
        job = db.session.get(Job, job_id)
        assert (job.status, job.attempts) == (JobStatus.FAILED, 2) and "JobTimeoutException" in job.last_error


def test_with_redis_a_job_that_keeps_failing_ends_failed_and_visible(rq_app, make_user):
    with rq_app.app_context():
        admin_id = make_user(roles=("admin",), country=None).id
        job_id = enqueue(tasks.always_fails).id
        db.session.commit()
    run_worker(rq_app)
    with rq_app.app_context():
        job = db.session.get(Job, job_id)
        assert job.status is JobStatus.FAILED and job.attempts == rq_app.config["JOB_MAX_ATTEMPTS"]
        assert db.session.scalar(sa.select(Notification.kind).where(Notification.user_id == admin_id)) == "job_failed"
        queue = Queue(rq_app.config["JOB_QUEUE"], connection=Redis.from_url(rq_app.config["REDIS_URL"]))
        assert FailedJobRegistry(queue=queue).count == 1  # RQ keeps it too


def test_worker_command_and_requeue_after_an_outage(make_app, redis_url, tmp_path):
    down = make_app(REDIS_URL="redis://127.0.0.1:1/0", JOB_QUEUE="itinera-test-outage")
    with down.app_context():
        job_id = enqueue(tasks.add_institution, "after the outage").id
        db.session.commit()  # Redis unreachable: the job is kept, not lost
        assert db.session.get(Job, job_id).status is JobStatus.QUEUED
    import uuid

    queue_name = f"itinera-test-{uuid.uuid4().hex[:8]}"
    up = make_app(REDIS_URL=redis_url, JOB_QUEUE=queue_name)
    runner = up.test_cli_runner()
    assert "1 jobs queued again." in runner.invoke(args=["jobs", "requeue"]).output
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    with up.app_context():
        assert db.session.get(Job, job_id).status is JobStatus.DONE
        assert db.session.scalar(sa.select(Institution.name)) == "after the outage"
    Queue(queue_name, connection=Redis.from_url(redis_url)).delete(delete_jobs=True)


def test_requeue_leaves_jobs_that_are_already_waiting_in_redis(rq_app):
    """With Redis up, `jobs requeue` sends only the jobs that never reached it: one that waits for a worker is not
    queued a second time (it would run once anyway, but the count told the admin of jobs that were not lost)."""
    from app.jobs.services import _queue

    with rq_app.app_context():
        enqueue(tasks.add_institution, "waiting for a worker")
        db.session.commit()
        lost = Job(func="tests.jobs.tasks:add_institution", args=["never reached Redis"])
        db.session.add(lost)
        db.session.commit()
        lost_id = lost.id
    runner = rq_app.test_cli_runner()
    assert "1 jobs queued again." in runner.invoke(args=["jobs", "requeue"]).output
    assert "0 jobs queued again." in runner.invoke(args=["jobs", "requeue"]).output  # now it waits there too
    with rq_app.app_context():
        assert _queue().count == 2
    run_worker(rq_app)
    with rq_app.app_context():
        assert the_job(lost_id).status is JobStatus.DONE
        assert names() == {"waiting for a worker", "never reached Redis"}


def test_in_process_a_failed_job_waits_for_its_interval(app, tmp_path):
    """Without Redis a failed attempt is not repeated inside the request: it waits for JOB_RETRY_INTERVALS."""
    from datetime import timedelta

    from app.db import utcnow

    app.config["JOB_RETRY_INTERVALS"] = [60, 600]
    job_id = enqueue(tasks.flaky, str(tmp_path / "runs"), 2).id
    db.session.commit()
    job = the_job(job_id)
    assert (job.status, job.attempts) == (JobStatus.RETRYING, 1)

    enqueue(tasks.add_institution, "later request")  # another dispatch: the retry is not due yet
    db.session.commit()
    assert the_job(job_id).attempts == 1

    def interval_passes(seconds):
        job = the_job(job_id)
        job.finished_at = utcnow() - timedelta(seconds=seconds)
        db.session.commit()

    interval_passes(61)
    assert "1 jobs queued again." in app.test_cli_runner().invoke(args=["jobs", "requeue"]).output
    assert (the_job(job_id).status, the_job(job_id).attempts) == (JobStatus.RETRYING, 2)
    interval_passes(61)  # the second interval is 600 s
    enqueue(tasks.add_institution, "another request")
    db.session.commit()
    assert the_job(job_id).attempts == 2
    interval_passes(601)
    enqueue(tasks.add_institution, "a third request")  # the next dispatch also runs the retries that are due
    db.session.commit()
    job = the_job(job_id)
    assert (job.status, job.attempts) == (JobStatus.DONE, 3)
    assert "made on run 3" in names()


def test_a_job_killed_mid_run_is_shown_as_stalled_and_can_be_retried(app, client, login_as):
    from datetime import timedelta

    from app.db import utcnow

    stalled = Job(func="tests.jobs.tasks:add_institution", args=["after the crash"], status=JobStatus.RUNNING,
                  started_at=utcnow() - timedelta(hours=2), attempts=1)
    running = Job(func="tests.jobs.tasks:add_institution", args=["still running"], status=JobStatus.RUNNING,
                  started_at=utcnow() - timedelta(minutes=1), attempts=1)
    db.session.add_all([stalled, running])
    db.session.commit()
    stalled_id = stalled.id
    login_as("admin", country=None)
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert page.count("tests.jobs.tasks:add_institution") == 2  # the stalled one (cell and button label) only
    assert "Stalled" in page and f"/admin/jobs/{stalled_id}/retry" in page
    assert f"/admin/jobs/{running.id}/retry" not in page
    client.post(f"/admin/jobs/{stalled_id}/retry")
    assert the_job(stalled_id).status is JobStatus.DONE and "after the crash" in names()
    running_id = running.id
    for job_id in (running_id, stalled_id):  # still running, or done: a second run would do the work twice
        refused = client.post(f"/admin/jobs/{job_id}/retry", follow_redirects=True)
        assert "nothing to retry" in refused.get_data(as_text=True)
    assert the_job(running_id).status is JobStatus.RUNNING and "still running" not in names()


def test_smtp_connections_time_out_quickly(make_app, monkeypatch, make_user):
    """Without Redis the delivery runs in the request that queued it: it must not hang for long."""
    import smtplib

    from app.notifications import services as notifications

    seen = {}

    class Refusing:
        def __init__(self, host, port, timeout):
            seen["timeout"] = timeout
            raise ConnectionRefusedError("no server")

    monkeypatch.setattr(smtplib, "SMTP", Refusing)
    app = make_app(MAIL_SERVER="mail.invalid", MAIL_USE_TLS=False, JOB_MAX_ATTEMPTS=1)
    with app.app_context():
        notifications.queue_email("someone@example.org", "Subject", "Body")
        db.session.commit()
    assert seen["timeout"] <= 10


def test_in_process_a_due_retry_runs_with_a_later_commit_that_brings_no_job(app, tmp_path):
    """Without Redis nothing wakes up for a retry: ordinary commits look for due retries now and then."""
    from datetime import timedelta

    from app.db import utcnow

    app.config.update(JOB_RETRY_INTERVALS=[60], JOB_RETRY_CHECK_SECONDS=0)
    job_id = enqueue(tasks.flaky, str(tmp_path / "runs"), 1).id
    db.session.commit()
    assert the_job(job_id).status is JobStatus.RETRYING
    job = the_job(job_id)
    job.finished_at = utcnow() - timedelta(seconds=61)  # its interval has passed
    db.session.commit()  # a commit with no job of its own (the first one only starts the clock)
    db.session.add(tasks_institution("unrelated write"))
    db.session.commit()
    assert (the_job(job_id).status, the_job(job_id).attempts) == (JobStatus.DONE, 2)


def tasks_institution(name):
    from app.places.models import InstitutionLevel

    return Institution(name=name, country_code="CL", level=InstitutionLevel.NATIONAL)


def test_a_job_started_twice_at_once_runs_once(app, tmp_path):
    """Two processes pick the same job together (two web processes finding a due retry, or `flask jobs requeue`
    beside them): one runs it, the other finds it taken, and the work (an e-mail, say) is done once."""
    import threading

    from app.jobs import services

    runs = tmp_path / "runs"
    job = Job(func="tests.jobs.tasks:note_run", args=[str(runs)], status=JobStatus.RETRYING, attempts=1)
    db.session.add(job)
    db.session.commit()
    job_id, together, real, met = job.id, threading.Barrier(2), services.utcnow, threading.local()

    def meeting():  # each has read the job before either records it as running
        if not getattr(met, "done", False):
            met.done = True
            together.wait(10)
        return real()

    def run():
        with app.app_context():
            services.run_job(job_id)

    services.utcnow = meeting
    try:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        services.utcnow = real
    assert runs.read_text() == "run\n"
    assert (the_job(job_id).status, the_job(job_id).attempts) == (JobStatus.DONE, 2)


def test_a_job_already_done_is_not_run_again(app):
    """A queue may hand the same job over twice (a worker restarted before acknowledging it): the work is done
    once."""
    from app.jobs.services import run_job

    job_id = enqueue(tasks.add_institution, "once").id
    db.session.commit()
    assert run_job(job_id) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Institution)) == 1
    assert the_job(job_id).attempts == 1


def test_only_an_admin_may_retry_a_job(app, make_user):
    import pytest
    from werkzeug.exceptions import Forbidden

    from app.jobs.services import retry

    job_id = enqueue(tasks.always_fails).id
    db.session.commit()
    with pytest.raises(Forbidden):
        retry(make_user(roles=("coordinator",), country="CL"), the_job(job_id))
    assert the_job(job_id).status is JobStatus.FAILED


def test_a_dispatch_runs_at_most_the_configured_number_of_due_retries(app):
    """Without Redis the retries that are due run after a request's own jobs, a few at a time
    (JOB_RETRIES_PER_DISPATCH), so that no request is held up by a backlog."""
    from datetime import timedelta

    from app.db import utcnow

    app.config["JOB_RETRY_INTERVALS"] = [60]
    waiting = [Job(func="tests.jobs.tasks:add_institution", args=[f"retry {n}"], status=JobStatus.RETRYING,
                   attempts=1, finished_at=utcnow() - timedelta(minutes=10 - n)) for n in range(4)]
    db.session.add_all(waiting)
    db.session.commit()
    enqueue(tasks.add_institution, "the request's own")
    db.session.commit()
    assert names() == {"the request's own", "retry 0", "retry 1"}  # the two waiting longest
    assert app.config["JOB_RETRIES_PER_DISPATCH"] == 2


def test_a_job_is_busy_only_when_queued_running_or_retrying_since_the_moment_given(app):
    from datetime import timedelta

    from app.db import utcnow
    from app.jobs.services import is_busy

    long_ago = utcnow() - timedelta(hours=2)
    db.session.add(Job(func="tests.jobs.tasks:add_institution", args=["stuck"], status=JobStatus.RUNNING,
                       created_at=long_ago, started_at=long_ago, attempts=1))
    db.session.add(Job(func="tests.jobs.tasks:always_fails", args=[], status=JobStatus.DONE, attempts=1))
    db.session.commit()
    an_hour_ago = utcnow() - timedelta(hours=1)
    assert not is_busy(tasks.add_institution, started_after=an_hour_ago)  # stalled before then
    assert is_busy(tasks.add_institution, started_after=long_ago - timedelta(seconds=1))
    assert not is_busy(tasks.always_fails, started_after=long_ago)  # done


def test_jobs_commands_say_when_redis_cannot_be_reached(make_app):
    """The worker and requeue with Redis down: a message and a non-zero exit, not a traceback, and requeue does
    not report jobs as queued again while they stay where they were."""
    down = make_app(REDIS_URL="redis://127.0.0.1:1/0", JOB_QUEUE="itinera-test-outage")
    with down.app_context():
        job_id = enqueue(tasks.add_institution, "kept").id
        db.session.commit()
    runner = down.test_cli_runner()
    for args in (["jobs", "worker", "--burst"], ["jobs", "requeue"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, (args, result.output)
        assert "Redis (REDIS_URL) cannot be reached" in result.output and "queued again" not in result.output
        assert "Connection refused. Nothing was done" in result.output, result.output  # not "refused.. Nothing"
        assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    with down.app_context():
        assert db.session.get(Job, job_id).status is JobStatus.QUEUED


def test_the_tasks_itinera_queues_are_named_in_the_readers_language(app):
    from flask_babel import force_locale

    from app.jobs.services import describe

    paths = ["app.notifications.services:deliver", "app.notifications.services:deliver_many",
             "app.auth.tokens:send_password_reset", "app.xapi.forwarding:send_pending"]
    with force_locale("es"):
        assert [describe(path) for path in paths] == [
            "Enviar un correo electrónico", "Enviar correos electrónicos",
            "Enviar un enlace para restablecer la contraseña", "Enviar declaraciones al LRS externo"]
    assert describe("app.nowhere:gone") == "app.nowhere:gone"  # a job of code since removed: its path


def test_the_jobs_page_says_what_went_wrong_without_opening_the_traceback(app, client, login_as, make_user):
    """The last error is a whole traceback: its last line, the exception, is what an admin reads first."""
    import lxml.html

    job_id = enqueue(tasks.always_fails).id
    db.session.commit()
    login_as("admin", country=None, locale="en")
    page = lxml.html.fromstring(client.get("/admin/jobs").get_data(as_text=True))
    [summary] = page.xpath("//main//details/summary")
    assert "RuntimeError: this task never works" in summary.text_content()
    assert "Traceback" not in summary.text_content()
    assert "Traceback (most recent call last)" in page.xpath("//main//details/pre")[0].text_content()
    assert the_job(job_id).status is JobStatus.FAILED
