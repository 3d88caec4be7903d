from __future__ import annotations

from django.apps import AppConfig


class BrainbenchConfig(AppConfig):
    name = "braintrial.brainbench"
    label = "brainbench"
