"""python manage.py import_brainbench [DIR]: load the published BrainBench test cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from braintrial.items.services import ItemImportError, brainbench_import


class Command(BaseCommand):
    help = (
        "Import the BrainBench test cases (BrainBench_Human_v0.1.csv, BrainBench_GPT-4_v0.1.csv, "
        "abstract_id_doi.csv) into the item bank 'brainbench'. Idempotent. The files are "
        f"published with Luo et al. (2024) at {settings.BRAINBENCH_PUBLIC_URL}."
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
            reports = brainbench_import(directory=directory)
        except ItemImportError as exc:
            raise CommandError(f"{exc}\nNothing was imported.") from exc
        for report in reports:
            self.stdout.write(report.summary())
        defects = [defect for report in reports for defect in report.defects]
        self.stdout.write(f"{len(defects)} defective rows, kept as published:")
        for defect in defects:
            self.stdout.write(f"  {defect}")
        if any(report.changed for report in reports):
            self.stdout.write(self.style.SUCCESS("Import done."))
        else:
            self.stdout.write(self.style.SUCCESS("Already up to date: nothing changed."))
