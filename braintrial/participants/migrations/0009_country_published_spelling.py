"""Participants who chose Ireland are stored under the published data's spelling."""

from django.db import migrations

OLD, NEW = "Ireland", "Ireland {Republic}"


def forwards(apps, schema_editor):
    Participant = apps.get_model("participants", "Participant")
    Participant.objects.filter(country=OLD).update(country=NEW)


def backwards(apps, schema_editor):
    Participant = apps.get_model("participants", "Participant")
    Participant.objects.filter(country=NEW).update(country=OLD)


class Migration(migrations.Migration):
    dependencies = [("participants", "0008_hashes_and_repeat_flag_without_db_defaults")]

    operations = [migrations.RunPython(forwards, backwards)]
