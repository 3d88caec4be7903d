"""items_import_csv: validation before writing, all-or-nothing per file, idempotent upsert."""

from __future__ import annotations

import csv
import io
import threading
from pathlib import Path

import pytest
from django.db import connection, transaction

from braintrial.items.models import Item
from braintrial.items.services.banks import item_bank_ensure
from braintrial.items.services.importing import (
    MAX_FILE_BYTES,
    ImportReport,
    items_import_content,
    items_import_csv,
)
from braintrial.items.services.parsing import ItemImportError

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "ecology_items.csv"
HEADER = ["doi", "journal_section", "original_abstract", "incorrect_abstract"]
GOOD = ["10.1/a", "Ecology", "Frogs sang louder at night.", "Frogs sang softer at night."]
GOOD_2 = ["10.1/b", "Ecology", "Bees preferred blue flowers.", "Bees preferred red flowers."]


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def write(tmp_path: Path, content: bytes, name: str = "cases.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_fixture_imports_every_row_with_diff_and_abstract_id() -> None:
    report = items_import_csv(path=FIXTURE, bank="ecology", source="human")
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert report.defects == []
    items = list(Item.objects.filter(bank="ecology").order_by("row"))
    assert [i.row for i in items] == [1, 2, 3]
    assert [i.abstract_id for i in items] == [1, 2, 3]
    assert {i.source_file for i in items} == {"ecology_items.csv"}
    assert all(i.kind == "test" for i in items)
    assert items[0].differences == [{"original": "rose", "altered": "fell"}]
    assert items[2].differences == [
        {"original": "higher", "altered": "lower"},
        {"original": "increased", "altered": "decreased"},
    ]


def test_second_import_changes_nothing_and_reports_unchanged() -> None:
    items_import_csv(path=FIXTURE, bank="ecology", source="human")
    stamps = dict(Item.objects.filter(bank="ecology").values_list("row", "updated_at"))
    report = items_import_csv(path=FIXTURE, bank="ecology", source="human")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert not report.changed
    assert dict(Item.objects.filter(bank="ecology").values_list("row", "updated_at")) == stamps


def test_corrected_file_makes_a_new_version_of_a_changed_row(tmp_path: Path) -> None:
    path = write(tmp_path, csv_bytes([GOOD, GOOD_2]))
    items_import_csv(path=path, bank="eco", source="human")
    first = Item.objects.get(bank="eco", row=2)
    fixed = [*GOOD_2[:3], "Bees preferred green flowers."]
    path.write_bytes(csv_bytes([GOOD, fixed]))
    report = items_import_csv(path=path, bank="eco", source="human")
    assert (report.created, report.updated, report.versioned, report.unchanged) == (0, 1, 1, 1)
    # The old row is kept as it was, retired as superseded: a trial on it still shows its text.
    old = Item.objects.get(pk=first.pk)
    assert (old.altered, old.retirement, old.retired_at is not None) == (
        GOOD_2[3],
        "superseded",
        True,
    )
    new = Item.objects.get(bank="eco", row=2, retired_at__isnull=True)
    assert (new.lineage, new.version) == (first.lineage, 2)
    assert new.differences == [{"original": "blue", "altered": "green"}]
    # Importing the same file again finds the new version unchanged.
    again = items_import_csv(path=path, bank="eco", source="human")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_changed_section_is_corrected_in_place(tmp_path: Path) -> None:
    path = write(tmp_path, csv_bytes([GOOD]))
    items_import_csv(path=path, bank="eco", source="human")
    first = Item.objects.get(bank="eco")
    path.write_bytes(csv_bytes([[GOOD[0], "Systems/Circuits", *GOOD[2:]]]))
    report = items_import_csv(path=path, bank="eco", source="human")
    assert (report.updated, report.versioned) == (1, 0)
    item = Item.objects.get(bank="eco")
    assert (item.pk, item.version, item.journal_section) == (first.pk, 1, "Systems/Circuits")


def test_uploaded_content_imports_like_a_file() -> None:
    report = items_import_content(
        content=csv_bytes([GOOD]), name="upload.csv", bank="uploads", source="gpt4"
    )
    assert report.created == 1
    item = Item.objects.get(bank="uploads")
    assert (item.source, item.source_file, item.abstract_id) == ("gpt4", "upload.csv", None)


def test_uploaded_file_object_imports_and_oversized_upload_is_refused() -> None:
    report = items_import_content(
        content=io.BytesIO(csv_bytes([GOOD, GOOD_2])), name="up.csv", bank="up", source="human"
    )
    assert report.created == 2
    huge = io.BytesIO(csv_bytes([GOOD]) + b" " * MAX_FILE_BYTES)
    with pytest.raises(ItemImportError, match=r"big\.csv: larger than"):
        items_import_content(content=huge, name="big.csv", bank="up2", source="human")
    assert not Item.objects.filter(bank="up2").exists()


def test_combined_abstract_with_a_comma_inside_an_alternative_is_reported(
    tmp_path: Path,
) -> None:
    combined = "Frogs sang [[louder, at first, softer]] at night."
    path = write(tmp_path, csv_bytes([[*GOOD, combined]], header=[*HEADER, "combined_abstract"]))
    report = items_import_csv(path=path, bank="eco", source="human")
    assert len(report.defects) == 1
    assert "cases.csv, row 1" in report.defects[0]
    assert "3 pieces" in Item.objects.get(bank="eco").defect


BAD_FILES = {
    "missing column": (csv_bytes([GOOD], header=HEADER[:3]), "header", "incorrect_abstract"),
    "empty abstract": (
        csv_bytes([GOOD, GOOD_2, ["10.1/c", "Ecology", "  ", "Something."]]),
        "row 3",
        "original_abstract is empty",
    ),
    "identical versions": (
        csv_bytes([GOOD, ["10.1/c", "Ecology", "Same text.", "Same text."]]),
        "row 2",
        "identical",
    ),
    "duplicate row": (csv_bytes([GOOD, GOOD_2, GOOD]), "row 3", "duplicates row 1"),
    "duplicate doi": (
        csv_bytes([GOOD, [GOOD[0], *GOOD_2[1:]]]),
        "row 2",
        "already appears in row 1",
    ),
    "not utf-8": (
        csv_bytes([GOOD, GOOD_2]).replace(b"Bees", "Bées".encode("latin-1")),
        "row 2",
        "not valid UTF-8",
    ),
    "too many fields": (csv_bytes([GOOD, [*GOOD_2, "extra"]]), "row 2", "more fields"),
    "nul byte": (csv_bytes([GOOD, [*GOOD_2[:3], "Bees\x00 preferred red."]]), "row 2", "NUL"),
    "no data rows": (csv_bytes([]), "cases.csv", "no data rows"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_names_file_and_row_and_imports_nothing(tmp_path: Path, case: str) -> None:
    content, where, what = BAD_FILES[case]
    before = Item.objects.count()
    with pytest.raises(ItemImportError) as error:
        items_import_csv(path=write(tmp_path, content), bank="eco", source="human")
    message = str(error.value)
    assert "cases.csv" in message
    assert where in message
    assert what in message
    assert Item.objects.count() == before


def test_bad_corrected_file_leaves_earlier_import_untouched(tmp_path: Path) -> None:
    path = write(tmp_path, csv_bytes([GOOD, GOOD_2]))
    items_import_csv(path=path, bank="eco", source="human")
    snapshot = list(Item.objects.filter(bank="eco").values().order_by("row"))
    changed_first = [*GOOD[:3], "Frogs sang quieter at night."]
    path.write_bytes(csv_bytes([changed_first, [*GOOD_2[:2], "", "x"]]))
    with pytest.raises(ItemImportError, match=r"cases\.csv, row 2"):
        items_import_csv(path=path, bank="eco", source="human")
    assert list(Item.objects.filter(bank="eco").values().order_by("row")) == snapshot


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ItemImportError, match="no such file"):
        items_import_csv(path=tmp_path / "absent.csv", bank="eco", source="human")


@pytest.mark.parametrize(
    ("bank", "source", "message"),
    [("not a slug!", "human", "not a valid name"), ("eco", "robot", "source must be")],
)
def test_bad_bank_or_source_is_refused(bank: str, source: str, message: str) -> None:
    with pytest.raises(ItemImportError, match=message):
        items_import_csv(path=FIXTURE, bank=bank, source=source)
    assert not Item.objects.filter(source_file=FIXTURE.name).exists()


def test_builtin_items_cannot_be_overwritten_by_an_import() -> None:
    with pytest.raises(ItemImportError, match="reserved"):
        items_import_content(
            content=csv_bytes([GOOD]),
            name="braintrial-builtin",
            bank="braintrial",
            source="human",
        )


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_of_one_file_create_each_row_once() -> None:
    barrier = threading.Barrier(4)
    reports: list[ImportReport] = []
    errors: list[BaseException] = []

    def import_once() -> None:
        try:
            barrier.wait(timeout=10)
            reports.append(items_import_csv(path=FIXTURE, bank="ecology", source="human"))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=import_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(report.created for report in reports) == [0, 0, 0, 3]
    assert sorted(report.unchanged for report in reports) == [0, 3, 3, 3]
    assert Item.objects.filter(bank="ecology").count() == 3


@pytest.mark.django_db(transaction=True)
def test_an_import_waits_for_one_in_progress_in_its_bank_then_changes_nothing() -> None:
    """The bank's row is the lock: the second import waits for the first's commit instead of
    inserting the same rows beside it (which would fail on the unique row key)."""
    first_holds, release, second_done = threading.Event(), threading.Event(), threading.Event()
    reports: list[ImportReport] = []
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                items_import_csv(path=FIXTURE, bank="ecology", source="human")
                first_holds.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def second() -> None:
        try:
            first_holds.wait(timeout=30)
            reports.append(items_import_csv(path=FIXTURE, bank="ecology", source="human"))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            second_done.set()
            connection.close()

    item_bank_ensure(name="ecology")  # the bank exists already: its creation serialises nothing
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert first_holds.wait(timeout=30)
    assert not second_done.wait(timeout=1.0)  # waiting on the first's lock
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    [report] = reports
    assert (report.created, report.unchanged) == (0, 3)
    assert Item.objects.filter(bank="ecology").count() == 3
