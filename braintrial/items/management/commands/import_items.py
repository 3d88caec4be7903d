"""python manage.py import_items FILE --bank NAME: test cases of any field, BrainBench's shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from braintrial.items.models import Item
from braintrial.items.services.importing import items_import_csv
from braintrial.items.services.parsing import ItemImportError


class Command(BaseCommand):
    help = (
        "Import test cases from a UTF-8 CSV file with columns doi, journal_section, "
        "original_abstract, incorrect_abstract (combined_abstract optional) into an item bank. "
        "Idempotent: rows are keyed by bank, file name and row; a file with any error imports "
        "nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV file.")
        parser.add_argument("--bank", required=True, help="Item bank name, e.g. 'ecology'.")
        parser.add_argument(
            "--source",
            choices=Item.Source.values,
            default=Item.Source.HUMAN,
            help="Who wrote the altered versions (default: human).",
        )

    def handle(self, *args: Any, file: Path, bank: str, source: str, **options: Any) -> None:
        try:
            report = items_import_csv(path=file, bank=bank, source=source)
        except ItemImportError as exc:
            raise CommandError(f"{exc}\nNothing was imported.") from exc
        self.stdout.write(report.summary())
        for defect in report.defects:
            self.stdout.write(f"  defective (kept as published): {defect}")
        if not report.changed:
            self.stdout.write(self.style.SUCCESS("Already up to date: nothing changed."))
