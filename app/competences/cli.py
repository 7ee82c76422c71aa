from pathlib import Path

import click
from flask.cli import AppGroup

from app.extensions import db

competences_cli = AppGroup("competences", help="Competence frameworks.")


def _read(path: Path):
    from app.competences import files

    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        return files.read_csv(text, str(path))
    return files.read_yaml(text, str(path))


@competences_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path):
    """Load a framework from YAML (courses/_frameworks/<slug>.yaml) or from its CSV export."""
    from app.auth.services import SYSTEM
    from app.competences.files import FrameworkFileError
    from app.competences.services import import_framework

    try:
        version, outcome = import_framework(SYSTEM, _read(path), source=str(path))
    except FrameworkFileError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(error.problems)} problem(s): nothing was imported") from error
    db.session.commit()
    click.echo(f"{version.framework.slug} version {version.number}: {outcome} "
               f"({len(version.competences)} competences, {len(version.levels)} levels)")


@competences_cli.command("export")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["yaml", "csv"]), default="yaml")
@click.option("--version", "number", type=int, default=None, help="Default: the current version.")
def export_command(slug, fmt, number):
    """Print a framework in the file format (YAML) or as CSV."""
    from app.competences import files, services

    framework = services.get_framework(slug)
    version = services.get_version(framework, number) if framework else None
    if version is None:
        raise click.ClickException(f"no framework {slug!r}" + (f" version {number}" if number else ""))
    data = services.data_of(version)
    click.echo(files.write_yaml(data) if fmt == "yaml" else files.write_csv(data), nl=False)
