import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest

from app.xapi.validation import MAX_IRI_BYTES

ROOT = Path(__file__).resolve().parent.parent


def gunicorn_settings(tmp_path):
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    if gunicorn is None:
        pytest.skip("gunicorn is not installed beside this Python")
    environment = {**os.environ, "ITINERA_ENV": "production", "SECRET_KEY": "only-printing-the-settings",
                   "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}"}  # printing them loads the app
    result = subprocess.run([gunicorn, "--print-config", "wsgi:app"], cwd=ROOT, env=environment, capture_output=True,
                            text=True, timeout=60, check=True)
    return dict((name.strip(), value.strip()) for name, _, value in
                (line.partition("=") for line in result.stdout.splitlines()) if name.strip())


def test_gunicorn_started_in_the_source_folder_lets_a_state_request_with_the_longest_ids_through(tmp_path):
    """gunicorn's default request line (4,094 bytes) answered a state request whose activity IRI and state id were
    as long as the LRS accepts with an HTML 414 the xAPI client could not read."""
    settings = gunicorn_settings(tmp_path)
    assert settings["config"] == "./gunicorn.conf.py"
    longest = "https://content.example.org/" + "a" * (MAX_IRI_BYTES - len("https://content.example.org/"))
    query = urlencode({"activityId": longest, "stateId": "s" * MAX_IRI_BYTES, "registration": "0" * 36,
                       "agent": '{"account": {"homePage": "https://itinera.example.org", "name": "' + "0" * 36 + '"}}'})
    request_line = f"GET /xapi/activities/state?{query} HTTP/1.1"
    assert len(request_line) <= int(settings["limit_request_line"])
    assert int(settings["timeout"]) >= 60  # the largest import's preview reads for about 20 s
