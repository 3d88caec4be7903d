"""The management command import_items, as a user runs it."""

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
