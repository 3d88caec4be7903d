"""The load-mix runner shared by the load, scale and fault benchmarks: scripted participants
(braintrial.pilots.bots) walk a study through real HTTP, with a mix of reloads, double sends and
back-button re-posts, driven by Locust (locust_mix.py, in a process of its own); then the
database is checked against what the server said.

    report = mix_run(base_url=web.url, slug="load", n=200, concurrency=200, mix=LOAD_MIX)
    check = answers_check(database_url=url, slug="load", results=report.results)
    report_print(report); check_print(check)

The check is the project's own: every answer the server acknowledged is stored once, with the
values sent; exposure stays balanced. It reads the tables with plain SQL, so it also judges a
server running older code.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

# braintrial before this folder: bench/scoring.py must not stand in for the scoring app.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from braintrial.pilots.runs import BotResult, Mix, Request

LOCUST_MIX = Path(__file__).resolve().parent / "locust_mix.py"

# Issue 11's crowd: 10% of answers sent twice at once, 5% reloads and back-button re-posts.
LOAD_MIX = Mix(reload=0.05, double_send=0.10, back_repost=0.05)


@dataclass
class MixReport:
    results: list[BotResult]
    wall_s: float
    client_cpu_s: float
    # label -> sorted latencies in seconds, and label -> number of 5xx answers.
    latencies: dict[str, list[float]] = field(default_factory=dict)
    server_errors: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)  # label -> 4xx answers
    retries: int = 0  # requests patient participants sent again (fault_support.PatientBot)

    @property
    def n_requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def n_answers(self) -> int:
        return sum(len(r.acknowledged) for r in self.results)

    def overall(self) -> list[float]:
        return sorted(s for values in self.latencies.values() for s in values)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted ``values`` (q in 0..100)."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))]


def mix_run(
    *,
    base_url: str,
    slug: str,
    n: int,
    concurrency: int,
    mix: Mix,
    seed: int = 1,
    timeout_s: float = 60.0,
    prolific: bool = False,
    bots: str = "plain",
) -> MixReport:
    """Run ``n`` participants, ``concurrency`` at a time, through the study ``slug``, as Locust
    users; ``bots="patient"`` makes them fault_support.PatientBot."""
    with tempfile.TemporaryDirectory(prefix="bt_locust_") as folder:
        out = Path(folder) / "run.json"
        command = [sys.executable, str(LOCUST_MIX), "--base-url", base_url, "--slug", slug]
        command += ["--n", str(n), "--concurrency", str(concurrency), "--seed", str(seed)]
        command += ["--reload", str(mix.reload), "--double-send", str(mix.double_send)]
        command += ["--back-repost", str(mix.back_repost), "--timeout", str(timeout_s)]
        command += ["--bots", bots, "--out", str(out), *(["--prolific"] if prolific else [])]
        subprocess.run(command, check=True)
        raw = json.loads(out.read_text())
    results = [_result(r) for r in raw["results"]]
    report = MixReport(results, raw["wall_s"], raw["client_cpu_s"], retries=raw["retries"])
    latencies: dict[str, list[float]] = defaultdict(list)
    for result in results:
        for request in result.requests:
            latencies[request.label].append(request.seconds)
            if 400 <= request.status < 500:
                report.refused[request.label] = report.refused.get(request.label, 0) + 1
            if request.status >= 500:
                report.server_errors[request.label] = report.server_errors.get(request.label, 0) + 1
    report.latencies = {label: sorted(values) for label, values in sorted(latencies.items())}
    if raw["locust_requests"] != report.n_requests:
        # Locust counts a request that got no answer too; the bots record only answers.
        print(
            f"  Locust counted {raw['locust_requests']} requests, the bots recorded "
            f"{report.n_requests} answers"
        )
    return report


def _result(raw: dict[str, Any]) -> BotResult:
    """A bot's result as locust_mix.py wrote it (dataclasses.asdict), read back."""
    return BotResult(
        **{
            **raw,
            "requests": [Request(**r) for r in raw["requests"]],
            "acknowledged": [(position, data) for position, data in raw["acknowledged"]],
        }
    )


def report_print(report: MixReport, *, title: str = "") -> None:
    out = print
    completed = sum(r.completed for r in report.results)
    overall = report.overall()
    if title:
        out(title)
    out(
        f"  participants {completed}/{len(report.results)} completed, {report.n_requests} requests "
        f"in {report.wall_s:.1f} s: {report.n_requests / report.wall_s:.1f} requests/s, "
        f"{report.n_answers / report.wall_s:.1f} acknowledged answers/s"
    )
    out(
        f"  latency p50 {percentile(overall, 50) * 1000:.0f} ms, p95 "
        f"{percentile(overall, 95) * 1000:.0f} ms, p99 {percentile(overall, 99) * 1000:.0f} ms; "
        f"5xx {sum(report.server_errors.values())}; load client used "
        f"{report.client_cpu_s / report.wall_s:.0%} of a core"
    )
    out(f"  {'step':<28}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'4xx':>6}{'5xx':>6}")
    for label, values in report.latencies.items():
        p50, p95, p99 = (percentile(values, q) * 1000 for q in (50, 95, 99))
        errors = report.server_errors.get(label, 0)
        refused = report.refused.get(label, 0)
        out(
            f"  {label:<28}{len(values):>7}{p50:>9.0f}{p95:>9.0f}{p99:>9.0f}{refused:>6}{errors:>6}"
        )
    failures: dict[str, int] = defaultdict(int)
    for result in report.results:
        if result.error:
            failures[result.error[:160]] += 1
    for reason, k in sorted(failures.items(), key=lambda kv: -kv[1])[:5]:
        out(f"  failed x{k}: {reason}")


