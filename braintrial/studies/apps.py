from __future__ import annotations

from django.apps import AppConfig


class StudiesConfig(AppConfig):
    name = "braintrial.studies"
    label = "studies"
