"""Releases: frozen once, numbered per study, never changed (the database refuses it), audited;
the package validates as Psych-DS (every rule implemented here is checked) and as a Frictionless
data package, its checksums hold, it holds no identifier and no held-out text, and its CSVs
read back into the report's headline figures."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import uuid
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client

from braintrial.items.services.versions import item_version_create
from braintrial.participants.models import Participant
from braintrial.public.models import Release, ReleaseFile, ReleaseItem
from braintrial.public.releases import files as release_files
from braintrial.studies.heldout import study_held_out_ids
from braintrial.studies.models import Study
from tests.public.conftest import Public, researcher_client

pytestmark = pytest.mark.django_db

REQUIRED = ("dataset_description.json", "datapackage.json", "SHA256SUMS", "CITATION.cff")
# Psych-DS: data/ files are keyword-value pairs joined by "_", ending in "_data.csv".
PSYCHDS_DATA_NAME = re.compile(r"^data/([a-z]+-[A-Za-z0-9]+_)+data\.csv$")


def _freeze(public: Public) -> Release:
    response = researcher_client(public.researcher).post(
        f"/dashboard/{public.study.slug}/releases/freeze/"
    )
    assert response.status_code == 302
    return Release.objects.filter(study=public.study).latest("number")


def _unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        folder = names[0].split("/")[0]
        return {name[len(folder) + 1 :]: archive.read(name) for name in names}


def _package(public: Public, number: int = 1) -> dict[str, bytes]:
    response = Client().get(f"/p/{public.study.slug}/releases/v{number}.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return _unzip(response.content)


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def _table(package: dict[str, bytes], key: str) -> list[dict[str, str]]:
    return _rows(package[next(n for n in package if f"table-{key}_" in n)])


def test_freezing_numbers_v1_v2_and_audits_each(public: Public) -> None:
    baseline = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    first, second = _freeze(public), _freeze(public)
    assert (first.number, second.number) == (1, 2)
    assert first.label == "v1" and first.n_participants == 3 and first.n_trials == 30
    entries = LogEntry.objects.filter(pk__gt=baseline, additional_data__event="release.freeze")
    assert [e.additional_data["details"]["release"] for e in entries.order_by("pk")] == ["v1", "v2"]
    assert {e.actor_id for e in entries} == {public.researcher.pk}
    # Listed on the public page and in its JSON.
    data = Client().get(f"/p/{public.study.slug}/results.json").json()
    assert [r["label"] for r in data["releases"]] == ["v2", "v1"]


def test_a_reader_who_may_not_change_the_study_cannot_freeze(public: Public) -> None:
    from tests.factories import user_make

    reader = user_make("only-reads")
    public.study.researchers.add(reader)
    response = researcher_client(reader).post(f"/dashboard/{public.study.slug}/releases/freeze/")
    assert response.status_code == 403
    anonymous = Client().post(f"/dashboard/{public.study.slug}/releases/freeze/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert not Release.objects.exists()


def test_a_release_never_changes_the_database_refuses_updates_and_deletes(public: Public) -> None:
    release = _freeze(public)
    for queryset, change in (
        (Release.objects.filter(pk=release.pk), {"n_trials": 0}),
        (ReleaseItem.objects.filter(release=release), {"texts_public": False}),
        (ReleaseFile.objects.filter(release=release), {"content": b"forged"}),
    ):
        with pytest.raises(DatabaseError, match="a release never changes"), transaction.atomic():
            queryset.update(**change)
        # Straight to the database: the ORM's own PROTECT refuses a release's delete earlier.
        table, pk = queryset.model._meta.db_table, queryset.first().pk  # type: ignore[union-attr]
        with (
            pytest.raises(DatabaseError, match="a release never changes"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
    # Nor can the study go while it has a release.
    with pytest.raises(DatabaseError), transaction.atomic():
        Study.objects.filter(pk=public.study.pk).delete()


def test_the_database_holds_one_release_per_study_and_number(public: Public) -> None:
    release = _freeze(public)
    with pytest.raises(IntegrityError), transaction.atomic():
        Release.objects.create(
            study=public.study,
            number=1,
            created_at=release.created_at,
            created_by="x",
            data_version="x",
            report={},
            n_participants=0,
            n_trials=0,
            n_items=0,
            n_scorers=0,
            checksum="0" * 64,
        )


def test_the_package_keeps_every_psychds_rule(public: Public) -> None:
    _freeze(public)
    package = _package(public)
    for name in REQUIRED:
        assert name in package, name
    description = json.loads(package["dataset_description.json"])
    assert description["@context"] == "https://schema.org/"
    assert description["@type"] == "Dataset"
    assert description["name"] and description["description"]
    variables = description["variableMeasured"]
    assert all(v["@type"] == "PropertyValue" and v["name"] and v["description"] for v in variables)
    data_files = [name for name in package if name.startswith("data/")]
    assert len(data_files) == 4
    for name in data_files:
        assert PSYCHDS_DATA_NAME.match(name), name
        rows = _rows(package[name])
        header = list(rows[0])
        # Every column a variable of variableMeasured, every row with a unique id.
        assert set(header) <= {v["name"] for v in variables}, name
        ids = [row["row_id"] for row in rows]
        assert len(ids) == len(set(ids)) and "" not in ids, name


def test_variable_measured_comes_from_the_data_dictionary(public: Public) -> None:
    from braintrial.exports.rows.trials import TRIALS

    _freeze(public)
    variables = {
        v["name"]: v["description"]
        for v in json.loads(_package(public)["dataset_description.json"])["variableMeasured"]
    }
    dictionary = {column.name: column.doc for column in TRIALS.columns}
    for name in ("correct", "confidence", "expertise", "rt", "item_source", "section"):
        assert variables[name] == dictionary[name]


def _unpacked(public: Public, folder: Path) -> None:
    for name, content in _package(public).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)


def test_frictionless_validates_the_package(public: Public, tmp_path: Path) -> None:
    import frictionless  # a dev dependency: the test fails, never skips, without it

    _freeze(public)
    _unpacked(public, tmp_path)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


CELL_CHECKS = {"integer": int, "number": float, "string": str}


def test_every_table_matches_its_table_schema_size_and_hash(public: Public, tmp_path: Path) -> None:
    """The Table Schema rules the package relies on, checked here too: each file's header is
    its schema's fields in order, every cell parses as its field's type (empty is missing),
    0/1 fields hold 0 or 1, the primary key is unique, and size and SHA-256 match."""
    _freeze(public)
    _unpacked(public, tmp_path)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    assert descriptor["name"] == "openresults-release-v1"
    assert len(descriptor["resources"]) == 4
    for resource in descriptor["resources"]:
        content = (tmp_path / resource["path"]).read_bytes()
        assert resource["bytes"] == len(content)
        fields = resource["schema"]["fields"]
        rows = list(csv.reader(io.StringIO(content.decode())))
        assert rows[0] == [f["name"] for f in fields], resource["name"]
        for row in rows[1:]:
            assert len(row) == len(fields)
            for cell, spec in zip(row, fields, strict=True):
                if cell == "":
                    continue
                value = CELL_CHECKS[spec["type"]](cell)
                if "constraints" in spec:
                    assert value in spec["constraints"]["enum"], (spec["name"], cell)
        keys = [row[0] for row in rows[1:]]
        assert len(keys) == len(set(keys))
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    for resource in descriptor["resources"]:
        digest = hashlib.sha256((tmp_path / resource["path"]).read_bytes()).hexdigest()
        assert resource["hash"] == f"sha256:{digest}"
        assert resource["schema"]["primaryKey"] == ["row_id"]


def test_sha256sums_names_every_file_and_its_checksum_is_the_releases(public: Public) -> None:
    release = _freeze(public)
    package = _package(public)
    listed = {}
    for line in package["SHA256SUMS"].decode().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    assert set(listed) == set(package) - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256(package[name]).hexdigest() == digest, name
    assert hashlib.sha256(package["SHA256SUMS"]).hexdigest() == release.checksum
    # The same bytes at every download.
    assert _package(public) == package


def test_citation_cff_names_the_release(public: Public) -> None:
    _freeze(public)
    citation = _package(public)["CITATION.cff"].decode()
    assert "cff-version: 1.2.0" in citation and "version: v1" in citation
    assert "type: dataset" in citation and "authors:" in citation


def test_no_identifier_and_no_exact_time_in_the_package(public: Public) -> None:
    release = _freeze(public)
    package = _package(public)
    people = Participant.objects.filter(study=public.study)
    text = "\n".join(content.decode() for content in package.values())
    for secret in [*public.recruitment_ids, *(str(p.public_id) for p in people)]:
        assert secret not in text
    trials = _table(package, "trials")
    assert {row["pid"] for row in trials} == {"P0001", "P0002", "P0003"}
    for name in (n for n in package if n.startswith("data/")):
        header = list(_rows(package[name])[0])
        assert not {"participant", "recruitment_id", "trial_id", "pid_db"} & set(header)
        assert not re.search(rb"\d{2}:\d{2}:\d{2}", package[name]), name
    assert "created_by" not in text and public.researcher.get_username() not in text
    assert release.created_by == public.researcher.get_username()  # kept, never published


def test_held_out_texts_are_never_in_the_package(public: Public) -> None:
    # A fixed key and fixed lineages: the draw is the same at every run (some held out, not all).
    Study.objects.filter(pk=public.study.pk).update(held_out_share=0.5, held_out_key="k" * 32)
    for n, item in enumerate(public.items):  # texts of their own, so a leak of one cannot hide
        item.original = f"Original text number {item.pk}, whole."
        item.altered = f"Altered text number {item.pk}, whole."
        item.lineage = uuid.UUID(int=n + 1)
        item.save(update_fields=["original", "altered", "lineage"])
    study = Study.objects.get(pk=public.study.pk)
    held_ids = study_held_out_ids(study=study)
    assert held_ids and len(held_ids) < len(public.items)  # this bank's draw holds some out
    release = _freeze(public)
    package = _package(public)
    text = "\n".join(content.decode() for content in package.values())
    items = {r["item_id"]: r for r in _table(package, "items")}
    for item in public.items:
        row = items[str(item.pk)]
        if item.pk in held_ids:
            assert item.original not in text and item.altered not in text
            assert (row["held_out"], row["original"], row["altered"]) == ("1", "", "")
        else:
            assert row["original"] == item.original and row["held_out"] == "0"
        frozen = ReleaseItem.objects.get(release=release, item_id=item.pk)
        assert frozen.texts_public is (item.pk not in held_ids)
        assert frozen.content_sha256 == release_files.item_content_sha256(item)
    # Their trials and scores stay in, as every other item's.
    trials = _table(package, "trials")
    assert {t["item_id"] for t in trials} >= {str(pk) for pk in held_ids}


def test_the_release_reads_back_into_the_reports_headline_figures(public: Public) -> None:
    release = _freeze(public)
    package = _package(public)
    report: dict[str, Any] = release.report
    assert json.loads(package["report.json"]) == report
    trials = _table(package, "trials")
    items = {r["item_id"]: r for r in _table(package, "items")}
    scores = _table(package, "scores")
    for source in ("human", "gpt4"):
        mine = [t for t in trials if t["item_source"] == source]
        humans = report["sources"][source]["humans"]
        assert (sum(t["correct"] == "1" for t in mine), len(mine)) == (
            humans["accuracy"]["k"],
            humans["accuracy"]["n"],
        )
        by_section = Counter(t["section"] for t in mine)
        assert {s: a["n"] for s, a in humans["by_section"].items()} == dict(by_section)
        for name, figures in report["sources"][source]["models"].items():
            theirs = [
                s for s in scores if s["scorer"] == name and items[s["item_id"]]["source"] == source
            ]
            assert (sum(s["correct"] == "1" for s in theirs), len(theirs)) == (
                figures["accuracy"]["k"],
                figures["accuracy"]["n"],
            )
    assert report["participation"]["included_participants"] == release.n_participants


def test_switched_off_the_download_is_not_found_but_researchers_still_get_it(
    public: Public,
) -> None:
    _freeze(public)
    Study.objects.filter(pk=public.study.pk).update(public_results=False)
    assert Client().get(f"/p/{public.study.slug}/releases/v1.zip").status_code == 404
    own = researcher_client(public.researcher).get(
        f"/dashboard/{public.study.slug}/releases/v1.zip"
    )
    assert own.status_code == 200 and _unzip(own.content)["SHA256SUMS"]
    assert Client().get(f"/p/{public.study.slug}/releases/v9.zip").status_code == 404


def test_the_researchers_page_lists_releases_and_offers_the_next_to_editors_only(
    public: Public,
) -> None:
    from tests.factories import user_make

    _freeze(public)
    page = researcher_client(public.researcher).get(f"/dashboard/{public.study.slug}/releases/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Freeze release v2" in text and f"/dashboard/{public.study.slug}/releases/v1.zip" in text
    reader = user_make("reads-releases")
    public.study.researchers.add(reader)
    text = researcher_client(reader).get(f"/dashboard/{public.study.slug}/releases/").content
    assert b"releases/v1.zip" in text and b"Freeze release" not in text
    stranger = researcher_client(user_make("another-lab"))
    assert stranger.get(f"/dashboard/{public.study.slug}/releases/").status_code == 404


def test_the_release_names_the_version_each_trial_showed(public: Public) -> None:
    """An item edited after its trials: the items table holds both versions, the trials the
    version they showed, the frozen items their versions."""
    shown = public.items[0]
    newer = item_version_create(
        item=shown,
        original=shown.original + " Edited.",
        altered=shown.altered + " Edited.",
        actor=public.researcher,
    )
    release = _freeze(public)
    package = _package(public)
    items = {r["item_id"]: r for r in _table(package, "items")}
    assert (items[str(shown.pk)]["version"], items[str(shown.pk)]["retirement"]) == (
        "1",
        "superseded",
    )
    assert items[str(newer.pk)]["version"] == "2"
    assert items[str(newer.pk)]["lineage"] == items[str(shown.pk)]["lineage"] == str(shown.lineage)
    trials = [t for t in _table(package, "trials") if t["item_id"] == str(shown.pk)]
    assert trials and {t["item_version"] for t in trials} == {"1"}
    assert {t["item_lineage"] for t in trials} == {str(shown.lineage)}
    frozen = dict(ReleaseItem.objects.filter(release=release).values_list("item_id", "version"))
    assert (frozen[shown.pk], frozen[newer.pk]) == (1, 2)
