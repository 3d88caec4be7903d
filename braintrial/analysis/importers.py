"""Import the published BrainBench human trials (participant_data.csv) as a study.

The published data holds only what survived the paper's exclusions; it is stored like any
other study's data (participants, trials, flags computed from the data) so that the analysis
that reproduces the paper is the same one that runs on new studies.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from braintrial.items.models import Item
from braintrial.participants.models import Gender, Participant, Position, Trial
from braintrial.studies.models import Study

STUDY_SLUG = "brainbench-2024"
STUDY_TITLE = "BrainBench 2024 (Luo et al., published trials)"
BANK = "brainbench"
TRIALS_FILE = "participant_data.csv"
IDS_FILE = "abstract_id_doi.csv"
COLUMNS = (
    "pid",
    "expertise",
    "confidence",
    "click_outside",
    "correct",
    "rt",
    "abstract_id",
    "journal_section",
    "click_slider",
    "recognised",
    "age",
    "country",
    "current position",
    "experience",
    "sex",
)
SECTION_SOURCES = {"human": Item.Source.HUMAN, "machine": Item.Source.GPT4}
MAX_ERRORS_SHOWN = 20
# Fields compared when a participant is already there (idempotence check).
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
PERSON_FIELDS = ("gender", "age", "country", "position", "experience_years")


class TrialImportError(ValueError):
    """The files cannot be imported; the message names every bad row (or the first 20)."""


@dataclass
class TrialImportReport:
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


def normalise_doi(doi: str) -> str:
    doi = doi.strip().lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "http://dx.doi.org/", "doi:"):
        if doi.startswith(prefix):
            return doi[len(prefix) :]
    return doi


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise TrialImportError(f"{path} not found.")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TrialImportError(f"{path} is not UTF-8 text: {exc}") from exc


def abstract_dois_parse(*, text: str) -> dict[int, str]:
    """abstract_id -> DOI from abstract_id_doi.csv (DOI;abstract_id;abstract).

    The third column holds unquoted ';' and line breaks, so only lines that start with a DOI
    are records and only their first two fields are read.
    """
    found: dict[int, str] = {}
    for line_number, line in enumerate(text.splitlines(), start=1):
        fields = line.split(";")
        if len(fields) < 2 or not fields[0].strip().lower().startswith(("https://doi", "10.")):
            continue
        try:
            abstract_id = int(fields[1].strip())
        except ValueError as exc:
            raise TrialImportError(
                f"{IDS_FILE}, line {line_number}: abstract_id {fields[1]!r} is not a number"
            ) from exc
        found[abstract_id] = normalise_doi(fields[0])
    if not found:
        raise TrialImportError(f"{IDS_FILE}: no 'DOI;abstract_id' records found.")
    return found


def _integer(value: str, name: str, low: int, high: int) -> int:
    """An integer written as '12' or '12.0' within [low, high]; ValueError says why not."""
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise ValueError(f"{name} {value!r} is not a number") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(f"{name} {value!r} is not a whole number")
    if not low <= number <= high:
        raise ValueError(f"{name} {value} is outside {low}..{high}")
    return int(number)


def _parse_row(
    raw: dict[str, str], items: dict[tuple[str, str], Item], dois: dict[int, str]
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(pid, person fields, trial fields) of one data row; ValueError names what is wrong."""
    pid = str(_integer(raw["pid"], "pid", 0, 10**15))
    abstract_id = _integer(raw["abstract_id"], "abstract_id", 1, 10**9)
    if abstract_id not in dois:
        raise ValueError(f"unknown abstract_id {abstract_id} (not in {IDS_FILE})")
    prefix, _, section = raw["journal_section"].strip().partition("_")
    if prefix not in SECTION_SOURCES or not section:
        raise ValueError(
            f"unknown journal_section {raw['journal_section']!r} "
            "(expected human_<section> or machine_<section>)"
        )
    item = items.get((dois[abstract_id], SECTION_SOURCES[prefix]))
    if item is None:
        raise ValueError(
            f"no {SECTION_SOURCES[prefix].label} item with abstract_id {abstract_id} "
            f"(doi {dois[abstract_id]}) in the item bank '{BANK}'"
        )
    outside = raw["click_outside"].strip()
    if outside not in ("", "clicked"):
        raise ValueError(f"click_outside {outside!r} must be empty or 'clicked'")
    sex, position = raw["sex"].strip(), raw["current position"].strip()
    if sex not in Gender.values:
        raise ValueError(f"sex {sex!r} is not one of {', '.join(Gender.values)}")
    if position not in Position.values:
        raise ValueError(
            f"current position {position!r} is not one of {', '.join(Position.values)}"
        )
    try:
        experience = Decimal(raw["experience"].strip())
    except InvalidOperation:
        raise ValueError(f"experience {raw['experience']!r} is not a number") from None
    if not experience.is_finite() or not 0 <= experience <= Decimal("999.9"):
        raise ValueError(f"experience {raw['experience']} is outside 0..999.9")
    if experience != experience.quantize(Decimal("0.1")):
        raise ValueError(f"experience {raw['experience']} has more than one decimal")
    country = raw["country"].strip()
    if len(country) > 100:
        raise ValueError("country is longer than 100 characters")
    moved = _integer(raw["click_slider"], "click_slider", 0, 1) == 1
    person = {
        "gender": sex,
        "age": _integer(raw["age"], "age", 0, 150),
        "country": country,
        "position": position,
        "experience_years": experience.quantize(Decimal("0.1")),
    }
    trial: dict[str, Any] = {
        "item_id": item.pk,
        "correct": _integer(raw["correct"], "correct", 0, 1) == 1,
        "confidence": _integer(raw["confidence"], "confidence", 1, 100),
        "expertise": _integer(raw["expertise"], "expertise", 1, 100),
        "rt_server_ms": _integer(raw["rt"], "rt", 0, 2**31 - 1),
        "recognised": _integer(raw["recognised"], "recognised", 0, 1) == 1,
        "blur_count": 1 if outside == "clicked" else 0,
        "confidence_moved": moved,
        "expertise_moved": moved,
    }
    if item.journal_section and item.journal_section != section:
        trial["section_in_file"] = section
    return pid, person, trial


