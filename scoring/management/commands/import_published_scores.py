"""python manage.py import_published_scores [FILE]: the paper's 26 models as read-only scorers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from scoring.services import PublishedScoresError, published_scores_import


class Command(BaseCommand):
    help = (
        "Import the published per-item perplexities (published_model_scores.csv) as read-only "
        "scorers. Needs the BrainBench items (import_brainbench) first. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            nargs="?",
            type=Path,
            help="Default: BRAINBENCH_DIR/published_model_scores.csv",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"] or Path(settings.BRAINBENCH_DIR) / "published_model_scores.csv"
        try:
            published_scores_import(path=path, stdout=self.stdout)
        except PublishedScoresError as exc:
            raise CommandError(f"{exc}. Nothing was imported.") from exc
