import json
import sys

import click
from flask.cli import AppGroup

from app.extensions import db

lrs_cli = AppGroup("lrs", help="The Learning Record Store.")


@lrs_cli.command("create-client")
@click.argument("name")
@click.option("--read-only", is_flag=True, help="The client may read statements but not write them.")
@click.option("--read-own", is_flag=True, help="The client writes statements and reads back only its own, and "
                                               "keeps only the documents it created (for content whose key its "
                                               "users can see).")
@click.option("--rate-limit", default=None, help='e.g. "600 per minute" (default: none).')
@click.option("--max-request-bytes", type=int, default=None, metavar="BYTES",
              help="The largest request the client may send, at least 1024 (default: the site's limit).")
@click.option("--activity", "activities", multiple=True, metavar="IRI",
              help="The client writes only about activities whose IRI starts with this (repeat for more; "
                   "default: any activity but Itinera's own, which only a start within them reaches).")
@click.option("--json", "as_json", is_flag=True, help='Print {"key": ..., "secret": ...} only.')
def create_client(name, read_only, read_own, rate_limit, max_request_bytes, activities, as_json):
    """Create credentials for an xAPI client and print them (the secret is shown only now)."""
    from app.auth.services import SYSTEM
    from app.errors import ValidationError
    from app.xapi.clients import create_client as create
    from app.xapi.models import ClientScope

    if read_only and read_own:
        raise click.UsageError("use --read-own or --read-only, not both")
    scope = ClientScope.READ if read_only else ClientScope.WRITE_OWN if read_own else ClientScope.READ_WRITE
    try:
        client, secret = create(SYSTEM, name, scope, max_request_bytes=max_request_bytes, rate_limit=rate_limit,
                                activity_prefixes=activities)
    except ValidationError as error:
        raise click.ClickException("; ".join(str(m) for m in error.errors.values())) from error
    db.session.commit()
    if as_json:
        click.echo(json.dumps({"key": client.key, "secret": secret}))
    else:
        click.echo(f"LRS client {client.name!r} ({client.scope.value})")
        click.echo(f"  key:    {client.key}")
        click.echo(f"  secret: {secret}")
        click.echo("Keep the secret now: it cannot be shown again.")


@lrs_cli.command("revoke-client")
@click.argument("key")
def revoke_client(key):
    """Revoke the credentials with this key (as the admin pages do): they stop working at once here, and within
    10 seconds in the other processes. Statements already sent stay."""
    import sqlalchemy as sa

    from app.auth.services import SYSTEM
    from app.xapi.clients import revoke_client as revoke
    from app.xapi.models import LrsClient

    client = db.session.scalar(sa.select(LrsClient).where(LrsClient.key == key))
    if client is None:
        raise click.ClickException(f"no LRS client has the key {key!r}")
    if not client.is_active:
        click.echo(f"LRS client {client.name!r} was already revoked on {client.revoked_at:%Y-%m-%d %H:%M} UTC.")
        return
    revoke(SYSTEM, client)
    db.session.commit()
    click.echo(f"LRS client {client.name!r} revoked: its key and secret no longer work.")


@lrs_cli.command("rebuild-progress")
def rebuild_progress():
    """Recompute the progress projection from every stored statement, and the course completions it supports."""
    from app.xapi.services import rebuild_progress as rebuild, statements_to_fold

    total = statements_to_fold()
    with click.progressbar(length=total, label=f"Folding {total} statements", file=sys.stderr,
                           show_pos=True) as bar:
        rebuilt = rebuild(progress=bar.update)
    db.session.commit()
    click.echo(f"Progress rebuilt: {rebuilt.rows} user-activity rows; {rebuilt.recorded} course "
               f"completion{'' if rebuilt.recorded == 1 else 's'} recorded, {rebuilt.voided} voided.")


@lrs_cli.command("forward")
@click.option("--retry-refused", is_flag=True, help="Also send again the statements the external LRS refused.")
def forward(retry_refused):
    """Send the statements still queued for the external LRS (XAPI_FORWARD_URL)."""
    from app.auth.services import SYSTEM
    from app.xapi import forwarding

    if not forwarding.enabled():
        raise click.ClickException("XAPI_FORWARD_URL is not set.")
    if retry_refused:
        forwarding.retry_failed(SYSTEM, start_job=False)
        db.session.commit()
    total = forwarding.pending_count()
    try:
        with click.progressbar(length=total, label=f"Sending {total} statements to the external LRS",
                               file=sys.stderr, show_pos=True) as bar:
            sent = forwarding.send_pending(always_raise=True, progress=bar.update)
    except forwarding.ForwardError as error:
        raise click.ClickException(f"{error} ({forwarding.pending_count()} statements still queued)") from error
    click.echo(f"{sent} statements forwarded; {forwarding.pending_count()} still queued.")
    refused = forwarding.failed_count()
    if refused:
        click.echo(f"{refused} statements were refused by the external LRS and wait for an admin "
                   "(`flask --app wsgi lrs forward --retry-refused` sends them again).")
