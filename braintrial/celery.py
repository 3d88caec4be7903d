"""Celery application; scoring tasks run on the dedicated ``scoring`` queue."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "braintrial.settings")

app = Celery("braintrial")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
