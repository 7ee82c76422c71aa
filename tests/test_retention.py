"""How long operational records are kept: jobs, the e-mail outbox, the forwarding queue, and `flask purge`."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from app.auth import tokens
from app.auth.models import AccountToken, TokenPurpose
from app.extensions import db
from app.jobs import services as jobs
from app.jobs.models import Job, JobStatus
from app.notifications import services as notifications
from app.notifications.models import MailStatus, OutboxMessage
from app.xapi import forwarding
from app.xapi import vocabulary as v
from app.xapi.models import ForwardQueue
from app.xapi.services import record
from tests.jobs import tasks

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
SECOND = timedelta(seconds=1)


@pytest.fixture
def clock(monkeypatch):
    """Every sweep reads the same fixed time."""
    for module in (jobs, notifications, forwarding, tokens):
        monkeypatch.setattr(module, "utcnow", lambda: NOW)
    return NOW


def ago(days, more=timedelta(0)):
    return NOW - timedelta(days=days) - more


def remaining(model, **names):
    """Which of the named rows are still there."""
    db.session.expire_all()
    ids = set(db.session.scalars(sa.select(model.id)))
    return {name for name, row_id in names.items() if row_id in ids}


def add_job(status, finished_at=None, created_at=None, started_at=None) -> int:
    job = Job(func="tests.jobs.tasks:add_institution", args=["x"], status=status, finished_at=finished_at,
              created_at=created_at or finished_at or NOW, started_at=started_at)
    db.session.add(job)
    db.session.flush()
    return job.id


def test_done_jobs_go_after_30_days_failed_ones_after_90_and_unfinished_ones_stay(app, clock):
    rows = dict(
        done_new=add_job(JobStatus.DONE, ago(30)),  # exactly on the limit: still kept
        done_old=add_job(JobStatus.DONE, ago(30, SECOND)),
        done_lately=add_job(JobStatus.DONE, ago(1), created_at=ago(400)),  # what counts is when it finished
        failed_new=add_job(JobStatus.FAILED, ago(90)),
        failed_old=add_job(JobStatus.FAILED, ago(90, SECOND)),
        queued=add_job(JobStatus.QUEUED, created_at=ago(400)),
        retrying=add_job(JobStatus.RETRYING, ago(400)),
        running=add_job(JobStatus.RUNNING, created_at=ago(400), started_at=ago(400)),
    )
    db.session.commit()
    assert jobs.purge_finished() == (1, 1)
    db.session.commit()
    assert remaining(Job, **rows) == {"done_new", "done_lately", "failed_new", "queued", "retrying", "running"}
    assert jobs.purge_finished() == (0, 0)


def test_how_long_jobs_are_kept_is_configured(app, clock):
    done, failed = add_job(JobStatus.DONE, ago(5)), add_job(JobStatus.FAILED, ago(5))
    assert jobs.purge_finished() == (0, 0)
    app.config.update(JOB_DONE_DAYS=4, JOB_FAILED_DAYS=6)
    assert jobs.purge_finished() == (1, 0)
    assert remaining(Job, done=done, failed=failed) == {"failed"}


def test_a_new_job_sweeps_some_old_ones(app, clock):
    for _ in range(3):
        add_job(JobStatus.DONE, ago(31))
    db.session.commit()
    jobs.enqueue(tasks.add_institution, "new")
    db.session.commit()
    db.session.expire_all()  # (SQLite gives a deleted row's id to the next one: compare what the rows hold)
    assert [(job.args, job.status) for job in db.session.scalars(sa.select(Job))] == [(["new"], JobStatus.DONE)]


def test_a_process_sweeps_beside_its_work_only_so_often(app, clock):
    """A sweep that finds nothing due still reads the rows kept: a request pays for it once in SWEEP_SECONDS."""
    app.config["SWEEP_SECONDS"] = 300
    jobs.enqueue(tasks.add_institution, "first")  # sweeps
    add_job(JobStatus.DONE, ago(31))
    jobs.enqueue(tasks.add_institution, "second")  # too soon
    db.session.commit()
    assert jobs.purge_finished() == (1, 0)


def test_a_sweep_deletes_a_bounded_number(app, clock):
    for _ in range(5):
        add_job(JobStatus.DONE, ago(31))
    assert jobs.purge_finished(limit=2) == (2, 0)
    assert jobs.purge_finished(limit=None) == (3, 0)


def test_a_retried_job_is_new_again(app, clock, make_user):
    """An admin who retries a failed job keeps it: it runs again and is then as old as its new end."""
    admin = make_user(roles=("admin",))
    job_id = add_job(JobStatus.FAILED, ago(89))
    jobs.retry(admin, db.session.get(Job, job_id))
    db.session.commit()
    assert jobs.purge_finished() == (0, 0)
    assert remaining(Job, job=job_id) == {"job"}


@pytest.mark.parametrize("email", ["ana@example.org", "nobody@example.org"])
def test_a_password_reset_job_forgets_the_address_once_done(client, make_user, email):
    """Anyone can type any address into the forgot-password form: the job kept it for ever, known or not."""
    make_user(email="ana@example.org")
    client.post("/auth/password/forgot", data={"email": email})
    db.session.expire_all()
    job = db.session.scalar(sa.select(Job).where(Job.func == "app.auth.tokens:send_password_reset"))
    assert job.status is JobStatus.DONE
    assert job.args == []
    assert email not in str(db.session.execute(sa.select(Job.args)).all())


def test_a_failed_job_keeps_what_it_was_given_for_its_retry(app):
    job_id = jobs.enqueue(tasks.address_lookup_fails, "ana@example.org").id
    db.session.commit()
    job = db.session.get(Job, job_id)
    assert job.status is JobStatus.FAILED and job.args == ["ana@example.org"]


def test_the_jobs_page_says_when_failed_jobs_go(app, client, login_as):
    login_as("admin")
    app.config["JOB_FAILED_DAYS"] = 45
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "A failed task is deleted 45 days after its last attempt" in page


def add_mail(status, created_at, sent_at=None) -> int:
    message = OutboxMessage(to_address="ana@example.org", subject="Hello", body="Hi" if sent_at is None else None,
                            status=status, created_at=created_at, sent_at=sent_at)
    db.session.add(message)
    db.session.flush()
    return message.id


def test_sent_emails_go_after_30_days_and_undelivered_ones_stay(app, clock):
    rows = dict(
        sent_new=add_mail(MailStatus.SENT, ago(40), ago(30)),  # what counts is when the server took it
        sent_old=add_mail(MailStatus.SENT, ago(31), ago(30, SECOND)),
        logged_old=add_mail(MailStatus.LOGGED, ago(31), ago(31)),
        cancelled_new=add_mail(MailStatus.CANCELLED, ago(30)),
        cancelled_old=add_mail(MailStatus.CANCELLED, ago(30, SECOND)),
        failed_new=add_mail(MailStatus.FAILED, ago(90)),
        failed_old=add_mail(MailStatus.FAILED, ago(90, SECOND)),
        queued=add_mail(MailStatus.QUEUED, ago(400)),
    )
    db.session.commit()
    assert notifications.purge_outbox() == 4
    db.session.commit()
    assert remaining(OutboxMessage, **rows) == {"sent_new", "cancelled_new", "failed_new", "queued"}
    app.config["OUTBOX_DAYS"] = 60
    add_mail(MailStatus.SENT, ago(59), ago(59))
    assert notifications.purge_outbox() == 0


def test_an_email_queued_sweeps_the_outbox(app, clock):
    add_mail(MailStatus.SENT, ago(31), ago(31))
    notifications.queue_email("beto@example.org", "Hello", "Hi")
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalars(sa.select(OutboxMessage.to_address)).all() == ["beto@example.org"]


def add_forward(user, sent_at=None, failed_at=None) -> int:
    statement = record(user, v.EXPERIENCED, f"http://itinera.test/activities/courses/c{user.id}-{add_forward.n}")
    add_forward.n += 1
    entry = ForwardQueue(statement_seq=statement.seq, queued_at=ago(400), sent_at=sent_at, failed_at=failed_at)
    db.session.add(entry)
    db.session.flush()
    return entry.id


add_forward.n = 0


def test_delivered_statements_leave_the_forwarding_queue_but_the_newest_delivery(app, clock, make_user):
    user = make_user()
    rows = dict(
        sent_old=add_forward(user, ago(10)),
        sent_now=add_forward(user, ago(1)),
        newest=add_forward(user, ago(1)),
        waiting=add_forward(user),
        refused=add_forward(user, failed_at=ago(400)),
    )
    db.session.commit()
    assert forwarding.purge_sent() == 1
    db.session.commit()
    assert remaining(ForwardQueue, **rows) == {"sent_now", "newest", "waiting", "refused"}
    app.config["XAPI_FORWARD_SENT_DAYS"] = 0
    db.session.get(ForwardQueue, rows["sent_now"]).sent_at = ago(2)
    assert forwarding.purge_sent() == 1
    assert remaining(ForwardQueue, **rows) == {"newest", "waiting", "refused"}


def test_delivered_statements_are_kept_as_configured(app, clock, make_user):
    user = make_user()
    app.config["XAPI_FORWARD_SENT_DAYS"] = 7
    rows = dict(kept=add_forward(user, ago(7)), gone=add_forward(user, ago(7, SECOND)),
                newest=add_forward(user, ago(0)))
    assert forwarding.purge_sent() == 1
    assert remaining(ForwardQueue, **rows) == {"kept", "newest"}


def add_token(user, purpose, expires_at, used_at=None) -> int:
    token = AccountToken(user_id=user.id, purpose=purpose, token_hash=f"{purpose}{expires_at}{used_at}",
                         created_at=expires_at - timedelta(hours=1), expires_at=expires_at, used_at=used_at)
    db.session.add(token)
    db.session.flush()
    return token.id


def test_password_reset_links_go_30_days_after_they_expired_and_invitations_stay(app, clock, make_user):
    user = make_user()
    rows = dict(
        reset_new=add_token(user, TokenPurpose.PASSWORD_RESET, ago(30)),
        reset_old=add_token(user, TokenPurpose.PASSWORD_RESET, ago(30, SECOND)),
        reset_used=add_token(user, TokenPurpose.PASSWORD_RESET, ago(31), used_at=ago(31, timedelta(minutes=30))),
        reset_open=add_token(user, TokenPurpose.PASSWORD_RESET, NOW + timedelta(minutes=30)),
        invitation=add_token(user, TokenPurpose.INVITATION, ago(400)),
    )
    db.session.commit()
    assert tokens.purge_password_resets() == 2
    assert remaining(AccountToken, **rows) == {"reset_new", "reset_open", "invitation"}
    app.config["PASSWORD_RESET_DAYS"] = 29
    assert tokens.purge_password_resets() == 1


def test_a_reset_request_sweeps_old_reset_links(client, make_user):
    user = make_user(email="ana@example.org")
    add_token(user, TokenPurpose.PASSWORD_RESET, tokens.utcnow() - timedelta(days=31))
    db.session.commit()
    client.post("/auth/password/forgot", data={"email": "nobody@example.org"})
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountToken)) == 0


def test_the_purge_command_runs_every_sweep(app, runner, clock, make_user):
    for _ in range(3):
        add_job(JobStatus.DONE, ago(31))
    add_job(JobStatus.FAILED, ago(91))
    add_mail(MailStatus.SENT, ago(31), ago(31))
    user = make_user()
    add_forward(user, ago(2))
    add_forward(user, ago(1))
    add_token(user, TokenPurpose.PASSWORD_RESET, ago(31))
    db.session.commit()
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Deleted 3 finished and 1 failed jobs, 1 e-mails from the outbox, "
                                    "1 delivered statements from the forwarding queue, 1 expired password-reset links")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ForwardQueue)) == 1


def test_a_sweep_never_waits_for_a_row_another_transaction_holds(app, clock):
    """The sweeps run inside ordinary requests: on PostgreSQL they leave a row someone else has locked (an admin
    retrying that job) for a later sweep instead of waiting for it, or deadlocking with another sweep."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: there is no row lock to skip")
    held, free = add_job(JobStatus.DONE, ago(31)), add_job(JobStatus.DONE, ago(31))
    db.session.commit()
    with db.engine.connect() as other:
        other.execute(sa.select(Job.id).where(Job.id == held).with_for_update())
        db.session.execute(sa.text("SET LOCAL lock_timeout = '2s'"))  # a wait would fail the test, not hang it
        assert jobs.purge_finished() == (1, 0)
        db.session.commit()
        other.rollback()
    assert remaining(Job, held=held, free=free) == {"held"}
    assert jobs.purge_finished() == (1, 0)