def published_trials_parse(
    *, text: str, items: dict[tuple[str, str], Item], dois: dict[int, str], notes: list[str]
) -> dict[str, dict[str, Any]]:
    """pid -> {"person": fields, "trials": [fields]} in file order; every row validated.

    Rows whose journal_section differs from their item's are kept (the item's section is the
    one analysed) and listed in ``notes``, one line per item.
    """
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise TrialImportError(f"{TRIALS_FILE}: missing column(s): {', '.join(missing)}")
    people: dict[str, dict[str, Any]] = {}
    seen: dict[tuple[str, int], int] = {}
    errors: list[str] = []
    mismatched: dict[int, tuple[str, list[int]]] = {}
    for row_number, raw in enumerate(reader, start=1):
        where = f"{TRIALS_FILE}, data row {row_number} (line {reader.line_num})"
        if None in raw or any(raw.get(c) is None for c in COLUMNS):
            errors.append(f"{where}: wrong number of fields")
            continue
        try:
            pid, person, trial = _parse_row(raw, items, dois)
        except ValueError as exc:
            errors.append(f"{where}: {exc}")
            continue
        entry = people.setdefault(pid, {"person": person, "trials": []})
        if entry["person"] != person:
            errors.append(f"{where}: pid {pid} has demographics that differ from its first row")
            continue
        first = seen.setdefault((pid, trial["item_id"]), row_number)
        if first != row_number:
            errors.append(f"{where}: pid {pid} answered this item already (data row {first})")
            continue
        if "section_in_file" in trial:
            section = trial.pop("section_in_file")
            mismatched.setdefault(trial["item_id"], (section, []))[1].append(row_number)
        trial["position"] = len(entry["trials"]) + 1
        entry["trials"].append(trial)
    if errors:
        shown = "\n".join(errors[:MAX_ERRORS_SHOWN])
        more = len(errors) - MAX_ERRORS_SHOWN
        raise TrialImportError(
            f"{len(errors)} invalid row(s):\n{shown}"
            + (f"\n... and {more} more" if more > 0 else "")
        )
    if not people:
        raise TrialImportError(f"{TRIALS_FILE} holds no trials.")
    by_id = {item.pk: item for item in items.values()}
    for item_id, (section, rows) in mismatched.items():
        item = by_id[item_id]
        notes.append(
            f"{item} (abstract_id {item.abstract_id}): journal_section {section!r} in "
            f"{TRIALS_FILE} (data rows {', '.join(map(str, rows))}), {item.journal_section!r} "
            "in the item bank; the item's section is used."
        )
    return people


def published_trials_import(*, directory: Path | None = None) -> TrialImportReport:
    """Import participant_data.csv from ``directory`` (default settings.BRAINBENCH_DIR).

    Idempotent: participants already imported (by pid) are checked, not written again. All or
    nothing: any invalid row, or a pid stored with different data, stores nothing.
    """
    directory = Path(directory or settings.BRAINBENCH_DIR)
    bank_items = list(Item.objects.filter(bank=BANK, kind=Item.Kind.TEST))
    if not bank_items:
        raise TrialImportError(
            f"The item bank '{BANK}' has no test items: run 'python manage.py import_brainbench' "
            "first."
        )
    items = {(normalise_doi(item.doi), item.source): item for item in bank_items if item.doi}
    dois = abstract_dois_parse(text=_read_text(directory / IDS_FILE))
    notes: list[str] = []
    people = published_trials_parse(
        text=_read_text(directory / TRIALS_FILE), items=items, dois=dois, notes=notes
    )
    try:
        with transaction.atomic():
            report = _store(people=people)
    except IntegrityError as exc:
        raise TrialImportError(f"The database refused the import (run it again?): {exc}") from exc
    report.notes = notes
    return report


def _store(*, people: dict[str, dict[str, Any]]) -> TrialImportReport:
    report = TrialImportReport()
    study, report.study_created = Study.objects.get_or_create(
        slug=STUDY_SLUG, defaults={"title": STUDY_TITLE, "is_open": False, "bank": BANK}
    )
    if study.bank != BANK:
        raise TrialImportError(f"Study {STUDY_SLUG} exists with bank '{study.bank}', not '{BANK}'.")
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
                raise TrialImportError(
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
                # The paper's exclusion: never moved the sliders on any trial.
                flag_no_slider=not any(t["confidence_moved"] for t in entry["trials"]),
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
            flag_recognised=t["recognised"],
            flag_fast=t["rt_server_ms"] < study.min_rt_ms,
            **t,
        )
        for participant, entry in zip(created, new.values(), strict=True)
        for t in entry["trials"]
    ]
    Trial.objects.bulk_create(trials, batch_size=2000)
    report.participants_created = len(created)
    report.trials_created = len(trials)
    return report
