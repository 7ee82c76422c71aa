"""Benchmark: preview and import a trainee list of N rows (default 5,000), as a coordinator would.

    .venv/bin/python bench/import_trainees.py [--rows 5000] [--database-url URL]

Builds a fresh database (SQLite in a temporary folder by default; a PostgreSQL URL gets a database of its own
that is dropped afterwards), then times: reading and checking the file (preview), creating the accounts with
their invitations (import), and delivering the invitation e-mails in-process (no Redis, no mail server: the
outbox records them). Prints one line per phase."""
import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.config import TestConfig, normalise_database_url  # noqa: E402
from app.extensions import db  # noqa: E402


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

    admin_engine, name = None, None
    if args.database_url:
        server = sa.make_url(normalise_database_url(args.database_url))
        name = f"itinera_bench_{uuid.uuid4().hex[:8]}"
        admin_engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin_engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"

    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url,
                                                  "PASSWORD_HASH_METHOD": "scrypt"})
    app = create_app(config)
    try:
        with app.app_context():
            from app.auth.models import Role, User
            from app.imports import services
            from app.notifications.models import MailStatus, OutboxMessage
            from app.places.services import load_countries

            db.create_all()
            load_countries()
            coordinator = User(email="coord@example.org", full_name="Coordinator", country_code="CO")
            coordinator.roles = {Role.COORDINATOR}
            db.session.add(coordinator)
            db.session.commit()
            data = csv_rows(args.rows)

            started = time.perf_counter()
            batch = services.preview(coordinator, filename="bench.csv", data=data, country_code="CO")
            db.session.commit()
            previewed = time.perf_counter()
            assert not batch.problems, batch.problems[:3]
            # run_import's commit also delivers the e-mails in-process; time the two apart
            count = services.run_import(coordinator, batch)
            db.session.flush()
            imported = time.perf_counter()
            db.session.commit()
            delivered = time.perf_counter()
            logged = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                       .where(OutboxMessage.status == MailStatus.LOGGED))
            backend = db.engine.dialect.name
            print(f"database={backend} rows={args.rows} bytes={len(data)}")
            print(f"preview (read + check):      {previewed - started:6.2f} s")
            print(f"import (accounts + invites): {imported - previewed:6.2f} s  ({count} accounts)")
            print(f"commit + in-process delivery:{delivered - imported:6.2f} s  ({logged} e-mails)")
            print(f"total:                       {delivered - started:6.2f} s")
            db.session.remove()
            db.engine.dispose()
    finally:
        if admin_engine is not None:
            with admin_engine.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin_engine.dispose()


if __name__ == "__main__":
    main()
