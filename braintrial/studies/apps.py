from __future__ import annotations

from django.apps import AppConfig


class StudiesConfig(AppConfig):
    name = "braintrial.studies"
    label = "studies"

    def ready(self) -> None:
        # After the admin's autodiscovery (the first app's ready): the item bank's admin asks
        # the bank rule, which lives here, above the item bank.
        from braintrial.studies.item_admin import item_admin_gate

        item_admin_gate()
