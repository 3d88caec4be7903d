"""Reads of scorers, runs and scores.

The one owner of which scores count (``score_valid_q``): the exports, the API, the analysis
and the dashboard all read scores through it, so they can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from braintrial.participants.selectors import items_for_studies
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
    if since:
        runs = runs.filter(
            Q(created_at__gte=since)
            | Q(started_at__gte=since)
            | Q(finished_at__gte=since)
            | Q(status__in=ACTIVE_RUN_STATUSES)
        )
    return runs


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
    runs are counted); None until its first chunk is stored.
    """

    place: int
    queued: int
    seconds_left: float | None


def score_runs_progress(*, runs: list[ScoreRun]) -> dict[int, RunProgress]:
    """The queue place and time left of each active run among ``runs``, by run id; two
    queries whatever the number of runs."""
    asked = [run for run in runs if run.is_active]
    if not asked:
        return {}
    order = list(
        ScoreRun.objects.filter(status__in=ACTIVE_RUN_STATUSES)
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
    for run in asked:
        if run.pk not in order:  # finished between the two reads
            continue
        seconds_left = None
        scored = own.get(run.pk, 0)
        if run.started_at is not None and scored:
            pace = (now - run.started_at).total_seconds() / scored
            seconds_left = max(run.n_total - run.n_done, 0) * pace
        progress[run.pk] = RunProgress(
            place=order.index(run.pk) + 1, queued=len(order), seconds_left=seconds_left
        )
    return progress


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
