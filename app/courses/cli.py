from pathlib import Path
import sys

import click
from flask.cli import AppGroup

from app.extensions import db

courses_cli = AppGroup("courses", help="Course content in courses/.")


def _folders(root: Path, path: Path | None) -> list[Path] | None:
    if path is None or path.resolve() == root.resolve():
        return None
    return [path]


def _load(path):
    from app.courses.loader import load_tree
    from app.courses.services import content_root

    root = content_root()
    folders = _folders(root, Path(path) if path else None)
    total = len(folders) if folders else len([p for p in root.iterdir() if p.is_dir()
                                                 and not p.name.startswith(("_", "."))])
    with click.progressbar(length=total, label="Reading courses", file=sys.stderr,
                           show_pos=True) as bar:
        tree = load_tree(root, folders, progress=lambda _folder: bar.update(1))
    return tree


@courses_cli.command("validate")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
def validate(path):
    """Check the course files (every course, or the one at PATH); every problem with file and line."""
    tree = _load(path)
    for problem in tree.problems:
        click.echo(str(problem))
    if tree.problems:
        raise click.ClickException(f"{len(tree.problems)} problem(s) found")
    click.echo(f"{len(tree.courses)} course(s) and {len(tree.frameworks)} framework(s) are valid.")


@courses_cli.command("sync")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
def sync(path):
    """Load the course files into the catalogue as course versions (refuses changed content under an unchanged
    version number)."""
    from app.courses.services import sync as sync_courses

    tree = _load(path)
    if tree.problems:
        for problem in tree.problems:
            click.echo(str(problem))
        raise click.ClickException(f"{len(tree.problems)} problem(s) found: nothing was synced")
    with click.progressbar(length=len(tree.courses), label="Syncing", file=sys.stderr,
                           show_pos=True) as bar:
        results = sync_courses(tree, progress=lambda _course: bar.update(1))
    refused = [r for r in results if r.outcome == "refused"]
    if refused:
        db.session.rollback()
        for result in refused:
            click.echo(f"{result.slug} version {result.version}: {result.message}")
        raise click.ClickException("nothing was synced")
    db.session.commit()
    for result in results:
        click.echo(f"{result.slug} version {result.version}: {result.outcome}")
