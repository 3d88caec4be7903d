"""python manage.py import_published_trials [DIR]: the paper's human trials as a study."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from braintrial.brainbench.files import PublishedDataError
from braintrial.brainbench.names import IDS_FILE, STUDY_SLUG, TRIALS_FILE
from braintrial.brainbench.services import published_trials_import


class Command(BaseCommand):
    help = (
        f"Import the published BrainBench human-expert trials ({TRIALS_FILE}, with {IDS_FILE} "
        f"to find the items) into the closed study '{STUDY_SLUG}'. Run import_brainbench first. "
        "Idempotent; all or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "directory",
            nargs="?",
            type=Path,
            default=None,
            help=f"Folder holding the two files (default: {settings.BRAINBENCH_DIR}).",
        )

    def handle(self, *args: Any, directory: Path | None, **options: Any) -> None:
        try:
            report = published_trials_import(directory=directory)
        except PublishedDataError as exc:
            raise CommandError(f"{exc}\nNothing was imported.") from exc
        self.stdout.write(report.summary())
        for note in report.notes:
            self.stdout.write(f"  note: {note}")
        if report.changed:
            self.stdout.write(self.style.SUCCESS("Import done."))
        else:
            self.stdout.write(self.style.SUCCESS("Already up to date: nothing changed."))
