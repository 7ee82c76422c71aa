"""Benchmark: a person with N statements (default 20,000) downloads their data file (Your account → Your data).

    .venv/bin/python bench/personal_data.py [--statements 20000] [--database-url URL]

Builds a fresh database (SQLite in a temporary folder by default; a PostgreSQL URL gets a database of its own that
is dropped afterwards), stores the statements through the LRS's store(), then downloads the file through the test
client twice: once timed, once under tracemalloc for the peak of Python memory while it is written. Prints the
file's size, the time, the SQL statements sent and the peak: the peak stays far below the file's size, and the
statements sent do not grow with N."""
import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.extensions import db  # noqa: E402
from scratch import people, scratch_app  # noqa: E402  (bench/, beside this script)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--statements", type=int, default=20000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with scratch_app(args.database_url) as app:
        run(app, args.statements)


def download(client) -> tuple[int, int]:
    """(bytes, SQL statements sent) of one download, read piece by piece as a browser would."""
    sent = []

    def count(*_args):
        sent.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get("/auth/account/data", buffered=False)
        assert response.status_code == 200, response.status_code
        size = sum(len(piece) for piece in response.response)
        response.close()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return size, len(sent)


def run(app, count: int) -> None:
    from app.auth import sign_ins
    from app.auth.models import Role
    from app.xapi import vocabulary as v
    from app.xapi.services import store

    [person] = people(1, Role.TRAINEE, email="persona@example.org", full_name="Persona")
    actor = {"objectType": "Agent", "account": {"homePage": v.base(), "name": str(person.uuid)}}
    authority = {"objectType": "Agent", "account": {"homePage": v.base(), "name": "bench"}}
    started = time.perf_counter()
    for first in range(0, count, 1000):
        store([{"actor": actor, "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
                "object": {"id": f"http://example.org/activities/{n % 500}"},
                "result": {"score": {"scaled": (n % 100) / 100}, "success": n % 3 == 0}}
               for n in range(first, min(first + 1000, count))], authority)
        db.session.commit()
    stored = time.perf_counter()
    sign_ins.start(person)
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = person.get_id()
    db.session.remove()

    begun = time.perf_counter()
    size, queries = download(client)
    took = time.perf_counter() - begun
    tracemalloc.start()
    download(client)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"database={db.engine.dialect.name} statements={count} (stored in {stored - started:.1f} s)")
    print(f"file: {size / 1e6:.1f} MB in {took:.2f} s; {queries} SQL statements; "
          f"peak Python memory while writing it: {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
