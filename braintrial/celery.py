"""Celery application; scoring tasks run on the dedicated ``scoring`` queue."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "braintrial.settings")

app = Celery("braintrial")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Celery beat (one default-queue worker started with --beat, docs/data-protection.md): the
# daily purge of the identifiers whose retention period has run out.
app.conf.beat_schedule = {
    "purge-identifiers-daily": {
        "task": "braintrial.participants.tasks.identifiers_purge_due",
        "schedule": 24 * 3600,
    },
}
