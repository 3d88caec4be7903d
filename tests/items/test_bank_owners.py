"""Item banks have owners: a study draws only from a bank its creator may read (public, their
own, or any with the permission to read every study), through the API, the dashboard and the
admin; the API's item reads show only readable banks; another team's study never blocks the
owner's import. The staff flag alone reads no bank."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from braintrial.brainbench.names import BANK
from braintrial.dashboard.setup.forms import STUDY_FIELDS
from braintrial.items.models import Item, ItemBank
from braintrial.studies.admin import StudyAdmin
from braintrial.studies.banks import bank_readable
from braintrial.studies.models import Study
from tests.factories import Made, read_all_grant, study_make, user_make

pytestmark = pytest.mark.django_db
OWN_CSV = (
    "doi,journal_section,original_abstract,incorrect_abstract\n"
    "10.1/a,Systems/Circuits,Neurons fired more.,Neurons fired less.\n"
)


def grant(user: Any, *codenames: str) -> None:
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


def api_client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def owner_study() -> Made:
    """Team A's study on its own bank ``bank-alpha`` (owned by its researcher)."""
    made = study_make("alpha", scored=False)
    grant(made.researcher, "add_study", "change_study")
    return made


@pytest.fixture
def intruder() -> Any:
    """Team B: may add and change studies, reads none of team A's."""
    user = user_make("intruder")
    grant(user, "add_study", "change_study")
    return user


def form_values(fields: list[str], study: Study, **changes: object) -> dict[str, object]:
    """A form's fields as a browser posts them (unchecked boxes left out, empty fields empty)."""
    values = {**{name: getattr(study, name) for name in fields}, **changes}
    posted = {k: ("on" if v is True else v) for k, v in values.items() if v is not False}
    return {k: "" if v is None else v for k, v in posted.items()}


def test_api_refuses_a_study_on_another_teams_bank(owner_study: Made, intruder: Any) -> None:
    payload = {"slug": "grab", "title": "Grab", "bank": "bank-alpha"}
    response = api_client(intruder).post("/api/studies/create/", payload, format="json")
    assert response.status_code == 400
    assert "belongs to another team" in response.json()["bank"][0]
    assert not Study.objects.filter(slug="grab").exists()
    assert not ItemBank.objects.get(name="bank-alpha").owners.filter(pk=intruder.pk).exists()


def test_owner_still_imports_after_another_team_tried_their_bank(
    owner_study: Made, intruder: Any
) -> None:
    payload = {"slug": "grab", "title": "Grab", "bank": "bank-alpha"}
    api_client(intruder).post("/api/studies/create/", payload, format="json")
    upload = {"file": SimpleUploadedFile("own.csv", OWN_CSV.encode()), "source": "human"}
    response = api_client(owner_study.researcher).post(
        "/api/studies/alpha/items/import/", upload, format="multipart"
    )
    assert response.status_code == 201, response.content


def test_new_bank_name_becomes_the_creators_bank(intruder: Any) -> None:
    payload = {"slug": "mine", "title": "Mine", "bank": "team-b-bank"}
    response = api_client(intruder).post("/api/studies/create/", payload, format="json")
    assert response.status_code == 201, response.content
    assert list(ItemBank.objects.get(name="team-b-bank").owners.all()) == [intruder]


def test_public_bank_is_open_to_every_creator(intruder: Any) -> None:
    payload = {"slug": "pub", "title": "Published items", "bank": BANK}
    response = api_client(intruder).post("/api/studies/create/", payload, format="json")
    assert response.status_code == 201, response.content
    assert bank_readable(user=intruder, name=BANK)
    assert not ItemBank.objects.get(name=BANK).owners.exists()


def test_dashboard_refuses_a_new_study_on_another_teams_bank(
    owner_study: Made, intruder: Any
) -> None:
    client = Client()
    client.force_login(intruder)
    study = Study(slug="grab", title="Grab", bank="bank-alpha")
    response = client.post(reverse("dashboard:study_create"), form_values(STUDY_FIELDS, study))
    assert response.status_code == 400
    assert "belongs to another team" in response.content.decode()
    assert not Study.objects.filter(slug="grab").exists()


