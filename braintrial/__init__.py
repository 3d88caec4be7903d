"""braintrial: human-expert prediction trials compared with language models."""

from __future__ import annotations

from braintrial.celery import app as celery_app

__all__ = ["celery_app"]
