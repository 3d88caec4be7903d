"""python manage.py purge_identifiers [--study SLUG] [--dry-run]: erase identifiers that are due."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from braintrial.participants.services.retention import identifiers_purge
from braintrial.studies.models import Study


class Command(BaseCommand):
    help = (
        "Erase recruitment ids, Prolific session ids, session-token, address and browser-mark "
        "hashes and user agents of the participants of closed studies whose "
        "identifier_retention_days have passed. Answers and analyses are kept. Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--study", help="Slug of one study (default: every study due).")
        parser.add_argument("--dry-run", action="store_true", help="Count only; erase nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        study = None
        if options["study"]:
            study = Study.objects.filter(slug=options["study"]).first()
            if study is None:
                raise CommandError(f"No study with slug '{options['study']}'.")
        results = identifiers_purge(now=timezone.now(), study=study, dry_run=options["dry_run"])
        verb = "would be purged" if options["dry_run"] else "purged"
        if not results:
            self.stdout.write(
                "No study is due: identifiers are erased only after a study "
                "has been closed for its identifier_retention_days."
            )
        for result in results:
            self.stdout.write(
                f"{result.study}: {result.participants} participant(s) {verb} "
                f"(due since {result.due_since:%Y-%m-%d %H:%M} UTC)"
            )
