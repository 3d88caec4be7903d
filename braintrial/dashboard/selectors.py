"""Reads behind the researcher pages: study status at a glance, live page data, scoring runs.

Every function takes a study that already passed the researcher gatekeeper
(braintrial.studies.selectors); none of them checks access itself. They only read: the report
cache is written by braintrial.dashboard.services alone.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, TypedDict

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import dateformat, timezone

from braintrial.analysis.rules import (
    PARTICIPANT_FLAGS,
    TRIAL_FLAGS,
    ExclusionRules,
    participant_excluded_q,
)
from braintrial.analysis.types import StudyReport
from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import Study
from braintrial.studies.selectors import studies_for_researcher
from scoring.models import ACTIVE_RUN_STATUSES, ItemScore, Scorer, ScoreRun
from scoring.selectors import (
    RunProgress,
    duration_words,
    score_runs_counted_in,
    score_runs_progress,
    scores_valid,
)


def study_overview_list(*, user: AbstractBaseUser | AnonymousUser) -> list[dict[str, Any]]:
    """One row per study the user may read: status, participation, answers and scorers.

    Four grouped queries whatever the number of studies.
    """
    studies = list(studies_for_researcher(user=user).order_by("-created_at"))
    ids = [study.pk for study in studies]
    # Withdrawn participants are tombstones: counted in the funnel only, not as started.
    started = ~Q(
        status__in=[
            Participant.Status.CONSENT,
            Participant.Status.DECLINED,
            Participant.Status.WITHDRAWN,
        ]
    )
    people: dict[int, dict[str, Any]] = {
        row["study_id"]: dict(row)
        for row in Participant.objects.filter(study_id__in=ids)
        .values("study_id")
        .annotate(
            started=Count("id", filter=started),
            completed=Count("id", filter=Q(status=Participant.Status.COMPLETED)),
            excluded=Count("id", filter=participant_excluded_q()),
            # A browser that started again and again (say after withdrawing) is one suspected
            # repeat taker, not one per start; a start without a browser mark counts alone.
            repeat_browsers=Count(
                "browser_mark_hash",
                distinct=True,
                filter=Q(repeat_suspected=True) & ~Q(browser_mark_hash=""),
            ),
            repeats_unmarked=Count("id", filter=Q(repeat_suspected=True, browser_mark_hash="")),
        )
    }
    answers: dict[int, dict[str, Any]] = {
        row["participant__study_id"]: dict(row)
        for row in Trial.objects.filter(
            participant__study_id__in=ids, correct__isnull=False, kind=Item.Kind.TEST
        )
        .values("participant__study_id")
        .annotate(n=Count("id"), last=Max("answered_at"))
    }
    scorers_by_bank = {
        row["item__bank"]: row["n"]
        for row in scores_valid()
        .filter(item__kind=Item.Kind.TEST)
        .values("item__bank")
        .annotate(n=Count("scorer_id", distinct=True))
    }
    active_runs = {
        row["study_id"]: row["n"]
        for row in ScoreRun.objects.filter(study_id__in=ids, status__in=ACTIVE_RUN_STATUSES)
        .values("study_id")
        .annotate(n=Count("id"))
    }
    rows = []
    for study in studies:
        p = people.get(study.pk, {})
        a = answers.get(study.pk, {})
        rows.append(
            {
                "study": study,
                "started": p.get("started", 0),
                "completed": p.get("completed", 0),
                "excluded": p.get("excluded", 0),
                "repeats": p.get("repeat_browsers", 0) + p.get("repeats_unmarked", 0),
                "n_trials": a.get("n", 0),
                "last_answer_at": a.get("last"),
                "n_scorers": scorers_by_bank.get(study.bank, 0),
                "n_active_runs": active_runs.get(study.pk, 0),
            }
        )
    return rows


def study_data_version(*, study: Study) -> str:
    """A cheap fingerprint of everything the page data depends on.

    New or changed answers, participants moving on (steps, completion, flags, abandonment), new
    model scores, runs ending, changed scorers and edited study settings each change it; five
    aggregate queries.
    """
    trials = Trial.objects.filter(participant__study=study).aggregate(
        n=Count("id"),
        last=Max("answered_at"),
        **{flag: Count("id", filter=Q(**{flag: True})) for flag in TRIAL_FLAGS},
    )
    people = Participant.objects.filter(study=study).aggregate(
        n=Count("id"),
        changed=Max("updated_at"),
        # Every flag the exclusion rules read, as they declare them.
        **{flag: Count("id", filter=Q(**{flag: True})) for flag in PARTICIPANT_FLAGS},
    )
    scores = ItemScore.objects.filter(item__bank=study.bank).aggregate(
        n=Count("id"), last=Max("id")
    )
    # Which scores count (score_valid_q) also moves when a run ends after its last score was
    # written, or a scorer changes. Only runs that can cover this bank's items matter: those of
    # studies on the bank and those over the whole bank (no study), so a run of another bank
    # starting or ending leaves this study's cached report alone. Scorers are few.
    runs = ScoreRun.objects.filter(Q(study__bank=study.bank) | Q(study__isnull=True)).aggregate(
        finished=Max("finished_at"),
        **{status: Count("id", filter=Q(status=status)) for status in ScoreRun.Status.values},
    )
    scorers = Scorer.objects.aggregate(n=Count("id"), changed=Max("updated_at"))
    parts = [study.pk, study.updated_at, trials, people, scores, runs, scorers]
    return hashlib.sha1(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()[:16]


def _rules_key(rules: ExclusionRules | None) -> str:
    return "study" if rules is None else json.dumps(rules.as_dict(), sort_keys=True)


def report_cache_key(*, study_id: int, rules: ExclusionRules | None, version: str) -> str:
    """Where the report of one study, view (rules) and data version is cached."""
    blob = f"{study_id}|{_rules_key(rules)}|{version}"
    return "dashboard:report:" + hashlib.sha1(blob.encode()).hexdigest()


def report_latest_key(*, study_id: int) -> str:
    """Where the study's latest computed report (its own rules) is named: a ``LatestReport``."""
    return f"dashboard:report-latest:{study_id}"


