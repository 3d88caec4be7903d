"""python manage.py audit_log [--study SLUG] [--json]: the audit trail, one entry a line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Model

from braintrial.audit.selectors import audit_entries, audit_line


class Command(BaseCommand):
    help = (
        "Print the audit trail, oldest first, one entry a line: UTC time (ISO 8601), actor, "
        "action, object, details (tab-separated; details as JSON). --json: JSON lines."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--study", help="Only entries about this study (slug).")
        parser.add_argument("--json", action="store_true", help="One JSON object a line.")

    def handle(self, *args: Any, **options: Any) -> None:
        study: Model | None = None
        if options["study"]:
            from django.apps import apps

            study = apps.get_model("studies", "Study").objects.filter(slug=options["study"]).first()
            if study is None:
                raise CommandError(f"No study with slug '{options['study']}'.")
        for entry in audit_entries(study=study).iterator(chunk_size=500):
            line = audit_line(entry=entry)
            self.stdout.write(line.json() if options["json"] else line.text())
