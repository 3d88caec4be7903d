"""python manage.py import_brainbench [DIR]: load the published BrainBench test cases."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from braintrial.brainbench.names import BANK, GPT4_FILE, HUMAN_FILE, IDS_FILE
from braintrial.brainbench.services.items import published_items_import

from ._base import FolderImportCommand


class Command(FolderImportCommand):
    help = (
        f"Import the BrainBench test cases ({HUMAN_FILE}, {GPT4_FILE}, {IDS_FILE}) into the item "
        f"bank '{BANK}'. Idempotent. The files are published with Luo et al. (2024) at "
        f"{settings.BRAINBENCH_PUBLIC_URL}."
    )
    files = "the three files"

    def import_lines(self, *, directory: Path | None) -> tuple[list[str], bool]:
        report = published_items_import(directory=directory)
        lines = [one.summary() for one in report.files]
        lines.append(f"{len(report.defects)} defective rows, kept as published:")
        lines += [f"  {defect}" for defect in report.defects]
        return lines, report.changed
