"""python manage.py import_published_trials [DIR]: the paper's human trials as a study."""

from __future__ import annotations

from pathlib import Path

from braintrial.brainbench.names import IDS_FILE, STUDY_SLUG, TRIALS_FILE
from braintrial.brainbench.services.trials import published_trials_import

from ._base import FolderImportCommand


class Command(FolderImportCommand):
    help = (
        f"Import the published BrainBench human-expert trials ({TRIALS_FILE}, with {IDS_FILE} "
        f"to find the items) into the closed study '{STUDY_SLUG}'. Run import_brainbench first. "
        "Idempotent; all or nothing."
    )
    files = "the two files"

    def import_lines(self, *, directory: Path | None) -> tuple[list[str], bool]:
        report = published_trials_import(directory=directory)
        lines = [report.summary(), *(f"  note: {note}" for note in report.notes)]
        return lines, report.changed
