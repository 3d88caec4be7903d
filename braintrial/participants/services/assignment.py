"""Balanced assignment of items at the start, and release of abandoned participants.

The choice of items and the update of the exposure counters (services/exposure.py) happen under
the study's assignment lock, so participants starting at the same moment are assigned one after
the other and each sees the counts left by the previous one; that is what keeps exposure counts
within 1 of each other per source. Reading the item bank and everything else happens before the
lock, and neither the lock nor the work under it grows with the number of participants.
"""

from __future__ import annotations

import secrets
from collections import Counter
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import transaction

from braintrial.items.models import Item
from braintrial.items.selectors import item_paper_key, items_servable
from braintrial.items.sources import HUMAN_QUOTA, MACHINE_QUOTA, source_quota
from braintrial.participants.models import Participant, Trial
from braintrial.participants.services.exposure import (
    exposure_counters_add,
    exposure_counters_read,
    study_assignment_lock,
)
from braintrial.studies.models import N_CATCH_TRIALS, Study

# SystemRandom: the A/B draw and the ordering must not be predictable from earlier draws.
_rng = secrets.SystemRandom()
N_CATCH = N_CATCH_TRIALS


class BankItem(NamedTuple):
    """What the assignment reads of an item. Plain rows: as model instances the bank's 300
    items took longer to build than the rest of the start together."""

    pk: int
    bank: str
    kind: str
    source: str
    doi: str


class AssignmentError(Exception):
    """The study's item bank cannot give this participant a full set of items."""


def participants_release_abandoned(*, study: Study, now: datetime) -> int:
    """Mark participants without activity for ``study.abandon_after_minutes`` as abandoned and
    take their items off the exposure counters, in one transaction under the assignment lock.

    Their trials stay (never deleted) but stop counting as exposures. Returns how many were
    released. Participants whose row is being written right now (a request of theirs is under
    way) are skipped, so the release never waits for them while it holds the lock.
    """
    cutoff = now - timedelta(minutes=study.abandon_after_minutes)
    stale = Participant.objects.filter(
        study=study,
        status__in=[Participant.Status.CONSENT, Participant.Status.ACTIVE],
        last_seen_at__lt=cutoff,
    )
    if not stale.exists():  # the usual case: no lock taken
        return 0
    with transaction.atomic():
        study_assignment_lock(study=study)
        ids = list(stale.select_for_update(skip_locked=True).values_list("pk", flat=True))
        held = Counter(
            Trial.objects.filter(participant_id__in=ids, kind=Item.Kind.TEST).values_list(
                "item_id", flat=True
            )
        )
        # Counters missing before the release are created from trials that still count.
        exposure_counters_read(study=study, item_ids=held)
        Participant.objects.filter(pk__in=ids).update(
            status=Participant.Status.ABANDONED, released_at=now
        )
        exposure_counters_add(study=study, held=dict(held), sign=-1)
    return len(ids)


def _doi_key(item: BankItem) -> str:
    return item_paper_key(doi=item.doi, pk=item.pk)


def _pick(
    items: list[BankItem],
    counts: dict[int, int],
    n: int,
    taken: set[str],
    prefer: dict[int, int],
    reserve: tuple[set[str], int] = (set(), 0),
) -> list[BankItem]:
    """The n least-exposed items whose paper is not taken yet.

    Among equally exposed items ``prefer`` (lower first) decides, then chance. ``reserve`` =
    (papers, how many): papers a later pick needs that many of; an item of one of them is
    passed over when taking it would leave fewer. Without it, the GPT-4 pick could take the
    papers the human pick needs, and a bank that can serve the study (studies.readiness)
    would fail a participant.
    """
    ranked = sorted(
        items, key=lambda item: (counts.get(item.pk, 0), prefer.get(item.pk, 0), _rng.random())
    )
    reserved, needed = reserve
    free = len(reserved - taken)
    chosen: list[BankItem] = []
    for item in ranked:
        if len(chosen) == n:
            break
        key = _doi_key(item)
        if key in taken:
            continue
        if key in reserved:
            if free <= needed:
                continue
            free -= 1
        taken.add(key)
        chosen.append(item)
    if len(chosen) < n:
        raise AssignmentError("The item bank has too few distinct papers for this study.")
    return chosen


