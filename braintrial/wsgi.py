"""WSGI entry point (gunicorn braintrial.wsgi)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "braintrial.settings")
application = get_wsgi_application()
# Every view and what it imports (the analysis stack: numpy, scipy, about a second) is loaded as
# the worker starts, not by the first request it serves.
get_resolver().url_patterns  # noqa: B018
