"""enqueue(func, *args) and what runs a job.

A job is a module-level function called with JSON-serialisable arguments. enqueue() records a Job row in the
caller's transaction; when that transaction commits, the job goes to RQ (REDIS_URL set) or runs in this
process. Each attempt is recorded; after the last failed attempt the job is FAILED, admins are notified, and
they can retry it from /admin/jobs. In-process, a failed attempt is not repeated at once: the job waits, RETRYING,
for its interval and runs again at a later dispatch or with `flask jobs requeue`. A job left RUNNING for longer
than JOB_STALLED_MINUTES (its process was killed) is listed as stalled for admins to retry."""
import importlib
import json
import re
import time
import traceback
import uuid
from contextvars import ContextVar
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g, has_app_context, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import signals
from app.db import SWEEP_LIMIT, delete_some, savepoint_ending, sweep_due, utcnow
from app.errors import ValidationError
from app.extensions import db
from app.jobs.models import Job, JobStatus

_PENDING = "itinera_pending_jobs"
_AFTER_RESPONSE = "itinera_jobs_after_response"
_DISPATCHING: ContextVar[bool] = ContextVar("itinera_dispatching_jobs", default=False)


def _path(func) -> str:
    path = f"{func.__module__}:{func.__qualname__}"
    if "<" in path:
        raise ValueError(f"jobs must be module-level functions, not {path}")
    return path


def _resolve(path: str):
    module, _, name = path.partition(":")
    target = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def task(label, *, forget_args: bool = False):
    """Name a job's function for administrators (the background tasks page, the failed-task notification).
    ``forget_args``: its arguments are what someone typed (an address maybe nobody's), kept only until it is
    done; a job that failed keeps them for its retry until it is purged (JOB_FAILED_DAYS)."""
    def name(func):
        func.task_label = label
        func.forgets_args = forget_args
        return func
    return name


def describe(path: str) -> str:
    """What a job does, in the reader's language: its function's ``task`` label, else the function's path."""
    try:
        label = getattr(_resolve(path), "task_label", None)
    except (ImportError, AttributeError, ValueError):
        label = None
    return str(label) if label is not None else path


def error_line(error: str | None) -> str:
    """The gist of a job's last error, a traceback: its last line, the exception and its message."""
    lines = [line.strip() for line in (error or "").splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def enqueue(func, *args, after_response: bool = False) -> Job:
    """Run ``func(*args)`` in the background once the current transaction commits. ``after_response``: a job
    whose running time must not show in the answer (whether an address has an account): without Redis it runs
    once the response has been sent, when the server closes it, instead of before the answer."""
    json.dumps(args)  # fail now, in the caller, if an argument cannot travel
    if sweep_due("jobs"):  # as imports and sign-ins are: new jobs sweep some old ones (`flask purge`, by cron)
        purge_finished()
    job = Job(func=_path(func), args=list(args), max_attempts=current_app.config["JOB_MAX_ATTEMPTS"])
    db.session.add(job)
    db.session.flush()
    db.session.info.setdefault(_AFTER_RESPONSE if after_response else _PENDING, []).append(job.id)
    return job


def is_busy(func, started_after: datetime) -> bool:
    """A job of ``func`` created after ``started_after`` is queued, running or waiting for its retry."""
    return db.session.scalar(sa.select(Job.id).where(
        Job.func == _path(func), Job.created_at > started_after,
        Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.RETRYING])).limit(1)) is not None


def last_finished_at(func) -> datetime | None:
    return db.session.scalar(sa.select(sa.func.max(Job.finished_at)).where(Job.func == _path(func)))


def failed_since(func, moment: datetime | None) -> bool:
    """A job of ``func`` failed for good (admins were told) after ``moment`` (ever, when None)."""
    query = sa.select(Job.id).where(Job.func == _path(func), Job.status == JobStatus.FAILED)
    if moment is not None:
        query = query.where(Job.finished_at > moment)
    return db.session.scalar(query.limit(1)) is not None


def _queue():
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(current_app.config["REDIS_URL"])
    return Queue(current_app.config["JOB_QUEUE"], connection=connection)


