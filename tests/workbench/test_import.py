"""Importing candidates: ten PubMed articles become ten candidates; every bad file is refused
with a 400 and its message, storing nothing; duplicates by DOI are refused; papers already in
a bank are flagged; the pages are the bank owners' only; the audit log records each import."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from braintrial.workbench.models import Candidate
from braintrial.workbench.selectors import candidate_list
from braintrial.workbench.services import CandidateImportError, candidates_import_file

from .conftest import TEN_XML, THREE_CSV, Labs, bank_changer, client_for

pytestmark = pytest.mark.django_db
HEADER = "title,abstract,doi,journal,publication_date,section\n"
GOOD_ROW = "A title,An abstract,10.5555/good.1,Journal of Tests,2025-04-01,\n"
PASTE = {
    "title": "Pasted paper",
    "abstract": "We made this abstract up; activity rose by a third.",
    "doi": "https://doi.org/10.5555/PASTED.1",
    "journal": "Journal of Tests",
    "publication_date": "2025-09",
    "section": "Cellular/Molecular",
}


def _url(name: str, bank: str = "lab-a") -> str:
    return reverse(f"dashboard:{name}", kwargs={"bank": bank})


def _check(client: Client, name: str, content: bytes, section: str = "") -> object:
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(_url("workbench_file_check"), {"file": upload, "section": section})


def _imports() -> int:
    return LogEntry.objects.filter(additional_data__event="candidates.import").count()


def test_ten_pubmed_articles_become_ten_candidates_through_the_pages(labs: Labs) -> None:
    client = client_for(labs.owner)
    response = _check(client, "ten.xml", TEN_XML.read_bytes(), section="Systems/Circuits")
    assert response.status_code == 200
    assert "ten.xml: 10 candidates ready to import" in response.content.decode()
    assert Candidate.objects.count() == 0  # a check stores nothing

    response = client.post(_url("workbench_file_import"))
    assert response.status_code == 302
    stored = Candidate.objects.filter(bank=labs.bank).order_by("row")
    assert stored.count() == 10
    first = stored[0]
    assert (first.doi, first.origin, first.source_file, first.section) == (
        "10.5555/bt.sources.001", "pubmed", "ten.xml", "Systems/Circuits"
    )  # fmt: skip
    assert first.imported_by == labs.owner
    assert (first.published_from, first.published_until, first.published_precision) == (
        dt.date(2025, 6, 1), dt.date(2025, 6, 30), "month"
    )  # fmt: skip
    entry = LogEntry.objects.get(additional_data__event="candidates.import")
    assert entry.actor == labs.owner
    assert entry.additional_data["details"]["count"] == 10
    assert entry.additional_data["details"]["bank"] == "lab-a"
    assert entry.additional_data["details"]["source_file"] == "ten.xml"
    assert len(entry.additional_data["details"]["dois"]) == 10

    page = client.get(_url("workbench_candidates")).content.decode()
    assert "Candidates (10)" in page
    assert "Grid cell drift in darkness." in page


def test_a_re_import_refuses_the_duplicates_and_stores_nothing(labs: Labs) -> None:
    client = client_for(labs.owner)
    candidates_import_file(
        user=labs.owner, bank=labs.bank, content=TEN_XML.read_bytes(), name="a.xml"
    )
    response = _check(client, "again.xml", TEN_XML.read_bytes())
    assert response.status_code == 400
    body = response.content.decode()
    assert "10 problems, nothing stored" in body
    assert "doi 10.5555/bt.sources.001 is already a candidate of bank lab-a" in body
    assert client.post(_url("workbench_file_import")).status_code == 400  # nothing waits
    assert Candidate.objects.count() == 10
    assert _imports() == 1


def test_the_same_doi_may_be_a_candidate_of_another_bank(labs: Labs) -> None:
    content = TEN_XML.read_bytes()
    candidates_import_file(user=labs.owner, bank=labs.bank, content=content, name="a.xml")
    candidates_import_file(user=labs.other, bank=labs.other_bank, content=content, name="b.xml")
    assert Candidate.objects.filter(doi="10.5555/bt.sources.001").count() == 2


def test_a_file_partly_imported_meanwhile_is_refused_whole(labs: Labs) -> None:
    """The confirmed import checks again: one DOI imported since the preview refuses all ten."""
    client = client_for(labs.owner)
    assert _check(client, "ten.xml", TEN_XML.read_bytes()).status_code == 200
    client_for(labs.owner).post(_url("workbench_paste"), {**PASTE, "doi": "10.5555/bt.sources.007"})
    response = client.post(_url("workbench_file_import"))
    assert response.status_code == 400
    assert "doi 10.5555/bt.sources.007 is already a candidate" in response.content.decode()
    assert list(Candidate.objects.values_list("doi", flat=True)) == ["10.5555/bt.sources.007"]


BAD_FILES = [
    ("bad.xml", b"<PubmedArticleSet><PubmedArticle>", "not well-formed XML"),
    (
        "bomb.xml",
        b'<!DOCTYPE a [<!ENTITY b "c">]><PubmedArticleSet>&b;</PubmedArticleSet>',
        "declares a DTD",
    ),
    ("wrong.xml", b"<eSearchResult/>", "not &lt;PubmedArticleSet&gt;"),
    ("bad.csv", b"title;abstract\nx;y\n", "the header must name the columns"),
    ("bad.csv", b"\xff\xfe\x00x", "not UTF-8 text"),
    ("bad.csv", (HEADER + "A title,,10.5555/a,J,2025,\n").encode(), "abstract is missing"),
    (
        "bad.csv",
        (HEADER + "A title,B,10.5555/a,J,2025-02-30,\n").encode(),
        "is not a date in the calendar",
    ),
    (
        "bad.csv",
        (HEADER + "A title,B,10.5555/a,J,2025,Ecology\n").encode(),
        "section &#x27;Ecology&#x27; is not one of",
    ),
    ("bad.csv", (HEADER + "A title,B,ISBN 978-0,J,2025,\n").encode(), "is not a DOI"),
    ("bad.csv", (HEADER + GOOD_ROW + GOOD_ROW).encode(), "already in record 1 of this file"),
    ("bad.csv", (HEADER + GOOD_ROW + "A,B,10.5555/b,J,2025-13,\n").encode(), "between 1 and 12"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES)
def test_a_bad_file_is_refused_with_its_message_and_stores_nothing(
    labs: Labs, name: str, content: bytes, message: str
) -> None:
    client = client_for(labs.owner)
    response = _check(client, name, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert client.post(_url("workbench_file_import")).status_code == 400
    assert Candidate.objects.count() == 0
    assert _imports() == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", b"hello", "Upload a PubMed .xml file or a .csv file."),
        ("empty.xml", b"", "The submitted file is empty."),
    ],
)
def test_a_file_the_form_refuses_gets_a_400(
    labs: Labs, name: str, content: bytes, message: str
) -> None:
    response = _check(client_for(labs.owner), name, content)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_unknown_section_for_the_file_is_refused(labs: Labs) -> None:
    response = _check(client_for(labs.owner), "ten.xml", TEN_XML.read_bytes(), section="Ecology")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert Candidate.objects.count() == 0


def test_a_csv_file_imports_normalised(labs: Labs) -> None:
    client = client_for(labs.owner)
    assert _check(client, "three.csv", THREE_CSV.read_bytes()).status_code == 200
    assert client.post(_url("workbench_file_import")).status_code == 302
    assert list(Candidate.objects.order_by("row").values_list("doi", "origin")) == [
        ("10.5555/bt.csv.001", "csv"), ("10.5555/bt.csv.002", "csv"), ("10.5555/bt.csv.003", "csv")
    ]  # fmt: skip


def test_a_pasted_abstract_is_imported_once(labs: Labs) -> None:
    client = client_for(labs.owner)
    assert client.post(_url("workbench_paste"), PASTE).status_code == 302
    candidate = Candidate.objects.get()
    assert (candidate.doi, candidate.origin, candidate.published_precision) == (
        "10.5555/pasted.1",
        "pasted",
        "month",
    )
    again = client.post(_url("workbench_paste"), {**PASTE, "doi": "doi:10.5555/Pasted.1"})
    assert again.status_code == 400
    assert "doi 10.5555/pasted.1 is already a candidate of bank lab-a" in again.content.decode()
    assert Candidate.objects.count() == 1
    assert _imports() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("doi", "10.5555", "is not a DOI"),
        ("doi", "", "This field is required."),
        ("publication_date", "March 2025", "is not a date"),
        ("publication_date", "2025-02-29", "not a date in the calendar"),
        ("section", "Ecology", "Select a valid choice"),
        ("title", "   ", "This field is required."),
        ("abstract", "x" * 10_001, "at most 10000 characters"),
    ],
)
def test_a_bad_pasted_abstract_is_refused(labs: Labs, field: str, value: str, message: str) -> None:
    response = client_for(labs.owner).post(_url("workbench_paste"), {**PASTE, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Candidate.objects.count() == 0
    assert _imports() == 0


def test_a_candidate_whose_paper_is_in_a_bank_is_flagged(labs: Labs) -> None:
    candidates_import_file(
        user=labs.owner, bank=labs.bank, content=TEN_XML.read_bytes(), name="a.xml"
    )
    listed = {
        row.candidate.doi: row.in_banks
        for row in candidate_list(user=labs.owner, bank_id=labs.bank.pk)
    }
    # Article 3 is in the public bank (its DOI written with a resolver and capitals there);
    # article 5 in another team's bank, which is counted but not named.
    assert (listed["10.5555/bt.sources.003"].named, listed["10.5555/bt.sources.003"].others) == (
        ["published"],
        0,
    )
    assert (listed["10.5555/bt.sources.005"].named, listed["10.5555/bt.sources.005"].others) == (
        [],
        1,
    )
    assert not listed["10.5555/bt.sources.001"]
    assert sum(bool(flag) for flag in listed.values()) == 2
    page = client_for(labs.owner).get(_url("workbench_candidates")).content.decode()
    assert "Yes: published" in page
    assert "Yes: 1 other team's bank" in page
    assert "lab-b" not in page


def test_the_preview_flags_papers_already_in_a_bank(labs: Labs) -> None:
    response = _check(client_for(labs.owner), "ten.xml", TEN_XML.read_bytes())
    assert "Already an item in published" in response.content.decode()


def test_a_candidate_is_flagged_by_an_item_added_after_it(labs: Labs) -> None:
    from tests.factories import item_make

    candidates_import_file(
        user=labs.owner, bank=labs.bank, content=TEN_XML.read_bytes(), name="a.xml"
    )
    item_make(bank="lab-a", doi="10.5555/bt.sources.009")
    listed = {
        row.candidate.doi: row.in_banks
        for row in candidate_list(user=labs.owner, bank_id=labs.bank.pk)
    }
    assert listed["10.5555/bt.sources.009"].named == ["lab-a"]


PAGES = [
    ("get", "workbench_candidates", {}),
    ("post", "workbench_file_check", {"file": b"x"}),
    ("post", "workbench_file_import", {}),
    ("post", "workbench_paste", PASTE),
]


def _request(client: Client, method: str, name: str, data: dict) -> object:
    if "file" in data:
        data = {"file": SimpleUploadedFile("ten.xml", TEN_XML.read_bytes())}
    return getattr(client, method)(_url(name), data)


@pytest.mark.parametrize(("method", "name", "data"), PAGES)
def test_the_pages_are_the_bank_owners_only(labs: Labs, method: str, name: str, data: dict) -> None:
    anonymous = _request(Client(), method, name, data)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    # Another lab cannot read lab-a at all: the same 404 as a bank that does not exist.
    assert _request(client_for(labs.other), method, name, data).status_code == 404
    # A co-researcher reads lab-a through a shared study but may not see its drafts.
    assert _request(client_for(labs.co_researcher), method, name, data).status_code == 403
    assert Candidate.objects.count() == 0
    assert _imports() == 0


def test_a_bank_that_does_not_exist_is_a_404(labs: Labs) -> None:
    client = client_for(labs.owner)
    assert client.get(_url("workbench_candidates", bank="no-such-bank")).status_code == 404


def test_the_owner_and_a_bank_changer_may_open_the_workbench(labs: Labs) -> None:
    assert client_for(labs.owner).get(_url("workbench_candidates")).status_code == 200
    assert client_for(bank_changer("bea")).get(_url("workbench_candidates")).status_code == 200


def test_the_bank_list_shows_only_the_users_banks(labs: Labs) -> None:
    page = client_for(labs.owner).get(reverse("dashboard:workbench_banks")).content.decode()
    assert "lab-a" in page and "lab-b" not in page
    assert (
        "lab-a"
        not in client_for(labs.other).get(reverse("dashboard:workbench_banks")).content.decode()
    )


def test_the_database_keeps_one_normalised_doi_per_bank(labs: Labs) -> None:
    fields = {
        "bank": labs.bank, "title": "T", "abstract": "A", "journal": "J", "origin": "pasted",
        "row": 1, "published_from": dt.date(2025, 1, 1), "published_until": dt.date(2025, 1, 1),
        "published_precision": "day",
    }  # fmt: skip
    Candidate.objects.create(doi="10.5555/one", **fields)
    for doi in ["10.5555/one", "10.5555/ONE", ""]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Candidate.objects.create(doi=doi, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Candidate.objects.create(
            doi="10.5555/two", **{**fields, "published_until": dt.date(2024, 1, 1)}
        )


def test_published_after_a_cutoff_needs_the_whole_range_after_it(labs: Labs) -> None:
    client_for(labs.owner).post(_url("workbench_paste"), {**PASTE, "publication_date": "2025"})
    candidate = Candidate.objects.get()
    assert candidate.published_after(dt.date(2024, 12, 31))
    # A model whose cut-off falls inside 2025 may have read a paper dated only "2025".
    assert not candidate.published_after(dt.date(2025, 1, 1))
    assert not candidate.published_after(dt.date(2025, 6, 30))


def test_service_refuses_a_file_with_a_bad_record_whole(labs: Labs) -> None:
    content = (HEADER + GOOD_ROW + "B,C,10.5555/b,J,someday,\n").encode()
    with pytest.raises(CandidateImportError) as refused:
        candidates_import_file(user=labs.owner, bank=labs.bank, content=content, name="c.csv")
    assert "record 2: publication_date" in str(refused.value)
    assert Candidate.objects.count() == 0
