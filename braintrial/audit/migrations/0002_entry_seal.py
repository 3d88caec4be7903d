"""The chain of seals over the audit log (braintrial.audit.chain): its table, append-only like
the log on Postgres, and a seal for each entry written before it, oldest first."""

from __future__ import annotations

from django.db import migrations, models

GUARD = """
CREATE OR REPLACE FUNCTION braintrial_audit_seal_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % of seal % refused', TG_OP, OLD.seq;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_seal_append_only
    BEFORE UPDATE OR DELETE ON audit_entryseal
    FOR EACH ROW EXECUTE FUNCTION braintrial_audit_seal_append_only();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS audit_seal_append_only ON audit_entryseal;
DROP FUNCTION IF EXISTS braintrial_audit_seal_append_only();
"""


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD, params=None)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD, params=None)


def seal_existing(apps, schema_editor):
    # The seal's form is the chain's, so it is read from there: a seal written here must
    # verify like any later one (and that form can never change).
    from braintrial.audit.chain import ENTRY_FIELDS, GENESIS, chain_key, key_id, seal_mac

    LogEntry = apps.get_model("auditlog", "LogEntry")
    EntrySeal = apps.get_model("audit", "EntrySeal")
    key, previous = chain_key(), GENESIS

    rows = LogEntry.objects.order_by("id").values(*ENTRY_FIELDS)
    for seq, row in enumerate(rows.iterator(), start=1):
        mac = seal_mac(key=key, seq=seq, previous=previous, row=row)
        EntrySeal.objects.create(
            seq=seq, entry_id=row["id"], actor_id=row["actor_id"], key_id=key_id(key), mac=mac
        )
        previous = mac


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_audit_log_append_only")]

    operations = [
        migrations.CreateModel(
            name="EntrySeal",
            fields=[
                ("seq", models.PositiveBigIntegerField(primary_key=True, serialize=False)),
                ("entry_id", models.BigIntegerField(unique=True)),
                ("actor_id", models.BigIntegerField(null=True)),
                ("key_id", models.CharField(max_length=16)),
                ("mac", models.CharField(max_length=64)),
            ],
            options={"ordering": ["seq"]},
        ),
        migrations.RunPython(guard, unguard),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
    ]
