"""A database of its own for one benchmark run: a file in a temporary folder (SQLite), or a database created on
a PostgreSQL server and dropped afterwards, whatever happens in between (never the server's ``test``)."""
import tempfile
import uuid
from contextlib import contextmanager

import sqlalchemy as sa

from app.config import normalise_database_url


@contextmanager
def scratch_database(server_url: str | None, folder: str | None = None):
    """Yield the URL of an empty database: on the PostgreSQL server at ``server_url``, else SQLite in ``folder``
    (a new temporary folder when None)."""
    if not server_url:
        yield f"sqlite:///{folder or tempfile.mkdtemp()}/bench.db"
        return
    server = sa.make_url(normalise_database_url(server_url))
    name = f"itinera_bench_{uuid.uuid4().hex[:8]}"
    admin_engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin_engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()
