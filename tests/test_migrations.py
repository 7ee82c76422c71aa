"""Migrations: one head, and after `db upgrade` the models and the schema agree (`db check`), on each database."""
import hashlib
import json
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


def test_every_migration_goes_down_and_up_again(make_app, empty_database):
    """The newest migration undone and done again (what a deployment rolled back does), then every one down to an
    empty database and up again: each downgrade works on this database and leaves what its upgrade expects."""
    app = make_app(empty_database)
    runner = app.test_cli_runner()
    for args in (["upgrade"], ["downgrade", "--", "-1"], ["upgrade"], ["downgrade", "base"], ["upgrade"], ["check"]):
        result = runner.invoke(args=["db", *args])
        assert result.exit_code == 0, (args, result.output, result.exception)
    with app.app_context():
        assert "xapi_statement" in sa.inspect(db.engine).get_table_names()


def test_statements_written_as_json_strings_are_repaired(make_app, empty_database):
    """Before 3c1f0e7a9b52 a large batch on PostgreSQL stored each statement as a JSON string of itself."""
    app = make_app(empty_database)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "96723cd6cb95"]).exit_code == 0
    postgres = empty_database.startswith("postgresql")
    with app.app_context():
        for n, written in enumerate(("string", "object")):
            text = '{"actor": {"mbox": "mailto:a%d@example.org"}}' % n
            value = "to_json(CAST(:text AS text))" if written == "string" and postgres else ":text"
            db.session.execute(sa.text(
                "INSERT INTO xapi_statement (id, stored, timestamp, verb_id, is_voided, is_voiding, data) "
                f"VALUES (:id, :now, :now, 'http://example.org/v', false, false, {value})"),
                {"id": uuid.uuid4().hex if not postgres else str(uuid.uuid4()), "now": "2026-12-01 10:00:00",
                 "text": text})
        db.session.commit()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        from app.xapi.models import Statement

        found = [row.data for row in db.session.scalars(sa.select(Statement).order_by(Statement.seq))]
    assert found == [{"actor": {"mbox": "mailto:a0@example.org"}}, {"actor": {"mbox": "mailto:a1@example.org"}}]


def test_names_get_their_search_keys_and_agents_their_keys_whatever_the_case(make_app, empty_database):
    """ec0ccd9c35c2 fills the search key of the names already stored; 5b8e2f1d4c7a keys again the agents of
    statements whose e-mail domain has capitals, so the agent filter finds them by any spelling."""
    app = make_app(empty_database)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "78967e73d05a"]).exit_code == 0
    postgres = empty_database.startswith("postgresql")
    with app.app_context():
        db.session.execute(sa.text('INSERT INTO country (code, "group") VALUES (\'CL\', \'latam\')'))
        db.session.execute(sa.text(
            "INSERT INTO cohort (name, description, country_code, created_at) "
            "VALUES ('Cohorte Ñandú', '', 'CL', :now)"), {"now": "2026-12-01 10:00:00"})
        statement = {"actor": {"mbox": "mailto:Ana@Example.ORG"}, "verb": {"id": "http://example.org/v"},
                     "object": {"id": "http://example.org/a"}, "id": str(uuid.uuid4())}
        db.session.execute(sa.text(
            "INSERT INTO xapi_statement (id, stored, timestamp, verb_id, is_voided, is_voiding, data) "
            "VALUES (:id, :now, :now, 'http://example.org/v', false, false, :data)"),
            {"id": statement["id"] if postgres else uuid.UUID(statement["id"]).hex, "now": "2026-12-01 10:00:00",
             "data": json.dumps(statement)})
        seq = db.session.scalar(sa.text("SELECT max(seq) FROM xapi_statement"))
        old_key = hashlib.sha256("mbox\x1fmailto:Ana@Example.ORG".encode()).hexdigest()  # as written
        db.session.execute(sa.text("INSERT INTO xapi_statement_agent (agent_key, statement_seq, is_direct) "
                                   "VALUES (:key, :seq, true)"), {"key": old_key, "seq": seq})
        db.session.commit()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        from app.xapi.queries import Query, run
        from app.xapi.services import agent_key

        assert db.session.scalar(sa.text("SELECT name_key FROM cohort")) == "cohorte nandu"
        for spelling in ("mailto:Ana@example.org", "mailto:Ana@EXAMPLE.ORG", "mailto:Ana@Example.ORG"):
            rows, _more = run(Query(agent=agent_key({"mbox": spelling})))
            assert [str(row.id) for row in rows] == [statement["id"]], spelling


