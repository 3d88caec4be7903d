"""A web worker starts light: every view is loaded (braintrial.wsgi), the model and numeric
stacks are not; each is imported by the one function that needs it, on the first request that
does (the import contract in pyproject.toml names their owners). A participant's page needs
none of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import study_make
from tests.scoring.helpers import worker_database_url

ROOT = Path(__file__).resolve().parent.parent

# Loaded by the first request that fits a model, draws a figure's data or scores, not before.
HEAVY = ("torch", "transformers", "peft", "accelerate", "gpboost", "statsmodels", "pandas",
         "sklearn", "optuna", "plotly")  # fmt: skip

SCRIPT = """
import json, sys
import braintrial.wsgi

started = sorted({name.split(".")[0] for name in sys.modules})
views = sorted(name for name in sys.modules if name.endswith(".views"))
from braintrial.analysis.stats import wilson_interval

wilson_interval(3, 10)
used = sorted({name.split(".")[0] for name in sys.modules})
print("RESULT " + json.dumps({"started": started, "views": views, "used": used}))
"""


# A participant's first page, served by the WSGI app as gunicorn would call it.
REQUEST = """
import io, json, sys
import braintrial.wsgi

statuses = []
environ = {"REQUEST_METHOD": "GET", "PATH_INFO": sys.argv[1], "SERVER_NAME": "localhost",
           "SERVER_PORT": "80", "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http"}


def start_response(status, headers):
    statuses.append(status)


b"".join(braintrial.wsgi.application(environ, start_response))
loaded = sorted({name.split(".")[0] for name in sys.modules})
print("RESULT " + json.dumps({"status": statuses[0], "loaded": loaded}))
"""


def _fresh_worker(script: str = SCRIPT, *args: str, **env_extra: str) -> dict[str, object]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "braintrial.settings", **env_extra}
    done = subprocess.run(
        [sys.executable, "-c", script, *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def test_a_web_worker_loads_every_view_and_none_of_the_heavy_libraries() -> None:
    loaded: dict = _fresh_worker()
    assert [name for name in HEAVY if name in loaded["started"]] == []
    # The views stay pre-loaded as the worker starts (first-request latency).
    for views in ("participants", "dashboard", "exports"):
        assert f"braintrial.{views}.views" in loaded["views"]
    # Guards the guard: the same process sees a library once a function needs it.
    assert {"statsmodels", "pandas"} <= set(loaded["used"])


@pytest.mark.django_db(transaction=True)
def test_a_participant_page_is_served_without_the_heavy_libraries() -> None:
    made = study_make("light", is_open=True)
    served: dict = _fresh_worker(
        REQUEST, f"/s/{made.study.slug}/", DATABASE_URL=worker_database_url()
    )
    assert served["status"].startswith("200")
    assert [name for name in HEAVY if name in served["loaded"]] == []
