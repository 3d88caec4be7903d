"""The import commands on the real published data, as a user runs them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


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
