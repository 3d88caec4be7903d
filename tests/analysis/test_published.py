"""The paper's figures, reproduced from the published files through the real import commands.

The imports run once for the module (they take a few seconds); every test reads the same data.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from braintrial.analysis.importers import STUDY_SLUG
from braintrial.analysis.selectors import study_report
from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import Study


@pytest.fixture(scope="module")
def published(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """Items, published trials (and published scores once importable) for the whole module."""
    with django_db_blocker.unblock():
        call_command("import_brainbench", stdout=io.StringIO())
        out = io.StringIO()
        call_command("import_published_trials", stdout=out)
        study = Study.objects.get(slug=STUDY_SLUG)
        yield {"study": study, "output": out.getvalue(), "report": study_report(study=study)}
        Trial.objects.filter(participant__study=study).delete()
        Participant.objects.filter(study=study).delete()
        study.delete()


def human(report: dict) -> dict:
    return report["sources"]["human"]


@pytest.mark.django_db
def test_import_creates_171_participants_and_1514_trials(published: Any) -> None:
    study = published["study"]
    assert Participant.objects.filter(study=study).count() == 171
    assert Trial.objects.filter(participant__study=study).count() == 1514
    assert not study.is_open
    assert "171 participants and 1514 trials imported" in published["output"]


@pytest.mark.django_db
def test_human_accuracy_on_human_written_items_is_641_of_1011(published: Any) -> None:
    acc = human(published["report"])["humans"]["accuracy"]
    assert (acc["k"], acc["n"]) == (641, 1011)
    assert round(acc["accuracy"], 3) == 0.634


@pytest.mark.django_db
def test_human_accuracy_on_gpt4_written_items_is_351_of_503(published: Any) -> None:
    acc = published["report"]["sources"]["gpt4"]["humans"]["accuracy"]
    assert (acc["k"], acc["n"]) == (351, 503)
    assert round(acc["accuracy"], 3) == 0.698


@pytest.mark.django_db
def test_top_20_percent_expertise_is_86_of_130(published: Any) -> None:
    acc = human(published["report"])["humans"]["top_expertise"]
    assert (acc["k"], acc["n"]) == (86, 130)
    assert round(acc["accuracy"], 3) == 0.662


@pytest.mark.django_db
def test_doctoral_students_are_lowest_at_0_583(published: Any) -> None:
    by_position = human(published["report"])["humans"]["by_position"]
    doctoral = by_position["Doctoral student"]
    assert (doctoral["k"], doctoral["n"]) == (175, 300)
    assert round(doctoral["accuracy"], 3) == 0.583
    assert min(by_position.values(), key=lambda a: a["accuracy"]) is doctoral
