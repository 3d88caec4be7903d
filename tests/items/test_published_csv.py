"""A bank exports in the published BrainBench format and imports back unchanged."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from braintrial.brainbench.names import BANK, GPT4_FILE, HUMAN_FILE
from braintrial.brainbench.services.items import published_items_import
from braintrial.items.models import Item, ItemBank
from braintrial.items.published_csv import bank_csv, bank_source_files
from braintrial.items.services.importing import items_import_content
from braintrial.items.services.versions import item_retire, item_version_create

pytestmark = pytest.mark.django_db

HEADER = "doi,journal_section,original_abstract,incorrect_abstract,combined_abstract\n"
LAB = (
    HEADER
    + '10.1/a,Systems/Circuits,"Frogs sang louder, at night.","Frogs sang softer, at night.",'
    '"Frogs sang [[louder, softer]], at night."\n'
    '10.1/b,Behavioral/Cognitive,"Bees said ""blue""\nthen left.",Bees said red then left.,\n'
    "10.1/c,Behavioral/Cognitive,Rates rose.,Rates fell.,\n"
)


def _round_trip(text: str, *, source: str, name: str) -> str:
    items_import_content(content=text.encode(), name=name, bank="fresh", source=source)
    return bank_csv(bank="fresh", source_file=name)


def test_a_lab_bank_exports_imports_and_exports_the_same_bytes() -> None:
    items_import_content(content=LAB.encode(), name="lab.csv", bank="lab", source="human")
    exported = bank_csv(bank="lab", source_file="lab.csv")
    assert exported == LAB  # the file as imported, quoting and embedded newline included
    assert _round_trip(exported, source="human", name="lab.csv") == exported


def test_the_export_writes_current_versions_only_and_still_round_trips() -> None:
    items_import_content(content=LAB.encode(), name="lab.csv", bank="lab", source="human")
    first, _, third = Item.objects.filter(bank="lab").order_by("row")
    item_version_create(
        item=first, original="Frogs sang louder.", altered="Frogs sang less.", actor=None
    )
    item_retire(item=third, actor=None)
    exported = bank_csv(bank="lab", source_file="lab.csv")
    rows = list(csv.reader(io.StringIO(exported, newline="")))
    assert [r[2] for r in rows[1:]] == ["Frogs sang louder.", 'Bees said "blue"\nthen left.']
    assert rows[1][4] == ""  # a version made in the app has no combined_abstract
    assert _round_trip(exported, source="human", name="lab.csv") == exported
    assert bank_source_files(bank="lab") == ["lab.csv"]


def test_the_published_bank_exports_the_published_files_byte_for_byte() -> None:
    directory = Path(settings.BRAINBENCH_DIR)
    published_items_import(directory=directory)
    assert bank_source_files(bank=BANK) == sorted([HUMAN_FILE, GPT4_FILE])
    for name, source in ((HUMAN_FILE, "human"), (GPT4_FILE, "gpt4")):
        exported = bank_csv(bank=BANK, source_file=name)
        assert exported.encode() == (directory / name).read_bytes()
        assert _round_trip(exported, source=source, name=name) == exported
    assert Item.objects.filter(bank="fresh").count() == 300


def test_the_bank_download_is_for_readers_of_the_study_names_its_file_and_is_audited(
    django_user_model: Any,
) -> None:
    from auditlog.models import LogEntry
    from django.contrib.auth.models import Permission
    from django.test import Client

    from braintrial.studies.services import study_create

    items_import_content(content=LAB.encode(), name="lab.csv", bank="lab", source="human")
    owner = django_user_model.objects.create_user("labowner")
    owner.user_permissions.add(Permission.objects.get(codename="change_study"))
    study = study_create(slug="labstudy", title="Lab", bank="lab")
    study.researchers.add(owner)
    ItemBank.objects.filter(name="lab").get().owners.add(owner)
    client = Client()
    client.force_login(owner)
    last = LogEntry.objects.order_by("-pk").first()
    baseline = last.pk if last else 0
    response = client.get("/exports/labstudy/bank/")
    assert response.status_code == 200
    assert response.content.decode() == LAB
    assert response["Content-Disposition"] == 'attachment; filename="lab-lab.csv"'
    entry = LogEntry.objects.get(pk__gt=baseline, additional_data__event="data.download")
    assert entry.additional_data["details"]["what"] == "bank lab: lab.csv"
    bad = client.get("/exports/labstudy/bank/?file=other.csv")
    assert bad.status_code == 400 and "its files: lab.csv" in bad.content.decode()
    page = client.get("/dashboard/labstudy/items/").content.decode()
    assert "/exports/labstudy/bank/?file=lab.csv" in page
    stranger = django_user_model.objects.create_user("stranger")
    other = Client()
    other.force_login(stranger)
    assert other.get("/exports/labstudy/bank/").status_code == 404


def test_the_bank_download_is_refused_where_another_study_holds_texts_out(
    django_user_model: Any,
) -> None:
    """Two studies share a bank; the second holds half of it out. A researcher of the first
    only may not download the file (the rows in full or nothing), and nothing is audited as
    downloaded; a researcher of both gets it."""
    from auditlog.models import LogEntry
    from django.contrib.auth.models import Permission
    from django.test import Client

    from braintrial.studies.services import study_create

    items_import_content(content=LAB.encode(), name="lab.csv", bank="shared", source="human")
    first = django_user_model.objects.create_user("first")
    first.user_permissions.add(Permission.objects.get(codename="change_study"))
    mine = study_create(slug="mine", title="Mine", bank="shared")
    mine.researchers.add(first)
    theirs = study_create(slug="theirs", title="Theirs", bank="shared")
    theirs.held_out_share = 0.5
    theirs.save(update_fields=["held_out_share"])
    ItemBank.objects.filter(name="shared").get().owners.add(first)
    client = Client()
    client.force_login(first)
    last = LogEntry.objects.order_by("-pk").first()
    baseline = last.pk if last else 0
    from braintrial.studies.heldout import study_held_out_ids

    # A key under which the draw holds at least one of the three cases out (the study's own key
    # is random; fixed ones keep the test deterministic).
    for n in range(100):
        theirs.held_out_key = f"key-{n}"
        if study_held_out_ids(study=theirs):
            break
    theirs.save(update_fields=["held_out_key"])
    held = study_held_out_ids(study=theirs)
    assert held
    response = client.get("/exports/mine/bank/")
    assert response.status_code == 403
    assert f"{len(held)} test case(s) of lab.csv are held out" in response.content.decode()
    assert not LogEntry.objects.filter(
        pk__gt=baseline, additional_data__event="data.download"
    ).exists()
    theirs.researchers.add(first)
    allowed = client.get("/exports/mine/bank/")
    assert allowed.status_code == 200 and allowed.content.decode() == LAB


def test_dates_the_file_gave_export_in_a_published_column_and_import_back() -> None:
    """A lab file with its own dates: the export adds the published column (day, month, year,
    range as the import reads them), and a fresh bank gets the same dates from it."""
    dated = (
        HEADER.rstrip("\n")
        + ",published\n"
        + "10.1/a,Systems/Circuits,Frogs sang louder.,Frogs sang softer.,,2024-03-14\n"
        + "10.1/b,Systems/Circuits,Bees left.,Bees stayed.,,2024-05\n"
        + "10.1/c,Systems/Circuits,Rates rose.,Rates fell.,,2022-11 to 2023-02\n"
    )
    items_import_content(content=dated.encode(), name="dated.csv", bank="lab", source="human")
    exported = bank_csv(bank="lab", source_file="dated.csv")
    assert exported.splitlines()[0].endswith(",combined_abstract,published")
    assert exported.splitlines()[3].endswith(",2022-11-01 to 2023-02-28")
    assert _round_trip(exported, source="human", name="dated.csv") == exported
    fields = ("published_first", "published_last", "published_precision")
    assert list(Item.objects.filter(bank="fresh").order_by("row").values_list(*fields)) == list(
        Item.objects.filter(bank="lab", source_file="dated.csv")
        .order_by("row")
        .values_list(*fields)
    )