def test_mail_already_in_the_outbox_is_kept_and_can_then_be_cancelled(make_app, empty_database):
    """a41c7d2e9f03 widens the outbox's status check for "cancelled" and keeps the rows already there; a step
    down turns the cancelled ones into failed ones, which the older check accepts."""
    app = make_app(empty_database)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "5b8e2f1d4c7a"]).exit_code == 0
    insert = sa.text("INSERT INTO outbox_message (to_address, subject, body, locale, status, created_at) "
                     "VALUES (:to, 'Hola', 'Texto', 'es', :status, '2026-12-01 10:00:00')")
    with app.app_context():
        db.session.execute(insert, {"to": "a@example.org", "status": "queued"})
        db.session.commit()
        with pytest.raises(sa.exc.IntegrityError):  # the older check has no "cancelled"
            db.session.execute(insert, {"to": "b@example.org", "status": "cancelled"})
        db.session.rollback()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        db.session.execute(insert, {"to": "b@example.org", "status": "cancelled"})
        db.session.commit()
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(insert, {"to": "c@example.org", "status": "lost"})
        db.session.rollback()
        assert db.session.execute(sa.text("SELECT to_address, status FROM outbox_message ORDER BY id")).all() == [
            ("a@example.org", "queued"), ("b@example.org", "cancelled")]
    assert runner.invoke(args=["db", "downgrade", "5b8e2f1d4c7a"]).exit_code == 0
    with app.app_context():
        assert db.session.scalars(sa.text("SELECT status FROM outbox_message ORDER BY id")).all() == [
            "queued", "failed"]


def addresses_after_upgrade(make_app, database: str, revision: str, stored: list[str]) -> list[str]:
    """The addresses of accounts stored as ``stored`` at ``revision``, once the database is upgraded to the head."""
    app = make_app(database)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", revision]).exit_code == 0
    postgres = database.startswith("postgresql")
    with app.app_context():
        for email in stored:
            user_uuid = uuid.uuid4()
            db.session.execute(sa.text(
                'INSERT INTO "user" (uuid, email, full_name, is_active, created_at, session_version) '
                "VALUES (:uuid, :email, 'Persona', true, '2026-12-01 10:00:00', 1)"),
                {"uuid": str(user_uuid) if postgres else user_uuid.hex, "email": email})
        db.session.commit()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        return db.session.scalars(sa.text('SELECT email FROM "user" ORDER BY id')).all()


def test_addresses_stored_with_invisible_characters_are_cleaned_unless_another_account_has_them(make_app,
                                                                                              empty_database):
    """ed1e29379888 takes the format characters (zero-width space, BOM, soft hyphen) out of the addresses stored,
    so their owners can sign in by typing them; one that would become another account's address stays as it was."""
    found = addresses_after_upgrade(make_app, empty_database, "a41c7d2e9f03", [
        "manager.ar@itinera.test", "\ufeffmanager.ar@itinera.test", "rosa@itinera.test\u00ad",
        "jose\u0301@itinera.test", "\u200bluz@itinera.test", "luz@itinera.test\u200b"])
    assert found == ["manager.ar@itinera.test", "\ufeffmanager.ar@itinera.test", "rosa@itinera.test",
                     "jos\u00e9@itinera.test", "luz@itinera.test", "luz@itinera.test\u200b"]


def test_addresses_stored_in_full_width_characters_are_stored_plainly_unless_another_account_has_them(
        make_app, empty_database):
    """f2a9c4d1b6e3 stores an address typed in full-width (or other compatibility) characters as its plain one,
    so its owner can sign in by typing it; one that would become another account's address stays as it was."""
    found = addresses_after_upgrade(make_app, empty_database, "e7a1c2d3b4f5", [
        "ana@example.org", "ａｎａ@example.org", "luz@ｅｘａｍｐｌｅ。org", "ﬁona@example.org", "straße@example.de"])
    assert found == ["ana@example.org", "ａｎａ@example.org", "luz@example.org", "fiona@example.org",
                     "straße@example.de"]