def _is_tight(chosen: list[BankItem], pool: list[BankItem], counts: dict[int, int]) -> bool:
    """Whether ``chosen`` holds exactly the lowest exposure counts of its pool, which keeps
    the counts of the pool within 1 of each other after this participant."""
    lowest = sorted(counts.get(item.pk, 0) for item in pool)[: len(chosen)]
    return sorted(counts.get(item.pk, 0) for item in chosen) == lowest


def _pending_papers(pool: list[BankItem], counts: dict[int, int]) -> set[str]:
    """Papers of the pool's least-exposed items: those still due in the current round."""
    if not pool:
        return set()
    low = min(counts.get(item.pk, 0) for item in pool)
    return {_doi_key(item) for item in pool if counts.get(item.pk, 0) == low}


def _pick_balanced(
    first: tuple[list[BankItem], int],
    second: tuple[list[BankItem], int],
    counts: dict[int, int],
    tries: int = 100,
) -> list[BankItem]:
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
    papers_2 = {_doi_key(item) for item in pool_2}
    best: list[BankItem] = []
    for _ in range(tries):
        taken: set[str] = set()
        chosen_1 = _pick(pool_1, counts, n_1, taken, prefer_1, reserve=(papers_2, n_2))
        chosen_2 = _pick(pool_2, counts, n_2, taken, prefer_2)
        best = chosen_1 + chosen_2
        if _is_tight(chosen_1, pool_1, counts) and _is_tight(chosen_2, pool_2, counts):
            break
    return best


def _bank_items(study: Study) -> tuple[list[BankItem], list[BankItem], list[BankItem]]:
    """The study bank's servable test items, then its practice and catch items, in one query:
    practice and catch items of the study's own bank first, then the project's built-in ones."""
    rows = items_servable(bank=study.bank, skip_flagged=study.skip_flagged_items).values_list(
        *BankItem._fields
    )
    items = [BankItem._make(row) for row in rows]
    ranked = sorted(items, key=lambda item: (item.bank != study.bank, item.pk))
    test = [i for i in ranked if i.kind == Item.Kind.TEST and i.bank == study.bank]
    practice = [i for i in ranked if i.kind == Item.Kind.PRACTICE]
    catch = [i for i in ranked if i.kind == Item.Kind.CATCH]
    return test, practice, catch


def _choose(study: Study, test_items: list[BankItem]) -> list[BankItem]:
    """The least-exposed test items, counted as chosen. Precondition: in a transaction; takes
    the assignment lock, which lasts until that transaction ends."""
    study_assignment_lock(study=study)
    counts = exposure_counters_read(study=study, item_ids=[item.pk for item in test_items])
    # Machine-written cases (GPT-4-written and model-drafted: items.sources) are fewer, so they
    # pick first: the human pool has more room to avoid their DOIs.
    quota = {item.pk: source_quota(item.source) for item in test_items}
    chosen = _pick_balanced(
        ([i for i in test_items if quota[i.pk] == MACHINE_QUOTA], study.n_gpt4_trials),
        ([i for i in test_items if quota[i.pk] == HUMAN_QUOTA], study.n_human_trials),
        counts,
    )
    exposure_counters_add(study=study, held=dict.fromkeys((i.pk for i in chosen), 1), sign=1)
    return chosen


def trials_assign(*, participant: Participant, now: datetime) -> list[Trial]:
    """Create the participant's trials: practice at position 0, then test and catch trials.

    Precondition: called inside ``transaction.atomic()`` (see ``participant_consent_record``);
    the assignment lock is taken here and held to the end of that transaction. Raises
    AssignmentError when the bank is too small.
    """
    study = participant.study
    test_items, practice, catch = _bank_items(study)
    chosen = _choose(study, test_items)
    _rng.shuffle(chosen)
    if study.catch_trials_enabled:
        for item in catch[:N_CATCH]:
            chosen.insert(_rng.randint(0, len(chosen)), item)
    sequence: list[tuple[int, BankItem]] = list(enumerate(chosen, start=1))
    if study.practice_enabled:
        sequence[:0] = [(0, item) for item in practice[:1]]
    return Trial.objects.bulk_create(
        Trial(
            participant=participant,
            item_id=item.pk,
            position=position,
            kind=item.kind,
            original_is_a=_rng.random() < 0.5,
        )
        for position, item in sequence
    )


def studies_release_abandoned(*, now: datetime) -> dict[str, int]:
    """Release abandoned participants of every study (for cron); slug -> how many."""
    return {
        study.slug: participants_release_abandoned(study=study, now=now)
        for study in Study.objects.all()
    }
