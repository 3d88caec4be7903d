"""python manage.py participant_withdraw --study SLUG (--recruitment-id ID | --reference REF)
--reason TEXT: withdraw a participant at their request."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from braintrial.participants.services.withdrawal import (
    MAX_REASON_CHARS,
    NotWithdrawable,
    participant_withdraw,
)
from braintrial.studies.models import Study


class Command(BaseCommand):
    help = (
        "Withdraw one participant: erase their trials, demographics and identifiers, leaving a "
        "tombstone (status withdrawn), update the exposure counters and record it in the audit "
        "log with the reason."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--study", required=True, help="Slug of the study.")
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--recruitment-id", help="PROLIFIC_PID or pid of the participant.")
        who.add_argument("--reference", help="The withdrawal reference from the completion page.")
        parser.add_argument(
            "--reason",
            required=True,
            help="Why (e.g. 'e-mail of 3 May asking for erasure'); kept in the audit log, so "
            "no names or addresses.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        study = Study.objects.filter(slug=options["study"]).first()
        if study is None:
            raise CommandError(f"No study with slug '{options['study']}'.")
        reason = options["reason"].strip()
        if not reason:
            raise CommandError("--reason must say why (it is kept in the audit log).")
        if len(reason) > MAX_REASON_CHARS:
            raise CommandError(f"--reason is longer than {MAX_REASON_CHARS} characters.")
        try:
            done = participant_withdraw(
                study=study,
                now=timezone.now(),
                recruitment_id=(options["recruitment_id"] or "").strip(),
                reference=(options["reference"] or "").strip(),
                requested_by="researcher",
                reason=reason,
            )
        except NotWithdrawable as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Withdrawn participant {done.public_id} of {study.slug} (was {done.status_before}): "
            f"{done.trials_erased} trial(s) erased; recorded in the audit log."
        )
