"""On Postgres, a release's rows refuse every change and delete at the database, for every
role: a release never changes (the audit log's approach, audit migration 0001). TRUNCATE, which
only the tables' owner may run, is not a change of a row and is not refused (the test database
is emptied between tests with it).

The embedded SQLite quick start has no such guard (nothing in the application updates them)."""

from __future__ import annotations

from django.db import migrations

TABLES = ("public_release", "public_releaseitem", "public_releasefile")

GUARD = """
CREATE OR REPLACE FUNCTION braintrial_release_frozen() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a release never changes: % of % row % refused', TG_OP, TG_TABLE_NAME, OLD.id;
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
DROP TRIGGER IF EXISTS release_frozen ON {table};
CREATE TRIGGER release_frozen BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION braintrial_release_frozen();
"""
    for table in TABLES
)

UNGUARD = "".join(f"DROP TRIGGER IF EXISTS release_frozen ON {table};\n" for table in TABLES) + (
    "DROP FUNCTION IF EXISTS braintrial_release_frozen();\n"
)


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD, params=None)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("public", "0001_releases")]
    operations = [migrations.RunPython(guard, unguard)]
