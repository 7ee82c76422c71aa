"""What every benchmark sets up: a database of its own for one run (a file in a temporary folder on SQLite, or a
database created on a PostgreSQL server and dropped afterwards, whatever happens in between; never the server's
``test``), the app on it with its tables and the countries, people, and the sample framework and course."""
import tempfile
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

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


@contextmanager
def scratch_app(server_url: str | None, **config):
    """Yield the app (TestConfig with ``config``) on a scratch database (see scratch_database), inside its app
    context, its tables made and the countries loaded; its session and engine are closed afterwards."""
    from app import create_app
    from app.config import TestConfig
    from app.extensions import db
    from app.places.services import load_countries

    with scratch_database(server_url) as url:
        app = create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, **config}))
        with app.app_context():
            db.create_all()
            load_countries()
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()


def people(count: int, role, *, email: str = "persona{n}@example.org", full_name: str = "Persona {n}",
           country_code: str = "CL", **columns) -> list:
    """``count`` accounts with ``role``, committed: ``email`` and ``full_name`` are formatted with their number
    ``n``; a column's value may be a function of ``n``."""
    from app.auth.models import User
    from app.extensions import db

    users = []
    for n in range(count):
        user = User(email=email.format(n=n), full_name=full_name.format(n=n), country_code=country_code,
                    **{name: value(n) if isinstance(value, Callable) else value for name, value in columns.items()})
        user.roles = {role}
        users.append(user)
    db.session.add_all(users)
    db.session.commit()
    return users


def sample_courses(app) -> Path:
    """The tests' sample framework and pilot course (tests/fixtures), loaded as a site loads its own: the course
    folder (returned) is the app's COURSES_DIR."""
    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.services import import_framework
    from tests.fixtures.competences import SAMPLE
    from tests.fixtures.courses import build_tree, sync_tree

    import_framework(SYSTEM, files.read_yaml(SAMPLE, "demo.yaml"), source="demo.yaml")
    root = build_tree(Path(tempfile.mkdtemp()) / "courses")
    app.config["COURSES_DIR"] = str(root)
    sync_tree(root)
    return root
