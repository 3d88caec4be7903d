"""Reading and validating published_model_scores.csv: one row per published model and test case.

Rows point at items by (testcase_file, row), which the test-case import stores as
(source_file, row) in the bank BANK. Every row is checked before anything is written.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from django.utils.text import slugify

from braintrial.brainbench.files import PublishedDataError
from braintrial.brainbench.names import BANK

COLUMNS = ("model", "display_name", "testcase_file", "row", "ppl_original", "ppl_altered")


@dataclass(frozen=True)
class ScoreRow:
    model: str
    display_name: str
    item_id: int
    ppl_original: float
    ppl_altered: float


def scorer_name_from_model(model: str) -> str:
    """A slug for a model id: 'meta-llama/Llama-2-7b-hf' -> 'meta-llama-llama-2-7b-hf'."""
    return slugify(model.replace("/", "-").replace(".", "-").replace("_", "-"))[:100]


def _ppl(value: str | None, *, column: str, where: str) -> float:
    try:
        number = float(value or "")
    except ValueError:
        raise PublishedDataError(f"{where}: {column} {value!r} is not a number") from None
    if not math.isfinite(number) or number <= 0:
        raise PublishedDataError(f"{where}: {column} {value!r} is not a positive perplexity")
    return number


def score_rows_parse(*, text: str, name: str, items: dict[tuple[str, int], int]) -> list[ScoreRow]:
    """Every row of the file, validated; ``items`` maps (source_file, row) -> item id.

    A model has one display name, and each item at most once.
    """
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise PublishedDataError(f"{name}: missing column(s) {', '.join(missing)}")
    rows: list[ScoreRow] = []
    seen: set[tuple[str, int]] = set()
    display_names: dict[str, str] = {}
    for number, record in enumerate(reader, start=1):
        where = f"{name} row {number}"
        model = (record["model"] or "").strip()
        if not model or not scorer_name_from_model(model):
            raise PublishedDataError(f"{where}: empty or unusable model {model!r}")
        display = (record["display_name"] or "").strip() or model
        if display_names.setdefault(model, display) != display:
            raise PublishedDataError(f"{where}: {model} has two display names")
        testcase_file = (record["testcase_file"] or "").strip()
        try:
            item_row = int(record["row"] or "")
        except ValueError:
            raise PublishedDataError(f"{where}: row {record['row']!r} is not a number") from None
        item_id = items.get((testcase_file, item_row))
        if item_id is None:
            raise PublishedDataError(
                f"{where}: no imported item {testcase_file} row {item_row} in bank {BANK}"
            )
        if (model, item_id) in seen:
            raise PublishedDataError(f"{where}: {model} has {testcase_file} row {item_row} twice")
        seen.add((model, item_id))
        rows.append(
            ScoreRow(
                model=model,
                display_name=display,
                item_id=item_id,
                ppl_original=_ppl(record["ppl_original"], column="ppl_original", where=where),
                ppl_altered=_ppl(record["ppl_altered"], column="ppl_altered", where=where),
            )
        )
    if not rows:
        raise PublishedDataError(f"{name}: no data rows")
    return rows
