import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db

jobs_cli = AppGroup("jobs", help="Background jobs.")


def _reachable_queue():
    """Itinera's RQ queue, once Redis has answered: an unreachable Redis is a message and a non-zero exit, not
    a traceback (the worker) nor a report of jobs queued that were not (requeue)."""
    from redis.exceptions import RedisError

    from app.jobs.services import _queue

    queue = _queue()
    try:
        queue.connection.ping()
    except RedisError as error:
        reason = str(error).strip().rstrip(".")  # redis ends its own messages with a full stop
        raise click.ClickException(f"Redis (REDIS_URL) cannot be reached: {reason}. Nothing was done; start "
                                   "Redis and run the command again.") from None
    return queue


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst):
    """Run an RQ worker for Itinera's queue (needs REDIS_URL)."""
    from rq import SimpleWorker

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run in the web process.")
    queue = _reachable_queue()
    # SimpleWorker runs jobs in this process, inside the app context the CLI has pushed.
    SimpleWorker([queue], connection=queue.connection).work(burst=burst, with_scheduler=True)


@jobs_cli.command("requeue")
def requeue():
    """Send jobs that never reached the queue (Redis was down) to it again; without Redis, also run the failed
    jobs whose retry is due (a cron entry every few minutes keeps retries going on a quiet site)."""
    from app.jobs.services import requeue_stale

    if current_app.config.get("REDIS_URL"):
        _reachable_queue()
    count = requeue_stale()
    db.session.commit()
    click.echo(f"{count} jobs queued again.")
