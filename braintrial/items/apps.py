from __future__ import annotations

from django.apps import AppConfig


class ItemsConfig(AppConfig):
    name = "braintrial.items"
    label = "items"