def test_dashboard_offers_only_banks_the_researcher_may_read(
    owner_study: Made, intruder: Any
) -> None:
    study_make("beta", researcher=intruder, n_people=0, scored=False)
    client = Client()
    client.force_login(intruder)
    page = client.get(reverse("dashboard:study_create")).content.decode()
    assert '<option value="bank-beta">' in page
    assert "bank-alpha" not in page


def test_dashboard_refuses_moving_a_study_onto_another_teams_bank(
    owner_study: Made, intruder: Any
) -> None:
    own = study_make("beta", researcher=intruder, n_people=0, scored=False).study
    client = Client()
    client.force_login(intruder)
    fields = [name for name in STUDY_FIELDS if name != "slug"]
    data = form_values(fields, own, bank="bank-alpha")
    response = client.post(reverse("dashboard:study_edit", args=["beta"]), data)
    assert response.status_code == 400
    assert "belongs to another team" in response.content.decode()
    own.refresh_from_db()
    assert own.bank == "bank-beta"


def test_items_of_a_foreign_bank_are_not_read_through_a_study_on_it(
    owner_study: Made, intruder: Any
) -> None:
    # A study on team A's bank made before banks had owners, with team B as its researcher.
    Study.objects.create(slug="old-grab", title="Old grab", bank="bank-alpha").researchers.add(
        intruder
    )
    client = api_client(intruder)
    listed = client.get("/api/items/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert not [row for row in rows if row["bank"] == "bank-alpha"]
    item = owner_study.items[0]
    assert client.get(f"/api/items/{item.pk}/").status_code == 404


def test_a_co_researcher_invited_by_the_owner_reads_the_banks_items(
    owner_study: Made, intruder: Any
) -> None:
    colleague = user_make("colleague")
    owner_study.study.researchers.add(colleague)
    item = owner_study.items[0]
    assert api_client(colleague).get(f"/api/items/{item.pk}/").status_code == 200
    # Being a researcher of a study on the bank is not enough without its owner there.
    Study.objects.create(slug="old-grab", title="Old grab", bank=owner_study.study.bank)
    Study.objects.get(slug="old-grab").researchers.add(intruder)
    assert api_client(intruder).get(f"/api/items/{item.pk}/").status_code == 404


def test_read_all_permission_reads_every_bank_and_staff_flag_alone_reads_none(
    owner_study: Made,
) -> None:
    reader = user_make("reader")
    read_all_grant(reader)
    assert bank_readable(user=reader, name="bank-alpha")
    operator = user_make("operator")
    operator.is_staff = True
    operator.save(update_fields=["is_staff"])
    assert not bank_readable(user=operator, name="bank-alpha")
    assert bank_readable(user=operator, name=BANK)


def test_admin_refuses_a_study_on_another_teams_bank(owner_study: Made) -> None:
    operator = user_make("operator")
    operator.is_staff = True
    operator.save(update_fields=["is_staff"])
    grant(operator, "add_study", "change_study", "view_study")
    client = Client()
    client.force_login(operator)
    fields = [name for _, options in StudyAdmin.fieldsets for name in options["fields"]]
    fields.remove("researchers")
    study = Study(slug="admin-grab", title="Grab", bank="bank-alpha")
    response = client.post("/admin/studies/study/add/", form_values(fields, study))
    assert response.status_code == 200
    assert "belongs to another team" in response.content.decode()
    assert not Study.objects.filter(slug="admin-grab").exists()
    mine = Study(slug="admin-own", title="Own", bank="operator-bank")
    assert client.post("/admin/studies/study/add/", form_values(fields, mine)).status_code == 302
    assert list(ItemBank.objects.get(name="operator-bank").owners.all()) == [operator]
    assert not Item.objects.filter(bank="operator-bank").exists()
