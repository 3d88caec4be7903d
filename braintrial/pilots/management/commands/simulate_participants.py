"""python manage.py simulate_participants: pilot a study with scripted participants.

The bots (braintrial.pilots.bots) walk the real HTTP flow, each with its own cookies, from
the landing page to the completion code. Without --base-url the command starts gunicorn on a
free localhost port for the run, so every answer goes through HTTP, the middleware and the
views of a real server. Afterwards it reports completions, failures, throughput and the
exposure balance of the study's items per source (read from the database).
"""

from __future__ import annotations

import logging
import secrets
import statistics
import time
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from braintrial.pilots.runs import BotResult
from braintrial.pilots.selectors import exposure_by_source
from braintrial.pilots.services import (
    MAX_CONCURRENCY,
    MAX_SERVER_WORKERS,
    bots_run,
    existing_server,
    local_server,
)
from braintrial.studies.models import Study


class Command(BaseCommand):
    help = (
        "Run N scripted participants through the real HTTP flow of a study (a pilot), then "
        "report completions, failures, requests per second and the exposure balance per source. "
        "Bots answer at once, so the server flags their trials as fast; their recruitment ids "
        "start with 'bot-'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--study", required=True, help="Slug of an open study.")
        parser.add_argument("--n", type=int, required=True, help="Number of participants (>= 1).")
        parser.add_argument(
            "--concurrency", type=int, default=10, help="Participants at the same time (1-100)."
        )
        parser.add_argument(
            "--base-url",
            help="URL of a running server (e.g. http://127.0.0.1:8000); default: serve the "
            "project with gunicorn on a free localhost port.",
        )
        parser.add_argument("--seed", type=int, help="Seed of the bots' answers (reproducible).")
        parser.add_argument(
            "--timeout", type=float, default=60.0, help="Seconds to wait for one response."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        n, concurrency = options["n"], options["concurrency"]
        if n < 1:
            raise CommandError("--n must be at least 1.")
        if not 1 <= concurrency <= MAX_CONCURRENCY:
            raise CommandError(f"--concurrency must be between 1 and {MAX_CONCURRENCY}.")
        if options["timeout"] <= 0:
            raise CommandError("--timeout must be a positive number of seconds.")
        study = Study.objects.filter(slug=options["study"]).first()
        if study is None:
            raise CommandError(f"No study with slug '{options['study']}'.")
        if not study.is_open:
            raise CommandError(
                f"Study '{study.slug}' is closed and accepts no new participants; open it in "
                "the admin to pilot it."
            )
        base_url = options["base_url"]
        if base_url is not None:
            parts = urlsplit(base_url)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                raise CommandError(f"--base-url must be an http(s) URL, not '{base_url}'.")
        seed = options["seed"] if options["seed"] is not None else secrets.randbits(32)
        # httpx logs every request at INFO: thousands of lines that would bury the report.
        logging.getLogger("httpx").setLevel(logging.WARNING)

        workers = min(concurrency, MAX_SERVER_WORKERS)
        server = local_server(workers=workers) if base_url is None else existing_server(base_url)
        try:
            with server as url:
                where = (
                    f"local gunicorn, {workers} threads" if base_url is None else "running server"
                )
                self.stdout.write(
                    f"Simulating {n} participants on study '{study.slug}' at {url} ({where}), "
                    f"concurrency {concurrency}, seed {seed}"
                )
                started = time.perf_counter()
                results = bots_run(
                    base_url=url,
                    study=study,
                    n=n,
                    concurrency=concurrency,
                    seed=seed,
                    timeout_s=options["timeout"],
                )
                wall_s = time.perf_counter() - started
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        failed = self._report(results, wall_s, study)
        if failed:
            raise CommandError(f"{failed} of {n} simulated participants did not complete.")

    def _report(self, results: list[BotResult], wall_s: float, study: Study) -> int:
        completed = [r for r in results if r.completed]
        failures = Counter(r.error for r in results if not r.completed)
        latencies = sorted(s for r in results for s in r.latencies_s)
        n_requests = len(latencies)
        out = self.stdout.write
        out(f"Completed: {len(completed)} of {len(results)}")
        codes = Counter(
            r.completion_code or (f"(sent to {r.redirected_to})" if r.redirected_to else "(none)")
            for r in completed
        )
        if codes:
            out("Completion: " + ", ".join(f"{c} x{k}" for c, k in codes.most_common(3)))
        out(f"Failed: {sum(failures.values())}")
        for reason, k in failures.most_common(10):
            out(f"  {k} x {reason}")
        if completed:
            answered = statistics.mean(r.trials_answered for r in completed)
            out(f"Main trials answered per completed participant: {answered:g}")
        out(f"Wall time: {wall_s:.1f} s")
        if latencies:
            p50 = latencies[len(latencies) // 2] * 1000
            p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] * 1000
            out(
                f"Requests: {n_requests}, {n_requests / wall_s:.1f} requests/s, latency "
                f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
            )
        out(f"Exposure of the test items of study '{study.slug}' (bank '{study.bank}'):")
        balanced = True
        for source, (n_items, low, high) in exposure_by_source(study=study).items():
            balanced &= high - low <= 1
            out(f"  {source}: {n_items} items, min {low}, max {high}, spread {high - low}")
        out(f"Balanced (spread <= 1 in every source): {'yes' if balanced else 'NO'}")
        return sum(failures.values())
