"""python manage.py exposure_rebuild [--study SLUG] [--check]: the exposure counters against
the trials they count."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from braintrial.participants.services.exposure import exposure_counters_rebuild
from braintrial.studies.models import Study


class Command(BaseCommand):
    help = (
        "Count each study's exposures from its trials and compare them with the stored counters "
        "the assignment uses; set the counters to the trials' counts unless --check is given. "
        "With --check, exits with an error when any counter differs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--study", help="Slug of one study (default: every study).")
        parser.add_argument("--check", action="store_true", help="Report only; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        studies = Study.objects.order_by("slug")
        if options["study"]:
            studies = studies.filter(slug=options["study"])
            if not studies.exists():
                raise CommandError(f"No study with slug '{options['study']}'.")
        differing = 0
        for study in studies:
            mismatches = exposure_counters_rebuild(study=study, fix=not options["check"])
            differing += len(mismatches)
            verb = "differ" if options["check"] else "fixed"
            self.stdout.write(f"{study.slug}: {len(mismatches)} counter(s) {verb}")
            for m in mismatches[:20]:
                stored = "missing" if m.stored is None else m.stored
                self.stdout.write(f"  item {m.item_id}: stored {stored}, trials {m.counted}")
        if options["check"] and differing:
            raise CommandError(f"{differing} exposure counter(s) differ from the trials.")
