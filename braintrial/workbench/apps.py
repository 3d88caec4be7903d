from __future__ import annotations

from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    """The item workbench: candidate abstracts a lab imports before writing items from them."""

    name = "braintrial.workbench"
    label = "workbench"
    verbose_name = "Item workbench"
