"""published_items_import on the real published files, and its input checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from braintrial.brainbench.files import PublishedDataError
from braintrial.brainbench.names import BANK, GPT4_FILE, HUMAN_FILE, IDS_FILE
from braintrial.brainbench.services.items import published_items_import
from braintrial.items.models import Item

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
    for name in (HUMAN_FILE, GPT4_FILE, IDS_FILE):
        shutil.copy(brainbench_dir / name, tmp_path / name)
    return tmp_path


def test_imports_200_human_and_100_gpt4_items(brainbench_dir: Path) -> None:
    human, gpt4 = published_items_import(directory=brainbench_dir).files
    assert (human.created, gpt4.created) == (200, 100)
    bank = Item.objects.filter(bank=BANK)
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
    published_items_import(directory=brainbench_dir)
    human = {i.doi: i for i in Item.objects.filter(bank=BANK, source="human")}
    assert all(i.abstract_id == i.row for i in human.values())
    first = human["https://doi.org/10.1523/JNEUROSCI.2043-22.2023"]
    assert first.abstract_id == 1  # the first line of abstract_id_doi.csv
    gpt4 = list(Item.objects.filter(bank=BANK, source="gpt4"))
    assert len(gpt4) == 100
    for item in gpt4:
        assert item.abstract_id == human[item.doi].abstract_id


def test_exactly_the_five_known_defective_rows_are_reported_and_stored(
    brainbench_dir: Path,
) -> None:
    reported = published_items_import(directory=brainbench_dir).defects
    assert len(reported) == 5
    stored = set(
        Item.objects.filter(bank=BANK).exclude(defect="").values_list("source_file", "row")
    )
    assert stored == DEFECTIVE_ROWS
    for file_name, row in DEFECTIVE_ROWS:
        assert any(f"{file_name}, row {row} (0-based index {row - 1})" in d for d in reported)


def test_second_import_creates_and_updates_nothing(brainbench_dir: Path) -> None:
    published_items_import(directory=brainbench_dir)
    again = published_items_import(directory=brainbench_dir)
    assert [(r.created, r.updated, r.unchanged) for r in again.files] == [(0, 0, 200), (0, 0, 100)]
    assert Item.objects.filter(bank=BANK).count() == 300


def test_versions_are_kept_exactly_as_published(brainbench_dir: Path) -> None:
    published_items_import(directory=brainbench_dir)
    item = Item.objects.get(bank=BANK, source_file=HUMAN_FILE, row=62)
    assert item.differences == [{"original": "shallowest.", "altered": "steepest."}]


def test_missing_directory_says_where_to_download(tmp_path: Path) -> None:
    with pytest.raises(PublishedDataError, match="no such directory") as error:
        published_items_import(directory=tmp_path / "nowhere")
    assert "github.com/braingpt-lovelab/brainbench_testcases" in str(error.value)


def test_missing_file_is_named(copy_dir: Path) -> None:
    (copy_dir / GPT4_FILE).unlink()
    with pytest.raises(PublishedDataError, match=f"missing {GPT4_FILE}"):
        published_items_import(directory=copy_dir)
    assert not Item.objects.filter(bank=BANK).exists()


def test_bad_gpt4_row_imports_neither_file(copy_dir: Path) -> None:
    path = copy_dir / GPT4_FILE
    path.write_bytes(path.read_bytes().replace(b"JNEUROSCI", b"JNEUROSC\xe9", 1))
    with pytest.raises(PublishedDataError, match=f"{GPT4_FILE}, row 1: .*UTF-8"):
        published_items_import(directory=copy_dir)
    assert not Item.objects.filter(bank=BANK).exists()


def test_gpt4_paper_missing_from_human_file_is_refused(copy_dir: Path) -> None:
    path = copy_dir / GPT4_FILE
    text = path.read_text(encoding="utf-8")
    first_doi = text.splitlines()[1].split(",")[0]
    path.write_text(text.replace(first_doi, "https://doi.org/10.0/unknown", 1), encoding="utf-8")
    with pytest.raises(PublishedDataError, match=f"{GPT4_FILE}, row 1: .*no abstract_id"):
        published_items_import(directory=copy_dir)
    assert not Item.objects.filter(bank=BANK).exists()


def test_abstract_id_file_that_disagrees_with_human_file_is_refused(copy_dir: Path) -> None:
    path = copy_dir / IDS_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # Rows 1 and 2 swap their ids: each id still appears once, but not at its paper's row.
    lines[1] = lines[1].replace(";1;", ";2;", 1)
    lines[2] = lines[2].replace(";2;", ";1;", 1)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(
        PublishedDataError, match=f"{IDS_FILE}, line 2: abstract_id 2 for .* does not match"
    ):
        published_items_import(directory=copy_dir)
    assert not Item.objects.filter(bank=BANK).exists()


def test_abstract_id_file_in_another_doi_notation_still_matches(copy_dir: Path) -> None:
    # DOIs are case-insensitive and may carry any resolver prefix; the papers are the same.
    path = copy_dir / IDS_FILE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("https://doi.org/10.1523/JNEUROSCI", "10.1523/jneurosci"))
    report = published_items_import(directory=copy_dir)
    assert [one.created for one in report.files] == [200, 100]


def test_abstract_id_file_missing_a_paper_is_refused(copy_dir: Path) -> None:
    path = copy_dir / IDS_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")
    with pytest.raises(PublishedDataError, match=f"{IDS_FILE}: lists 199 abstract ids"):
        published_items_import(directory=copy_dir)
    assert not Item.objects.filter(bank=BANK).exists()
