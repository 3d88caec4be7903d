"""A bank row for every bank name in use; the published and built-in banks are public.

Existing banks are owned by the researchers of the studies drawing from them, so that nobody who
works with a bank today loses it; an administrator can correct the owners in the admin.
"""

from django.db import migrations

from braintrial.brainbench.names import BANK
from braintrial.items.builtin import BUILTIN_BANK

PUBLIC_BANKS = (BANK, BUILTIN_BANK)


def bank_rows_create(apps, schema_editor):
    alias = schema_editor.connection.alias
    ItemBank = apps.get_model("items", "ItemBank")
    Item = apps.get_model("items", "Item")
    Study = apps.get_model("studies", "Study")
    names = set(Item.objects.using(alias).values_list("bank", flat=True))
    names |= set(Study.objects.using(alias).values_list("bank", flat=True))
    names |= set(PUBLIC_BANKS)
    for name in sorted(names):
        bank, _ = ItemBank.objects.using(alias).get_or_create(
            name=name, defaults={"is_public": name in PUBLIC_BANKS}
        )
        if name not in PUBLIC_BANKS:
            researchers = Study.researchers.through.objects.using(alias).filter(study__bank=name)
            bank.owners.add(*researchers.values_list("user_id", flat=True))


class Migration(migrations.Migration):
    dependencies = [("items", "0003_item_bank"), ("studies", "0004_science_settings")]

    operations = [migrations.RunPython(bank_rows_create, migrations.RunPython.noop)]
