"""Reading PubMed XML: the ``PubmedArticleSet`` that PubMed's "Save as PubMed XML" and efetch
(retmode=xml) write, parsed safely."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from braintrial.items.dates import (
    DateError,
    PublicationDate,
    date_from_parts,
    medline_date_parse,
)
from braintrial.workbench.sources import (
    MAX_RECORDS,
    RecordError,
    SourceCheck,
    duplicates_mark,
    row_build,
    text_collapse,
)


def pubmed_check(*, content: bytes, name: str, section: str = "") -> SourceCheck:
    """The articles of a PubMed ``PubmedArticleSet`` (what efetch returns with retmode=xml).

    Parsed with defusedxml: a DTD, an entity declaration or an external reference refuses the
    file (the billion-laughs and external-entity attacks need one of them). Every article
    needs a title, an abstract, a DOI, a journal title and a publication date.
    """
    check = SourceCheck()
    try:
        root = fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        check.errors.append(
            f"{name}: declares a DTD or entities, which are refused; export the records from "
            "PubMed again as plain XML"
        )
        return check
    except ParseError as exc:
        line, column = exc.position
        check.errors.append(f"{name}: not well-formed XML (line {line}, column {column})")
        return check
    if root.tag != "PubmedArticleSet":
        check.errors.append(
            f"{name}: the root element is <{root.tag[:40]}>, not <PubmedArticleSet> "
            "(PubMed's XML export)"
        )
        return check
    articles = root.findall("PubmedArticle")
    if not articles:
        check.errors.append(f"{name}: no <PubmedArticle> in the file")
    if len(articles) > MAX_RECORDS:
        check.errors.append(f"{name}: more than {MAX_RECORDS:,} articles; split the file")
        return check
    for number, article in enumerate(articles, start=1):
        try:
            check.rows.append(
                row_build(row=number, values=_pubmed_values(article), section=section)
            )
        except RecordError as exc:
            pmid = _alltext_collapse(article.find("MedlineCitation/PMID"))
            label = f"article {number}" + (f" (PMID {pmid[:20]})" if pmid else "")
            check.errors.append(f"{name}, {label}: {exc}")
    return duplicates_mark(check, name=name, unit="article")


def _alltext_collapse(element: Element | None) -> str:
    """The element's text with that of its children (<i>, <sup>, <sub> inside a title)."""
    return text_collapse("".join(element.itertext())) if element is not None else ""


def _pubmed_values(article: Element) -> dict[str, Any]:
    entry = article.find("MedlineCitation/Article")
    if entry is None:
        raise RecordError("no <Article> inside <MedlineCitation>")
    return {
        "title": _alltext_collapse(entry.find("ArticleTitle")),
        "abstract": " ".join(_abstract_parts(entry)),
        "doi": _pubmed_doi(article, entry),
        "journal": _alltext_collapse(entry.find("Journal/Title")),
        "publication_date": _pubmed_date(entry),
    }


def _abstract_parts(entry: Element) -> Iterator[str]:
    """A structured abstract's parts in order, each with its label (BACKGROUND: ...)."""
    for part in entry.findall("Abstract/AbstractText"):
        text = _alltext_collapse(part)
        label = text_collapse(part.get("Label", ""))
        if text:
            yield f"{label}: {text}" if label else text


def _pubmed_doi(article: Element, entry: Element) -> str:
    for location in entry.findall("ELocationID"):
        if location.get("EIdType") == "doi" and (location.text or "").strip():
            return location.text or ""
    for identifier in article.findall("PubmedData/ArticleIdList/ArticleId"):
        if identifier.get("IdType") == "doi" and (identifier.text or "").strip():
            return identifier.text or ""
    return ""


def _pubmed_date(entry: Element) -> PublicationDate:
    """The electronic publication date where PubMed has one, else the issue's date.

    The earlier of the two is when a model's training data could first have held the paper,
    and it is the electronic one (an issue follows its articles' online release).
    """
    electronic = [d for d in entry.findall("ArticleDate") if d.get("DateType") == "Electronic"]
    date = electronic[0] if electronic else entry.find("Journal/JournalIssue/PubDate")
    if date is None:
        raise RecordError("publication date is missing (no <ArticleDate> or <PubDate>)")
    try:
        medline = date.find("MedlineDate")
        if medline is not None:
            return medline_date_parse(_alltext_collapse(medline))
        return date_from_parts(
            year=_alltext_collapse(date.find("Year")),
            month=_alltext_collapse(date.find("Month")),
            day=_alltext_collapse(date.find("Day")),
        )
    except DateError as exc:
        raise RecordError(f"publication date: {exc}") from exc
