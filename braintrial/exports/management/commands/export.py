"""python manage.py export trials|participants|items|scores --study SLUG [-o FILE]"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from braintrial.audit.services import audit_download_record
from braintrial.exports.rows import EXPORT_KINDS
from braintrial.exports.writers import csv_stream
from braintrial.studies.models import Study


class Command(BaseCommand):
    help = (
        "Write one CSV export (the same file as the dashboard's download) to a file or stdout. "
        "Columns are documented at /exports/dictionary/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(EXPORT_KINDS), help="which file")
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--study", help="slug of the study to export")
        scope.add_argument("--all", action="store_true", help="every study in the database")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")
        parser.add_argument(
            "--include-excluded",
            action="store_true",
            help="also the rows an analysis leaves out (excluded, practice, catch, unanswered)",
        )
        parser.add_argument(
            "--pseudonymise",
            action="store_true",
            help="recruitment ids as a keyed hash per study; session ids and user agents empty",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The command line is trusted like the admin: it may read every study.
        if options["all"]:
            studies = Study.objects.all()
        else:
            studies = Study.objects.filter(slug=options["study"])
            if not studies.exists():
                raise CommandError(f"No study with slug {options['study']!r}.")
        audit_download_record(
            actor=None,
            studies=studies,
            what=f"{options['kind']}.csv (command)",
            options={
                "include_excluded": options["include_excluded"],
                "rules": "study settings",
                "pseudonymised": options["pseudonymise"],
            },
        )
        chunks = csv_stream(
            kind=EXPORT_KINDS[options["kind"]],
            studies=studies,
            include_excluded=options["include_excluded"],
            pseudonymise=options["pseudonymise"],
            # The command line reads every study, held-out texts included (as the admin).
            withheld=frozenset(),
        )
        if options["output"] in (None, "-"):
            for chunk in chunks:
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            return
        try:
            with open(options["output"], "wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
        except OSError as exc:
            raise CommandError(f"Cannot write {options['output']}: {exc.strerror}") from exc
        self.stderr.write(f"Wrote {options['output']}")