@dataclass
class AnswersCheck:
    acknowledged: int
    lost: int  # acknowledged, but no answer stored at that trial
    wrong: int  # stored with other values than the acknowledged ones
    duplicated: int  # more than one trial row for a (participant, position) or (participant, item)
    spread: dict[str, int]  # item source -> highest minus lowest exposure
    counters_match: bool | None  # stored exposure counters equal the trials; None: no counters

    @property
    def passed(self) -> bool:
        balanced = all(s <= 1 for s in self.spread.values())
        return (
            not (self.lost or self.wrong or self.duplicated)
            and balanced
            and self.counters_match is not False
        )


EXPOSURE_FROM_TRIALS = """
    SELECT i.id, i.source, count(t.id) FROM items_item i
    LEFT JOIN (participants_trial t JOIN participants_participant p
               ON p.id = t.participant_id AND p.study_id = %(study)s AND p.released_at IS NULL)
           ON t.item_id = i.id
    WHERE i.bank = %(bank)s AND i.kind = 'test' GROUP BY i.id, i.source
"""


STORED_ANSWERS = """
    SELECT p.recruitment_id, t.position, t.choice, t.confidence, t.expertise, t.recognised
    FROM participants_trial t JOIN participants_participant p ON p.id = t.participant_id
    WHERE p.study_id = %s AND p.recruitment_id = ANY(%s) AND t.correct IS NOT NULL
"""


DUPLICATED = """
    SELECT (SELECT count(*) FROM (SELECT 1 FROM participants_trial
                                  GROUP BY participant_id, position HAVING count(*) > 1) a)
         + (SELECT count(*) FROM (SELECT 1 FROM participants_trial
                                  GROUP BY participant_id, item_id HAVING count(*) > 1) b)
"""


def _one(conn: psycopg.Connection, sql: str, params: list[object]) -> tuple[Any, ...]:
    row = conn.execute(sql, params).fetchone()
    if row is None:
        raise LookupError(f"no row for {sql.split()[:6]} {params}")
    return row


def answers_check(*, database_url: str, slug: str, results: list[BotResult]) -> AnswersCheck:
    """Every acknowledged answer stored exactly once with its values, and exposure balance."""
    with psycopg.connect(database_url) as conn:
        study, bank = _one(conn, "SELECT id, bank FROM studies_study WHERE slug = %s", [slug])
        pids = [r.pid for r in results]
        stored = {
            (pid, position): (choice, confidence, expertise, recognised)
            for pid, position, choice, confidence, expertise, recognised in conn.execute(
                STORED_ANSWERS,
                [study, pids],
            )
        }
        (duplicated,) = _one(conn, DUPLICATED, [])
        exposure = conn.execute(EXPOSURE_FROM_TRIALS, {"study": study, "bank": bank}).fetchall()
        (has_counters,) = _one(conn, "SELECT to_regclass('participants_exposurecounter')", [])
        counters: dict[int, int] | None = (
            dict(
                conn.execute(
                    "SELECT item_id, n FROM participants_exposurecounter WHERE study_id = %s",
                    [study],
                )
            )
            if has_counters
            else None
        )
    lost = wrong = acknowledged = 0
    for result in results:
        for position, data in result.acknowledged:
            acknowledged += 1
            values = stored.get((result.pid, position))
            expected = (
                data["choice"],
                int(data["confidence"]),
                int(data["expertise"]),
                data["recognised"] == "yes",
            )
            lost += values is None
            wrong += values is not None and values != expected
    by_source: dict[str, list[int]] = defaultdict(list)
    for _, source, n in exposure:
        by_source[source].append(n)
    spread = {source: max(ns) - min(ns) for source, ns in sorted(by_source.items())}
    match = None if counters is None else all(counters.get(pk, 0) == n for pk, _, n in exposure)
    return AnswersCheck(acknowledged, lost, wrong, duplicated, spread, match)


def check_print(check: AnswersCheck) -> None:
    counters = {None: "no counters in this schema", True: "yes", False: "NO"}[check.counters_match]
    print(
        f"  check: {check.acknowledged} acknowledged answers, {check.lost} lost, {check.wrong} "
        f"stored with other values, {check.duplicated} duplicated; exposure spread "
        + ", ".join(f"{s} {v}" for s, v in check.spread.items())
        + f"; counters match trials: {counters}; {'PASS' if check.passed else 'FAIL'}"
    )
