"""What a researcher may read through the API: every queryset starts from their studies
(``braintrial.studies.selectors``, the one gatekeeper)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from braintrial.exports.rows.bank import studies_items
from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import Study
from braintrial.studies.selectors import studies_for_researcher
from scoring import selectors as scoring_selectors
from scoring.models import ACTIVE_RUN_STATUSES, ItemScore, Scorer, ScoreRun


def items_for_studies(*, studies: QuerySet[Study], since: datetime | None = None) -> QuerySet[Item]:
    """Items of the studies' banks and the built-in items their participants saw."""
    items = Item.objects.filter(studies_items(studies)).order_by("id")
    return items.filter(updated_at__gte=since) if since else items


def participants_for_studies(
    *, studies: QuerySet[Study], since: datetime | None = None
) -> QuerySet[Participant]:
    """``since`` compares with updated_at: every change to the row moves it."""
    people = Participant.objects.filter(study__in=studies).select_related("study").order_by("id")
    return people.filter(updated_at__gte=since) if since else people


def trials_for_studies(
    *, studies: QuerySet[Study], since: datetime | None = None
) -> QuerySet[Trial]:
    """``since`` compares with answered_at (shown_at while unanswered)."""
    trials = (
        Trial.objects.filter(participant__study__in=studies)
        .select_related("participant__study")
        .order_by("id")
    )
    if since:
        trials = trials.filter(
            Q(answered_at__gte=since) | Q(answered_at__isnull=True, shown_at__gte=since)
        )
    return trials


def scorers_list(*, since: datetime | None = None) -> QuerySet[Scorer]:
    """Scorers are shared by all studies (model configurations, not data)."""
    scorers = Scorer.objects.order_by("name")
    return scorers.filter(updated_at__gte=since) if since else scorers


def runs_for_researcher(
    *,
    user: AbstractBaseUser | AnonymousUser,
    studies: QuerySet[Study] | None = None,
    since: datetime | None = None,
) -> QuerySet[ScoreRun]:
    """Runs over the given studies; without them, the user's studies' runs and the runs over
    the whole item bank (no study). ``since``: created, started or finished since, and every
    run still queued or running (its progress changes all the time)."""
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


def run_get_for_researcher(*, user: AbstractBaseUser | AnonymousUser, run_id: int) -> ScoreRun:
    try:
        return runs_for_researcher(user=user).get(pk=run_id)
    except ScoreRun.DoesNotExist as exc:
        raise Http404("No such run.") from exc


def item_get_for_researcher(*, user: AbstractBaseUser | AnonymousUser, item_id: int) -> Item:
    try:
        return items_for_studies(studies=studies_for_researcher(user=user)).get(pk=item_id)
    except Item.DoesNotExist as exc:
        raise Http404("No such item.") from exc


def scores_for_studies(
    *, studies: QuerySet[Study], scorer: str | None = None, since: datetime | None = None
) -> QuerySet[ItemScore]:
    return scoring_selectors.scores_for_studies(studies=studies, scorer=scorer, since=since)
