"""Reads behind the researcher pages: study status at a glance, live page data, scoring runs.

Every function takes a study that already passed the researcher gatekeeper
(braintrial.studies.selectors); none of them checks access itself.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

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
from braintrial.dashboard import charts
from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import Study
from braintrial.studies.selectors import studies_for_researcher
from scoring.models import ACTIVE_RUN_STATUSES, ItemScore, Scorer, ScoreRun
from scoring.selectors import RunProgress, duration_words, score_runs_progress, scores_valid


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
    """Where the data version of the study's latest computed report (its own rules) is kept."""
    return f"dashboard:report-latest:{study_id}"


# Versions of what the page is served while the background task works, so that its poll
# differs from the data version and asks again until the report is whole.
WITHOUT_SCIENCE = "~fitting"  # the report without its model fits (the science entry)
COMPUTING = "~computing"  # no report yet


def study_report_cached(
    *, study: Study, rules: ExclusionRules | None = None, version: str | None = None
) -> tuple[str, StudyReport | None, bool]:
    """(version, report, updating) of ``study`` under ``rules`` (None: its own), from the report
    cache. No request waits for a report while a worker can compute it (tens of seconds at
    100,000 trials, most of it the model fits of the science entry): the background task
    (braintrial.dashboard.tasks) computes it, and meanwhile the request gets

    * under the study's own rules, the latest report at once, ``updating`` and with its own
      version; the report without its model fits (science None) while the task fits them;
    * where nothing is cached yet, None: the page says the figures are being computed.

    The task computes other rules' views without the model fits (the ability scale is fitted
    under the study's own rules only). Only where no queue takes the task does the request
    compute the report itself. ``version``: the study's data version where the caller has just
    read it.
    """
    from braintrial.dashboard.services import study_report_refresh, study_report_refresh_enqueue

    version = version or study_data_version(study=study)
    if rules == ExclusionRules.from_study(study):
        rules = None  # the study's own view, whether or not the page spelled its rules out
    served, report = (
        version,
        cache.get(report_cache_key(study_id=study.pk, rules=rules, version=version)),
    )
    if report is None and rules is None:
        latest = cache.get(report_latest_key(study_id=study.pk))
        if latest is not None:
            served = latest
            report = cache.get(report_cache_key(study_id=study.pk, rules=None, version=latest))
    whole = report is not None and (rules is not None or report["science"] is not None)
    if whole and served == version:
        return version, report, False
    if study_report_refresh_enqueue(study_id=study.pk, rules=rules):
        if report is None:
            return version + COMPUTING, None, True
        return served + ("" if whole else WITHOUT_SCIENCE), report, True
    # No queue to hand it to: compute it here after all.
    return version, study_report_refresh(study=study, rules=rules, version=version), False


def study_page_data(
    *,
    study: Study,
    rules: ExclusionRules | None = None,
    source: str = "human",
    since: str | None = None,
) -> dict[str, Any]:
    """The analysis report (cached per data version) and its figures for the study page.

    ``rules``: None means the study's own rules. ``source``: the items the charts show
    ("human", "gpt4" or "all"). The result is JSON-serialisable:
    {"version", "source", "report", "updating", "figures": {"summary": [...], "charts": [...]}};
    when ``since`` is the current version, only {"version", "unchanged": True} (a cheap poll).

    The report comes from ``study_report_cached`` (``updating`` with its own version while a
    newer one is computed, so the page's next poll asks again).
    """
    current = study_data_version(study=study)
    if since == current:
        return {"version": current, "unchanged": True}
    # Only the report is cached: the figures are cheap to build from it (bench/dashboard.py
    # times both), so switching the item set costs next to nothing and a new release never
    # serves stale figures.
    version, report, updating = study_report_cached(study=study, rules=rules, version=current)
    figures = (
        {"summary": [], "exclusions": [], "charts": [], "reproduction": None}
        if report is None
        else charts.figures_from_report(report=report, source=source)
    )
    return {
        "version": version,
        "source": source,
        "report": report,
        "updating": updating,
        "figures": figures,
    }


def score_runs_for_study(*, study: Study, limit: int = 5) -> list[dict[str, Any]]:
    """The runs that concern ``study``, active first, then the latest finished, as JSON-ready
    dicts: its own runs, and runs over the whole item bank (no study) that cover its bank.
    Other studies' runs never appear, even on the same bank: they are those studies' business.
    """
    covers_bank = Exists(
        ScoreRun.items.through.objects.filter(scorerun_id=OuterRef("pk"), item__bank=study.bank)
    )
    runs = (
        ScoreRun.objects.filter(Q(study=study) | (Q(study__isnull=True) & covers_bank))
        .select_related("scorer")
        .order_by("-created_at")
    )
    active = list(runs.filter(status__in=ACTIVE_RUN_STATUSES))
    recent = list(runs.exclude(status__in=ACTIVE_RUN_STATUSES)[:limit])
    progress = score_runs_progress(runs=active)
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
        words = "the only run in the scoring queue"
    else:
        words = f"run {progress.place} of {progress.queued} in the scoring queue (they take turns)"
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
        "n_done": run.n_done,
        "n_total": run.n_total,
        "percent": round(100 * run.n_done / run.n_total, 1) if run.n_total else 0.0,
        "tokens_per_second": run.tokens_per_second,
        "error": run.error[:300],
        "created_at": iso(run.created_at),
        "finished_at": iso(run.finished_at),
    }
