"""A bank row for every bank name in use; the published and built-in banks are public.

An existing bank is owned by the researchers of the first study that drew from it: the team that
named it, not one that pointed a later study at it (the hole this closes). An administrator can
add owners in the admin.
"""

from django.db import migrations

# The published and the built-in bank, spelled out: a migration stays as it was written, whatever
# later happens to the app code that names these banks today.
PUBLIC_BANKS = ("brainbench", "braintrial")


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
            first = Study.objects.using(alias).filter(bank=name).order_by("created_at", "pk").first()
            if first is not None:
                bank.owners.add(*first.researchers.values_list("pk", flat=True))


class Migration(migrations.Migration):
    dependencies = [("items", "0003_item_bank"), ("studies", "0004_science_settings")]

    operations = [migrations.RunPython(bank_rows_create, migrations.RunPython.noop)]
