"""Periodic participant tasks (settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from braintrial.participants.services.retention import identifiers_purge


@shared_task(name="braintrial.participants.tasks.identifiers_purge_due")
def identifiers_purge_due() -> int:
    """Daily: erase the identifiers whose retention period has run out. Idempotent: a second
    run finds nothing left to erase. Returns the participants purged."""
    return sum(r.participants for r in identifiers_purge(now=timezone.now()))