def test_names_apart_only_in_case_or_accents_are_told_apart_before_they_become_one_name(make_app, empty_database):
    """c3d4e5f6a7b8 makes an institution's (or cohort's) name unique per country whatever its case or accents:
    the oldest of the names that were apart only so keeps its name, each later one gets a number."""
    app = make_app(empty_database)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "ed1e29379888"]).exit_code == 0
    names = ["Gobierno Regional de Ñuble", "GOBIERNO REGIONAL DE ÑUBLE", "Gobierno Regional de Nuble",
             "Gobierno Regional de Nuble (2)"]
    with app.app_context():
        db.session.execute(sa.text(
            'INSERT INTO country (code, "group") VALUES (\'CL\', \'latam\'), (\'PE\', \'latam\')'))
        for country, name in [("CL", name) for name in names] + [("PE", names[0])]:
            key = name.casefold().replace("ñ", "n")
            db.session.execute(sa.text(
                "INSERT INTO institution (name, name_key, country_code, level, created_at) "
                "VALUES (:name, :key, :country, 'regional', '2026-12-01 10:00:00')"),
                {"name": name, "key": key, "country": country})
            db.session.execute(sa.text(
                "INSERT INTO cohort (name, name_key, description, country_code, created_at) "
                "VALUES (:name, :key, '', :country, '2026-12-01 10:00:00')"), {"name": name, "key": key,
                                                                               "country": country})
        db.session.commit()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        for table in ("institution", "cohort"):
            found = db.session.execute(sa.text(f"SELECT country_code, name FROM {table} ORDER BY id")).all()
            assert [tuple(row) for row in found] == [
                ("CL", "Gobierno Regional de Ñuble"), ("CL", "GOBIERNO REGIONAL DE ÑUBLE (3)"),
                ("CL", "Gobierno Regional de Nuble (4)"), ("CL", "Gobierno Regional de Nuble (2)"),
                ("PE", "Gobierno Regional de Ñuble")], table
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.text(
                "INSERT INTO cohort (name, name_key, description, country_code, created_at) "
                "VALUES ('gobierno regional de ñuble', 'gobierno regional de nuble', '', 'CL', '2026-12-01')"))
        db.session.rollback()


def test_names_whose_search_key_is_cut_short_are_told_apart_too(make_app, empty_database):
    """A search key keeps 200 characters, and some characters give more than one (Ⅻ: "xii"): a number put at
    the end of such a name fell beyond the key, every number gave the same key, and c3d4e5f6a7b8 never ended."""
    import signal

    def too_long(_signum, _frame):
        raise TimeoutError("the migration does not end")

    app = make_app(empty_database)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "ed1e29379888"]).exit_code == 0
    names = ["Ⅻ" * 70, "ⅻ" * 70]
    with app.app_context():
        db.session.execute(sa.text('INSERT INTO country (code, "group") VALUES (\'CL\', \'latam\')'))
        for name in names:
            key = ("xii" * 70)[:200]
            db.session.execute(sa.text(
                "INSERT INTO institution (name, name_key, country_code, level, created_at) "
                "VALUES (:name, :key, 'CL', 'national', '2026-12-01 10:00:00')"), {"name": name, "key": key})
            db.session.execute(sa.text(
                "INSERT INTO cohort (name, name_key, description, country_code, created_at) "
                "VALUES (:name, :key, '', 'CL', '2026-12-01 10:00:00')"), {"name": name, "key": key})
        db.session.commit()
    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(60)
    try:
        result = runner.invoke(args=["db", "upgrade"])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert result.exit_code == 0, result.output
    with app.app_context():
        for table in ("institution", "cohort"):
            found = db.session.execute(sa.text(f"SELECT name, name_key FROM {table} ORDER BY id")).all()
            assert [row.name for row in found] == ["Ⅻ" * 70, "ⅻ" * 65 + " (2)"], table
            assert found[1].name_key == "xii" * 65 + " (2)"


