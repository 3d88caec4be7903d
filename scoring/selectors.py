"""Reads of scorers, runs and scores.

The one owner of which scores count (``score_valid_q``): the exports, the API, the analysis
and the dashboard all read scores through it, so they can never disagree.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from braintrial.participants.selectors import items_for_studies
from braintrial.studies.banks import banks_for_user
from braintrial.studies.models import Study
from braintrial.studies.selectors import studies_for_researcher
from scoring.config import CONFIG_FIELDS
from scoring.models import ACTIVE_RUN_STATUSES, ItemScore, ModelSubmission, Scorer, ScoreRun


def score_valid_q() -> Q:
    """ItemScore rows that count as results.

    Every score of a published scorer counts (imported from the paper, never run here). A
    runnable scorer's score counts only when

    - it was computed with the scorer's current configuration (its ``config_fingerprint``), and
    - a succeeded run of that scorer, started with that same configuration, covers its item.

    So scores written by a run that then failed or was cancelled stay out until a succeeded run
    covers their items, and a score of an earlier configuration never counts. The run's own
    fingerprint must match too: a run certifies only the configuration it was started with (its
    chunks fail it if the scorer changes underneath), so a run of another configuration says
    nothing about whether this configuration's result is complete.
    """
    current = Q(pk__in=[])
    for scorer in Scorer.objects.filter(is_published=False).only("pk", *CONFIG_FIELDS):
        current |= Q(scorer_id=scorer.pk, config_fingerprint=scorer.config_fingerprint)
    covered = ScoreRun.items.through.objects.filter(
        scorerun__scorer_id=OuterRef("scorer_id"),
        scorerun__status=ScoreRun.Status.SUCCEEDED,
        scorerun__config_fingerprint=OuterRef("config_fingerprint"),
        item_id=OuterRef("item_id"),
    )
    # Q | Q is typed as Combinable in django-stubs; with Q operands it is a Q.
    return cast(Q, Q(scorer__is_published=True) | (current & Exists(covered)))


def scores_valid() -> QuerySet[ItemScore]:
    """The scores that count (see score_valid_q), every scorer and item."""
    return ItemScore.objects.filter(score_valid_q())


def scores_in_progress() -> QuerySet[ItemScore]:
    """Scores an active (queued or running) run is writing: of its scorer's current
    configuration, with a run of that configuration still active. They are not results (no
    succeeded run covers them yet: score_valid_q) but say how far the scorer has come, so a
    model being scored can be shown as provisional with the number of items it has."""
    current = Q(pk__in=[])
    running = (
        Scorer.objects.filter(is_published=False, runs__status__in=ACTIVE_RUN_STATUSES)
        .distinct()
        .only("pk", *CONFIG_FIELDS)
    )
    for scorer in running:
        fingerprint = scorer.config_fingerprint
        active = ScoreRun.objects.filter(
            scorer_id=scorer.pk, status__in=ACTIVE_RUN_STATUSES, config_fingerprint=fingerprint
        )
        current |= Q(scorer_id=scorer.pk, config_fingerprint=fingerprint) & Q(Exists(active))
    return ItemScore.objects.filter(current)


def scores_for_studies(
    *, studies: QuerySet[Study], scorer: str | None = None, since: datetime | None = None
) -> QuerySet[ItemScore]:
    """Valid scores on the studies' items, optionally of one scorer (by name) and created
    since a time."""
    scores = (
        scores_valid()
        .filter(item__in=items_for_studies(studies=studies))
        .select_related("scorer")
        .order_by("id")
    )
    if scorer:
        scores = scores.filter(scorer__name=scorer)
    return scores.filter(created_at__gte=since) if since else scores


def scorer_list(*, since: datetime | None = None) -> QuerySet[Scorer]:
    """Scorers are shared by all studies (model configurations, not data)."""
    scorers = Scorer.objects.order_by("name")
    return scorers.filter(updated_at__gte=since) if since else scorers


def scorers_runnable() -> QuerySet[Scorer]:
    """Scorers a run may be started for: published scorers only hold imported scores."""
    return Scorer.objects.filter(is_published=False).order_by("name")


def scorer_get_by_name(*, name: str) -> Scorer:
    """The scorer with this name; ValidationError (a 400 in the API) when there is none."""
    try:
        return Scorer.objects.get(name=name)
    except Scorer.DoesNotExist as exc:
        raise ValidationError(f"No scorer named {name!r}.") from exc


def score_runs_for_researcher(
    *,
    user: AbstractBaseUser | AnonymousUser,
    studies: QuerySet[Study] | None = None,
    since: datetime | None = None,
) -> QuerySet[ScoreRun]:
    """Runs over the given studies; without them, the user's studies' runs and the runs over
    the whole item bank (no study). ``since``: created, started or finished since, and every
    active run (its progress changes all the time)."""
    if studies is None:
        scope = Q(study__in=studies_for_researcher(user=user)) | Q(study__isnull=True)
    else:
        scope = Q(study__in=studies)
    runs = ScoreRun.objects.filter(scope).select_related("scorer", "study").order_by("-id")
    runs = score_runs_counted_in(runs, banks=banks_for_user(user=user).values("name"))
    if since:
        runs = runs.filter(
            Q(created_at__gte=since)
            | Q(started_at__gte=since)
            | Q(finished_at__gte=since)
            | Q(status__in=ACTIVE_RUN_STATUSES)
        )
    return runs


def score_runs_counted_in(runs: QuerySet[ScoreRun], *, banks: Any) -> QuerySet[ScoreRun]:
    """``runs`` with ``n_total_shown`` and ``n_done_shown``: what a reader of ``banks`` (names)
    is told of each run's size and progress. A study's run covers its own bank, and counts as
    it is. A run over the whole item bank (no study) covers other teams' private banks too:
    its reader is told only of its items in ``banks``, so the count reveals nothing of banks
    they may not read."""
    through = ScoreRun.items.through.objects
    covered = through.filter(scorerun_id=OuterRef("pk"), item__bank__in=banks)
    total = covered.values("scorerun_id").annotate(n=Count("id")).values("n")  # type: ignore[misc]
    scored = (
        ItemScore.objects.filter(
            scorer_id=OuterRef("scorer_id"),
            item_id__in=through.filter(
                scorerun_id=OuterRef(OuterRef("pk")), item__bank__in=banks
            ).values("item_id"),
        )
        .values("scorer_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    whole_bank = Q(study__isnull=True)
    return runs.annotate(
        n_total_shown=Case(
            When(whole_bank, then=Coalesce(Subquery(total), 0)),
            default=F("n_total"),
            output_field=IntegerField(),
        ),
        n_done_shown=Case(
            When(whole_bank, then=Coalesce(Subquery(scored), 0)),
            default=F("n_done"),
            output_field=IntegerField(),
        ),
    )


def score_run_get_for_researcher(
    *, user: AbstractBaseUser | AnonymousUser, run_id: int
) -> ScoreRun:
    """One run the user may see (see score_runs_for_researcher); Http404 otherwise."""
    try:
        return score_runs_for_researcher(user=user).get(pk=run_id)
    except ScoreRun.DoesNotExist as exc:
        raise Http404("No such run.") from exc


@dataclass(frozen=True)
class RunProgress:
    """Where an active run stands in the scoring queue.

    ``place``: 1 for the oldest active run, of ``queued`` active runs in all (every study's:
    they share the workers, taking turns chunk by chunk). ``seconds_left``: the run's unscored
    items at the pace it has kept since it started (wall-clock, so the turns it gives other
    runs are counted). Before its first chunk is stored, the pace of the latest run of the same
    scorer that scored items itself, else the median pace of the latest other runs (``pace_from``
    says which); None when no run has scored an item yet.
    """

    place: int
    queued: int
    seconds_left: float | None
    # Where the pace behind ``seconds_left`` comes from before the run's own first chunk:
    # "model" (earlier runs of the same scorer), "others" (other scorers' runs), "" (its own).
    pace_from: str = ""


def score_runs_progress(
    *, runs: list[ScoreRun], among: QuerySet[ScoreRun] | None = None
) -> dict[int, RunProgress]:
    """The queue place and time left of each active run among ``runs``, by run id; two
    queries whatever the number of runs. ``among``: the runs the place is counted among
    (default: every active run); a team is told its place among the runs it may see, not
    how many other teams' runs are queued."""
    asked = [run for run in runs if run.is_active]
    if not asked:
        return {}
    queue = ScoreRun.objects.all() if among is None else among
    order = list(
        queue.filter(status__in=ACTIVE_RUN_STATUSES)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    # Items each run scored itself (n_done also counts items scored before it started).
    own = dict(
        ItemScore.objects.filter(run_id__in=[run.pk for run in asked])
        .values("run_id")
        .annotate(n=Count("id"))
        .values_list("run_id", "n")
    )
    now = timezone.now()
    progress = {}
    known: tuple[dict[int, float], float | None] | None = None
    for run in asked:
        if run.pk not in order:  # finished between the two reads
            continue
        scored = own.get(run.pk, 0)
        pace_from, pace = "", None
        if run.started_at is not None and scored:
            pace = (now - run.started_at).total_seconds() / scored
        else:
            known = known or _paces_known(now=now)
            by_scorer, overall = known
            pace = by_scorer.get(run.scorer_id)
            pace_from = "model" if pace is not None else "others" if overall else ""
            pace = pace if pace is not None else overall
        progress[run.pk] = RunProgress(
            place=order.index(run.pk) + 1,
            queued=len(order),
            seconds_left=None if pace is None else max(run.n_total - run.n_done, 0) * pace,
            pace_from=pace_from,
        )
    return progress


PACE_RUNS = 20


def _paces_known(*, now: datetime) -> tuple[dict[int, float], float | None]:
    """Wall-clock seconds per item of the latest runs that scored items themselves: the latest
    run's of each scorer, by scorer id, and the median over those runs. Failed runs count too:
    the pace until they stopped is still the workers' pace."""
    latest = ScoreRun.objects.filter(started_at__isnull=False).order_by("-started_at")
    runs = (
        ScoreRun.objects.filter(pk__in=latest.values("pk")[:PACE_RUNS])
        .annotate(scored=Count("scores"))
        .filter(scored__gt=0)
        .order_by("-started_at")
        .values_list("scorer_id", "started_at", "finished_at", "scored")
    )
    by_scorer: dict[int, float] = {}
    paces = []
    for scorer_id, started_at, finished_at, scored in runs:
        if started_at is None:  # filtered out above; the type does not know it
            continue
        pace = ((finished_at or now) - started_at).total_seconds() / scored
        by_scorer.setdefault(scorer_id, pace)
        paces.append(pace)
    return by_scorer, (statistics.median(paces) if paces else None)


def duration_words(seconds: float) -> str:
    """'about 40 s', 'about 3 min', 'about 2 h 10 min': an estimate, rounded like one."""
    if seconds < 60:
        return f"about {max(round(seconds / 5) * 5, 5):.0f} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} min"
    return f"about {minutes // 60} h {minutes % 60} min"


def model_submissions_for_user(
    *, user: AbstractBaseUser | AnonymousUser
) -> QuerySet[ModelSubmission]:
    """The user's own submissions, newest first (nobody else's, staff included)."""
    if not user.is_authenticated:
        return ModelSubmission.objects.none()
    return ModelSubmission.objects.filter(submitter_id=user.pk).select_related("run", "scorer")


def model_submissions_pending() -> QuerySet[ModelSubmission]:
    """Submissions awaiting the operator's decision, oldest first (the operator's list)."""
    return (
        ModelSubmission.objects.filter(status=ModelSubmission.Status.SUBMITTED)
        .select_related("submitter")
        .order_by("created_at", "pk")
    )


def model_submission_get_for_user(
    *, user: AbstractBaseUser | AnonymousUser, submission_id: int
) -> ModelSubmission:
    """The one gatekeeper of a submission: its submitter's, or the operator's (staff, who
    decides on every submission). Http404 for anyone else, as for a submission that does not
    exist, so that nobody learns which ids are taken."""
    submissions = ModelSubmission.objects.select_related("run", "scorer", "submitter")
    if not getattr(user, "is_staff", False):
        submissions = submissions.filter(submitter_id=user.pk if user.is_authenticated else None)
    try:
        return submissions.get(pk=submission_id)
    except ModelSubmission.DoesNotExist as exc:
        raise Http404("No such submission.") from exc


@dataclass(frozen=True)
class SubmissionLogLine:
    at: datetime
    text: str


def model_submission_log(*, submission: ModelSubmission) -> list[SubmissionLogLine]:
    """What happened to a submission, oldest first: its own decisions and then its run's
    steps (the run is the one record of its scoring; nothing is copied)."""
    lines = [SubmissionLogLine(submission.created_at, f"Submitted: {submission.source}.")]
    if submission.decided_at is not None:
        if submission.status == ModelSubmission.Status.REJECTED:
            text = f"Rejected by the operator: {submission.reason}"
        else:
            text = "Approved by the operator; the folder passed every check."
        lines.append(SubmissionLogLine(submission.decided_at, text))
    run = submission.run
    if run is not None:
        lines.append(SubmissionLogLine(run.created_at, f"Queued: {run.n_total} items to score."))
        if run.started_at is not None:
            lines.append(SubmissionLogLine(run.started_at, "Scoring started."))
        if run.finished_at is not None:
            end = {
                ScoreRun.Status.SUCCEEDED: f"Done: {run.n_done} of {run.n_total} items scored.",
                ScoreRun.Status.CANCELLED: "Cancelled by the operator.",
            }.get(ScoreRun.Status(run.status), f"Failed: {run.error}")
            lines.append(SubmissionLogLine(run.finished_at, end))
    return lines


def model_submission_queue_place(*, submission: ModelSubmission) -> RunProgress | None:
    """Where the submission's run stands in the fair queue; None unless it is active."""
    if submission.run is None:
        return None
    return score_runs_progress(runs=[submission.run]).get(submission.run.pk)