def test_a_sweep_reads_only_the_rows_it_deletes(app, clock):
    """A sweep runs beside a request's work every few minutes, and most find nothing due: each asks its table
    through an index on the time (after the status or purpose), never by reading every row kept, which took some
    40 ms for 200,000 jobs or e-mails (bench/sweeps.py). SQLite, without statistics, shows it in its plan."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL chooses by its statistics (an empty table is read whole)")
    sent = []
    listener = lambda conn, cursor, sql, parameters, context, many: sent.append((sql, parameters))  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        jobs.purge_finished()
        notifications.purge_outbox()
        tokens.purge_password_resets()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    plans = {sql.split()[2]: [row[3] for row in db.session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + sql, parameters)] for sql, parameters in sent if sql.startswith("DELETE")}
    assert set(plans) == {"job", "outbox_message", "account_token"}, sent
    for table, index in [("job", "ix_job_status_finished_at (status=? AND finished_at<?)"),
                         ("outbox_message", "ix_outbox_message_status_created_at (status=? AND created_at<?)"),
                         ("account_token", "ix_account_token_purpose_expires_at (purpose=? AND expires_at<?)")]:
        assert any(index in line for line in plans[table]), plans[table]
        assert not any(line.startswith("SCAN") for line in plans[table]), plans[table]
