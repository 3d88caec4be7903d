"""doi_normalise and the one parser of abstract_id_doi.csv (pure, no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from braintrial.brainbench.dois import AbstractDoi, abstract_dois_parse, doi_normalise
from braintrial.brainbench.files import PublishedDataError, text_read
from braintrial.brainbench.names import IDS_FILE


@pytest.mark.parametrize(
    "written",
    [
        "https://doi.org/10.1523/JNEUROSCI.2043-22.2023",
        "http://dx.doi.org/10.1523/jneurosci.2043-22.2023",
        "  doi:10.1523/JNeurosci.2043-22.2023 ",
        "10.1523/JNEUROSCI.2043-22.2023",
    ],
)
def test_every_notation_of_a_doi_normalises_to_the_same_key(written: str) -> None:
    assert doi_normalise(written) == "10.1523/jneurosci.2043-22.2023"


def test_continuation_lines_of_the_abstract_are_not_records() -> None:
    text = (
        "DOI;abstract_id;abstract\n"
        "https://doi.org/10.1523/TEST.1;1;first An abstract; with a semicolon\n"
        "10.5 Hz; a line of abstract that starts like a number;3\n"
        "and a second line; 7\n"
        "https://doi.org/10.1523/TEST.2;2;first Another\n"
    )
    assert abstract_dois_parse(text=text) == [
        AbstractDoi(line=2, abstract_id=1, doi="10.1523/test.1"),
        AbstractDoi(line=5, abstract_id=2, doi="10.1523/test.2"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("DOI;abstract_id\n", "no 'DOI;abstract_id' records"),
        ("10.1523/A.1;x;a\n", "line 1: abstract_id 'x' is not a positive whole number"),
        ("10.1523/A.1;0;a\n", "line 1: abstract_id '0' is not a positive whole number"),
        ("10.1523/A.1;1;a\n10.1523/A.2;1;b\n", "line 2: abstract_id 1 already on line 1"),
        ("10.1523/A.1;1;a\nhttps://doi.org/10.1523/a.1;2;b\n", "line 2: doi 10.1523/a.1 already"),
    ],
)
def test_a_bad_record_is_refused_naming_its_line(text: str, message: str) -> None:
    with pytest.raises(PublishedDataError, match=f"{IDS_FILE}.*{message}"):
        abstract_dois_parse(text=text)


def test_the_published_file_maps_200_ids_to_200_papers(brainbench_dir: Path) -> None:
    records = abstract_dois_parse(text=text_read(path=brainbench_dir / IDS_FILE))
    assert [record.abstract_id for record in records] == list(range(1, 201))
    assert records[0].doi == "10.1523/jneurosci.2043-22.2023"
