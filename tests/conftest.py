"""Fixtures: a fresh database per test (SQLite file, or PostgreSQL with TEST_DATABASE_URL), app, client, login_as."""
import os
import shutil
import uuid

import pytest
from hypothesis import settings
import sqlalchemy as sa
from jinja2 import BytecodeCache
from flask.testing import FlaskClient

from app import create_app
from app.cli import TRANSLATIONS, pybabel
from app.config import TestConfig, normalise_database_url
from app.extensions import db
from app.places.services import load_countries

PG_URL = os.environ.get("TEST_DATABASE_URL")
REFERENCE_TABLES = ("country", "region")  # loaded once, never changed by tests

pytest_plugins = ["tests.fixtures.factories", "tests.fixtures.browser", "tests.fixtures.services",
                  "tests.fixtures.competences", "tests.fixtures.courses", "tests.fixtures.concurrency",
                  "tests.fixtures.xapi", "tests.fixtures.endpoints"]


settings.register_profile("ci", max_examples=40, deadline=None, print_blob=True)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_configure(config):
    pybabel("compile", "-d", str(TRANSLATIONS))  # tests always see the current catalogs


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, hence its own ``g`` and database session, as in production.

    (Flask reuses an app context that is already pushed, and the ``app`` fixture keeps one pushed.)

    The body is read and the response closed at once (``buffered``), as a server does once it has sent it: what
    runs when the response closes (jobs run after the answer) has run when the test reads it."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            return super().open(*args, **kwargs)


class SharedBytecodeCache(BytecodeCache):
    """Compiled templates shared by the many apps a test session creates (each would compile them again)."""

    store: dict = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = bucket.bytecode_to_string()


JINJA_CACHE = SharedBytecodeCache()


def new_app(config):
    app = create_app(config)
    app.jinja_env.bytecode_cache = JINJA_CACHE
    app.test_client_class = FreshContextClient
    return app


def make_config(url: str, **extra):
    return type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, **extra})


def _fill_reference_data(url: str) -> None:
    app = create_app(make_config(url))
    with app.app_context():
        db.create_all()
        load_countries()
        db.session.commit()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """SQLite: a schema file copied for every test. PostgreSQL: a database of our own, dropped at the end."""
    if not PG_URL:
        path = tmp_path_factory.mktemp("template") / "itinera.db"
        _fill_reference_data(f"sqlite:///{path}")
        yield path
        return
    server = sa.make_url(normalise_database_url(PG_URL))
    name = f"itinera_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        _fill_reference_data(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url(database_template, tmp_path):
    if not PG_URL:
        path = tmp_path / "itinera.db"
        shutil.copyfile(database_template, path)
        yield f"sqlite:///{path}"
        return
    yield database_template
    engine = sa.create_engine(database_template)
    with engine.begin() as conn:
        tables = [t.name for t in db.metadata.sorted_tables if t.name not in REFERENCE_TABLES]
        conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app(database_url):
    app = new_app(make_config(database_url))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def make_app(database_url):
    """make_app(**settings): another app on the test's database with changed settings, disposed afterwards."""
    made = []

    def make(url=None, **settings):
        other = new_app(make_config(url or database_url, **settings))
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login_as(client, make_user):
    """login_as(user) or login_as("coordinator", country="AR"): puts that user in the client's session."""

    def login(who, **kwargs):
        from tests.fixtures.factories import session_id

        user = make_user(roles=(who,), **kwargs) if isinstance(who, str) else who
        with client.session_transaction() as session:
            session["_user_id"] = session_id(user)
            session["_fresh"] = True
        return user

    return login