class LatestReport(TypedDict):
    """What the study's latest report was computed from (the cache's pointer to it)."""

    version: str  # its data version (study_data_version)
    withdrawn: int  # participants withdrawn when it was computed
    computed_at: float  # when (Unix time): the next recompute waits a minute after it


def study_withdrawn_count(*, study: Study) -> int:
    """How many of the study's participants have withdrawn (a withdrawal erases their answers,
    so no report computed before it may be served again)."""
    return Participant.objects.filter(study=study, status=Participant.Status.WITHDRAWN).count()


def study_report_latest(*, study_id: int) -> LatestReport | None:
    """What the study's latest report (its own rules) was computed from; None where none is
    cached."""
    latest: LatestReport | None = cache.get(report_latest_key(study_id=study_id))
    return latest


def study_report_read(
    *, study_id: int, rules: ExclusionRules | None, version: str
) -> StudyReport | None:
    """The cached report of ``study_id`` under ``rules`` (None: its own) for data ``version``."""
    report: StudyReport | None = cache.get(
        report_cache_key(study_id=study_id, rules=rules, version=version)
    )
    return report


def score_runs_for_study(*, study: Study, limit: int = 5) -> list[dict[str, Any]]:
    """The runs that concern ``study``, active first, then the latest finished, as JSON-ready
    dicts: its own runs, and runs over the whole item bank (no study) that cover its bank.
    Other studies' runs never appear, even on the same bank: they are those studies' business.
    """
    covers_bank = Exists(
        ScoreRun.items.through.objects.filter(scorerun_id=OuterRef("pk"), item__bank=study.bank)
    )
    concerned = ScoreRun.objects.filter(Q(study=study) | (Q(study__isnull=True) & covers_bank))
    # A whole-bank run counts only this study's bank's items; the queue place is among these
    # runs: nothing of other teams' banks or runs shows.
    runs = score_runs_counted_in(
        concerned.select_related("scorer").order_by("-created_at"), banks=[study.bank]
    )
    active = list(runs.filter(status__in=ACTIVE_RUN_STATUSES))
    recent = list(runs.exclude(status__in=ACTIVE_RUN_STATUSES)[:limit])
    progress = score_runs_progress(runs=active, among=concerned)
    return [_run_dict(run, progress.get(run.pk)) for run in [*active, *recent]]


# Before a run's first chunk, its time left is estimated from other runs' pace.
PACE_WORDS = {
    "": "",
    "model": " (estimated from this model's earlier runs)",
    "others": " (estimated from other models' runs)",
}


def _queue_words(run: ScoreRun, progress: RunProgress | None) -> str:
    """The queue line under an active run: its place, and the time left when known."""
    if progress is None:
        return ""
    if progress.queued == 1:
        words = "the only run of this study in the scoring queue"
    else:
        words = (
            f"run {progress.place} of this study's {progress.queued} in the scoring queue "
            "(they take turns)"
        )
    if run.status == ScoreRun.Status.QUEUED:
        words += "; starts after the chunk being scored"
    if progress.seconds_left is not None:
        words += f"; {duration_words(progress.seconds_left)} left"
        words += PACE_WORDS[progress.pace_from]
    elif run.status != ScoreRun.Status.QUEUED:
        words += "; time left known after its first chunk"
    return words


def _local_words(value: datetime | None) -> str:
    """'5 Dec 14:02 CET': in the zone the request activated (braintrial.timezones)."""
    return dateformat.format(timezone.localtime(value), "j M H:i T") if value else ""


def _run_dict(run: ScoreRun, progress: RunProgress | None = None) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    finished = _local_words(run.finished_at)
    n_total = getattr(run, "n_total_shown", run.n_total)  # score_runs_counted_in
    n_done = getattr(run, "n_done_shown", run.n_done)
    return {
        "when": f"finished {finished}" if finished else f"queued {_local_words(run.created_at)}",
        "queue_place": progress.place if progress else None,
        "queue_size": progress.queued if progress else None,
        "seconds_left": round(progress.seconds_left)
        if progress and progress.seconds_left
        else None,
        "queue": _queue_words(run, progress),
        "id": run.pk,
        "scorer": str(run.scorer),
        "status": run.status,
        "status_label": run.get_status_display(),
        "active": run.is_active,
        "n_done": n_done,
        "n_total": n_total,
        "percent": round(100 * n_done / n_total, 1) if n_total else 0.0,
        "tokens_per_second": run.tokens_per_second,
        "error": run.error[:300],
        "created_at": iso(run.created_at),
        "finished_at": iso(run.finished_at),
    }