def _dispatch(job_ids: list[int]) -> None:
    app = current_app._get_current_object()
    if app.config.get("REDIS_URL"):
        from rq import Retry

        intervals = app.config["JOB_RETRY_INTERVALS"]
        try:
            queue = _queue()
            for job_id in job_ids:
                queue.enqueue(run_job, job_id, job_id=f"itinera-job-{job_id}-{uuid.uuid4().hex[:8]}",
                              retry=Retry(max=app.config["JOB_MAX_ATTEMPTS"] - 1, interval=intervals),
                              job_timeout=app.config["JOB_TIMEOUT"],
                              result_ttl=3600, failure_ttl=30 * 24 * 3600)
        except Exception:  # Redis unreachable: the rows stay QUEUED; `flask jobs requeue` sends them again
            app.logger.exception("could not hand jobs %s to Redis", job_ids)
        return
    # In-process: a new app context has its own database session, so the job runs in its own transaction.
    # A failed job waits, RETRYING, for its interval (JOB_RETRY_INTERVALS) and is tried again at a later dispatch
    # or by `flask jobs requeue`, so a request never waits through a chain of retries.
    outermost = not _DISPATCHING.get()
    token = _DISPATCHING.set(True)
    try:
        for job_id in job_ids:
            _run_in_process(app, job_id)
        if outermost:  # not again for the jobs these jobs enqueue
            with app.app_context():
                due = retries_due(limit=app.config["JOB_RETRIES_PER_DISPATCH"], exclude=job_ids)
            for job_id in due:
                _run_in_process(app, job_id)
    finally:
        _DISPATCHING.reset(token)


def _run_in_process(app, job_id: int) -> None:
    """One attempt, and more at once only while the configured interval is zero (as in the tests)."""
    with app.app_context():
        while run_job(job_id, raise_errors=False) is JobStatus.RETRYING:
            if _retry_interval(db.session.get(Job, job_id).attempts) > timedelta(0):
                break


def run_after_response(response):
    """After a request: the jobs its commits queued with ``after_response`` run when the server closes the
    response, once the answer has been sent (left QUEUED if it never is: `flask jobs requeue` sends them)."""
    job_ids = g.pop(_AFTER_RESPONSE, None)
    if job_ids:
        app = current_app._get_current_object()

        def run():
            with app.app_context():
                _dispatch(job_ids)

        response.call_on_close(run)
    return response


def in_request() -> bool:
    """Whether a job runs inside the web request that queued it: without Redis, jobs run after its commit."""
    return not current_app.config.get("REDIS_URL") and has_request_context()


def _retry_check_due() -> bool:
    """Without Redis nothing wakes up for a retry, so commits look for due retries, once every
    JOB_RETRY_CHECK_SECONDS in each process (a quiet site still needs cron: `flask jobs requeue`)."""
    if not has_app_context() or current_app.config.get("REDIS_URL") or _DISPATCHING.get():
        return False
    now, state = time.monotonic(), current_app.extensions.setdefault("itinera_retry_check", {})
    due = state.get("next") is not None and now >= state["next"]
    if due or state.get("next") is None:
        state["next"] = now + current_app.config["JOB_RETRY_CHECK_SECONDS"]
    return due


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    if savepoint_ending(session):  # its rows are not committed yet: a job run now would not see them
        return
    session.info.pop("itinera_forward_job", None)
    later = session.info.pop(_AFTER_RESPONSE, None)
    if later and in_request():
        g.setdefault(_AFTER_RESPONSE, []).extend(later)  # see run_after_response
    elif later:
        _dispatch(later)
    job_ids = session.info.pop(_PENDING, None)
    if job_ids:
        _dispatch(job_ids)
    elif _retry_check_due():
        _dispatch([])


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop("itinera_forward_job", None)  # asked again: a send job queued in a savepoint may be gone
    if savepoint_ending(session):  # the jobs queued before it still commit (those queued in it are gone: no-ops)
        return
    session.info.pop(_PENDING, None)
    session.info.pop(_AFTER_RESPONSE, None)


def run_job(job_id: int, raise_errors: bool = True) -> JobStatus | None:
    """Run one attempt of a job and record the outcome. Under RQ an error is re-raised so RQ retries it."""
    try:
        return _attempt(job_id, raise_errors)
    finally:
        db.session.remove()  # the next job starts from a clean session (a worker runs many)


