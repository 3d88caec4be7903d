"""Create the project's own practice item and catch items in every database."""

from __future__ import annotations

from django.db import migrations

from braintrial.items.builtin import BUILTIN_BANK, BUILTIN_SOURCE_FILE, builtin_items_ensure


def create_builtin_items(apps, schema_editor):
    builtin_items_ensure(
        item_model=apps.get_model("items", "Item"), using=schema_editor.connection.alias
    )


def delete_builtin_items(apps, schema_editor):
    Item = apps.get_model("items", "Item")
    Item.objects.using(schema_editor.connection.alias).filter(bank=BUILTIN_BANK, source_file=BUILTIN_SOURCE_FILE).delete()


class Migration(migrations.Migration):
    dependencies = [("items", "0001_initial")]

    operations = [migrations.RunPython(create_builtin_items, delete_builtin_items)]
