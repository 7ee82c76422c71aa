"""The README's first command: `make run` (checked with `make -n`, which prints the commands and runs none)."""
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _dry_run(*args: str, env: dict | None = None) -> str:
    environment = {"PATH": "/usr/bin:/bin", **(env or {})}
    result = subprocess.run(["make", "-n", "-B", "run", *args], cwd=ROOT, env=environment, capture_output=True,
                            text=True, check=True)
    return result.stdout


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
