"""Migrations: one head, and after `db upgrade` the models and the schema agree (`db check`), on each database."""
import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from app.extensions import db
from app.config import normalise_database_url


def test_single_head(app):
    config = app.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


@pytest.fixture
def empty_database(tmp_path):
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path}/migrated.db"
        return
    server = sa.make_url(normalise_database_url(server_url))
    name = f"itinera_migrate_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_then_check_finds_no_drift(make_app, empty_database):
    app = make_app(empty_database)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(sa.inspect(db.engine).get_table_names())
    assert {"user", "user_role", "country", "region", "institution", "cohort", "cohort_member"} <= tables
