"""python manage.py audit_log [--study SLUG] [--json] | --verify: the audit trail, one entry a
line; or the check of its chain of seals."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Model

from braintrial.audit.chain import chain_verify
from braintrial.audit.selectors import audit_entries, audit_line


class Command(BaseCommand):
    help = (
        "Print the audit trail, oldest first, one entry a line: UTC time (ISO 8601), actor, "
        "action, object, details (tab-separated; details as JSON). --json: JSON lines. "
        "--verify: check every entry against its seal; fails naming the first that does not "
        "verify, else prints the number of entries and the last seal."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--study", help="Only entries about this study (slug).")
        parser.add_argument("--json", action="store_true", help="One JSON object a line.")
        parser.add_argument(
            "--verify", action="store_true", help="Check the chain of seals over the whole log."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verify"]:
            self._verify()
            return
        study: Model | None = None
        if options["study"]:
            from django.apps import apps

            study = apps.get_model("studies", "Study").objects.filter(slug=options["study"]).first()
            if study is None:
                raise CommandError(f"No study with slug '{options['study']}'.")
        for entry in audit_entries(study=study).iterator(chunk_size=500):
            line = audit_line(entry=entry)
            self.stdout.write(line.json() if options["json"] else line.text())

    def _verify(self) -> None:
        report = chain_verify()
        if report.problems:
            first = report.problems[0]
            raise CommandError(
                f"Entry {first.entry_id} does not verify: {first.reason}. "
                f"{len(report.problems)} problem(s) in {report.entries} entries."
            )
        head = f"seal {report.head.seq}, {report.head.mac}" if report.head else "no seal yet"
        self.stdout.write(f"The audit log verifies: {report.entries} entries; last {head}.")
