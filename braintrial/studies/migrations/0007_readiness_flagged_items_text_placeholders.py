
import braintrial.studies.texts
from django.db import migrations, models

# The default consent before its numbers came from the study: it promised 30 minutes whatever
# the study ran. Studies still holding it word for word get the default that states their own.
OLD_CONSENT = (
    "You are invited to take part in a study comparing how neuroscientists and language models "
    "predict the results of neuroscience studies. You will read pairs of abstracts and pick the "
    "one with the published results. It takes about 30 minutes. Taking part is voluntary; you can "
    "stop at any time by closing the page. Your answers are stored without your name and are used "
    "for research only."
)
NEW_CONSENT = (
    "You are invited to take part in a study comparing how neuroscientists and language models "
    "predict the results of neuroscience studies. You will read {trials} pairs of abstracts and "
    "pick the one with the published results. It takes about {minutes} minutes. Taking part is "
    "voluntary; you can stop at any time by closing the page. Your answers are stored without "
    "your name and are used for research only."
)
# The published study reproduces the paper, which used every published item.
PUBLISHED_STUDY = "brainbench-2024"


def forwards(apps, schema_editor):
    Study = apps.get_model("studies", "Study")
    Study.objects.filter(consent_text=OLD_CONSENT).update(consent_text=NEW_CONSENT)
    Study.objects.filter(slug=PUBLISHED_STUDY).update(skip_flagged_items=False)


def backwards(apps, schema_editor):
    Study = apps.get_model("studies", "Study")
    Study.objects.filter(consent_text=NEW_CONSENT).update(consent_text=OLD_CONSENT)


class Migration(migrations.Migration):

    dependencies = [
        ('studies', '0006_comparison_ranks_analysed_participants'),
    ]

    operations = [
        migrations.AddField(
            model_name='study',
            name='skip_flagged_items',
            field=models.BooleanField(default=True, help_text="Keep items the importer flagged as defective (e.g. a garbled abstract) out of the assignment. The published study's reproduction keeps them, as published."),
        ),
        migrations.AlterField(
            model_name='study',
            name='consent_text',
            field=models.TextField(default='You are invited to take part in a study comparing how neuroscientists and language models predict the results of neuroscience studies. You will read {trials} pairs of abstracts and pick the one with the published results. It takes about {minutes} minutes. Taking part is voluntary; you can stop at any time by closing the page. Your answers are stored without your name and are used for research only.', help_text="{trials} and {minutes} are replaced by the study's own numbers.", validators=[braintrial.studies.texts.placeholders_validate]),
        ),
        migrations.AlterField(
            model_name='study',
            name='instructions_text',
            field=models.TextField(blank=True, help_text="{trials} and {minutes} are replaced by the study's own numbers.", validators=[braintrial.studies.texts.placeholders_validate]),
        ),
        migrations.AlterField(
            model_name='study',
            name='is_open',
            field=models.BooleanField(default=False, help_text='Closed studies accept no new participants. A study opens only once it is ready: its bank holds the items its settings ask for.'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
