"""brainbench_import on the real published files, and its input checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from braintrial.items.models import Item
from braintrial.items.services import ItemImportError, brainbench_import
from braintrial.items.services.brainbench import GPT4_FILE, HUMAN_FILE, ID_FILE

pytestmark = pytest.mark.django_db

# 1-based data rows; BrainBench's README numbers the same rows from 0 (62; 24, 51, 58, 66).
DEFECTIVE_ROWS = {
    (HUMAN_FILE, 63),
    (GPT4_FILE, 25),
    (GPT4_FILE, 52),
    (GPT4_FILE, 59),
    (GPT4_FILE, 67),
}


@pytest.fixture
def copy_dir(brainbench_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the data, to break on purpose."""
    for name in (HUMAN_FILE, GPT4_FILE, ID_FILE):
        shutil.copy(brainbench_dir / name, tmp_path / name)
    return tmp_path


def test_imports_200_human_and_100_gpt4_items(brainbench_dir: Path) -> None:
    human, gpt4 = brainbench_import(directory=brainbench_dir)
    assert (human.created, gpt4.created) == (200, 100)
    bank = Item.objects.filter(bank="brainbench")
    assert bank.filter(source="human", kind="test").count() == 200
    assert bank.filter(source="gpt4", kind="test").count() == 100
    assert not bank.filter(differences=[]).exists()
    assert set(bank.values_list("journal_section", flat=True)) == {
        "Behavioral/Cognitive",
        "Systems/Circuits",
        "Neurobiology of Disease",
        "Cellular/Molecular",
        "Development/Plasticity/Repair",
    }


def test_human_abstract_id_is_row_and_gpt4_cases_share_their_papers_id(
    brainbench_dir: Path,
) -> None:
    brainbench_import(directory=brainbench_dir)
    human = {i.doi: i for i in Item.objects.filter(bank="brainbench", source="human")}
    assert all(i.abstract_id == i.row for i in human.values())
    first = human["https://doi.org/10.1523/JNEUROSCI.2043-22.2023"]
    assert first.abstract_id == 1  # the first line of abstract_id_doi.csv
    gpt4 = list(Item.objects.filter(bank="brainbench", source="gpt4"))
    assert len(gpt4) == 100
    for item in gpt4:
        assert item.abstract_id == human[item.doi].abstract_id


def test_exactly_the_five_known_defective_rows_are_reported_and_stored(
    brainbench_dir: Path,
) -> None:
    reports = brainbench_import(directory=brainbench_dir)
    reported = [defect for report in reports for defect in report.defects]
    assert len(reported) == 5
    stored = set(
        Item.objects.filter(bank="brainbench").exclude(defect="").values_list("source_file", "row")
    )
    assert stored == DEFECTIVE_ROWS
    for file_name, row in DEFECTIVE_ROWS:
        assert any(f"{file_name}, row {row} (0-based index {row - 1})" in d for d in reported)


def test_second_import_creates_and_updates_nothing(brainbench_dir: Path) -> None:
    brainbench_import(directory=brainbench_dir)
    again = brainbench_import(directory=brainbench_dir)
    assert [(r.created, r.updated, r.unchanged) for r in again] == [(0, 0, 200), (0, 0, 100)]
    assert Item.objects.filter(bank="brainbench").count() == 300


def test_versions_are_kept_exactly_as_published(brainbench_dir: Path) -> None:
    brainbench_import(directory=brainbench_dir)
    item = Item.objects.get(bank="brainbench", source_file=HUMAN_FILE, row=62)
    assert item.differences == [{"original": "shallowest.", "altered": "steepest."}]


def test_missing_directory_says_where_to_download(tmp_path: Path) -> None:
    with pytest.raises(ItemImportError, match="no such directory") as error:
        brainbench_import(directory=tmp_path / "nowhere")
    assert "github.com/braingpt-lovelab/brainbench_testcases" in str(error.value)


def test_missing_file_is_named(copy_dir: Path) -> None:
    (copy_dir / GPT4_FILE).unlink()
    with pytest.raises(ItemImportError, match=f"missing {GPT4_FILE}"):
        brainbench_import(directory=copy_dir)
    assert not Item.objects.filter(bank="brainbench").exists()


def test_bad_gpt4_row_imports_neither_file(copy_dir: Path) -> None:
    path = copy_dir / GPT4_FILE
    path.write_bytes(path.read_bytes().replace(b"JNEUROSCI", b"JNEUROSC\xe9", 1))
    with pytest.raises(ItemImportError, match=f"{GPT4_FILE}, row 1: .*UTF-8"):
        brainbench_import(directory=copy_dir)
    assert not Item.objects.filter(bank="brainbench").exists()


def test_gpt4_paper_missing_from_human_file_is_refused(copy_dir: Path) -> None:
    path = copy_dir / GPT4_FILE
    text = path.read_text(encoding="utf-8")
    first_doi = text.splitlines()[1].split(",")[0]
    path.write_text(text.replace(first_doi, "https://doi.org/10.0/unknown", 1), encoding="utf-8")
    with pytest.raises(ItemImportError, match=f"{GPT4_FILE}, row 1: .*no abstract_id"):
        brainbench_import(directory=copy_dir)
    assert not Item.objects.filter(bank="brainbench").exists()


def test_abstract_id_file_that_disagrees_with_human_file_is_refused(copy_dir: Path) -> None:
    path = copy_dir / ID_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace(";1;", ";2;", 1)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ItemImportError, match=f"{ID_FILE}, line 2"):
        brainbench_import(directory=copy_dir)
    assert not Item.objects.filter(bank="brainbench").exists()
