"""Importing into a study's bank: only the bank's owners (and holders of the permission to
change banks) may fill it; other teams' studies on the bank never block its owner."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from braintrial.items.models import Item, ItemBank
from braintrial.studies.item_import import items_import_into_study
from braintrial.studies.models import Study
from tests.factories import study_editor_grant, user_make

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
    ItemBank.objects.create(name="shared-bank").owners.add(user_make("owner"))
    return (
        Study.objects.create(slug="one", title="One", bank="shared-bank"),
        Study.objects.create(slug="two", title="Two", bank="shared-bank"),
    )


def test_researcher_of_every_study_on_the_bank_may_not_fill_a_bank_they_do_not_own(
    shared,
) -> None:
    researcher = user_make("r")
    study_editor_grant(researcher)
    for study in shared:
        study.researchers.add(researcher)
    with pytest.raises(PermissionDenied, match="belongs to another team"):
        import_as(researcher, shared[0])
    assert not Item.objects.filter(bank="shared-bank").exists()


def test_owner_imports_although_another_team_has_a_study_on_the_bank(shared) -> None:
    owner = ItemBank.objects.get(name="shared-bank").owners.get()
    study_editor_grant(owner)
    shared[0].researchers.add(owner)
    shared[1].researchers.add(user_make("other-team"))
    assert import_as(owner, shared[0]) == 1


def test_staff_flag_alone_may_not_fill_a_bank(shared) -> None:
    with pytest.raises(PermissionDenied):
        import_as(user_make("s", staff=True), shared[1])


def test_permission_to_change_banks_may_fill_any_bank(shared) -> None:
    keeper = user_make("keeper", staff=True)
    keeper.user_permissions.add(Permission.objects.get(codename="change_itembank"))
    study_editor_grant(keeper)
    shared[1].researchers.add(keeper)
    assert import_as(keeper, shared[1]) == 1
