"""The paper's per-item perplexities of its 26 models, stored as read-only (published) scorers.

Published data, so written straight into the scoring models: no run, no engine. Validated whole
before anything is written; written in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from braintrial.brainbench.files import PublishedDataError, data_directory, text_read
from braintrial.brainbench.names import BANK, SCORES_FILE
from braintrial.brainbench.prompts import prompt_template_read
from braintrial.brainbench.score_rows import ScoreRow, score_rows_parse, scorer_name_from_model
from braintrial.brainbench.services.models import published_display_names, published_models_read
from braintrial.items.models import Item
from scoring.models import ItemScore, Scorer
from scoring.services.scorers import prompt_build, score_choice_fields


@dataclass
class PublishedScoresReport:
    scorers_created: int = 0
    scorers_updated: int = 0
    scores_created: int = 0
    scores_updated: int = 0
    scores_unchanged: int = 0
    scorers: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.scorers_created
            or self.scorers_updated
            or self.scores_created
            or self.scores_updated
        )

    def summary(self) -> str:
        if not self.changed:
            return (
                f"Nothing changed: {len(self.scorers)} published scorers and "
                f"{self.scores_unchanged} scores already imported."
            )
        updated = f", {self.scorers_updated} updated" if self.scorers_updated else ""
        return (
            f"{len(self.scorers)} published scorers ({self.scorers_created} new{updated}): "
            f"{self.scores_created} scores created, {self.scores_updated} updated, "
            f"{self.scores_unchanged} unchanged."
        )


def published_scores_import(*, path: Path | None = None) -> PublishedScoresReport:
    """Import published_model_scores.csv (default: in settings.BRAINBENCH_DIR); idempotent,
    all or nothing. Each model's prompt template is read from prompt_templates/ next to the file,
    what it is (family, size, kind, base model, release, paper LLM) from published_models.csv.
    A re-import brings existing published scorers up to date: a changed template rewrites their
    scores' stored prompt lengths (zlib) too.

    correct = ppl_original < ppl_altered (a tie is wrong); confidence = |difference|.
    """
    path = Path(path) if path is not None else data_directory() / SCORES_FILE
    text = text_read(path=path)
    item_rows = Item.objects.filter(bank=BANK, kind=Item.Kind.TEST).values_list(
        "source_file", "row", "pk", "original"
    )
    items = {(source_file, row): pk for source_file, row, pk, _ in item_rows}
    if not items:
        raise PublishedDataError(
            "No BrainBench items in the item bank: run 'python manage.py import_brainbench' first."
        )
    originals = {pk: original for _, _, pk, original in item_rows}
    rows = score_rows_parse(text=text, name=path.name, items=items)
    models = {row.model: row.display_name for row in rows}
    templates = {
        model: prompt_template_read(directory=path.parent, model=model) for model in models
    }
    metadata = published_models_read(directory=path.parent, models=list(models))
    models = published_display_names(displays=models, metadata=metadata)
    report = PublishedScoresReport()
    with transaction.atomic():
        scorers = _scorers_upsert(
            models=models, templates=templates, metadata=metadata, report=report
        )
        _scores_upsert(
            rows=rows, scorers=scorers, templates=templates, originals=originals, report=report
        )
    return report


def _scorers_upsert(
    *,
    models: dict[str, str],
    templates: dict[str, str],
    metadata: dict[str, dict[str, Any]],
    report: PublishedScoresReport,
) -> dict[str, Scorer]:
    """The published scorers by model, created or brought up to date.

    A scorer whose fields already hold the published values is not saved, so a second import
    leaves it untouched (its updated_at included).
    """
    scorers: dict[str, Scorer] = {}
    for model, display in models.items():
        name = scorer_name_from_model(model)
        wanted = {
            "display_name": display,
            "model_source": model,
            "prompt_template": templates[model],
            "is_published": True,
            **metadata[model],
        }
        scorer = Scorer.objects.select_for_update().filter(name=name).first()
        if scorer is None:
            scorer = Scorer.objects.create(name=name, **wanted)
            report.scorers_created += 1
        elif not scorer.is_published:
            raise PublishedDataError(
                f"A runnable scorer named {name} exists; rename it before importing {model}"
            )
        else:
            stale = [key for key, value in wanted.items() if getattr(scorer, key) != value]
            if stale:
                for key in stale:
                    setattr(scorer, key, wanted[key])
                scorer.save(update_fields=[*stale, "updated_at"])
                report.scorers_updated += 1
        report.scorers.append(name)
        scorers[model] = scorer
    return scorers


def _scores_upsert(
    *,
    rows: list[ScoreRow],
    scorers: dict[str, Scorer],
    templates: dict[str, str],
    originals: dict[int, str],
    report: PublishedScoresReport,
) -> None:
    """Create or rewrite each row's score, leaving alone one already stored as it would be.

    A changed template changes the scorer's fingerprint and the prompt whose compressed length
    is stored, so that scorer's scores are rewritten too; so is a score whose stored length
    disagrees with its prompt (an import made before the scorer's template was published).
    """
    scorer_ids = [scorer.pk for scorer in scorers.values()]
    fingerprints = {scorer.pk: scorer.config_fingerprint for scorer in scorers.values()}
    existing = {
        (scorer_id, item_id): stored
        for scorer_id, item_id, *stored in ItemScore.objects.filter(
            scorer_id__in=scorer_ids
        ).values_list(
            "scorer_id",
            "item_id",
            "ppl_original",
            "ppl_altered",
            "zlib_length_original",
            "config_fingerprint",
        )
    }
    changed: list[ItemScore] = []
    for row in rows:
        scorer = scorers[row.model]
        prompt = prompt_build(template=templates[row.model], abstract=originals[row.item_id])
        choice = score_choice_fields(
            ppl_original=row.ppl_original, ppl_altered=row.ppl_altered, prompt=prompt
        )
        wanted = [
            row.ppl_original,
            row.ppl_altered,
            choice["zlib_length_original"],
            fingerprints[scorer.pk],
        ]
        before = existing.get((scorer.pk, row.item_id))
        if before == wanted:
            report.scores_unchanged += 1
            continue
        if before is None:
            report.scores_created += 1
        else:
            report.scores_updated += 1
        changed.append(
            ItemScore(
                scorer=scorer,
                item_id=row.item_id,
                ppl_original=row.ppl_original,
                ppl_altered=row.ppl_altered,
                **choice,
                config_fingerprint=fingerprints[scorer.pk],
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
