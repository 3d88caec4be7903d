"""python manage.py import_brainbench [DIR]: load the published BrainBench test cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from braintrial.brainbench.files import PublishedDataError
from braintrial.brainbench.names import BANK, GPT4_FILE, HUMAN_FILE, IDS_FILE
from braintrial.brainbench.services import published_items_import


class Command(BaseCommand):
    help = (
        f"Import the BrainBench test cases ({HUMAN_FILE}, {GPT4_FILE}, {IDS_FILE}) into the item "
        f"bank '{BANK}'. Idempotent. The files are published with Luo et al. (2024) at "
        f"{settings.BRAINBENCH_PUBLIC_URL}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "directory",
            nargs="?",
            type=Path,
            default=None,
            help=f"Folder holding the three files (default: {settings.BRAINBENCH_DIR}).",
        )

    def handle(self, *args: Any, directory: Path | None, **options: Any) -> None:
        try:
            report = published_items_import(directory=directory)
        except PublishedDataError as exc:
            raise CommandError(f"{exc}\nNothing was imported.") from exc
        for one in report.files:
            self.stdout.write(one.summary())
        self.stdout.write(f"{len(report.defects)} defective rows, kept as published:")
        for defect in report.defects:
            self.stdout.write(f"  {defect}")
        if report.changed:
            self.stdout.write(self.style.SUCCESS("Import done."))
        else:
            self.stdout.write(self.style.SUCCESS("Already up to date: nothing changed."))