def test_a_database_with_people_in_institutions_and_cohorts_upgrades_and_downgrades(make_app, empty_database):
    """On SQLite, c3d4e5f6a7b8 rebuilds the institution and cohort tables (batch mode): with foreign keys on,
    dropping the old table that people and members point at failed, leaving the database half-changed."""
    app = make_app(empty_database)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "ed1e29379888"]).exit_code == 0
    with app.app_context():
        db.session.execute(sa.text('INSERT INTO country (code, "group") VALUES (\'CL\', \'latam\')'))
        db.session.execute(sa.text(
            "INSERT INTO institution (id, name, name_key, country_code, level, created_at) "
            "VALUES (1, 'Gobierno Regional de Ñuble', 'gobierno regional de nuble', 'CL', 'regional', "
            "'2026-12-01 10:00:00')"))
        db.session.execute(sa.text(
            "INSERT INTO cohort (id, name, name_key, description, country_code, created_at) "
            "VALUES (1, 'Cohorte piloto', 'cohorte piloto', '', 'CL', '2026-12-01 10:00:00')"))
        db.session.execute(sa.text(
            'INSERT INTO "user" (id, uuid, email, full_name, country_code, institution_id, is_active, created_at, '
            "session_version, name_key) VALUES (1, :uuid, 'ana@example.org', 'Ana', 'CL', 1, :yes, "
            "'2026-12-01 10:00:00', 1, 'ana')"), {"uuid": uuid.uuid4().hex, "yes": True})
        db.session.execute(sa.text("INSERT INTO cohort_member (cohort_id, user_id, added_at) "
                                   "VALUES (1, 1, '2026-12-01 10:00:00')"))
        db.session.commit()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["db", "check"]).exit_code == 0
    result = runner.invoke(args=["db", "downgrade", "ed1e29379888"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output  # no table of a half-done rebuild left behind
    with app.app_context():
        assert db.session.execute(sa.text(
            'SELECT u.email, i.name FROM "user" u JOIN institution i ON i.id = u.institution_id')).all() == [
            ("ana@example.org", "Gobierno Regional de Ñuble")]
        assert db.session.execute(sa.text("SELECT cohort_id, user_id FROM cohort_member")).all() == [(1, 1)]


def test_images_synced_before_their_size_was_kept_are_measured(make_app, empty_database):
    """a7c3e5f1d2b9 keeps each course image's width and height: the images already synced are measured from
    their stored bytes (other files, and images that give no size, get none)."""
    app = make_app(empty_database)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "f2a9c4d1b6e3"]).exit_code == 0
    files = {"map.svg": (b'<svg xmlns="http://www.w3.org/2000/svg" width="480" height="320"></svg>',
                         "image/svg+xml"),
             "plain.svg": (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 3"></svg>', "image/svg+xml"),
             "notes.txt": (b"width 10", "text/plain")}
    with app.app_context():
        db.session.execute(sa.text("INSERT INTO course (id, slug, created_at, is_published) "
                                   "VALUES (1, 'pilot', '2026-12-01 10:00:00', :yes)"), {"yes": True})
        db.session.execute(sa.text(
            "INSERT INTO course_version (id, course_id, version, content_hash, is_current, title, summary, audience, "
            "estimated_hours, locales, path, synced_at) VALUES (1, 1, 1, 'x', :yes, '{}', '{}', '[]', 1, '[]', "
            "'pilot', '2026-12-01 10:00:00')"), {"yes": True})
        for number, (name, (data, media_type)) in enumerate(files.items(), start=1):
            db.session.execute(sa.text("INSERT INTO asset_blob (sha256, data) VALUES (:sha, :data)"),
                               {"sha": f"{number:064d}", "data": data})
            db.session.execute(sa.text(
                "INSERT INTO course_asset (course_version_id, path, sha256, size, media_type) "
                "VALUES (1, :path, :sha, :size, :type)"),
                {"path": name, "sha": f"{number:064d}", "size": len(data), "type": media_type})
        db.session.commit()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.execute(sa.text("SELECT path, width, height FROM course_asset ORDER BY path")).all() == [
            ("map.svg", 480, 320), ("notes.txt", None, None), ("plain.svg", None, None)]


def test_clients_that_read_only_their_own_are_revoked_on_the_way_down(make_app, empty_database):
    """c9e2a7b5d3f1 lets the scope check take "write_own"; a step down cannot keep such a client as it was, and
    would only give it more reading than it had: it becomes a revoked reader."""
    app = make_app(empty_database)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    insert = sa.text("INSERT INTO lrs_client (name, key, secret_hash, scope, created_at) "
                     "VALUES (:name, :name, 'x', :scope, '2026-12-01 10:00:00')")
    with app.app_context():
        for name, scope in (("content", "write_own"), ("writer", "read_write")):
            db.session.execute(insert, {"name": name, "scope": scope})
        db.session.commit()
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(insert, {"name": "other", "scope": "everything"})
        db.session.rollback()
    assert runner.invoke(args=["db", "downgrade", "b3d8e1f4a6c2"]).exit_code == 0
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT name, scope, revoked_at IS NOT NULL FROM lrs_client ORDER BY id"))
        assert [tuple(row) for row in rows] == [("content", "read", True), ("writer", "read_write", False)]
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0


def test_clients_held_to_some_activities_are_revoked_on_the_way_down(make_app, empty_database):
    """b3d8e1f4a6c2 holds a client to the activities it is given; a step down drops that list, and the client
    would write about any activity again (a module of ours passed for anyone, with a key content shows its
    users): it is revoked, as a client that read back only its own is on the step above."""
    app = make_app(empty_database)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "b3d8e1f4a6c2"]).exit_code == 0
    insert = sa.text("INSERT INTO lrs_client (name, key, secret_hash, scope, activity_prefixes, created_at) "
                     "VALUES (:name, :name, 'x', 'read_write', :prefixes, '2026-12-01 10:00:00')")
    with app.app_context():
        for name, prefixes in (("simulation", "https://partner.example/simulation/"), ("writer", None)):
            db.session.execute(insert, {"name": name, "prefixes": prefixes})
        db.session.commit()
    assert runner.invoke(args=["db", "downgrade", "a7c3e5f1d2b9"]).exit_code == 0
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT name, revoked_at IS NOT NULL FROM lrs_client ORDER BY id"))
        assert [tuple(row) for row in rows] == [("simulation", True), ("writer", False)]
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0


