"""What the commands that import a folder of the published data share (not a command itself:
Django skips modules whose name starts with an underscore)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from braintrial.brainbench.files import PublishedDataError


class FolderImportCommand(BaseCommand):
    """Import from the data folder (an argument, or BRAINBENCH_DIR), print the service's report.

    Subclasses name the files they read and turn their service's report into lines.
    """

    files = "the files"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "directory",
            nargs="?",
            type=Path,
            default=None,
            help=f"Folder holding {self.files} (default: {settings.BRAINBENCH_DIR}).",
        )

    def handle(self, *args: Any, directory: Path | None, **options: Any) -> None:
        try:
            lines, changed = self.import_lines(directory=directory)
        except PublishedDataError as exc:
            raise CommandError(f"{exc}\nNothing was imported.") from exc
        for line in lines:
            self.stdout.write(line)
        done = "Import done." if changed else "Already up to date: nothing changed."
        self.stdout.write(self.style.SUCCESS(done))

    def import_lines(self, *, directory: Path | None) -> tuple[list[str], bool]:
        """Run the import; the report as lines to print, and whether anything changed."""
        raise NotImplementedError
