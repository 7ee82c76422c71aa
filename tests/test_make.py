"""The README's first command: `make run` (checked with `make -n`, which prints the commands and runs none)."""
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.catalogs import broken_translations

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _dry_run(*args: str, env: dict | None = None) -> str:
    environment = {"PATH": "/usr/bin:/bin", **(env or {})}
    result = subprocess.run(["make", "-n", "-B", "run", *args], cwd=ROOT, env=environment, capture_output=True,
                            text=True, check=True)
    return result.stdout


def _position(commands: list[str], *words: str) -> int:
    return next(i for i, line in enumerate(commands) if all(word in line for word in words))


def test_the_two_commands_do_every_step_the_readme_promises_in_order():
    """`make run`: a virtual environment, the project installed, the catalogs compiled, the SQLite database
    created or upgraded, the demo loaded, the app served; `make test`: the test tools installed, then every test
    (browser ones included: no marker leaves them out). No other set-up step exists."""
    run = _dry_run().splitlines()
    steps = [_position(run, "-m venv .venv"), _position(run, "pip install", "-e ."),
             _position(run, "pybabel compile", "-d translations"),
             _position(run, "ITINERA_ENV=development", "flask --app wsgi db upgrade"),
             _position(run, "ITINERA_ENV=development", "flask --app wsgi demo --password"),
             _position(run, "ITINERA_ENV=development", "flask --app wsgi run")]
    assert steps == sorted(steps) and "DATABASE_URL" not in "".join(run)  # the default: instance/itinera.db
    test = _dry_run_test().splitlines()
    steps = [_position(test, "pip install", "-e '.[test]'"), _position(test, "pybabel compile"),
             _position(test, "/pytest")]
    assert steps == sorted(steps)
    assert test[steps[-1]].rstrip().endswith(".venv/bin/pytest")  # no -m, no -k: the whole suite


def test_make_run_serves_on_the_port_chosen_and_links_to_it():
    commands = _dry_run("PORT=5073")
    assert "--port 5073" in commands
    # links in e-mails (password reset, invitations) and xAPI identifiers name the address being served
    served = [line for line in commands.splitlines() if "flask --app wsgi run" in line]
    assert served and "ITINERA_BASE_URL=http://127.0.0.1:5073" in served[0]
    assert "ITINERA_BASE_URL=http://127.0.0.1:5000" in _dry_run()


def test_make_run_keeps_a_base_url_given_in_the_environment():
    commands = _dry_run("PORT=5073", env={"ITINERA_BASE_URL": "https://itinera.example.org"})
    assert "ITINERA_BASE_URL=https://itinera.example.org" in commands and "127.0.0.1:5073/" not in commands


def _dry_run_test(*args: str, env: dict | None = None) -> str:
    environment = {"PATH": "/usr/bin:/bin", **(env or {})}
    result = subprocess.run(["make", "-n", "-B", "test", *args], cwd=ROOT, env=environment, capture_output=True,
                            text=True, check=True)
    return result.stdout


def test_make_test_runs_the_browser_tests_on_the_chromium_it_checked():
    """`make test CHROMIUM=...` checks (and would install) that browser: the tests must drive the same one, not
    skip themselves for want of /usr/bin/chromium."""
    commands = _dry_run_test("CHROMIUM=/opt/chromium/chrome")
    pytest_lines = [line for line in commands.splitlines() if line.rstrip().endswith("/pytest")]
    assert pytest_lines and "CHROMIUM_PATH=/opt/chromium/chrome" in pytest_lines[0]
    # one given to the tests directly is the one make checks too
    commands = _dry_run_test(env={"CHROMIUM_PATH": "/opt/other/chromium"})
    assert "[ ! -x /opt/other/chromium ]" in commands
    pytest_lines = [line for line in commands.splitlines() if line.rstrip().endswith("/pytest")]
    assert pytest_lines and "CHROMIUM_PATH=/opt/other/chromium" in pytest_lines[0]


def test_make_stops_on_a_catalog_with_errors(tmp_path):
    """`make run` compiles the catalogs first: one whose placeholders do not match stops it, with the error shown,
    rather than scrolling away under `tail` while the server starts."""
    import os
    import sys

    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / "bin" / "pybabel").symlink_to(Path(sys.executable).parent / "pybabel")
    (tmp_path / "pyproject.toml").write_text("")
    os.utime(tmp_path / "pyproject.toml", (0, 0))
    (venv / ".installed").touch()
    broken_translations(tmp_path)
    result = subprocess.run(["make", "-f", str(ROOT / "Makefile"), "translations", f"VENV={venv}"], cwd=tmp_path,
                            env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "nombre" in result.stdout + result.stderr

