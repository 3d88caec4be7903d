"""The item-analysis columns of the items file (analysis.science.items).

They are computed from one study's answers and scores, so they are filled in a file for one
study and left empty in a file for several (an item's human accuracy belongs to a study). The
values, formatted once in Python, reach the database as one JSON parameter that each row reads by
its item id: the COPY path and the portable path write the same cells.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.db.models import CharField, F, Func, JSONField, QuerySet, Value
from django.db.models.functions import Cast, Concat, NullIf

from braintrial.analysis.rules import ExclusionRules
from braintrial.analysis.selectors import study_item_analysis
from braintrial.exports.rows.base import Column
from braintrial.studies.models import Study


def _number(value: Any) -> str:
    return "" if value is None else format(float(value), ".6g")


def _integer(value: Any) -> str:
    return "" if value is None else str(int(value))


def _flag(value: Any) -> str:
    return "1" if value else "0"


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(value)
    return str(value or "")


# (column, field of the analysis row, how its value is written, type, meaning)
FIELDS: list[tuple[str, str, Callable[[Any], str], str, str]] = [
    ("human_n", "n", _integer, "integer", "Analysed human trials on the item (this study)."),
    ("human_k", "k", _integer, "integer", "Of those, right."),
    ("human_accuracy", "accuracy", _number, "number", "human_k / human_n."),
    (
        "human_accuracy_low",
        "low",
        _number,
        "number",
        "95% Wilson interval of human_accuracy, lower end (wide on few trials).",
    ),
    ("human_accuracy_high", "high", _number, "number", "Its upper end."),
    (
        "models_correct",
        "models_correct",
        _number,
        "number",
        "Share of the paper's 15 LLMs (and the study's own scorers) whose choice was right "
        "(0 to 1).",
    ),
    (
        "models_agreement",
        "models_agreement",
        _number,
        "number",
        "Share of those scorers that chose as their majority did (1 = unanimous, 0.5 = split).",
    ),
    ("n_models", "n_models", _integer, "integer", "Scorers with a valid score on the item."),
    (
        "discrimination",
        "discrimination",
        _number,
        "number",
        "Corrected item-rest correlation (point-biserial): being right on this item against "
        "the participant's share right on their other analysed items, over participants with "
        "at least 2 other items; empty below 5 such participants or without variance. "
        "Negative: those who do better elsewhere get this item wrong more often.",
    ),
    (
        "discrimination_n",
        "discrimination_n",
        _integer,
        "integer",
        "Participants the discrimination is computed over.",
    ),
    (
        "confidence_right",
        "confidence_right",
        _number,
        "number",
        "Mean confidence (1-100) of the analysed trials answered right.",
    ),
    (
        "confidence_wrong",
        "confidence_wrong",
        _number,
        "number",
        "Mean confidence of those answered wrong (higher than confidence_right: misleading).",
    ),
    (
        "suspect",
        "suspect",
        _flag,
        "0/1",
        "1: worth a second look on the answers alone (see suspect_reasons); the importer's "
        "defect note is its own column. Flags are raised with false discoveries controlled "
        "over the bank (analysis.science.items): about five answers an item rarely raise one.",
    ),
    (
        "suspect_reasons",
        "suspect_reasons",
        _text,
        "text",
        "';'-separated: humans and models both tend to choose the altered version (most of "
        "the paper's LLMs do, and the humans' partially pooled accuracy is below one half with "
        "a posterior probability that keeps the expected share of false flags at most 10%); "
        "negative discrimination (exact permutation test, Benjamini-Hochberg at 10% over the "
        "bank).",
    ),
]
NAMES = [name for name, *_ in FIELDS]


class _Cell(Func):
    """The text at ``row[<item id>][key]`` of a JSON parameter (NULL where missing)."""

    function = "jsonb_extract_path_text"
    output_field = CharField()

    def __init__(self, blob: str, key: str) -> None:
        super().__init__(Cast(Value(blob), JSONField()), Cast(F("id"), CharField()), Value(key))
        self.blob, self.key = blob, key

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        blob = Value(self.blob)
        path = Concat(Value('$."'), Cast(F("id"), CharField()), Value(f'".{self.key}'))
        func = Func(blob, path, function="json_extract", output_field=CharField())
        return func.resolve_expression(compiler.query).as_sql(compiler, connection)


def empty_columns() -> list[Column]:
    """The columns as the dictionary and a file for several studies show them: empty."""
    return [Column(name, Value(None, CharField()), doc, kind) for name, _, _, kind, doc in FIELDS]


def item_analysis_columns(studies: QuerySet[Study], rules: ExclusionRules | None) -> list[Column]:
    """The columns filled from the study's item analysis where the file covers one study."""
    if studies.count() != 1:
        return empty_columns()
    rows = study_item_analysis(study=studies.get(), rules=rules)
    blob = json.dumps(
        {
            str(row["item_id"]): {
                name: (None if row[field] is None else write(row[field]))
                for name, field, write, _, _ in FIELDS
            }
            for row in rows
        }
    )
    return [
        Column(name, NullIf(_Cell(blob, name), Value("")), doc, kind)
        for name, _, _, kind, doc in FIELDS
    ]
