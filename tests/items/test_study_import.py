"""Importing into a study's bank: a bank shared with other studies changes only for staff or a
researcher of every study that draws from it."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied

from braintrial.items.models import Item
from braintrial.items.services import items_import_into_study
from braintrial.studies.models import Study
from tests.factories import user_make

pytestmark = pytest.mark.django_db

CSV = (
    "doi,journal_section,original_abstract,incorrect_abstract\n"
    "10.1/x,Systems/Circuits,Neurons fired more.,Neurons fired less.\n"
)


def import_as(user, study: Study) -> int:
    report = items_import_into_study(
        user=user, study=study, upload=io.BytesIO(CSV.encode()), name="lab.csv", source="human"
    )
    return report.created


@pytest.fixture
def shared() -> tuple[Study, Study]:
    return (
        Study.objects.create(slug="one", title="One", bank="shared-bank"),
        Study.objects.create(slug="two", title="Two", bank="shared-bank"),
    )


def test_researcher_of_one_sharing_study_may_not_change_the_bank(shared) -> None:
    one, _ = shared
    researcher = user_make("r")
    one.researchers.add(researcher)
    with pytest.raises(PermissionDenied, match="shared"):
        import_as(researcher, one)
    assert not Item.objects.filter(bank="shared-bank").exists()


def test_researcher_of_every_sharing_study_may_change_the_bank(shared) -> None:
    researcher = user_make("r")
    for study in shared:
        study.researchers.add(researcher)
    assert import_as(researcher, shared[0]) == 1


def test_staff_may_change_a_shared_bank(shared) -> None:
    assert import_as(user_make("s", staff=True), shared[1]) == 1
