"""Fault scripts: braintrial under load while a service fails. Each prints its figures and
PASS or FAIL (exit status 1 on FAIL). Everything runs on loopback on private servers (a private
Postgres cluster, a private redis-server, gunicorn, Celery workers): the machine's own Postgres
and Redis are never touched.

    .venv/bin/python bench/faults.py postgres-restart   # immediate-mode restart mid-load
    .venv/bin/python bench/faults.py redis-stop         # Redis stopped: participants, researchers
    .venv/bin/python bench/faults.py worker-kill        # scoring worker SIGKILL mid-run
    .venv/bin/python bench/faults.py web-kill           # gunicorn workers SIGKILL mid-request
    .venv/bin/python bench/faults.py all

Participants are the load runner's bots (Locust users, bench/locust_mix.py) with the mix of
issue 11 (reloads, double sends, back-button re-posts) and a browser's patience
(fault_support.PatientBot). Passing means: no
acknowledged answer lost, changed or duplicated, exposure balanced, no bare 500, and every
participant completed (the page a failure showed told them what to do, and they did it).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fault_support import (
    SLUG,
    FaultPostgres,
    Researcher,
    acknowledged_in_database,
    database_prepare,
    manage,
    sql_value,
)
from harness import ROOT, Gunicorn, PrivateRedis, load_average
from loadmix import LOAD_MIX, MixReport, answers_check, check_print, mix_run, report_print

N, CONCURRENCY, WORKERS = 60, 30, 4


def load_in_background(web: Gunicorn) -> tuple[threading.Thread, list[MixReport]]:
    reports: list[MixReport] = []

    def run() -> None:
        reports.append(
            mix_run(
                base_url=web.url,
                slug=SLUG,
                n=N,
                concurrency=CONCURRENCY,
                mix=LOAD_MIX,
                bots="patient",
            )
        )

    thread = threading.Thread(target=run)
    thread.start()
    return thread, reports


def wait_for_answers(database_url: str, n: int, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while acknowledged_in_database(database_url) < n and time.monotonic() < deadline:
        time.sleep(0.2)


def participants_verdict(report: MixReport, database_url: str, title: str) -> bool:
    report_print(report, title=title)
    statuses = [r.status for result in report.results for r in result.requests]
    bare = sum(s >= 500 and s != 503 for s in statuses)
    completed = sum(r.completed for r in report.results)
    print(
        f"  503 pages {statuses.count(503)}, other 5xx {bare}; requests sent again by patient "
        f"participants {report.retries}; left on an error page "
        f"{len(report.results) - completed}"
    )
    check = answers_check(database_url=database_url, slug=SLUG, results=report.results)
    check_print(check)
    return check.passed and bare == 0 and completed == len(report.results)


def postgres_restart() -> bool:
    """Postgres restarted in immediate mode (as a crash) while participants answer."""
    with FaultPostgres() as pg, PrivateRedis() as redis:
        url = database_prepare(pg)
        with Gunicorn(code=ROOT, database_url=url, redis_url=redis.url(1), workers=WORKERS) as web:
            thread, reports = load_in_background(web)
            wait_for_answers(url, 150)
            started = time.perf_counter()
            pg.restart(mode="immediate")
            print(f"  restarted Postgres (immediate) in {time.perf_counter() - started:.1f} s")
            thread.join()
            load = load_average()
        return participants_verdict(reports[0], url, f"postgres-restart ({load})")


def redis_stop() -> bool:
    """Redis (cache and broker) stopped: participants carry on; the dashboard, its data and the
    token endpoint answer; starting a scoring run says the queue is unavailable."""
    with FaultPostgres() as pg, PrivateRedis() as redis:
        url = database_prepare(pg)
        with Gunicorn(code=ROOT, database_url=url, redis_url=redis.url(1), workers=WORKERS) as web:
            researcher = Researcher(web.url)
            researcher.login()
            researcher.get(f"/dashboard/{SLUG}/")  # cached while Redis is up
            thread, reports = load_in_background(web)
            wait_for_answers(url, 100)
            redis.stop()
            print("  stopped Redis")
            started = time.perf_counter()
            for path in ("/dashboard/", f"/dashboard/{SLUG}/", f"/dashboard/{SLUG}/data.json"):
                researcher.get(path)
            researcher.token()
            run = researcher.post_form(
                f"/dashboard/{SLUG}/runs/", f"/dashboard/{SLUG}/", {"scorer": "smol"}
            )
            told = "scoring queue is unavailable" in run.text
            seconds = time.perf_counter() - started
            thread.join()
            load = load_average()
        passed = participants_verdict(reports[0], url, f"redis-stop ({load})")
        runs = sql_value(url, "SELECT count(*) FROM scoring_scorerun")
    bad = [(what, code) for what, code in researcher.statuses if code >= 400]
    print(
        f"  researcher with Redis stopped: {len(researcher.statuses)} requests in {seconds:.1f} s, "
        f"failures {bad or 'none'}; run start said the queue is unavailable: {told}; runs "
        f"created {runs}"
    )
    return passed and not bad and told and runs == 0


def worker_kill() -> bool:
    """A scoring worker SIGKILLed in the middle of a chunk: a new worker finishes the run, every
    item scored once."""
    from tests.scoring.tinymodel import build_tiny_model  # the tests' tiny random GPT-2

    model = build_tiny_model(Path(tempfile.mkdtemp(prefix="bt_tiny_")))
    with FaultPostgres() as pg, PrivateRedis() as redis:
        url = database_prepare(pg)
        env = {"CELERY_BROKER_URL": redis.url(2), "SCORING_CHUNK_SIZE": "5"}
        create = (
            "from scoring.services.scorers import scorer_create; "
            "from scoring.services.runs import score_run_create; "
            "from braintrial.studies.models import Study; "
            "s = scorer_create(name='tiny', model_source="
            f"'{model}', device='cpu'); score_run_create(scorer=s, study=Study.objects.get("
            f"slug='{SLUG}'))"
        )
        manage(url, "shell", "-c", create, env=env)
        worker_env = {**env, "SCORING_TEST_DELAY_S": "1", "HF_HUB_OFFLINE": "1"}
        first = worker_start(url, worker_env)
        scored = (
            "SELECT count(*) FROM scoring_itemscore s JOIN scoring_scorer r"
            " ON r.id = s.scorer_id WHERE r.name = 'tiny'"
        )
        wait_until(lambda: (sql_value(url, scored) or 0) >= 10, 300)
        first.send_signal(signal.SIGKILL)
        first.wait()
        at_kill = sql_value(url, scored)
        started = time.perf_counter()
        second = worker_start(url, worker_env)
        status = "SELECT status FROM scoring_scorerun ORDER BY id DESC LIMIT 1"
        wait_until(lambda: sql_value(url, status) == "succeeded", 300)
        finish_s = time.perf_counter() - started
        second.terminate()
        second.wait(timeout=30)
        total = sql_value(url, "SELECT n_total FROM scoring_scorerun ORDER BY id DESC LIMIT 1")
        final = sql_value(url, scored)
        twice = sql_value(
            url,
            "SELECT count(*) FROM (SELECT 1 FROM scoring_itemscore GROUP BY scorer_id, item_id "
            "HAVING count(*) > 1) d",
        )
        state = sql_value(url, status)
    print(
        f"worker-kill ({load_average()}): {total} items, {at_kill} scored when the worker was "
        f"killed; the new worker finished the run in {finish_s:.1f} s; status {state}, "
        f"{final} scores, {twice} items scored twice"
    )
    return state == "succeeded" and final == total and twice == 0


def worker_start(database_url: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT), **env}
    environment.pop("REDIS_URL", None)
    command = [sys.executable, "-m", "celery", "-A", "braintrial", "worker", "-Q", "scoring"]
    command += ["--pool", "solo", "--loglevel", "WARNING", "--without-gossip", "--without-mingle"]
    return subprocess.Popen(command, cwd=ROOT, env=environment)


def wait_until(condition: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout_s:.0f} s")
        time.sleep(0.25)


def web_kill() -> bool:
    """gunicorn workers SIGKILLed mid-request, five times, while participants answer."""
    with FaultPostgres() as pg, PrivateRedis() as redis:
        url = database_prepare(pg)
        with Gunicorn(code=ROOT, database_url=url, redis_url=redis.url(1), workers=WORKERS) as web:
            thread, reports = load_in_background(web)
            wait_for_answers(url, 100)
            killed = []
            for _ in range(5):
                killed.append(web.kill_worker())
                time.sleep(1.5)
            print(f"  killed gunicorn workers {killed}")
            thread.join()
            load = load_average()
        return participants_verdict(reports[0], url, f"web-kill ({load})")


FAULTS: dict[str, Callable[[], bool]] = {
    "postgres-restart": postgres_restart,
    "redis-stop": redis_stop,
    "worker-kill": worker_kill,
    "web-kill": web_kill,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("fault", choices=[*FAULTS, "all"])
    args = parser.parse_args()
    verdicts = {}
    for name in FAULTS if args.fault == "all" else [args.fault]:
        print(f"{name}:", flush=True)
        verdicts[name] = FAULTS[name]()
        print(f"{name}: {'PASS' if verdicts[name] else 'FAIL'}", flush=True)
    sys.exit(0 if all(verdicts.values()) else 1)


if __name__ == "__main__":
    main()
