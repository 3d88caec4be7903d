"""The published human-expert trials (participant_data.csv) as the closed study STUDY_SLUG.

The published data holds only what survived the paper's exclusions; it is stored like any
other study's data (participants, trials, flags computed from the data) so that the analysis
that reproduces the paper is the same one that runs on new studies.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction

from braintrial.brainbench.dois import abstract_dois_parse, doi_normalise
from braintrial.brainbench.files import PublishedDataError, data_directory, text_read
from braintrial.brainbench.names import BANK, IDS_FILE, STUDY_SLUG, STUDY_TITLE, TRIALS_FILE
from braintrial.brainbench.trial_rows import published_trials_parse
from braintrial.items.models import Item
from braintrial.participants.flags import participant_flags_compute, trial_flags_compute
from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import Study

# Whether each slider of a trial was moved (the published data has one column for both).
SLIDERS = ("confidence_moved", "expertise_moved")
# Compared field by field when a participant is already there (the idempotence check).
TRIAL_FIELDS = (
    "item_id",
    "position",
    "correct",
    "confidence",
    "expertise",
    "rt_server_ms",
    "recognised",
    "blur_count",
    "confidence_moved",
    "expertise_moved",
)


@dataclass
class TrialsReport:
    """What importing the published trials did; ``notes`` list what was kept but differs."""

    study_created: bool = False
    participants_created: int = 0
    trials_created: int = 0
    participants_unchanged: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.study_created or self.participants_created > 0

    def summary(self) -> str:
        return (
            f"Study {STUDY_SLUG}: {'created' if self.study_created else 'exists'}; "
            f"{self.participants_created} participants and {self.trials_created} trials "
            f"imported; {self.participants_unchanged} participants already there, unchanged."
        )


def published_trials_import(*, directory: Path | None = None) -> TrialsReport:
    """Import participant_data.csv from ``directory`` (default settings.BRAINBENCH_DIR).

    Idempotent: participants already imported (by pid) are checked, not written again. All or
    nothing: any invalid row, or a pid stored with different data, stores nothing.
    """
    directory = data_directory(directory)
    bank_items = list(Item.objects.filter(bank=BANK, kind=Item.Kind.TEST))
    if not bank_items:
        raise PublishedDataError(
            f"The item bank '{BANK}' has no test items: run 'python manage.py import_brainbench' "
            "first."
        )
    items = {(doi_normalise(item.doi), item.source): item for item in bank_items if item.doi}
    records = abstract_dois_parse(text=text_read(path=directory / IDS_FILE))
    dois = {record.abstract_id: record.doi for record in records}
    notes: list[str] = []
    people = published_trials_parse(
        text=text_read(path=directory / TRIALS_FILE), items=items, dois=dois, notes=notes
    )
    try:
        with transaction.atomic():
            report = _store(people=people)
    except IntegrityError as exc:
        raise PublishedDataError(f"The database refused the import (run it again?): {exc}") from exc
    report.notes = notes
    return report


def _store(*, people: dict[str, dict[str, Any]]) -> TrialsReport:
    report = TrialsReport()
    study, report.study_created = Study.objects.get_or_create(
        slug=STUDY_SLUG,
        defaults={
            "title": STUDY_TITLE,
            "is_open": False,
            "bank": BANK,
            # The reproduction uses every published item, flagged ones too, as the paper did.
            "skip_flagged_items": False,
        },
    )
    if study.bank != BANK:
        raise PublishedDataError(
            f"Study {STUDY_SLUG} exists with bank '{study.bank}', not '{BANK}'."
        )
    existing = {
        p.recruitment_id: p
        for p in Participant.objects.filter(study=study, recruitment_id__in=list(people))
    }
    if existing:
        stored: dict[int, list[tuple]] = defaultdict(list)
        for row in (
            Trial.objects.filter(participant__in=existing.values())
            .order_by("participant_id", "position")
            .values_list("participant_id", *TRIAL_FIELDS)
        ):
            stored[row[0]].append(tuple(row[1:]))
        for pid, participant in existing.items():
            wanted = people[pid]
            same_person = all(
                getattr(participant, name) == value for name, value in wanted["person"].items()
            )
            same_trials = stored[participant.pk] == [
                tuple(t[name] for name in TRIAL_FIELDS) for t in wanted["trials"]
            ]
            if not (same_person and same_trials):
                raise PublishedDataError(
                    f"pid {pid} is already in {STUDY_SLUG} with different data; nothing imported."
                )
        report.participants_unchanged = len(existing)

    new = {pid: entry for pid, entry in people.items() if pid not in existing}
    created = Participant.objects.bulk_create(
        [
            Participant(
                study=study,
                status=Participant.Status.COMPLETED,
                recruitment_source=Participant.RecruitmentSource.IMPORTED,
                recruitment_id=pid,
                # The published data has no catch trials and no outside-help question.
                **participant_flags_compute(
                    catch_correct=[],
                    moved=[t[name] for t in entry["trials"] for name in SLIDERS],
                    outside_help=False,
                ),
                **entry["person"],
            )
            for pid, entry in new.items()
        ]
    )
    trials = [
        Trial(
            participant=participant,
            kind=Item.Kind.TEST,
            original_is_a=None,
            choice="",
            **trial_flags_compute(
                recognised=t["recognised"],
                rt_server_ms=t["rt_server_ms"],
                min_rt_ms=study.min_rt_ms,
                outside_help=None,  # not asked per trial in the published study
            ),
            **t,
        )
        for participant, entry in zip(created, new.values(), strict=True)
        for t in entry["trials"]
    ]
    Trial.objects.bulk_create(trials, batch_size=2000)
    report.participants_created = len(created)
    report.trials_created = len(trials)
    return report
