import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db

jobs_cli = AppGroup("jobs", help="Background jobs.")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst):
    """Run an RQ worker for Itinera's queue (needs REDIS_URL)."""
    from rq import SimpleWorker

    from app.jobs.services import _queue

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run in the web process.")
    queue = _queue()
    # SimpleWorker runs jobs in this process, inside the app context the CLI has pushed.
    SimpleWorker([queue], connection=queue.connection).work(burst=burst, with_scheduler=True)


@jobs_cli.command("requeue")
def requeue():
    """Send jobs that never reached the queue (Redis was down) to it again; without Redis, also run the failed
    jobs whose retry is due (a cron entry every few minutes keeps retries going on a quiet site)."""
    from app.jobs.services import requeue_stale

    count = requeue_stale()
    db.session.commit()
    click.echo(f"{count} jobs queued again.")
