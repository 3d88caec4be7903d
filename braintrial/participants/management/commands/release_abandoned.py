"""Release the items of participants inactive for longer than their study's timeout (cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from braintrial.participants.services.assignment import studies_release_abandoned


class Command(BaseCommand):
    help = "Mark inactive participants as abandoned so their items count as unexposed again."

    def handle(self, *args: Any, **options: Any) -> None:
        released = studies_release_abandoned(now=timezone.now())
        for slug, n in released.items():
            self.stdout.write(f"{slug}: released {n} participant(s)")
        self.stdout.write(f"released {sum(released.values())} participant(s) in total")