def _attempt(job_id: int, raise_errors: bool) -> JobStatus | None:
    job = db.session.get(Job, job_id)
    if job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
        return None
    now = utcnow()
    # claimed by one conditional UPDATE: of two runners picking the job at once (two processes finding a due
    # retry, a requeue beside them), the second waits for the first and then finds it running, and leaves it
    claimed = db.session.execute(sa.update(Job).where(Job.id == job_id, sa.or_(
        Job.status.in_([JobStatus.QUEUED, JobStatus.RETRYING]),
        sa.and_(Job.status == JobStatus.RUNNING, Job.started_at < stalled_since())))
        .values(status=JobStatus.RUNNING, started_at=now, attempts=Job.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if claimed != 1:
        return None
    job = db.session.get(Job, job_id)
    try:
        _resolve(job.func)(*job.args)
        db.session.flush()
    except Exception as error:
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.last_error = "".join(traceback.format_exception(error))[-4000:]
        job.finished_at = utcnow()
        job.status = JobStatus.FAILED if job.attempts >= job.max_attempts else JobStatus.RETRYING
        db.session.commit()
        current_app.logger.warning("job %s (%s) attempt %s failed: %s", job.id, job.func, job.attempts, error)
        if job.status is JobStatus.FAILED:
            signals.job_failed.send(job)
            db.session.commit()
        if raise_errors:
            raise
        return job.status
    job.status, job.finished_at, job.last_error = JobStatus.DONE, utcnow(), None
    if getattr(_resolve(job.func), "forgets_args", False):
        job.args = []
    db.session.commit()
    return job.status


def _retry_interval(attempts: int) -> timedelta:
    intervals = current_app.config["JOB_RETRY_INTERVALS"] or [0]
    return timedelta(seconds=intervals[min(max(attempts - 1, 0), len(intervals) - 1)])


def retries_due(limit: int | None = None, exclude=()) -> list[int]:
    """In-process jobs (no Redis) waiting to be tried again whose interval since the last attempt has passed.

    Under RQ, RQ itself schedules the retries, so there is nothing to do here."""
    if current_app.config.get("REDIS_URL"):
        return []
    now = utcnow()
    waiting = db.session.execute(sa.select(Job.id, Job.attempts, Job.finished_at)
                                 .where(Job.status == JobStatus.RETRYING, Job.id.not_in(list(exclude)))
                                 .order_by(Job.finished_at, Job.id))
    due = [job_id for job_id, attempts, finished_at in waiting
           if finished_at is None or finished_at + _retry_interval(attempts) <= now]
    return due[:limit] if limit is not None else due


def stalled_since() -> datetime:
    """A job RUNNING since before this was killed mid-run (a worker or server restart) and will not finish."""
    return utcnow() - timedelta(minutes=current_app.config["JOB_STALLED_MINUTES"])


def jobs_needing_attention() -> sa.Select:
    """Failed, waiting (queued or retrying) and stalled jobs, newest first."""
    return (sa.select(Job).where(sa.or_(
        Job.status.in_([JobStatus.FAILED, JobStatus.RETRYING, JobStatus.QUEUED]),
        sa.and_(Job.status == JobStatus.RUNNING, Job.started_at < stalled_since())))
        .order_by(Job.created_at.desc(), Job.id.desc()))  # two jobs of one moment keep their order across pages


def retry(actor, job: Job) -> None:
    """An admin sends a failed (or stuck) job round again with a fresh set of attempts."""
    from app.auth.permissions import check

    check(actor.is_admin)
    stalled = job.status is JobStatus.RUNNING and job.started_at is not None and job.started_at < stalled_since()
    if job.status not in (JobStatus.FAILED, JobStatus.RETRYING, JobStatus.QUEUED) and not stalled:
        raise ValidationError({"job": _l("This task is running or has finished: there is nothing to retry.")})
    job.status, job.attempts, job.last_error = JobStatus.QUEUED, 0, None
    db.session.flush()
    db.session.info.setdefault(_PENDING, []).append(job.id)


def requeue_stale() -> int:
    """Send every job still QUEUED to the queue again (after Redis was unreachable), and, without Redis, run the
    retries that are due."""
    ids = list(db.session.scalars(sa.select(Job.id).where(Job.status == JobStatus.QUEUED)))
    if current_app.config.get("REDIS_URL"):
        waiting = _in_redis(_queue())
        ids = [job_id for job_id in ids if job_id not in waiting]
    ids += retries_due()
    db.session.info.setdefault(_PENDING, []).extend(ids)
    return len(ids)


def _in_redis(queue) -> set[int]:
    """The jobs that reached Redis and wait there: in the queue, scheduled for a retry, or being run."""
    rq_ids = (queue.get_job_ids() + queue.scheduled_job_registry.get_job_ids()
              + queue.started_job_registry.get_job_ids())
    found = (re.fullmatch(r"itinera-job-(\d+)-[0-9a-f]+", rq_id) for rq_id in rq_ids)
    return {int(match.group(1)) for match in found if match}


def purge_finished(limit: int | None = SWEEP_LIMIT) -> tuple[int, int]:
    """Forget jobs done more than JOB_DONE_DAYS ago and jobs that failed for good more than JOB_FAILED_DAYS ago
    (admins had them on the background tasks page meanwhile; retrying one makes it new). A job queued, running or
    waiting for a retry always stays. At most ``limit`` of each (None: all). Returns how many done and failed
    jobs went; flushes."""
    config, now = current_app.config, utcnow()
    return tuple(
        delete_some(Job, Job.status == status, Job.finished_at < now - timedelta(days=config[setting]),
                    oldest_first=Job.finished_at, limit=limit)
        for status, setting in ((JobStatus.DONE, "JOB_DONE_DAYS"), (JobStatus.FAILED, "JOB_FAILED_DAYS")))
