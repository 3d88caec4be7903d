"""Benchmark: a study with 100,000 completed participants starts as fast as one with 200.

For each study size it builds (once) a template database with that many completed participants
(12 trials each: practice, 9 test items, 2 catch trials, exposures balanced), then per run clones
it, serves it with gunicorn, warms every worker with a few participants and measures, against
127.0.0.1 only (the load client is Locust running braintrial.pilots' bots, bench/locust_mix.py,
the same for both checkouts):

* start latency: 20 participants one after the other; the POST of the consent step (where items
  are assigned) -- median and p95;
* the full-flow mix: 200 participants, 40 at a time, landing to debrief with 5% reloads, 10%
  double sends and 5% back-button re-posts; requests/s, p50/p95/p99, 5xx, then the check that
  every acknowledged answer is stored once with its values and that exposure stays balanced.

``--compare DIR`` runs another checkout (the code before a change) with the same script,
interleaved (compared, this, compared, this), and prints the figures side by side with the load
average, so that contention on the machine shows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
      .venv/bin/python bench/scale.py --compare ../before --sizes 200,100000

The databases live on the server of DATABASE_URL: <prefix>_<size>_<this|compared> (templates,
kept for the next run; drop them to rebuild) and <template>_run (each run's copy, dropped after);
the prefix is BENCH_DATABASE_PREFIX or --prefix, by default braintrial_scale.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg
from harness import ROOT, Gunicorn, cpu_seconds, load_average, study_script
from loadmix import (
    LOAD_MIX,
    answers_check,
    check_print,
    mix_run,
    percentile,
    report_print,
)

from braintrial.pilots.runs import Mix

SLUG = "bench-scale"
FILL = Path(__file__).resolve().parent / "scale_fill.sql"
MAKE_STUDY = study_script(slug=SLUG, n_human=200, n_gpt4=100, n_shared=100, repeats=9)


def _admin(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


def _database_url(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def _manage(code: Path, database_url: str, *args: str, quiet: bool = False) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(code)}
    output = subprocess.DEVNULL if quiet else None
    command = [sys.executable, "manage.py", *args]
    subprocess.run(command, cwd=code, env=env, check=True, stdout=output)


def template_build(*, code: Path, url: str, name: str, size: int) -> None:
    """A database with ``size`` completed participants, migrated by ``code``; reused if built."""
    with _admin(url) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        conn.execute(f'CREATE DATABASE "{name}"')
    target = _database_url(url, name)
    try:
        _manage(code, target, "migrate", "-v", "0")
        _manage(code, target, "shell", "-c", MAKE_STUDY, quiet=True)
        with psycopg.connect(target) as conn:
            conn.execute(FILL.read_text().replace("%(size)s", str(int(size))))
        with psycopg.connect(target, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")  # the planner needs to know the tables' new sizes
        if (code / "braintrial/participants/management/commands/exposure_rebuild.py").exists():
            # The counters of the participants filled in above, from their trials.
            _manage(code, target, "exposure_rebuild", "--study", SLUG, quiet=True)
            _manage(code, target, "exposure_rebuild", "--study", SLUG, "--check")
    except BaseException:
        with _admin(url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        raise


@dataclass
class RunFigures:
    start_median_ms: float
    start_p95_ms: float
    requests_per_s: float
    answers_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors_5xx: int
    passed: bool
    load: str
    # CPU ms per request of the full-flow mix: load client, gunicorn (master and workers),
    # every Postgres process of the machine; nan where /proc cannot be read.
    cpu_ms: tuple[float, float, float]


def run_once(*, code: Path, url: str, template: str, args: argparse.Namespace) -> RunFigures:
    scratch = template + "_run"
    with _admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        conn.execute(f'CREATE DATABASE "{scratch}" TEMPLATE "{template}"')
    database_url = _database_url(url, scratch)
    try:
        # A template built by an older checkout gets the migrations added since.
        _manage(code, database_url, "migrate", "-v", "0")
        with Gunicorn(code=code, database_url=database_url, workers=args.workers) as web:
            # Each worker's first request loads the code and templates (about a second): a few
            # participants first, so that no measured request pays for it.
            mix_run(
                base_url=web.url, slug=SLUG, n=2 * args.workers, concurrency=args.workers, mix=Mix()
            )
            starts = mix_run(base_url=web.url, slug=SLUG, n=20, concurrency=1, mix=Mix())
            consent = starts.latencies.get("POST consent", [])
            web_pids = [web.process.pid, *web.worker_pids()] if web.process else []
            cpu_before = cpu_seconds(pids=web_pids), cpu_seconds(name="postgres")
            report = mix_run(
                base_url=web.url,
                slug=SLUG,
                n=args.participants,
                concurrency=args.concurrency,
                mix=LOAD_MIX,
            )
            cpu_after = cpu_seconds(pids=web_pids), cpu_seconds(name="postgres")
            load = load_average()
        cpu_ms = _per_request(report.client_cpu_s, cpu_before, cpu_after, report.n_requests)
        print(
            f"  start: {len(consent)} participants one after the other, consent POST median "
            f"{statistics.median(consent) * 1000:.1f} ms"
        )
        report_print(report, title=f"  {code} ({load})")
        client, web_ms, db = cpu_ms
        print(f"  CPU per request: load client {client:.2f} ms, gunicorn {web_ms:.2f} ms, ", end="")
        print(f"Postgres {db:.2f} ms")
        check = answers_check(database_url=database_url, slug=SLUG, results=report.results)
        check_print(check)
    finally:
        with _admin(url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
    overall = report.overall()
    return RunFigures(
        statistics.median(consent) * 1000,
        percentile(sorted(consent), 95) * 1000,
        report.n_requests / report.wall_s,
        report.n_answers / report.wall_s,
        percentile(overall, 50) * 1000,
        percentile(overall, 95) * 1000,
        percentile(overall, 99) * 1000,
        sum(report.server_errors.values()),
        check.passed,
        load,
        cpu_ms,
    )


def _per_request(
    client_s: float,
    before: tuple[float | None, float | None],
    after: tuple[float | None, float | None],
    n: int,
) -> tuple[float, float, float]:
    def ms(a: float | None, b: float | None) -> float:
        return float("nan") if a is None or b is None or not n else (b - a) / n * 1000

    return client_s / max(n, 1) * 1000, ms(before[0], after[0]), ms(before[1], after[1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="200,100000", help="completed participants per study")
    parser.add_argument("--compare", type=Path, help="another checkout, run interleaved")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=40)
    # One per core plus one: what docs/scaling.md advises for this code (best on 2 cores).
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument(
        "--prefix", default=os.environ.get("BENCH_DATABASE_PREFIX", "braintrial_scale")
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    codes = (
        {"this": ROOT}
        if args.compare is None
        else {"compared": args.compare.resolve(), "this": ROOT}
    )
    figures: dict[tuple[int, str], list[RunFigures]] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        for label, code in codes.items():
            template_build(code=code, url=url, name=f"{args.prefix}_{size}_{label}", size=size)
        for round_ in range(args.rounds):
            for label, code in codes.items():
                print(f"size {size:,}, round {round_ + 1}, {label}:", flush=True)
                template = f"{args.prefix}_{size}_{label}"
                figures.setdefault((size, label), []).append(
                    run_once(code=code, url=url, template=template, args=args)
                )
    summary_print(figures, args)


def summary_print(
    figures: dict[tuple[int, str], list[RunFigures]], args: argparse.Namespace
) -> None:
    print(
        f"\nSummary: gunicorn {args.workers} sync workers; {args.participants} participants, "
        f"{args.concurrency} at a time; medians over {args.rounds} rounds"
    )
    header = f"{'participants':>12} {'code':<9}{'start ms':>9}{'p95':>6}{'req/s':>8}{'ans/s':>7}"
    header += f"{'p50':>6}{'p95':>6}{'p99':>6}{'5xx':>5}  check  CPU ms/request client/web/db"
    print(header + "  load average at each run")
    for (size, label), runs in figures.items():

        def med(name: str, runs: list[RunFigures] = runs) -> float:
            return statistics.median(getattr(r, name) for r in runs)

        print(
            f"{size:>12,} {label:<9}{med('start_median_ms'):>9.1f}{med('start_p95_ms'):>6.0f}"
            f"{med('requests_per_s'):>8.1f}{med('answers_per_s'):>7.1f}{med('p50_ms'):>6.0f}"
            f"{med('p95_ms'):>6.0f}{med('p99_ms'):>6.0f}{sum(r.errors_5xx for r in runs):>5}  "
            f"{'pass' if all(r.passed for r in runs) else 'FAIL':<5}  "
            + "/".join(f"{statistics.median(r.cpu_ms[i] for r in runs):.2f}" for i in range(3))
            + "  "
            + " | ".join(r.load.split(" (")[0].removeprefix("load average ") for r in runs)
        )


if __name__ == "__main__":
    main()
