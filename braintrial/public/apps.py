"""The study's public face: its results page, the JSON behind it, an embeddable chart, and its
frozen releases (braintrial.public.releases)."""

from __future__ import annotations

from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "braintrial.public"
    label = "public"
    default_auto_field = "django.db.models.BigAutoField"
