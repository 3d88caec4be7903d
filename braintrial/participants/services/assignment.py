"""Balanced assignment of items at the start, and release of abandoned participants.

Counting exposures and creating trials happen under a row lock on the study, so participants
starting at the same moment are assigned one after the other and each sees the counts left by
the previous one; that is what keeps exposure counts within 1 of each other per source.
"""

from __future__ import annotations

import secrets
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


def _pick(
    items: list[Item], counts: dict[int, int], n: int, taken: set[str], prefer: dict[int, int]
) -> list[Item]:
    """The n least-exposed items whose paper is not taken yet.

    Among equally exposed items ``prefer`` (lower first) decides, then chance.
    """
    ranked = sorted(
        items, key=lambda item: (counts.get(item.pk, 0), prefer.get(item.pk, 0), _rng.random())
    )
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


def _is_tight(chosen: list[Item], pool: list[Item], counts: dict[int, int]) -> bool:
    """Whether ``chosen`` holds exactly the lowest exposure counts of its pool, which keeps
    the counts of the pool within 1 of each other after this participant."""
    lowest = sorted(counts.get(item.pk, 0) for item in pool)[: len(chosen)]
    return sorted(counts.get(item.pk, 0) for item in chosen) == lowest


def _pending_papers(pool: list[Item], counts: dict[int, int]) -> set[str]:
    """Papers of the pool's least-exposed items: those still due in the current round."""
    if not pool:
        return set()
    low = min(counts.get(item.pk, 0) for item in pool)
    return {_doi_key(item) for item in pool if counts.get(item.pk, 0) == low}


def _pick_balanced(
    first: tuple[list[Item], int],
    second: tuple[list[Item], int],
    counts: dict[int, int],
    tries: int = 100,
) -> list[Item]:
    """Least-exposed items from two pools (GPT-4, then human), no paper twice.

    A paper's GPT-4 case shares its DOI with its human case, so the first pool's draw can
    block the least-exposed items of the second. Among equally exposed items the first pool
    prefers papers whose human case is not due this round, and the second prefers papers
    whose GPT-4 case is still due (it will be blocked later otherwise). If a draw still misses
    the lowest counts, the random tie-breaks are drawn again.
    """
    (pool_1, n_1), (pool_2, n_2) = first, second
    due_1, due_2 = _pending_papers(pool_1, counts), _pending_papers(pool_2, counts)
    prefer_1 = {item.pk: int(_doi_key(item) in due_2) for item in pool_1}
    prefer_2 = {item.pk: int(_doi_key(item) not in due_1) for item in pool_2}
    best: list[Item] = []
    for _ in range(tries):
        taken: set[str] = set()
        chosen_1 = _pick(pool_1, counts, n_1, taken, prefer_1)
        chosen_2 = _pick(pool_2, counts, n_2, taken, prefer_2)
        best = chosen_1 + chosen_2
        if _is_tight(chosen_1, pool_1, counts) and _is_tight(chosen_2, pool_2, counts):
            break
    return best


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
        Item.objects.filter(bank=study.bank, kind=Item.Kind.TEST).only(
            "pk", "kind", "source", "doi"
        )
    )
    # GPT-4 cases are fewer, so they pick first: the human pool has more room to avoid their DOIs.
    chosen = _pick_balanced(
        ([i for i in test_items if i.source == Item.Source.GPT4], study.n_gpt4_trials),
        ([i for i in test_items if i.source == Item.Source.HUMAN], study.n_human_trials),
        counts,
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
