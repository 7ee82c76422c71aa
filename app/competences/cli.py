from pathlib import Path

import click
from flask.cli import AppGroup

from app.extensions import db

competences_cli = AppGroup("competences", help="Competence frameworks.")


def _count(number: int, noun: str) -> str:
    """``1 level``, ``2 levels``: the command's output is in English."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _read(path: Path):
    from app.competences import files
    from app.content_files import Problem, YamlProblem, read_text

    csv = path.suffix.lower() == ".csv"
    try:
        text = read_text(path, str(path), keep_line_breaks=csv)  # line breaks inside a CSV text stay as they are
    except YamlProblem as error:
        raise files.FrameworkFileError([error.problem]) from error
    data = files.read_csv(text, str(path)) if csv else files.read_yaml(text, str(path))
    if path.parent.name == "_frameworks" and not csv and data.slug != path.stem:
        # courses name a framework by its file there, as `courses validate` and `courses sync` read it
        raise files.FrameworkFileError([Problem(str(path), data.slug_line, f"slug {data.slug!r} differs from the "
                                                f"file name {path.name!r}: rename one or the other")])
    return data


@competences_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file against what Itinera holds and say what the import "
                                               "would do, importing nothing.")
def import_command(path, dry_run):
    """Load a framework from YAML (courses/_frameworks/<slug>.yaml) or from its CSV export."""
    from app.auth.services import SYSTEM
    from app.competences.files import FrameworkFileError
    from app.competences.services import edits_left_out, evidence_left_behind, get_framework, import_framework

    try:
        data = _read(path)
        known = get_framework(data.slug)
        previous = known.current if known else None
        since, undone = edits_left_out(previous, data) if previous is not None else (None, [])
        version, outcome = import_framework(SYSTEM, data, source=str(path))
    except FrameworkFileError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{_count(len(error.problems), 'problem')}: nothing was imported") from error
    if dry_run:
        outcome = {"created": "would be created", "new version": "would be a new version"}.get(outcome, outcome)
    said = (f"{version.framework.slug} version {version.number}: {outcome} "
            f"({_count(len(version.competences), 'competence')}, {_count(len(version.levels), 'level')})")
    left = evidence_left_behind(previous, version) if previous is not None and "new version" in outcome else 0
    if dry_run:
        db.session.rollback()
        said += "; dry run: nothing was imported"
    else:
        db.session.commit()
    click.echo(said)
    if undone and "new version" in outcome:
        click.echo(f"warning: this file leaves out what was changed in Itinera after version {since}: "
                   f"{', '.join(undone)}; to keep it, start from flask --app wsgi competences export {data.slug}")
    if left:
        click.echo(f"warning: {left} {'person holds' if left == 1 else 'people hold'} evidence of competences or "
                   f"levels this version removes; their profiles show it as the version it was earned under has it")


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
        raise click.ClickException(f"no framework {slug!r}" + (f" version {number}" if number is not None else ""))
    data = services.data_of(version)
    click.echo(files.write_yaml(data) if fmt == "yaml" else files.write_csv(data), nl=False)


@competences_cli.command("move")
@click.argument("kind")
@click.argument("reference")
@click.argument("number", metavar="VERSION", type=click.IntRange(min=1))
def move_command(kind, reference, number):
    """Move what is built on a framework (KIND course, REFERENCE <course-slug>@<course-version>) to VERSION of
    the same framework."""
    from app.auth.services import SYSTEM
    from app.competences import services
    from app.errors import ValidationError

    use = services.get_use(kind, reference)
    if use is None:
        message = f"nothing of kind {kind!r} named {reference!r} is built on a framework"
        if kind == "course" and "@" not in reference:  # a course's versions are built on one, not the course
            message += ": name a course version as <course>@<version>"
            named = (used.rpartition("@") for used in services.use_references(kind))
            numbers = [int(number) for name, _at, number in named if name == reference and number.isdigit()]
            if numbers:
                message += f", such as {reference}@{max(numbers)}"
        raise click.ClickException(message)
    framework = use.version.framework
    version = services.get_version(framework, number)
    if version is None:
        raise click.ClickException(f"{framework.slug} has no version {number}")
    before = use.version.number
    try:
        services.move_use(SYSTEM, use, version)
    except ValidationError as error:
        db.session.rollback()
        raise click.ClickException("; ".join(str(message) for message in error.errors.values())) from error
    db.session.commit()
    click.echo(f"{kind} {reference}: moved from {framework.slug} version {before} to version {number}")
