"""On Postgres, the audit log refuses deletes and changes at the database: entries are only
ever added. The one change allowed is the actor becoming null when a user account is deleted
(the foreign key's SET NULL); the entry keeps the actor's e-mail address then.

The embedded SQLite quick start has no such guard (nothing in the application edits entries)."""

from __future__ import annotations

from django.db import migrations

GUARD = """
CREATE OR REPLACE FUNCTION braintrial_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.actor_id IS NULL
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % of entry % refused', TG_OP, OLD.id;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_log_append_only ON auditlog_logentry;
CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON auditlog_logentry
    FOR EACH ROW EXECUTE FUNCTION braintrial_audit_append_only();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS audit_log_append_only ON auditlog_logentry;
DROP FUNCTION IF EXISTS braintrial_audit_append_only();
"""


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD, params=None)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("auditlog", "0017_add_actor_email")]
    operations = [migrations.RunPython(guard, unguard)]
