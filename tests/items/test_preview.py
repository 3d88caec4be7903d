"""Checking a test-case file without storing it: every faulty row, and the valid rows' diffs."""

from __future__ import annotations

import pytest

from braintrial.items.models import Item
from braintrial.items.services.parsing import ItemImportError, rows_check, rows_parse
from braintrial.items.services.preview import items_preview_content

HEADER = "doi,journal_section,original_abstract,incorrect_abstract\n"
FILE = (
    HEADER
    + "10.1/a,Ecology,Numbers rose by 60%.,Numbers fell by 60%.\n"
    + "10.1/b,Ecology,,Altered only.\n"
    + "10.1/c,Ecology,Same words.,Same words.\n"
    + "10.1/a,Ecology,Other text here.,Other text there.\n"
)


def test_check_reports_every_faulty_row_in_file_order() -> None:
    parsed, errors = rows_check(content=FILE, name="f.csv")
    assert [row.row for row in parsed] == [1]
    assert [str(e) for e in errors] == [
        "f.csv, row 2: original_abstract is empty",
        "f.csv, row 3: original_abstract and incorrect_abstract are identical",
        "f.csv, row 4: doi 10.1/a already appears in row 1 (one test case per paper and file)",
    ]


def test_the_import_still_stops_at_the_first_of_the_same_problems() -> None:
    with pytest.raises(ItemImportError, match="row 2: original_abstract is empty"):
        rows_parse(content=FILE, name="f.csv")


def test_a_header_problem_is_the_only_error() -> None:
    parsed, errors = rows_check(content="doi,original_abstract\n1,x\n", name="f.csv")
    assert parsed == []
    assert [str(e) for e in errors] == [
        "f.csv, header: missing column(s) journal_section, incorrect_abstract"
    ]


@pytest.mark.django_db
def test_preview_shows_the_differences_and_stores_nothing() -> None:
    good = HEADER + "10.1/a,Ecology,Numbers rose by 60%.,Numbers fell by 60%.\n"
    preview = items_preview_content(content=good, name="f.csv", source="human")
    assert preview.importable
    assert preview.rows[0].differences == [{"original": "rose", "altered": "fell"}]
    assert not Item.objects.filter(source_file="f.csv").exists()
    assert not items_preview_content(content=FILE, name="f.csv", source="human").importable
    wrong_source = items_preview_content(content=good, name="f.csv", source="robot")
    assert wrong_source.errors and not wrong_source.importable
