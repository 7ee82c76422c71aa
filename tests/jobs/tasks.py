"""Job functions for the tests (jobs must be importable module-level functions)."""
import time
from pathlib import Path

from app.extensions import db
from app.jobs.services import task
from app.places.models import Institution, InstitutionLevel


def add_institution(name: str) -> None:
    db.session.add(Institution(name=name, country_code="CL", level=InstitutionLevel.NATIONAL))


def flaky(counter_file: str, failures: int) -> None:
    """Fails the first ``failures`` times it runs, then succeeds."""
    path = Path(counter_file)
    runs = int(path.read_text()) if path.exists() else 0
    path.write_text(str(runs + 1))
    if runs < failures:
        raise RuntimeError(f"failure number {runs + 1}")
    add_institution(f"made on run {runs + 1}")


@task("Count the stars")
def always_fails() -> None:
    raise RuntimeError("this task never works")


def slow(seconds: float) -> None:
    time.sleep(seconds)


def note_run(path: str) -> None:
    """Adds a line to the file each time it runs."""
    with open(path, "a") as file:
        file.write("run\n")


@task("Look an address up", forget_args=True)
def address_lookup_fails(email: str) -> None:
    raise RuntimeError(f"could not look {email} up")
