"""Command-line tools: `flask translate ...`, `flask demo`."""

import click
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po
from flask import current_app

from app.config import LOCALES, ROOT

TRANSLATIONS = ROOT / "translations"
POT = ROOT / "messages.pot"


def pybabel(*args: str) -> None:
    """Babel's command; its errors (a translation whose placeholders do not match, say), which Babel only logs,
    end the command with exit 1 so that a deployment stops there."""
    if CommandLineInterface().run(["pybabel", "-q", *args]):
        raise click.ClickException(f"pybabel {args[0]} found errors (above): fix the catalogs and run it again.")


def fill_english_catalog() -> None:
    """English is the source language: its catalog repeats each message."""
    path = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if message.id:
            message.string = message.id
            message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_by_file=False)


def _database_errors_as_messages(command: click.Command) -> None:
    """Every command, when the database cannot be reached (a server down, a wrong host or port in
    DATABASE_URL, a SQLite folder that does not exist): a message and exit 1 instead of a traceback. An error
    of a statement (its SQL) is a bug or a schema to upgrade and keeps its traceback."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _database_errors_as_messages(sub)
        return
    if getattr(command, "_itinera_database_errors", False):  # Flask-Migrate's group is shared by every app
        return
    invoke = command.invoke

    def guarded(ctx):
        import sqlalchemy as sa

        try:
            return invoke(ctx)
        except (sa.exc.OperationalError, sa.exc.ProgrammingError) as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else ""
            if isinstance(error, sa.exc.OperationalError) and error.statement is None:
                raise click.ClickException(f"The database (DATABASE_URL) cannot be reached: {reason}") from None
            if "no such table" in reason or type(error.orig).__name__ == "UndefinedTable":
                raise click.ClickException(f"The database is not set up ({reason}): run `flask --app wsgi db "
                                           "upgrade` first.") from None
            raise

    command.invoke = guarded
    command._itinera_database_errors = True


@click.command("purge")
def purge():
    """Delete every operational record kept past its time (jobs, sent e-mails, delivered forwards, expired
    password-reset links, sign-ins, form tokens and kept forms, the rows of uploaded trainee lists). The work that
    adds such rows sweeps some each time; run this daily from cron so that a quiet site keeps nothing longer."""
    from app import kept, once
    from app.auth import sign_ins
    from app.auth.tokens import purge_password_resets
    from app.extensions import db
    from app.imports.services import purge_expired
    from app.jobs.services import purge_finished
    from app.notifications.services import purge_outbox
    from app.xapi.forwarding import purge_sent

    def in_batches(sweep) -> int:  # each batch its own transaction: a backlog of years holds no lock for long
        total = 0
        while True:
            done = sweep()
            db.session.commit()
            total += done
            if not done:
                return total

    done_jobs = failed_jobs = 0

    def jobs() -> int:
        nonlocal done_jobs, failed_jobs
        done, failed = purge_finished(limit=5000)
        done_jobs, failed_jobs = done_jobs + done, failed_jobs + failed
        return done + failed

    in_batches(jobs)
    emails = in_batches(lambda: purge_outbox(limit=5000))
    forwards = in_batches(lambda: purge_sent(limit=5000))
    resets = in_batches(lambda: purge_password_resets(limit=5000))
    previews, imports = purge_expired()
    others = sign_ins.forget_unused() + once.forget_old() + kept.forget_old()
    db.session.commit()
    click.echo(f"Deleted {done_jobs} finished and {failed_jobs} failed jobs, {emails} e-mails from the outbox, "
               f"{forwards} delivered statements from the forwarding queue, {resets} expired password-reset links "
               f"and {others} ended sign-ins, used form tokens and kept forms; emptied {previews} trainee-list "
               f"previews and {imports} imports of their rows.")


def register_cli(app) -> None:
    from app.auth.cli import users_cli
    from app.competences.cli import competences_cli
    from app.courses.cli import courses_cli
    from app.imports.cli import imports_cli
    from app.jobs.cli import jobs_cli
    from app.xapi.cli import lrs_cli

    app.cli.add_command(competences_cli)
    app.cli.add_command(courses_cli)
    app.cli.add_command(imports_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(lrs_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(purge)

    @app.cli.group()
    def translate():
        """Extract, update and compile the message catalogs."""

    @translate.command()
    def extract():
        """Collect every translatable message into messages.pot."""
        pybabel("extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_ngettext:1,2", "--no-location",
                "--sort-output", "--project", "Itinera", "--copyright-holder", "The Itinera contributors", "-o", str(POT),
                str(ROOT))

    @translate.command()
    def update():
        """Extract, then merge the new messages into every catalog."""
        extract.callback()
        for locale in LOCALES:
            po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
            if po.exists():
                pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale, "--no-wrap",
                        "--ignore-obsolete")
            else:
                pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale, "--no-wrap")
        fill_english_catalog()

    @translate.command()
    def compile():
        """Compile the catalogs to .mo files."""
        pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")

    @app.cli.command("demo")
    @click.option("--password", required=True, help="Password for every demo account.")
    def demo(password):
        """Load the demo data (idempotent) and print the demo accounts."""
        from app.demo import ContentProblem, load_demo
        from app.extensions import db

        try:
            accounts = load_demo(password)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="'--password'") from error
        except ContentProblem as problem:
            db.session.rollback()
            raise click.ClickException(f"{problem}\nNothing was loaded.") from problem
        db.session.commit()
        created = [a for a in accounts if a[3]]
        click.echo("Demo data loaded.")
        if created:
            click.echo(f"Accounts created now (marked *) have the password: {password}")
        if len(created) < len(accounts):
            click.echo("Accounts that already existed keep the password they had: this command never changes "
                       "a password.")
        width = max(len(a[0]) for a in accounts)
        for email, roles, country, is_new in accounts:
            click.echo(f"{'*' if is_new else ' '} {email:<{width}}  {roles:<22} {country or ''}")
        current_app.logger.info("demo data loaded")

    _database_errors_as_messages(app.cli)
