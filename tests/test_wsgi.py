"""A web worker starts light: every view is loaded (braintrial.wsgi), the model and numeric
stacks are not; each is imported by the one function that needs it, on the first request that
does (the import contract in pyproject.toml names their owners)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


def _fresh_worker() -> dict[str, list[str]]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "braintrial.settings"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def test_a_web_worker_loads_every_view_and_none_of_the_heavy_libraries() -> None:
    loaded = _fresh_worker()
    assert [name for name in HEAVY if name in loaded["started"]] == []
    # The views stay pre-loaded as the worker starts (first-request latency).
    for views in ("participants", "dashboard", "exports"):
        assert f"braintrial.{views}.views" in loaded["views"]
    # Guards the guard: the same process sees a library once a function needs it.
    assert {"statsmodels", "pandas"} <= set(loaded["used"])
