"""Every write of a study row moves its ``updated_at``, however it is made.

The participant pages keep each web process's copy of a study by the version it was read at
(``studies.selectors.study_at_version``, keyed by ``updated_at``). ``save()`` moves the
column, but ``QuerySet.update``, ``save(update_fields=...)`` without it, raw SQL and data
migrations did not: every worker went on serving its old copy until it restarted. A trigger
moves it on any UPDATE that leaves it as it was (one that sets it, as ``save()`` does, keeps
its value).

* PostgreSQL: a BEFORE UPDATE trigger sets it to the statement's clock time, at least one
  microsecond after the old value, so a version is never seen twice.
* SQLite (the embedded quick start): an AFTER UPDATE trigger writes the time in milliseconds
  with three random digits for the microseconds (SQLite's clock has no finer ones): two writes
  outside save() within the same millisecond collide once in a thousand.
"""

from __future__ import annotations

from django.db import migrations

POSTGRES = """
CREATE OR REPLACE FUNCTION braintrial_study_touch() RETURNS trigger AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := GREATEST(clock_timestamp(), OLD.updated_at + interval '1 microsecond');
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS study_touch ON studies_study;
CREATE TRIGGER study_touch BEFORE UPDATE ON studies_study
    FOR EACH ROW EXECUTE FUNCTION braintrial_study_touch();
"""
POSTGRES_UNDO = """
DROP TRIGGER IF EXISTS study_touch ON studies_study;
DROP FUNCTION IF EXISTS braintrial_study_touch();
"""
SQLITE = """
CREATE TRIGGER IF NOT EXISTS study_touch AFTER UPDATE ON studies_study
FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE studies_study
    SET updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
        || substr(printf('%06d', abs(random()) % 1000000), 4)
    WHERE id = NEW.id;
END;
"""
SQLITE_UNDO = "DROP TRIGGER IF EXISTS study_touch;"


def touch(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE, params=None)


def untouch(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UNDO, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UNDO, params=None)


class Migration(migrations.Migration):
    dependencies = [("studies", "0010_study_invitation")]
    operations = [migrations.RunPython(touch, untouch)]
