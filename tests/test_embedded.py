"""The embedded default (no DATABASE_URL: SQLite under var/) serves the researcher's pages.

Every other test runs on Postgres; `make demo` runs on SQLite with DEBUG on, where Django logs
each query by formatting its SQL with its parameters. This test migrates a fresh SQLite database
in a subprocess with exactly those settings and downloads every export and the dashboard data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import csv, io, json
from django.test import Client
from braintrial.exports.rows import EXPORT_KINDS
from tests.factories import study_make

made = study_make("embedded", n_people=3)
client = Client()
client.force_login(made.researcher)
out = {}
for kind in sorted(EXPORT_KINDS):
    response = client.get(f"/exports/embedded/{kind}.csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    out[kind] = {"status": response.status_code, "rows": list(csv.DictReader(io.StringIO(body)))}
data = client.get("/dashboard/embedded/data.json")
out["data_status"] = data.status_code
print("RESULT " + json.dumps(out))
"""


def _manage(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_exports_and_dashboard_on_embedded_sqlite_with_debug(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(BRAINTRIAL_VAR_DIR=str(tmp_path), DEBUG="1")
    _manage("migrate", "--no-input", "-v", "0", env=env)
    assert (tmp_path / "braintrial.sqlite3").is_file()

    output = _manage("shell", "-v", "0", "-c", SCRIPT, env=env)
    result = json.loads(output.split("RESULT ", 1)[1])

    assert result["data_status"] == 200
    for kind in ("trials", "participants", "items", "scores"):
        assert result[kind]["status"] == 200, kind
    trials = result["trials"]["rows"]
    assert len(trials) == 9  # 3 participants x 3 trials
    # Timestamps are ISO 8601 UTC on SQLite as on Postgres (factories: T0 = 2026-05-01 09:00).
    assert trials[0]["shown_at"].startswith("2026-05-01T09:")
    assert trials[0]["shown_at"].endswith("Z")
    assert len(result["participants"]["rows"]) == 3
    assert len(result["items"]["rows"]) == 6
    assert len(result["scores"]["rows"]) == 6
