"""Importing the paper's published per-item perplexities as read-only scorers.

The file (published_model_scores.csv) holds one row per model and test case; rows point at items
by (testcase_file, row), which the BrainBench importer stores as (source_file, row) in the bank
"brainbench". Validated whole before anything is written; written in one transaction.
"""

from __future__ import annotations

import csv
import io
import math
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from braintrial.items.models import Item
from scoring.models import TEMPLATE_SLOT, ItemScore, Scorer
from scoring.services.scorers import prompt_build

COLUMNS = ("model", "display_name", "testcase_file", "row", "ppl_original", "ppl_altered")
BANK = "brainbench"
TEMPLATES_DIR = "prompt_templates"


class PublishedScoresError(ValueError):
    """The file cannot be imported; the message names the file and the row."""


@dataclass
class PublishedImportReport:
    scorers_created: int = 0
    scores_created: int = 0
    scores_updated: int = 0
    scores_unchanged: int = 0
    scorers: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not (self.scorers_created or self.scores_created or self.scores_updated):
            return (
                f"Nothing changed: {len(self.scorers)} published scorers and "
                f"{self.scores_unchanged} scores already imported."
            )
        return (
            f"{len(self.scorers)} published scorers ({self.scorers_created} new): "
            f"{self.scores_created} scores created, {self.scores_updated} updated, "
            f"{self.scores_unchanged} unchanged."
        )


@dataclass(frozen=True)
class _Row:
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
        raise PublishedScoresError(f"{where}: {column} {value!r} is not a number") from None
    if not math.isfinite(number) or number <= 0:
        raise PublishedScoresError(f"{where}: {column} {value!r} is not a positive perplexity")
    return number


def _rows_parse(*, text: str, name: str, items: dict[tuple[str, int], int]) -> list[_Row]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise PublishedScoresError(f"{name}: missing column(s) {', '.join(missing)}")
    rows: list[_Row] = []
    seen: set[tuple[str, int]] = set()
    display_names: dict[str, str] = {}
    for number, record in enumerate(reader, start=1):
        where = f"{name} row {number}"
        model = (record["model"] or "").strip()
        if not model or not scorer_name_from_model(model):
            raise PublishedScoresError(f"{where}: empty or unusable model {model!r}")
        display = (record["display_name"] or "").strip() or model
        if display_names.setdefault(model, display) != display:
            raise PublishedScoresError(f"{where}: {model} has two display names")
        testcase_file = (record["testcase_file"] or "").strip()
        try:
            item_row = int(record["row"] or "")
        except ValueError:
            raise PublishedScoresError(f"{where}: row {record['row']!r} is not a number") from None
        item_id = items.get((testcase_file, item_row))
        if item_id is None:
            raise PublishedScoresError(
                f"{where}: no imported item {testcase_file} row {item_row} in bank {BANK}"
            )
        if (model, item_id) in seen:
            raise PublishedScoresError(f"{where}: {model} has {testcase_file} row {item_row} twice")
        seen.add((model, item_id))
        rows.append(
            _Row(
                model=model,
                display_name=display,
                item_id=item_id,
                ppl_original=_ppl(record["ppl_original"], column="ppl_original", where=where),
                ppl_altered=_ppl(record["ppl_altered"], column="ppl_altered", where=where),
            )
        )
    if not rows:
        raise PublishedScoresError(f"{name}: no data rows")
    return rows


def _template_for(*, path: Path, model: str) -> str:
    """The prompt the paper scored this model with, when the data ships it."""
    candidate = path.parent / TEMPLATES_DIR / f"{model.replace('/', '--')}.txt"
    if not candidate.is_file():
        return ""
    template = candidate.read_text(encoding="utf-8")
    if TEMPLATE_SLOT not in template:
        raise PublishedScoresError(f"{candidate}: template without {TEMPLATE_SLOT}")
    return template


def published_scores_import(*, path: Path, stdout: Any = None) -> PublishedImportReport:
    """Import published_model_scores.csv; idempotent, all or nothing.

    correct = ppl_original < ppl_altered (a tie is wrong); confidence = |difference|.
    """
    path = Path(path)
    if not path.is_file():
        raise PublishedScoresError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PublishedScoresError(f"{path.name}: is not valid UTF-8 ({exc})") from exc
    item_rows = Item.objects.filter(bank=BANK, kind=Item.Kind.TEST).values_list(
        "source_file", "row", "pk", "original"
    )
    items = {(source_file, row): pk for source_file, row, pk, _ in item_rows}
    if not items:
        raise PublishedScoresError(
            "No BrainBench items in the item bank: run 'python manage.py import_brainbench' first."
        )
    originals = {pk: original for _, _, pk, original in item_rows}
    rows = _rows_parse(text=text, name=path.name, items=items)
    models = {row.model: row.display_name for row in rows}
    templates = {model: _template_for(path=path, model=model) for model in models}
    report = PublishedImportReport()
    with transaction.atomic():
        scorers = _scorers_upsert(models=models, templates=templates, report=report)
        _scores_upsert(
            rows=rows, scorers=scorers, templates=templates, originals=originals, report=report
        )
    if stdout is not None:
        stdout.write(report.summary() + "\n")
    return report


def _scorers_upsert(
    *, models: dict[str, str], templates: dict[str, str], report: PublishedImportReport
) -> dict[str, Scorer]:
    scorers: dict[str, Scorer] = {}
    for model, display in models.items():
        name = scorer_name_from_model(model)
        existing = Scorer.objects.filter(name=name).first()
        if existing is not None and not existing.is_published:
            raise PublishedScoresError(
                f"A runnable scorer named {name} exists; rename it before importing {model}"
            )
        scorer, created = Scorer.objects.update_or_create(
            name=name,
            defaults={
                "display_name": display,
                "model_source": model,
                "prompt_template": templates[model],
                "is_published": True,
            },
        )
        report.scorers_created += int(created)
        report.scorers.append(name)
        scorers[model] = scorer
    return scorers


def _scores_upsert(
    *,
    rows: list[_Row],
    scorers: dict[str, Scorer],
    templates: dict[str, str],
    originals: dict[int, str],
    report: PublishedImportReport,
) -> None:
    scorer_ids = [scorer.pk for scorer in scorers.values()]
    existing = {
        (scorer_id, item_id): (ppl_original, ppl_altered)
        for scorer_id, item_id, ppl_original, ppl_altered in ItemScore.objects.filter(
            scorer_id__in=scorer_ids
        ).values_list("scorer_id", "item_id", "ppl_original", "ppl_altered")
    }
    changed: list[ItemScore] = []
    for row in rows:
        scorer = scorers[row.model]
        before = existing.get((scorer.pk, row.item_id))
        if before == (row.ppl_original, row.ppl_altered):
            report.scores_unchanged += 1
            continue
        if before is None:
            report.scores_created += 1
        else:
            report.scores_updated += 1
        prompt = prompt_build(template=templates[row.model], abstract=originals[row.item_id])
        changed.append(
            ItemScore(
                scorer=scorer,
                item_id=row.item_id,
                ppl_original=row.ppl_original,
                ppl_altered=row.ppl_altered,
                correct=row.ppl_original < row.ppl_altered,
                confidence=abs(row.ppl_original - row.ppl_altered),
                zlib_length_original=len(zlib.compress(prompt.encode("utf-8"))),
                config_fingerprint=scorer.config_fingerprint,
            )
        )
    ItemScore.objects.bulk_create(
        changed,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["scorer", "item"],
        update_fields=[
            "ppl_original",
            "ppl_altered",
            "correct",
            "confidence",
            "zlib_length_original",
            "config_fingerprint",
        ],
    )
