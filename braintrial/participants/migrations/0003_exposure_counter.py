"""Exposure counters per study and test item, filled from the trials already stored."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('items', '0002_builtin_items'),
        ('participants', '0002_participant_updated_at'),
        ('studies', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='ExposureCounter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('n', models.PositiveIntegerField(default=0)),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='items.item')),
                ('study', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='exposure_counters', to='studies.study')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('study', 'item'), name='exposure_counter_unique')],
            },
        ),
        # The counts the assignment used to aggregate on every start, stored once.
        migrations.RunSQL(
            """
            INSERT INTO participants_exposurecounter (study_id, item_id, n)
            SELECT p.study_id, t.item_id, count(*)
            FROM participants_trial t
            JOIN participants_participant p ON p.id = t.participant_id
            WHERE t.kind = 'test' AND p.released_at IS NULL
            GROUP BY p.study_id, t.item_id
            """,
            migrations.RunSQL.noop,
        ),
    ]
