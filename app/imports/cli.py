import click
from flask.cli import AppGroup

from app.extensions import db

imports_cli = AppGroup("imports", help="Trainee imports.")


@imports_cli.command("purge")
def purge():
    """Drop the rows of the trainee lists uploaded more than IMPORT_PREVIEW_DAYS ago and never imported, and of
    those imported that long ago (each keeps its record). Each upload does it too; run it daily from cron so that
    a quiet site keeps no list for longer."""
    from app.imports.services import purge_expired

    previews, imports = purge_expired()
    db.session.commit()
    click.echo(f"{previews} {'preview' if previews == 1 else 'previews'} never imported and {imports} "
               f"{'import' if imports == 1 else 'imports'} emptied of their rows.")
