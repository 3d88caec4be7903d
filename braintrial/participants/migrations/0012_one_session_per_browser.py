"""One session in progress per browser and study, enforced by a unique index.

Simultaneous starts before this could leave several participants in progress with one mark:
they are all flagged as suspected repeats, and all but the latest lose the mark (their browser
holds the latest's session, so nobody can resume the others), before the index is built.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models
from django.db.models import Count

IN_PROGRESS = ["consent", "active"]


def orphans_unmark(apps: Any, schema_editor: Any) -> None:
    Participant = apps.get_model("participants", "Participant")
    running = Participant.objects.filter(status__in=IN_PROGRESS).exclude(browser_mark_hash="")
    doubled = (
        running.values("study_id", "browser_mark_hash")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for group in doubled:
        same = running.filter(
            study_id=group["study_id"], browser_mark_hash=group["browser_mark_hash"]
        ).order_by("-started_at", "-id")
        same.update(repeat_suspected=True)
        keep = same.values_list("id", flat=True)[0]
        same.exclude(id=keep).update(browser_mark_hash="")


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0011_withdrawal_consent_and_purge"),
        ("studies", "0005_participant_pages"),
    ]

    operations = [
        migrations.RunPython(orphans_unmark, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="participant",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    models.Q(("browser_mark_hash", ""), _negated=True),
                    ("status__in", ["consent", "active"]),
                ),
                fields=("study", "browser_mark_hash"),
                name="participant_one_session_per_browser",
            ),
        ),
    ]
