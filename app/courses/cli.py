from pathlib import Path
import sys

import click
from flask.cli import AppGroup

from app.extensions import db

courses_cli = AppGroup("courses", help="Course content in courses/.")


def _enterable(folder: Path) -> None:
    """Refuses a folder the server's user may not list, or may list but not enter (one without its x, as
    `chmod -R 644` leaves it): what it holds cannot be looked at (the loader names such folders inside a course)."""
    try:
        for entry in folder.iterdir():
            entry.lstat()
    except OSError as error:
        raise click.ClickException(f"{folder}: the folder cannot be read: {error.strerror or error}") from None


def _where(path: str | None) -> tuple[Path, list[Path] | None]:
    """The tree to read and, for one course folder (any folder holding a course.yaml or modules/), that folder alone;
    PATH may be relative and need not be inside COURSES_DIR (assets are copied in when syncing)."""
    from app.courses.services import content_root

    if path is None:
        if not content_root().is_dir():
            raise click.ClickException(f"{content_root()} is not a folder: set ITINERA_COURSES_DIR to the course "
                                       "files, or give their folder as PATH.")
        _enterable(content_root())
        return content_root(), None
    folder = Path(path).resolve()
    _enterable(folder)
    if (folder / "course.yaml").is_file() or (folder / "modules").is_dir():  # a course, its course.yaml perhaps lost
        return folder.parent, [folder]
    if not any(p.is_dir() and not p.name.startswith(("_", ".")) for p in folder.iterdir()):
        # a module folder, _frameworks or an empty folder: "0 course(s) are valid" would tell the author all is well
        raise click.ClickException(f"{path} holds no course: give a course folder (one with a course.yaml) or a "
                                   "folder of course folders.")
    return folder, None


def _load(path):
    from app.courses.loader import load_tree
    from app.courses.services import content_root

    root, folders = _where(path)
    # a course folder kept outside a tree uses the frameworks of the site's courses folder
    frameworks = root if (root / "_frameworks").is_dir() else content_root()
    total = len(folders) if folders else len([p for p in root.iterdir() if p.is_dir()
                                                 and not p.name.startswith(("_", "."))])
    with click.progressbar(length=total, label="Reading courses", file=sys.stderr,
                           show_pos=True) as bar:
        tree = load_tree(root, folders, progress=lambda _folder: bar.update(1), frameworks_from=frameworks)
    return tree


@courses_cli.command("validate")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
def validate(path):
    """Check the course files (every course, or the course or tree at PATH); every problem with file and line."""
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
            click.echo(f"{result.where}: {result.slug} version {result.version}: {result.message}")
        raise click.ClickException("nothing was synced")
    db.session.commit()
    for result in results:
        click.echo(f"{result.slug} version {result.version}: {result.outcome}"
                   + (f" (note: {result.message})" if result.message else ""))
