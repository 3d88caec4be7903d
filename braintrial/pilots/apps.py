from __future__ import annotations

from django.apps import AppConfig


class PilotsConfig(AppConfig):
    """Scripted participants that pilot a study through its real HTTP flow; no models."""

    name = "braintrial.pilots"
    label = "pilots"
