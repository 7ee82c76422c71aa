import pytest


@pytest.mark.parametrize("args", [["db", "upgrade"], ["db", "check"], ["demo", "--password", "itinera-demo"],
                                  ["lrs", "rebuild-progress"], ["jobs", "requeue"], ["courses", "sync"]])
def test_a_database_that_cannot_be_reached_is_a_message_not_a_traceback(make_app, tmp_path, args):
    """A wrong host, port, database or SQLite folder in DATABASE_URL: every command says so and exits 1."""
    app = make_app(f"sqlite:///{tmp_path / 'no-such-folder' / 'itinera.db'}")
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1, result.output
    assert "The database (DATABASE_URL) cannot be reached: unable to open database file" in result.output
    assert isinstance(result.exception, SystemExit)  # click's own exit, no traceback


@pytest.mark.parametrize("args", [["demo", "--password", "itinera-demo"], ["jobs", "requeue"],
                                  ["lrs", "rebuild-progress"]])
def test_a_database_without_tables_says_to_upgrade_it(make_app, tmp_path, args):
    """`demo` before `db upgrade` (a new DATABASE_URL): the command says what to run, not a traceback."""
    app = make_app(f"sqlite:///{tmp_path / 'empty.db'}")
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1, result.output
    assert "The database is not set up (no such table" in result.output and "db upgrade` first" in result.output
    assert isinstance(result.exception, SystemExit)


def test_flask_translate_compile_fails_on_a_catalog_with_errors(runner, tmp_path, monkeypatch):
    import app.cli

    from tests.fixtures.catalogs import broken_translations

    broken_translations(tmp_path)
    monkeypatch.setattr(app.cli, "TRANSLATIONS", tmp_path / "translations")
    result = runner.invoke(args=["translate", "compile"])
    assert result.exit_code == 1 and "pybabel compile found errors" in result.output


@pytest.mark.parametrize("args, said", [(["courses", "validate"], "is not a folder: set ITINERA_COURSES_DIR"),
                                        (["courses", "sync"], "is not a folder: set ITINERA_COURSES_DIR"),
                                        (["demo", "--password", "itinera-demo"], "the course files are not there")])
def test_a_courses_dir_that_does_not_exist_is_a_message(make_app, tmp_path, args, said):
    app = make_app(COURSES_DIR=str(tmp_path / "no-courses"))
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1 and said in result.output, result.output
    assert isinstance(result.exception, SystemExit)


def test_the_readme_s_command_table_names_every_command(app):
    """Every command `flask --app wsgi --help` lists is in the README's *Command line* table: Itinera's with each
    of their subcommands, Flask's own and its extensions' (db, limiter) by name at least."""
    import re
    from pathlib import Path

    import click
    from flask.cli import FlaskGroup, ScriptInfo

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("\n## Command line\n", 1)[1].split("\n## ", 1)[0]
    documented = set()
    for cell in re.findall(r"^\| (.+?) \| ", table, re.M):
        for command in re.findall(r"`([^`]+)`", cell):
            words = command.split()[:2]
            documented.add(" ".join(word for word in words if re.fullmatch(r"[a-z][a-z-]*", word)))
    group = FlaskGroup(create_app=lambda: app)
    context = click.Context(group, obj=ScriptInfo(create_app=lambda: app))
    missing = []
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        subcommands = getattr(command, "commands", {})
        if any(sub.callback.__module__.startswith("app.") for sub in subcommands.values()):
            missing += [f"{name} {sub}" for sub in subcommands if f"{name} {sub}" not in documented]
        elif not any(entry == name or entry.startswith(f"{name} ") for entry in documented):
            missing.append(name)
    assert "lrs revoke-client" in documented and "run" in documented  # the table is read
    assert missing == [], "in `flask --app wsgi --help`, missing from the README's command table"
