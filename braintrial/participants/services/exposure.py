"""Exposure counters: how many participants of a study hold each test item.

The assignment reads and moves them instead of counting the study's trials, so a start costs the
same with 100 or 100,000 participants. Every read that leads to a write, and every write, happens
under the study's assignment lock (``study_assignment_lock``) and in the transaction that stores
what it counts: the trials of a new participant, or the release of abandoned ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from braintrial.participants.models import ExposureCounter
from braintrial.participants.selectors import exposure_counts_from_trials
from braintrial.studies.models import Study


def study_assignment_lock(*, study: Study) -> None:
    """Lock the study row until the end of the transaction: assignments and releases of this
    study run one at a time. FOR NO KEY UPDATE, so that participants can still be created
    (their foreign key takes a key-share lock on the row) while an assignment runs."""
    Study.objects.select_for_update(no_key=True).filter(pk=study.pk).values_list("pk").get()


def exposure_counters_read(*, study: Study, item_ids: Iterable[int]) -> dict[int, int]:
    """Item id -> count for ``item_ids``; counters that are missing (a new study, items added to
    the bank) are created from the trials first. Precondition: the assignment lock is held."""
    counts = dict(ExposureCounter.objects.filter(study=study).values_list("item_id", "n"))
    missing = [pk for pk in item_ids if pk not in counts]
    if missing:
        held = exposure_counts_from_trials(study=study, item_ids=missing)
        ExposureCounter.objects.bulk_create(
            ExposureCounter(study=study, item_id=pk, n=held[pk]) for pk in missing
        )
        counts.update(held)
    return counts


def exposure_counters_add(*, study: Study, held: dict[int, int], sign: int) -> None:
    """Add (sign 1) or take away (sign -1) ``held`` (item id -> participants) to the counters.
    Precondition: the assignment lock is held and the counters exist."""
    by_amount: dict[int, list[int]] = defaultdict(list)
    for item_id, n in held.items():
        by_amount[n].append(item_id)
    for n, item_ids in by_amount.items():
        ExposureCounter.objects.filter(study=study, item_id__in=item_ids).update(
            n=F("n") + sign * n
        )


@dataclass(frozen=True)
class CounterMismatch:
    item_id: int
    stored: int | None  # None: no counter row
    counted: int  # from the trials


def exposure_counters_rebuild(*, study: Study, fix: bool) -> list[CounterMismatch]:
    """Compare the study's counters with its trials; with ``fix``, set them to the trials'
    counts. Returns what differed (empty when they agree)."""
    with transaction.atomic():
        study_assignment_lock(study=study)
        counted = exposure_counts_from_trials(study=study)
        stored = dict(ExposureCounter.objects.filter(study=study).values_list("item_id", "n"))
        mismatches = [
            CounterMismatch(item_id=pk, stored=stored.get(pk), counted=n)
            for pk, n in sorted(counted.items())
            if stored.get(pk, 0) != n  # a missing counter is a 0: created when first read
        ]
        if fix:
            for mismatch in mismatches:
                ExposureCounter.objects.update_or_create(
                    study=study, item_id=mismatch.item_id, defaults={"n": mismatch.counted}
                )
    return mismatches
