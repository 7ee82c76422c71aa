"""Benchmark: preview and import a trainee list of N rows (default 5,000), as a coordinator would.

    .venv/bin/python bench/import_trainees.py [--rows 5000] [--database-url URL]

Builds a fresh database (SQLite in a temporary folder by default; a PostgreSQL URL gets a database of its own
that is dropped afterwards), then times: reading and checking the file (preview), creating the accounts with
their invitations (import), and delivering the invitation e-mails in-process (no Redis, no mail server: the
outbox records them). Prints one line per phase: its wall time, and the CPU time of this process (steadier on a
shared machine; for PostgreSQL, without the server's work), and how many statements it sent (executemany: one)."""
import argparse
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.extensions import db  # noqa: E402
from scratch import people, scratch_app  # noqa: E402  (bench/, beside this script)


def csv_rows(count: int) -> bytes:
    lines = ["correo;nombre completo;cargo;región;idioma"]
    lines += [f"persona{n}@example.org;Persona Número {n};{'técnico' if n % 3 else 'directivo'};Antioquia;es"
              for n in range(count)]
    return ("\n".join(lines) + "\n").encode("cp1252")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with scratch_app(args.database_url, PASSWORD_HASH_METHOD="scrypt"):
        run(args.rows)


def run(rows: int) -> None:
    from app.auth.models import Role
    from app.imports import services
    from app.notifications.models import MailStatus, OutboxMessage

    [coordinator] = people(1, Role.COORDINATOR, email="coord@example.org", full_name="Coordinator", country_code="CO")
    data = csv_rows(rows)
    statements = [0]
    sa.event.listen(db.engine, "before_cursor_execute", lambda *args: statements.__setitem__(0, statements[0] + 1))

    def now():
        return time.perf_counter(), time.process_time(), statements[0]

    started = now()
    batch = services.preview(coordinator, filename="bench.csv", data=data, country_code="CO")
    db.session.commit()
    previewed = now()
    assert not batch.problems, batch.problems[:3]
    # run_import's commit also delivers the e-mails in-process; time the two apart
    count = services.run_import(coordinator, batch)
    db.session.flush()
    imported = now()
    db.session.commit()
    delivered = now()
    logged = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                               .where(OutboxMessage.status == MailStatus.LOGGED))
    backend = db.engine.dialect.name
    print(f"database={backend} rows={rows} bytes={len(data)}")

    def spent(start, end):
        return (f"{end[0] - start[0]:6.2f} s, CPU {end[1] - start[1]:6.2f} s, "
                f"{end[2] - start[2]:5} statements")

    print(f"preview (read + check):       {spent(started, previewed)}")
    print(f"import (accounts + invites):  {spent(previewed, imported)}  ({count} accounts)")
    print(f"commit + in-process delivery: {spent(imported, delivered)}  ({logged} e-mails)")
    print(f"total:                        {spent(started, delivered)}")


if __name__ == "__main__":
    main()
