"""Item versions: a lineage shared by every version of a test case, a version number, and the
retirement of the versions no longer served. Every existing row becomes version 1 of a lineage
of its own."""

import uuid

from django.db import migrations, models


def lineages_fill(apps, schema_editor):
    Item = apps.get_model("items", "Item")
    alias = schema_editor.connection.alias
    for pk in Item.objects.using(alias).values_list("pk", flat=True):
        Item.objects.using(alias).filter(pk=pk).update(lineage=uuid.uuid4())


class Migration(migrations.Migration):

    dependencies = [
        ('items', '0005_item_publication_date'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='item',
            name='item_unique_row_per_file',
        ),
        migrations.AddField(
            model_name='item',
            name='combined',
            field=models.TextField(blank=True, help_text="combined_abstract as the imported file had it (empty where it had none); the bank's export writes it back unchanged."),
        ),
        migrations.AddField(
            model_name='item',
            name='lineage',
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(lineages_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='item',
            name='lineage',
            field=models.UUIDField(default=uuid.uuid4, editable=False, help_text='Shared by every version of one test case.'),
        ),
        migrations.AddField(
            model_name='item',
            name='retired_at',
            field=models.DateTimeField(blank=True, help_text='When the version stopped being served; null: current.', null=True),
        ),
        migrations.AddField(
            model_name='item',
            name='retirement',
            field=models.CharField(blank=True, choices=[('', 'Current'), ('superseded', 'Superseded by a newer version'), ('retired', 'Retired')], default='', max_length=16),
        ),
        migrations.AddField(
            model_name='item',
            name='version',
            field=models.PositiveIntegerField(default=1, help_text='1, 2, ... within the lineage.'),
        ),
        migrations.AddConstraint(
            model_name='item',
            constraint=models.UniqueConstraint(fields=('bank', 'source_file', 'row', 'version'), name='item_unique_row_per_file'),
        ),
        migrations.AddConstraint(
            model_name='item',
            constraint=models.UniqueConstraint(fields=('lineage', 'version'), name='item_unique_version'),
        ),
        migrations.AddConstraint(
            model_name='item',
            constraint=models.UniqueConstraint(condition=models.Q(('retired_at__isnull', True)), fields=('lineage',), name='item_one_current_version'),
        ),
        migrations.AddConstraint(
            model_name='item',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('retired_at__isnull', True), ('retirement', '')), models.Q(('retired_at__isnull', False), models.Q(('retirement', ''), _negated=True)), _connector='OR'), name='item_retired_has_reason'),
        ),
        migrations.AddConstraint(
            model_name='item',
            constraint=models.CheckConstraint(condition=models.Q(('version__gte', 1)), name='item_version_1_up'),
        ),
    ]
