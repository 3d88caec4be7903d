"""The management commands import_brainbench and import_items, as a user runs them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from braintrial.items.models import Item

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "ecology_items.csv"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_import_brainbench_prints_counts_defects_and_nothing_changed_on_rerun(
    brainbench_dir: Path,
) -> None:
    first = run("import_brainbench", str(brainbench_dir))
    assert "BrainBench_Human_v0.1.csv (bank brainbench): 200 created" in first
    assert "BrainBench_GPT-4_v0.1.csv (bank brainbench): 100 created" in first
    assert "5 defective rows" in first
    second = run("import_brainbench", str(brainbench_dir))
    assert "0 created, 0 updated, 200 unchanged" in second
    assert "0 created, 0 updated, 100 unchanged" in second
    assert "nothing changed" in second


def test_import_brainbench_uses_the_configured_directory_by_default(
    brainbench_dir: Path,
) -> None:
    assert "200 created" in run("import_brainbench")


def test_import_brainbench_bad_directory_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such directory"):
        run("import_brainbench", str(tmp_path / "missing"))


def test_import_items_imports_the_fixture_once(tmp_path: Path) -> None:
    assert "3 created" in run("import_items", str(FIXTURE), "--bank", "ecology")
    assert "nothing changed" in run("import_items", str(FIXTURE), "--bank", "ecology")
    assert Item.objects.filter(bank="ecology", source="human").count() == 3


def test_import_items_gpt4_source_is_stored(tmp_path: Path) -> None:
    run("import_items", str(FIXTURE), "--bank", "ecology", "--source", "gpt4")
    assert set(Item.objects.filter(bank="ecology").values_list("source", flat=True)) == {"gpt4"}


def test_import_items_bad_file_is_a_command_error_naming_file_and_row(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(FIXTURE.read_bytes().replace(b"rats", b"r\xe4ts"))
    with pytest.raises(CommandError, match=r"bad\.csv, row 1: .*UTF-8"):
        run("import_items", str(bad), "--bank", "ecology")
    assert not Item.objects.filter(bank="ecology").exists()


def test_import_items_missing_file_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        run("import_items", str(tmp_path / "none.csv"), "--bank", "ecology")
