"""Load check: 200 participants at once through the full flow, against gunicorn, Postgres and
Redis on loopback, then a check of what was stored. Exits 1 unless everything holds.

Each participant walks landing, consent, demographics, instructions, practice, 11 trials and the
debrief through real HTTP; 10% of answers are sent twice at the same moment, 5% of pages are
reloaded and 5% are posted again after leaving them (the back button). Passes when every
participant completes, no request gets a 5xx, every answer the server acknowledged is stored
exactly once with its values, exposure stays within 1 per item source, and the exposure
counters equal the trials.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/load.py
    .venv/bin/python bench/load.py --private   # own Postgres cluster and Redis, thrown away after

By default it uses the Postgres server of DATABASE_URL (a database of its own, BENCH_DATABASE_PREFIX
+ "_load", rebuilt for every run) and starts a private redis-server for the web tier.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator

import psycopg
from harness import ROOT, Gunicorn, PrivatePostgres, PrivateRedis, load_average
from loadmix import LOAD_MIX, answers_check, check_print, mix_run, report_print
from scale import SLUG, template_build


@contextlib.contextmanager
def databases(*, private: bool, prefix: str) -> Iterator[tuple[str, str]]:
    """(admin URL of the Postgres server, name of a fresh database with an open study)."""
    with contextlib.ExitStack() as stack:
        if private:
            url = stack.enter_context(PrivatePostgres()).url()
        else:
            url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        name = f"{prefix}_load"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        template_build(code=ROOT, url=url, name=name, size=0)
        yield url, name


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--private", action="store_true", help="private Postgres cluster")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--prefix", default=os.environ.get("BENCH_DATABASE_PREFIX", "braintrial"))
    args = parser.parse_args()
    with (
        databases(private=args.private, prefix=args.prefix) as (url, name),
        PrivateRedis() as redis,
    ):
        database_url = url.rsplit("/", 1)[0] + "/" + name
        with Gunicorn(
            code=ROOT, database_url=database_url, redis_url=redis.url(0), workers=args.workers
        ) as web:
            report = mix_run(
                base_url=web.url,
                slug=SLUG,
                n=args.participants,
                concurrency=args.concurrency,
                mix=LOAD_MIX,
                seed=args.seed,
            )
        report_print(report, title=f"Load: gunicorn {args.workers} workers, {load_average()}")
        check = answers_check(database_url=database_url, slug=SLUG, results=report.results)
        check_print(check)
    completed = all(r.completed for r in report.results)
    passed = check.passed and completed and not report.server_errors
    print(f"RESULT: {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