def test_the_people_of_imports_done_before_are_found_by_their_files_addresses(make_app, empty_database):
    """e5b7c9d1f3a4 records the accounts an import creates; those of earlier imports are found as they were, by
    the addresses of the file (as an import reads them) among the accounts of the batch's country."""
    app = make_app(empty_database)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "a8d3e5f7c9b2"]).exit_code == 0
    postgres = empty_database.startswith("postgresql")
    with app.app_context():
        db.session.execute(sa.text('INSERT INTO country (code, "group") VALUES (\'CL\', \'latam\'), '
                                   '(\'PE\', \'latam\')'))
        for email, country in (("ana@example.org", "CL"), ("beto@example.org", "PE"), ("carla@example.org", "CL")):
            user_uuid = uuid.uuid4()
            db.session.execute(sa.text(
                'INSERT INTO "user" (uuid, email, full_name, is_active, created_at, session_version, country_code) '
                "VALUES (:uuid, :email, 'Persona', true, '2026-12-01 10:00:00', 1, :country)"),
                {"uuid": str(user_uuid) if postgres else user_uuid.hex, "email": email, "country": country})
        rows = [{"line": 2, "email": " ANA@example.org"}, {"line": 3, "email": "beto@example.org"}]
        for status in ("imported", "preview"):
            db.session.execute(sa.text(
                "INSERT INTO import_batch (country_code, send_invitations, filename, rows, problems, notes, status, "
                "created_at, imported_count) VALUES ('CL', false, 'a.csv', :rows, '[]', '[]', :status, "
                "'2026-12-01 09:00:00', 0)"), {"rows": json.dumps(rows), "status": status})
        db.session.commit()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        found = db.session.execute(sa.text(
            'SELECT b.status, u.email FROM imported_person p JOIN import_batch b ON b.id = p.batch_id '
            'JOIN "user" u ON u.id = p.user_id')).all()
        assert [tuple(row) for row in found] == [("imported", "ana@example.org")]
    assert runner.invoke(args=["db", "downgrade", "a8d3e5f7c9b2"]).exit_code == 0


