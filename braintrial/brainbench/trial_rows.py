"""Reading and validating participant_data.csv, the published human-expert trials.

Pure parsing: every row is checked and every problem named by file and row before anything is
stored. Each trial finds its item through abstract_id_doi.csv (see ``dois``).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from typing import Any

from braintrial.brainbench.files import PublishedDataError
from braintrial.brainbench.names import BANK, IDS_FILE, TRIALS_FILE
from braintrial.items.models import Item
from braintrial.participants.models import Gender, Position

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


def _item(
    raw: dict[str, str], items: dict[tuple[str, str], Item], dois: dict[int, str]
) -> tuple[Item, str]:
    """The row's item (by abstract_id's doi and the section's source) and the section name
    the row gives."""
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
    return item, section


def _experience(value: str) -> Decimal:
    """Years of experience, 0..999.9 with at most one decimal."""
    try:
        experience = Decimal(value.strip())
    except InvalidOperation:
        raise ValueError(f"experience {value!r} is not a number") from None
    if not experience.is_finite() or not 0 <= experience <= Decimal("999.9"):
        raise ValueError(f"experience {value} is outside 0..999.9")
    if experience != experience.quantize(Decimal("0.1")):
        raise ValueError(f"experience {value} has more than one decimal")
    return experience.quantize(Decimal("0.1"))


def _person(raw: dict[str, str]) -> dict[str, Any]:
    """The participant fields of a row (repeated on each of the participant's rows)."""
    sex, position = raw["sex"].strip(), raw["current position"].strip()
    if sex not in Gender.values:
        raise ValueError(f"sex {sex!r} is not one of {', '.join(Gender.values)}")
    if position not in Position.values:
        raise ValueError(
            f"current position {position!r} is not one of {', '.join(Position.values)}"
        )
    experience = _experience(raw["experience"])
    country = raw["country"].strip()
    if len(country) > 100:
        raise ValueError("country is longer than 100 characters")
    return {
        "gender": sex,
        "age": _integer(raw["age"], "age", 0, 150),
        "country": country,
        "position": position,
        "experience_years": experience,
    }


def _parse_row(
    raw: dict[str, str], items: dict[tuple[str, str], Item], dois: dict[int, str]
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(pid, person fields, trial fields) of one data row; ValueError names what is wrong."""
    pid = str(_integer(raw["pid"], "pid", 0, 10**15))
    item, section = _item(raw, items, dois)
    outside = raw["click_outside"].strip()
    if outside not in ("", "clicked"):
        raise ValueError(f"click_outside {outside!r} must be empty or 'clicked'")
    person = _person(raw)
    moved = _integer(raw["click_slider"], "click_slider", 0, 1) == 1
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
        raise PublishedDataError(f"{TRIALS_FILE}: missing column(s): {', '.join(missing)}")
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
        raise _invalid_rows(errors)
    if not people:
        raise PublishedDataError(f"{TRIALS_FILE} holds no trials.")
    notes.extend(_mismatch_notes(mismatched, items=items))
    return people


def _invalid_rows(errors: list[str]) -> PublishedDataError:
    """One error listing the first MAX_ERRORS_SHOWN problems and how many more there are."""
    shown = "\n".join(errors[:MAX_ERRORS_SHOWN])
    more = len(errors) - MAX_ERRORS_SHOWN
    return PublishedDataError(
        f"{len(errors)} invalid row(s):\n{shown}" + (f"\n... and {more} more" if more > 0 else "")
    )


def _mismatch_notes(
    mismatched: dict[int, tuple[str, list[int]]], *, items: dict[tuple[str, str], Item]
) -> list[str]:
    """One line per item whose rows name another journal section than the item bank does."""
    by_id = {item.pk: item for item in items.values()}
    return [
        f"{by_id[item_id]} (abstract_id {by_id[item_id].abstract_id}): journal_section "
        f"{section!r} in {TRIALS_FILE} (data rows {', '.join(map(str, rows))}), "
        f"{by_id[item_id].journal_section!r} in the item bank; the item's section is used."
        for item_id, (section, rows) in mismatched.items()
    ]
