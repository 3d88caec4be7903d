"""Reading and validating published_models.csv: what each of the 26 published models is.

One row per model (its ``model`` as in published_model_scores.csv): family, size in billions of
parameters, kind (base, chat, instruct, lora, full_finetune, scratch), the model a chat model or
fine-tune starts from, its release month and whether it is one of the paper's 15 LLMs.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass

from braintrial.brainbench.files import PublishedDataError
from scoring.config import ModelKind

COLUMNS = ("model", "family", "params_b", "kind", "base_model", "paper_llm", "released")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class ModelRow:
    model: str
    family: str
    params_b: float
    kind: str
    base_model: str
    paper_llm: bool
    released: str  # YYYY-MM, "" when the model was never released


def _params(value: str, *, where: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise PublishedDataError(f"{where}: params_b {value!r} is not a number") from None
    if not math.isfinite(number) or number <= 0:
        raise PublishedDataError(f"{where}: params_b {value!r} is not a positive size")
    return number


def model_rows_parse(*, text: str, name: str) -> dict[str, ModelRow]:
    """Every row of the file by model, validated; a model listed twice is refused."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise PublishedDataError(f"{name}: missing column(s) {', '.join(missing)}")
    rows: dict[str, ModelRow] = {}
    for number, record in enumerate(reader, start=1):
        where = f"{name} row {number}"
        cells = {column: (record[column] or "").strip() for column in COLUMNS}
        if not cells["model"]:
            raise PublishedDataError(f"{where}: empty model")
        if cells["model"] in rows:
            raise PublishedDataError(f"{where}: {cells['model']} is listed twice")
        if cells["kind"] not in ModelKind.values:
            raise PublishedDataError(f"{where}: unknown kind {cells['kind']!r}")
        if cells["paper_llm"] not in ("0", "1"):
            raise PublishedDataError(f"{where}: paper_llm {cells['paper_llm']!r} is not 0 or 1")
        if cells["released"] and not _MONTH.match(cells["released"]):
            raise PublishedDataError(f"{where}: released {cells['released']!r} is not YYYY-MM")
        rows[cells["model"]] = ModelRow(
            model=cells["model"],
            family=cells["family"],
            params_b=_params(cells["params_b"], where=where),
            kind=cells["kind"],
            base_model=cells["base_model"],
            paper_llm=cells["paper_llm"] == "1",
            released=cells["released"],
        )
    if not rows:
        raise PublishedDataError(f"{name}: no data rows")
    return rows
