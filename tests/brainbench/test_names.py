"""The published bank's name is spelled once, in braintrial.items.bank_names (below every app
that reads it), and read from there: braintrial.brainbench.names included."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from braintrial.brainbench.names import BANK
from braintrial.items.models import Item
from braintrial.studies.models import Study

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("braintrial", "scoring", "bench", "scripts")
# "bank 'brainbench'", 'bank "brainbench"', "bank brainbench" in a message or docstring.
# The same word naming something else: spelled there on purpose, not a bank.
OTHER_MEANINGS = {
    "braintrial/brainbench/apps.py": "the app's label",
    "braintrial/settings.py": "the data folder's name in BRAINBENCH_DIR",
}
BANK_IN_TEXT = re.compile(r"\bbank\b\W{1,3}" + re.escape(BANK) + r"\b", re.IGNORECASE)


def source_files() -> list[Path]:
    return sorted(
        path
        for folder in SOURCE_DIRS
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
    )


def test_the_bank_name_is_a_string_literal_in_names_only() -> None:
    # Whole literals only: the slug "brainbench-2024" is another string.
    spelled = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in source_files()
        if str(path.relative_to(ROOT)) not in OTHER_MEANINGS
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and node.value == BANK
    ]
    assert spelled == ["braintrial/items/bank_names.py:10"]


def test_the_other_meanings_of_the_word_are_still_there() -> None:
    # Keeps OTHER_MEANINGS honest: an entry whose literal went away must be dropped.
    for name in OTHER_MEANINGS:
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        assert any(isinstance(n, ast.Constant) and n.value == BANK for n in ast.walk(tree)), name


def test_no_message_or_docstring_spells_the_bank_name_out() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in source_files()
        for match in BANK_IN_TEXT.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_item_and_study_default_to_the_published_bank() -> None:
    assert Item._meta.get_field("bank").default == BANK
    assert Study._meta.get_field("bank").default == BANK
    assert Item().bank == Study().bank == "brainbench"
