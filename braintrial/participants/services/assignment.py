"""Balanced assignment of items at the start, and release of abandoned participants.

Counting exposures and creating trials happen under a row lock on the study, so participants
starting at the same moment are assigned one after the other and each sees the counts left by
the previous one; that is what keeps exposure counts within 1 of each other per source.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When

from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.participants.selectors import exposure_counts
from braintrial.studies.models import Study

# SystemRandom: the A/B draw and the ordering must not be predictable from earlier draws.
_rng = secrets.SystemRandom()
BUILTIN_BANK = "braintrial"
N_CATCH = 2


class AssignmentError(Exception):
    """The study's item bank cannot give this participant a full set of items."""


def participants_release_abandoned(*, study: Study, now: datetime) -> int:
    """Mark participants without activity for ``study.abandon_after_minutes`` as abandoned.

    Their trials stay (never deleted) but stop counting as exposures. Returns how many were
    released. Call inside the study lock when it precedes an assignment.
    """
    cutoff = now - timedelta(minutes=study.abandon_after_minutes)
    return Participant.objects.filter(
        study=study,
        status__in=[Participant.Status.CONSENT, Participant.Status.ACTIVE],
        last_seen_at__lt=cutoff,
    ).update(status=Participant.Status.ABANDONED, released_at=now)


def _doi_key(item: Item) -> str:
    # Items without a DOI never collide with each other.
    return item.doi.strip().lower() or f"item:{item.pk}"


def _pick(items: Iterable[Item], counts: dict[int, int], n: int, taken: set[str]) -> list[Item]:
    """The n least-exposed items whose paper is not taken yet; ties broken at random."""
    ranked = sorted(items, key=lambda item: (counts.get(item.pk, 0), _rng.random()))
    chosen: list[Item] = []
    for item in ranked:
        if len(chosen) == n:
            break
        key = _doi_key(item)
        if key in taken:
            continue
        taken.add(key)
        chosen.append(item)
    if len(chosen) < n:
        raise AssignmentError("The item bank has too few distinct papers for this study.")
    return chosen


def _builtin(study: Study, kind: str, n: int) -> list[Item]:
    """Practice or catch items: the study's own bank first, then the project's built-in ones."""
    preference = Case(
        When(bank=study.bank, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return list(
        Item.objects.filter(kind=kind, bank__in=[study.bank, BUILTIN_BANK])
        .annotate(preference=preference)
        .order_by("preference", "pk")[:n]
    )


def trials_assign(*, participant: Participant, now: datetime) -> list[Trial]:
    """Create the participant's trials: practice at position 0, then test and catch trials.

    Precondition: called inside ``transaction.atomic()`` holding the study row lock (see
    ``participant_consent_record``). Raises AssignmentError when the bank is too small.
    """
    study = participant.study
    participants_release_abandoned(study=study, now=now)
    counts = exposure_counts(study=study)
    test_items = list(
        Item.objects.filter(bank=study.bank, kind=Item.Kind.TEST).only("pk", "source", "doi")
    )
    taken: set[str] = set()
    # GPT-4 cases are fewer, so they pick first: the human pool has more room to avoid their DOIs.
    chosen = _pick(
        [i for i in test_items if i.source == Item.Source.GPT4], counts, study.n_gpt4_trials, taken
    )
    chosen += _pick(
        [i for i in test_items if i.source == Item.Source.HUMAN],
        counts,
        study.n_human_trials,
        taken,
    )
    _rng.shuffle(chosen)
    if study.catch_trials_enabled:
        for catch in _builtin(study, Item.Kind.CATCH, N_CATCH):
            chosen.insert(_rng.randint(0, len(chosen)), catch)
    sequence: list[tuple[int, Item]] = list(enumerate(chosen, start=1))
    if study.practice_enabled:
        sequence[:0] = [(0, item) for item in _builtin(study, Item.Kind.PRACTICE, 1)]
    return Trial.objects.bulk_create(
        Trial(
            participant=participant,
            item=item,
            position=position,
            kind=item.kind,
            original_is_a=_rng.random() < 0.5,
        )
        for position, item in sequence
    )


def studies_release_abandoned(*, now: datetime) -> dict[str, int]:
    """Release abandoned participants of every study (for cron); slug -> how many."""
    released: dict[str, int] = {}
    for study_id in Study.objects.values_list("pk", flat=True):
        with transaction.atomic():
            study = Study.objects.select_for_update().get(pk=study_id)
            released[study.slug] = participants_release_abandoned(study=study, now=now)
    return released
