"""Reading candidate abstracts from what a lab has: a CSV file, one pasted abstract (PubMed XML
in ``pubmed``), and the checks every record passes whatever its source.

Pure reading and checking, nothing stored: every record becomes a ``CandidateRow`` or a message
that names the record and what is wrong with it. ``services`` stores a file only when no record
has a problem.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from braintrial.brainbench.dois import doi_normalise, doi_valid
from braintrial.items.dates import DateError, PublicationDate, date_parse
from braintrial.workbench.models import Section

# A file larger than this is refused before it is parsed (a PubMed set of 2,000 abstracts is
# about 10 MB with all its MeSH terms; a lab's batch is a few hundred).
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_RECORDS = 2000
MAX_TITLE = 1000
MAX_ABSTRACT = 10_000
MAX_JOURNAL = 255
MAX_DOI = 255
CSV_COLUMNS = ("title", "abstract", "doi", "journal", "publication_date", "section")
_SECTIONS = {choice.lower(): choice for choice in Section.values}


@dataclass(frozen=True)
class CandidateRow:
    """One checked record; ``doi`` normalised, ``section`` one of ``Section`` or empty."""

    row: int
    title: str
    abstract: str
    doi: str
    journal: str
    published: PublicationDate
    section: str


@dataclass
class SourceCheck:
    """What a file holds: its valid records and one message per problem."""

    rows: list[CandidateRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class RecordError(ValueError):
    """One record's problem, said for the lab."""


def text_collapse(value: str) -> str:
    """Whitespace (line breaks of the file, indentation of the XML) collapsed to single spaces."""
    return " ".join(value.split())


def _bounded(values: dict[str, Any], *, name: str, limit: int) -> str:
    value = text_collapse(values.get(name) or "")
    if not value:
        raise RecordError(f"{name} is missing")
    if "\x00" in value:
        raise RecordError(f"{name} contains a NUL character")
    if len(value) > limit:
        raise RecordError(f"{name} is longer than {limit:,} characters")
    return value


def doi_clean(raw: str) -> str:
    """The DOI as stored (lower case, no resolver prefix); RecordError if it is not a DOI."""
    doi = doi_normalise(raw)
    if not doi:
        raise RecordError("doi is missing")
    if len(doi) > MAX_DOI or not doi_valid(doi):
        raise RecordError(f"doi {raw.strip()[:80]!r} is not a DOI (10.<number>/<suffix>)")
    return doi


def section_clean(raw: str) -> str:
    """One of the five sections (any letter case), or empty for none."""
    value = text_collapse(raw)
    if not value:
        return ""
    if value.lower() not in _SECTIONS:
        raise RecordError(
            f"section {value[:60]!r} is not one of {', '.join(Section.values)} (or empty)"
        )
    return _SECTIONS[value.lower()]


def row_build(*, row: int, values: dict[str, Any], section: str = "") -> CandidateRow:
    """Check one record's fields (strings; ``published`` a PublicationDate or a string)."""
    published = values.get("publication_date") or ""
    if isinstance(published, str):
        if not published.strip():
            raise RecordError("publication_date is missing")
        try:
            published = date_parse(published)
        except DateError as exc:
            raise RecordError(f"publication_date: {exc}") from exc
    return CandidateRow(
        row=row,
        title=_bounded(values, name="title", limit=MAX_TITLE),
        abstract=_bounded(values, name="abstract", limit=MAX_ABSTRACT),
        doi=doi_clean(values.get("doi") or ""),
        journal=_bounded(values, name="journal", limit=MAX_JOURNAL),
        published=published,
        section=section_clean(values.get("section") or section),
    )


def duplicates_mark(check: SourceCheck, *, name: str, unit: str = "record") -> SourceCheck:
    """A DOI twice in one file is refused: the lab must say which record it means."""
    seen: dict[str, int] = {}
    for candidate in check.rows:
        if candidate.doi in seen:
            check.errors.append(
                f"{name}, {unit} {candidate.row}: doi {candidate.doi} already in {unit} "
                f"{seen[candidate.doi]} of this file"
            )
        seen.setdefault(candidate.doi, candidate.row)
    return check


# --- CSV -------------------------------------------------------------------------------------


def csv_check(*, content: bytes, name: str, section: str = "") -> SourceCheck:
    """The records of a CSV file with the columns ``CSV_COLUMNS`` (header row first, UTF-8).
    ``section``: the section of rows that leave theirs empty."""
    check = SourceCheck()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        check.errors.append(f"{name}: not UTF-8 text (byte {exc.start} cannot be read)")
        return check
    if "\x00" in text:
        check.errors.append(f"{name}: contains a NUL character; is it really a CSV file?")
        return check
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [column.strip().lower() for column in next(reader, [])]
        missing = [column for column in CSV_COLUMNS if column not in header]
        unknown = [column for column in header if column not in CSV_COLUMNS]
        if missing or unknown or len(set(header)) != len(header):
            check.errors.append(
                f"{name}: the header must name the columns {', '.join(CSV_COLUMNS)} once each"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; unknown: {', '.join(c[:40] for c in unknown)}" if unknown else "")
            )
            return check
        for number, values in enumerate(reader, start=1):
            if number > MAX_RECORDS:
                check.errors.append(f"{name}: more than {MAX_RECORDS:,} records; split the file")
                break
            _csv_record(check, name=name, number=number, header=header, values=values,
                        section=section)  # fmt: skip
    except csv.Error as exc:
        check.errors.append(f"{name}, line {reader.line_num}: not valid CSV ({exc})")
        return check
    if not check.rows and not check.errors:
        check.errors.append(f"{name}: no records below the header")
    return duplicates_mark(check, name=name)


def _csv_record(
    check: SourceCheck, *, name: str, number: int, header: list[str], values: list[str],
    section: str,
) -> None:  # fmt: skip
    if not any(value.strip() for value in values):
        return  # a blank line, as spreadsheets leave at the end
    if len(values) != len(header):
        check.errors.append(
            f"{name}, record {number}: {len(values)} fields where the header has {len(header)}"
        )
        return
    try:
        check.rows.append(
            row_build(row=number, values=dict(zip(header, values, strict=True)), section=section)
        )
    except RecordError as exc:
        check.errors.append(f"{name}, record {number}: {exc}")


# --- one pasted abstract ---------------------------------------------------------------------


def pasted_check(*, values: dict[str, str]) -> CandidateRow:
    """One abstract from the paste form; RecordError says which field is wrong."""
    return row_build(row=1, values=dict(values))
