"""WSGI entry point (gunicorn braintrial.wsgi)."""

from __future__ import annotations

import os

import django
from django.core.handlers.wsgi import WSGIHandler
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "braintrial.settings")
django.setup(set_prefix=False)

from braintrial.security import ReadableRequest  # noqa: E402 (needs the settings)


class Handler(WSGIHandler):
    # A Content-Type header Django cannot read is a 400, not a 500 before any middleware.
    request_class = ReadableRequest


application = Handler()
# Every view and what it imports (the analysis stack: numpy, scipy, about a second) is loaded as
# the worker starts, not by the first request it serves.
get_resolver().url_patterns  # noqa: B018
