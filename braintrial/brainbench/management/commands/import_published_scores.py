"""python manage.py import_published_scores [FILE]: the paper's 26 models as read-only scorers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from braintrial.brainbench.files import PublishedDataError
from braintrial.brainbench.names import SCORES_FILE
from braintrial.brainbench.services.scores import published_scores_import


class Command(BaseCommand):
    help = (
        f"Import the published per-item perplexities ({SCORES_FILE}) as read-only "
        "scorers. Needs the BrainBench items (import_brainbench) first. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            nargs="?",
            type=Path,
            help=f"Default: BRAINBENCH_DIR/{SCORES_FILE}",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = published_scores_import(path=options["file"])
        except PublishedDataError as exc:
            raise CommandError(f"{exc}. Nothing was imported.") from exc
        self.stdout.write(report.summary())
