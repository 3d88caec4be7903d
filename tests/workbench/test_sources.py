"""Reading candidate abstracts: PubMed XML, CSV and dates, every refusal with its message.

Pure reading (nothing stored); the files under fixtures/ are made up for these tests.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from braintrial.items.dates import DateError, date_parse, medline_date_parse
from braintrial.workbench.pubmed import pubmed_check
from braintrial.workbench.sources import csv_check

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = "title,abstract,doi,journal,publication_date,section\n"


def _article(*, doi: str = "10.5555/x.1", date: str = "<Year>2025</Year>", extra: str = "") -> str:
    return (
        "<PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
        "<Journal><JournalIssue><PubDate>" + date + "</PubDate></JournalIssue>"
        "<Title>Journal of Tests</Title></Journal>"
        "<ArticleTitle>A title</ArticleTitle>"
        '<ELocationID EIdType="doi">' + doi + "</ELocationID>"
        "<Abstract><AbstractText>An abstract.</AbstractText></Abstract>" + extra + "</Article>"
        "</MedlineCitation></PubmedArticle>"
    )


def _set(*articles: str) -> bytes:
    return ("<PubmedArticleSet>" + "".join(articles) + "</PubmedArticleSet>").encode()


def test_ten_articles_are_read_with_their_fields() -> None:
    check = pubmed_check(content=(FIXTURES / "ten_articles.xml").read_bytes(), name="ten.xml")
    assert check.errors == []
    assert [row.doi for row in check.rows] == [f"10.5555/bt.sources.{i:03d}" for i in range(1, 11)]
    first, second, third, fourth = check.rows[:4]
    # Labelled parts kept in order with their labels; inline markup's text kept.
    assert first.abstract == (
        "BACKGROUND: We asked how entorhinal grid fields behave without visual input. "
        "RESULTS: Fields drifted by a small amount in darkness (n = 12 animals)."
    )
    assert first.title == "Grid cell drift in darkness."
    assert first.journal == "Journal of Invented Neuroscience"
    assert (first.published.first, first.published.last) == (
        dt.date(2025, 6, 1),
        dt.date(2025, 6, 30),
    )
    # The electronic date wins over the (the paper was public from then on).
    assert (second.published.first, second.published.precision) == (dt.date(2025, 2, 2), "day")
    assert (third.published.first, third.published.last) == (
        dt.date(2025, 3, 1),
        dt.date(2025, 4, 30),
    )
    assert fourth.doi == "10.5555/bt.sources.004"  # written in capitals in the file


def test_a_section_given_for_the_file_applies_to_every_article() -> None:
    check = pubmed_check(content=_set(_article()), name="a.xml", section="Systems/Circuits")
    assert [row.section for row in check.rows] == ["Systems/Circuits"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<PubmedArticleSet><PubmedArticle>", "not well-formed XML"),
        (b"", "not well-formed XML"),
        (b"\xff\xfe<a/>", "not well-formed XML"),
        (b"<ArticleSet/>", "not <PubmedArticleSet>"),
        (b"<PubmedArticleSet/>", "no <PubmedArticle>"),
        (
            b'<?xml version="1.0"?><!DOCTYPE PubmedArticleSet [<!ENTITY a "aaaa">]>'
            b"<PubmedArticleSet>&a;</PubmedArticleSet>",
            "declares a DTD or entities",
        ),
        (
            b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><PubmedArticleSet>&e;'
            b"</PubmedArticleSet>",
            "declares a DTD or entities",
        ),
        (_set(_article(doi="not-a-doi")), "'not-a-doi' is not a DOI"),
        (_set(_article(doi="")), "doi is missing"),
        (_set(_article(date="<Year>2025</Year><Month>Smarch</Month>")), "is not a month"),
        (_set(_article(date="<Year>2025</Year><Month>02</Month><Day>30</Day>")), "not a date in"),
        (_set(_article(date="<MedlineDate>sometime</MedlineDate>")), "is not a date"),
        (_set(_article(date="<Year>25</Year>")), "not a four-digit year"),
        (_set(_article(), _article()), "already in article 1 of this file"),
        (
            _set(_article().replace("<AbstractText>An abstract.</AbstractText>", "")),
            "abstract is missing",
        ),
        (_set(_article().replace("<Title>Journal of Tests</Title>", "")), "journal is missing"),
    ],
)
def test_bad_xml_is_refused_with_a_clear_message(content: bytes, message: str) -> None:
    check = pubmed_check(content=content, name="bad.xml")
    assert check.errors, "the file was accepted"
    assert message in " ".join(check.errors)


def test_bad_articles_are_all_reported_with_their_pmid() -> None:
    check = pubmed_check(
        content=_set(_article(doi="x"), _article(doi="10.5555/ok"), _article(doi="y")),
        name="b.xml",
    )
    assert len(check.errors) == 2
    assert check.errors[0].startswith("b.xml, article 1 (PMID 1): doi 'x' is not a DOI")


def test_the_csv_fixture_is_read_and_normalised() -> None:
    check = csv_check(content=(FIXTURES / "three_candidates.csv").read_bytes(), name="c.csv")
    assert check.errors == []
    assert [row.doi for row in check.rows] == [
        "10.5555/bt.csv.001",
        "10.5555/bt.csv.002",
        "10.5555/bt.csv.003",
    ]
    assert [row.section for row in check.rows] == [
        "Systems/Circuits",
        "Development/Plasticity/Repair",
        "",
    ]
    assert [row.published.precision for row in check.rows] == ["day", "month", "year"]
    assert check.rows[2].published.last == dt.date(2025, 12, 31)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title,abstract\nA,B\n", "missing: doi, journal, publication_date, section"),
        (HEADER.replace("section", "sektion"), "unknown: sektion"),
        (HEADER, "no records below the header"),
        (HEADER + "T,A,10.5555/a,J,2025-13,\n", "month '13' is not between 1 and 12"),
        (HEADER + "T,A,10.5555/a,J,14/03/2025,\n", "'14/03/2025' is not a date"),
        (HEADER + "T,A,10.5555/a,J,,\n", "publication_date is missing"),
        (HEADER + "T,A,10.5555/a,J,2025,Ecology\n", "section 'Ecology' is not one of"),
        (HEADER + "T,A,doi.org/10.5555/a,J,2025,\n", "is not a DOI"),
        (HEADER + ",A,10.5555/a,J,2025,\n", "title is missing"),
        (HEADER + "T,A,10.5555/a,J\n", "4 fields where the header has 6"),
        (HEADER + 'T,"A,10.5555/a,J,2025,\n', "not valid CSV"),
        (
            HEADER + "T,A,10.5555/a,J,2025,\nU,B,https://doi.org/10.5555/A,J,2025,\n",
            "record 2: doi 10.5555/a already in record 1 of this file",
        ),
    ],
)
def test_bad_csv_is_refused_with_a_clear_message(text: str, message: str) -> None:
    check = csv_check(content=text.encode(), name="bad.csv")
    assert check.errors, "the file was accepted"
    assert message in " ".join(check.errors)


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe\x00t\x00i", (HEADER + "T,A\x00,10.5555/a,J,2025,\n").encode()],
)
def test_csv_that_is_not_utf8_text_is_refused(content: bytes) -> None:
    assert csv_check(content=content, name="bin.csv").errors


@pytest.mark.parametrize(
    ("text", "first", "last", "precision"),
    [
        ("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31), "year"),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29), "month"),
        ("2025-03-14", dt.date(2025, 3, 14), dt.date(2025, 3, 14), "day"),
    ],
)
def test_a_date_is_the_range_of_days_it_may_mean(
    text: str, first: dt.date, last: dt.date, precision: str
) -> None:
    date = date_parse(text)
    assert (date.first, date.last, date.precision) == (first, last, precision)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2024 Dec-2025 Jan", dt.date(2024, 12, 1), dt.date(2025, 1, 31)),
        ("2025 Mar-Apr", dt.date(2025, 3, 1), dt.date(2025, 4, 30)),
        ("2025 Spring", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        ("2024-2025", dt.date(2024, 1, 1), dt.date(2025, 12, 31)),
        ("2025 Mar 15-Apr 2", dt.date(2025, 3, 1), dt.date(2025, 4, 30)),
    ],
)
def test_a_medline_date_widens_never_narrows(text: str, first: dt.date, last: dt.date) -> None:
    date = medline_date_parse(text)
    assert (date.first, date.last) == (first, last)


@pytest.mark.parametrize("text", ["2025-00", "2025-02-30", "1700", "3000", "2025-1-1", "soon"])
def test_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(DateError):
        date_parse(text)
