from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def builtin_items_after_migrate(
    sender: AppConfig, *, using: str, apps: Any = None, **kwargs: Any
) -> None:
    """Put the built-in items back after a flush (as Django does for content types).

    Migration 0002 creates them; ``manage.py flush`` and the flush between transactional tests
    empty every table and then send post_migrate, so without this the practice and catch items
    would be missing from then on.
    """
    from braintrial.items.builtin import builtin_items_ensure

    if apps is None:  # sent by hand without the migration state: the current models
        from django.apps import apps
    try:
        item_model = apps.get_model("items", "Item")
    except LookupError:  # migrated back to zero: there is no table to fill
        return
    builtin_items_ensure(item_model=item_model, using=using)


class ItemsConfig(AppConfig):
    name = "braintrial.items"
    label = "items"

    def ready(self) -> None:
        post_migrate.connect(
            builtin_items_after_migrate, sender=self, dispatch_uid="items.builtin_items"
        )
