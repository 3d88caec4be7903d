"""Item import: a bounded cost for the preview's differences and one rule for who may import
(issue 20, hole 5).

Before: one row of two 6,000-word versions differing in one word took 3 to 4 s to preview
(difflib), and a user with only ``add_study`` got a 201 from the API's import while the
dashboard refused them.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from braintrial.items.models import Item, ItemBank
from braintrial.items.services.diff import MAX_EDITS, differences_compute
from braintrial.items.services.parsing import MAX_ABSTRACT_WORDS
from braintrial.items.services.preview import items_preview_content
from tests.factories import user_make

pytestmark = pytest.mark.django_db
HEADER = "doi,journal_section,original_abstract,incorrect_abstract\n"


def _row(original: str, altered: str) -> str:
    return f'{HEADER}10.1/long,Systems/Circuits,"{original}","{altered}"\n'


def test_a_row_over_the_word_limit_is_refused_with_its_length_and_the_limit() -> None:
    words = [f"w{i}" for i in range(6000)]
    altered = [*words[:3000], "changed", *words[3001:]]
    preview = items_preview_content(
        content=_row(" ".join(words), " ".join(altered)), name="long.csv", source="human"
    )
    assert not preview.importable
    assert preview.errors == [
        f"long.csv, row 1: original_abstract has 6,000 words; an abstract may have at most "
        f"{MAX_ABSTRACT_WORDS:,}"
    ]


def test_a_row_at_the_word_limit_is_previewed_with_its_one_difference() -> None:
    words = [f"w{i}" for i in range(MAX_ABSTRACT_WORDS)]
    altered = [*words[:1000], "changed", *words[1001:]]
    preview = items_preview_content(
        content=_row(" ".join(words), " ".join(altered)), name="long.csv", source="human"
    )
    assert preview.importable
    assert preview.rows[0].differences == [{"original": "w1000", "altered": "changed"}]


def test_versions_too_different_for_a_fine_answer_are_one_passage() -> None:
    """The comparison stops after MAX_EDITS changed words: its cost has a bound."""
    original = " ".join(f"a{i} same" for i in range(MAX_EDITS))
    altered = " ".join(f"b{i} same" for i in range(MAX_EDITS))
    assert differences_compute(
        original=f"Start {original} end.", altered=f"Start {altered} end."
    ) == [{"original": original.removesuffix(" same"), "altered": altered.removesuffix(" same")}]


def test_small_edits_keep_their_own_passages_between_long_shared_text() -> None:
    shared = " ".join(f"s{i}" for i in range(500))
    assert differences_compute(
        original=f"up {shared} rose {shared} more", altered=f"down {shared} fell {shared} less"
    ) == [
        {"original": "up", "altered": "down"},
        {"original": "rose", "altered": "fell"},
        {"original": "more", "altered": "less"},
    ]


CSV = HEADER + "10.1/x,Systems/Circuits,Neurons fired more.,Neurons fired less.\n"


@pytest.fixture
def creator_only() -> Any:
    """May add studies but not change them: the dashboard's items page is not theirs."""
    user = user_make("creator")
    user.user_permissions.add(Permission.objects.get(codename="add_study"))  # type: ignore[attr-defined]
    return user


def test_a_user_who_may_only_add_studies_may_not_import_through_the_api(creator_only) -> None:
    api = APIClient()
    api.force_authenticate(user=creator_only)
    made = api.post(
        "/api/studies/create/", {"slug": "own", "title": "Own", "bank": "own-bank"}, format="json"
    )
    assert made.status_code == 201  # their study, on a bank they now own
    upload = {"file": SimpleUploadedFile("lab.csv", CSV.encode()), "source": "human"}
    response = api.post("/api/studies/own/items/import/", upload, format="multipart")
    assert response.status_code == 403
    assert not Item.objects.filter(bank="own-bank").exists()
    # The dashboard says the same.
    client = Client()
    client.force_login(creator_only)
    assert client.get("/dashboard/own/items/").status_code == 403


def test_the_admin_adds_items_only_to_banks_the_user_may_import_into() -> None:
    clerk = user_make("clerk", staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["add_item", "view_item"]))  # type: ignore[attr-defined]
    ItemBank.objects.create(name="theirs")
    ItemBank.objects.create(name="mine").owners.add(clerk)
    client = Client()
    client.force_login(clerk)
    fields = {
        "kind": "test", "source": "human", "source_file": "x.csv", "row": "1",
        "abstract_id": "1", "doi": "10.1/a", "journal_section": "S",
        "original": "Rates rose.", "altered": "Rates fell.", "defect": "",
    }  # fmt: skip
    refused = client.post("/admin/items/item/add/", {**fields, "bank": "theirs"})
    assert refused.status_code == 200  # the form again, with the error
    assert "Only the owners of item bank" in refused.content.decode()
    assert not Item.objects.filter(bank="theirs").exists()
    added = client.post("/admin/items/item/add/", {**fields, "bank": "mine"})
    assert added.status_code == 302, added.content.decode()[:2000]
    assert Item.objects.filter(bank="mine").count() == 1


def test_the_dashboard_and_the_api_ask_the_same_rule() -> None:
    from braintrial.studies.item_import import items_import_into_study
    from braintrial.studies.models import Study

    owner = user_make("owner")
    ItemBank.objects.create(name="b").owners.add(owner)
    study = Study.objects.create(slug="s", title="S", bank="b")
    study.researchers.add(owner)
    with pytest.raises(Exception, match="not change it"):
        items_import_into_study(
            user=owner, study=study, upload=io.BytesIO(CSV.encode()), name="l.csv", source="human"
        )