def test_the_agents_and_activities_of_statements_keep_their_rows_in_their_keys_order(make_app, empty_database):
    """On SQLite the index of the agents and activities statements mention is a table WITHOUT ROWID: its rows are
    kept in the order of their key, so that a filter reads whether the mention is direct beside the key, not in
    a row elsewhere; what they held is kept, both ways."""
    app = make_app(empty_database)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "c4e6a8b0d2f1"]).exit_code == 0
    sqlite = empty_database.startswith("sqlite")
    with app.app_context():
        db.session.execute(sa.text(
            "INSERT INTO xapi_statement (id, stored, timestamp, verb_id, is_voided, is_voiding, data) "
            "VALUES (:id, '2026-12-01 10:00:00', '2026-12-01 10:00:00', 'http://example.org/v', false, false, '{}')"),
            {"id": uuid.uuid4().hex if sqlite else str(uuid.uuid4())})
        for table, column in (("xapi_statement_agent", "agent_key"), ("xapi_statement_activity", "activity_key")):
            db.session.execute(sa.text(f"INSERT INTO {table} ({column}, statement_seq, is_direct) "
                                       "VALUES ('b', 1, true), ('a', 1, false)"))
        db.session.commit()

    def kept() -> dict:
        with app.app_context():
            rows = {table: [tuple(row) for row in db.session.execute(sa.text(
                f"SELECT {column}, statement_seq, is_direct FROM {table} ORDER BY {column}"))]
                for table, column in (("xapi_statement_agent", "agent_key"),
                                      ("xapi_statement_activity", "activity_key"))}
            shapes = db.session.execute(sa.text(
                "SELECT name, sql FROM sqlite_master WHERE name IN ('xapi_statement_agent', "
                "'xapi_statement_activity')")).all() if sqlite else []
        return rows, {name: "WITHOUT ROWID" in sql for name, sql in shapes}

    before = kept()[0]
    assert before["xapi_statement_agent"] == [("a", 1, False), ("b", 1, True)]
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    rows, without_rowid = kept()
    assert rows == before
    if sqlite:
        assert without_rowid == {"xapi_statement_agent": True, "xapi_statement_activity": True}
        with app.app_context():  # still deleted with their statement
            db.session.execute(sa.text("DELETE FROM xapi_statement"))
            assert db.session.scalar(sa.text("SELECT count(*) FROM xapi_statement_activity")) == 0
            db.session.rollback()
    assert runner.invoke(args=["db", "downgrade", "c4e6a8b0d2f1"]).exit_code == 0
    rows, without_rowid = kept()
    assert rows == before and not any(without_rowid.values())


def test_framework_changes_stay_when_their_account_goes_and_go_on_downgrade(make_app, empty_database):
    """b9d1f3a5c7e0 adds a framework's history: a row outlives the account that made it (its actor becomes
    NULL), and the downgrade takes the table away; upgrading again brings it back empty."""
    app = make_app(empty_database)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    postgres = empty_database.startswith("postgresql")
    user_uuid = uuid.uuid4()
    with app.app_context():
        db.session.execute(sa.text(
            'INSERT INTO "user" (id, uuid, email, full_name, is_active, created_at, session_version, name_key) '
            "VALUES (1, :uuid, 'ana@example.org', 'Ana', true, '2026-12-01 10:00:00', 1, 'ana')"),
            {"uuid": str(user_uuid) if postgres else user_uuid.hex})
        db.session.execute(sa.text("INSERT INTO framework (id, slug, created_at) "
                                   "VALUES (1, 'demo', '2026-12-01 10:00:00')"))
        db.session.execute(sa.text(
            "INSERT INTO framework_change (framework_id, version_number, changed_at, actor_id, kind, key, changes) "
            "VALUES (1, 1, '2026-12-01 10:00:00', 1, 'area', 'A', :changes)"),
            {"changes": json.dumps([{"field": "title", "key": "en", "before": "Old", "after": "New"}])})
        db.session.commit()
        db.session.execute(sa.text('DELETE FROM "user" WHERE id = 1'))
        db.session.commit()
        row = db.session.execute(sa.text("SELECT actor_id, kind, key FROM framework_change")).one()
        assert tuple(row) == (None, "area", "A")
    assert runner.invoke(args=["db", "downgrade", "f1a3c5e7b9d2"]).exit_code == 0
    with app.app_context():
        assert "framework_change" not in sa.inspect(db.engine).get_table_names()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["db", "check"]).exit_code == 0
