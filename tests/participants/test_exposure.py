"""Exposure counters: kept with the trials they count, released with abandoned participants,
checked and rebuilt from the trials by a command."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.test import Client
from django.utils import timezone

from braintrial.items.models import Item
from braintrial.participants.models import ExposureCounter, Participant, Trial
from braintrial.participants.selectors import exposure_counts, exposure_counts_from_trials
from braintrial.studies.models import Study
from tests.participants.conftest import walk_to_practice

pytestmark = pytest.mark.django_db


def rebuild(*args: str) -> str:
    out = StringIO()
    call_command("exposure_rebuild", *args, stdout=out)
    return out.getvalue()


def test_counters_equal_the_trials_after_each_start(study: Study) -> None:
    for _ in range(7):
        walk_to_practice(Client(), study)
        assert exposure_counts(study=study) == exposure_counts_from_trials(study=study)
    assert sum(exposure_counts(study=study).values()) == 7 * 9


def test_release_takes_the_abandoned_participants_items_off_the_counters(study: Study) -> None:
    gone = walk_to_practice(Client(), study)
    walk_to_practice(Client(), study)
    Participant.objects.filter(pk=gone.pk).update(
        last_seen_at=timezone.now() - timedelta(minutes=study.abandon_after_minutes + 1)
    )

    call_command("release_abandoned", stdout=StringIO())

    assert sum(exposure_counts(study=study).values()) == 9
    assert exposure_counts(study=study) == exposure_counts_from_trials(study=study)
    assert "pilot: 0 counter(s) differ" in rebuild("--check")


def test_check_reports_a_drifted_counter_and_rebuild_sets_it_from_the_trials(
    study: Study,
) -> None:
    walk_to_practice(Client(), study)
    held = Trial.objects.filter(kind=Item.Kind.TEST).values_list("item_id", flat=True).first()
    ExposureCounter.objects.filter(item_id=held).update(n=F("n") + 5)

    with pytest.raises(CommandError, match="1 exposure counter"):
        rebuild("--check")
    output = rebuild("--study", "pilot")

    assert f"item {held}: stored 6, trials 1" in output
    assert "pilot: 0 counter(s) differ" in rebuild("--check")


def test_a_study_without_counters_gets_them_from_its_trials_at_the_next_start(
    study: Study,
) -> None:
    for _ in range(3):
        walk_to_practice(Client(), study)
    ExposureCounter.objects.all().delete()  # as for trials stored before the counters existed

    walk_to_practice(Client(), study)

    assert sum(exposure_counts(study=study).values()) == 4 * 9
    assert exposure_counts(study=study) == exposure_counts_from_trials(study=study)


def test_rebuild_of_an_unknown_study_is_refused() -> None:
    with pytest.raises(CommandError, match="No study with slug 'nope'"):
        rebuild("--study", "nope")
