"""Benchmark: the public results page, its JSON and its chart, with the report cached and no
worker running. Target: every request under 100 ms (the 95th percentile printed).

Builds (once) the made-up study of bench/dashboard.py (100,000 trials, 30 scorers; BENCH_TRIALS
and BENCH_SCORERS change it) in its own database (braintrial_bench_public; BENCH_DATABASE_NAME),
switches its public page on, computes its report as the worker does into Redis, then serves
the checkout with gunicorn against that database and Redis while no worker runs and the
broker's address is a closed port, and times each page over HTTP.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
    REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python bench/public_page.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "braintrial.settings")
os.environ.setdefault("BENCH_DATABASE_NAME", "braintrial_bench_public")
REDIS_URL = os.environ.setdefault(
    "REDIS_URL", os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/4")
)
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 200))
TARGET_MS = 100.0


def _time(url: str) -> list[float]:
    timings = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()
            assert response.status == 200, response.status
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    from bench.dashboard import SLUG, bench_database, build
    from bench.harness import Gunicorn, free_port

    name = bench_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    print(f"Database {name}, cache {REDIS_URL}.")
    build()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    from braintrial.dashboard.services import study_report_refresh
    from braintrial.studies.models import Study

    Study.objects.filter(slug=SLUG).update(public_results=True, planned_participants=500)
    study = Study.objects.get(slug=SLUG)
    from braintrial.dashboard.selectors import study_data_version, study_report_latest

    latest = study_report_latest(study_id=study.pk)
    if latest is not None and latest["version"] == study_data_version(study=study):
        print("The report of the current data is cached already.")
    else:
        started = time.perf_counter()
        study_report_refresh(study=study, science=os.environ.get("BENCH_SCIENCE", "1") == "1")
        took = time.perf_counter() - started
        print(f"Report computed and cached (as the worker does) in {took:.1f} s")
    closed = f"redis://127.0.0.1:{free_port()}/0"  # no broker, no worker
    extra = {"CELERY_BROKER_URL": closed, "PUBLIC_RATE": "100000/min"}
    with Gunicorn(
        code=ROOT,
        database_url=os.environ["DATABASE_URL"],
        redis_url=REDIS_URL,
        workers=2,
        extra_env=extra,
    ) as web:
        print(f"{'page':<14} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}  (n = {REQUESTS})")
        worst = 0.0
        for label, path in (
            ("page", f"/p/{SLUG}/"),
            ("results.json", f"/p/{SLUG}/results.json"),
            ("chart.svg", f"/p/{SLUG}/chart.svg"),
        ):
            # Warm: each gunicorn worker's first request, and the answer's first build.
            _time(web.url + path)
            timings = sorted(_time(web.url + path))
            p95 = timings[int(0.95 * (len(timings) - 1))]
            worst = max(worst, p95)
            print(
                f"{label:<14} {statistics.median(timings):>10.1f} {p95:>8.1f} {timings[-1]:>8.1f}"
            )
    verdict = "met" if worst < TARGET_MS else "NOT met"
    print(f"Target: 95th percentile under {TARGET_MS:.0f} ms with no worker: {verdict}.")


if __name__ == "__main__":
    main()
