"""Reading and validating test-case CSV files, before anything is written.

The shape is BrainBench's: columns doi, journal_section, original_abstract, incorrect_abstract
and, optionally, combined_abstract. Every problem is an ``ItemImportError`` that names the file
and the 1-based data row (the header is row 0), so a researcher can open the file and fix it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from braintrial.items.dates import DateError, PublicationDate, date_range_parse

REQUIRED_COLUMNS = ("doi", "journal_section", "original_abstract", "incorrect_abstract")
# published: the paper's publication date, YYYY, YYYY-MM, YYYY-MM-DD or a range "A to B"
# (items.dates); empty where not known.
OPTIONAL_COLUMNS = ("combined_abstract", "published")
# Limits of the Item fields; checked here so the error names the row instead of the database.
MAX_DOI_LENGTH = 255
MAX_SECTION_LENGTH = 128
# Words per version: six times the longest published abstract (336). It bounds the cost of the
# preview's word difference (items.services.diff) for every row of a file.
MAX_ABSTRACT_WORDS = 2000
# A passage that differs is written [[original, altered]] in combined_abstract.
_BLOCK = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)
_SURROGATE = re.compile("[\udc80-\udcff]")


class ItemImportError(Exception):
    """Input that cannot be imported; nothing from the file was written."""

    def __init__(self, message: str, *, source_file: str = "", row: int | None = None) -> None:
        super().__init__(message)
        self.source_file = source_file
        self.row = row


@dataclass(frozen=True)
class ParsedRow:
    row: int  # 1-based data row, the header not counted
    doi: str
    journal_section: str
    original: str
    altered: str
    defect: str
    published: PublicationDate | None = None


def _fail(name: str, row: int | None, message: str) -> ItemImportError:
    where = f"{name}, header" if row == 0 else f"{name}, row {row}" if row else name
    return ItemImportError(f"{where}: {message}", source_file=name, row=row)


def _decode(content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    # surrogateescape keeps undecodable bytes as lone surrogates, so the row that holds them can be
    # named after csv has split the rows (a byte offset alone would miscount quoted newlines).
    text = content.decode("utf-8", errors="surrogateescape")
    return text.removeprefix("\ufeff")


def combined_defect_find(*, combined: str, original: str, altered: str) -> str:
    """Describe what is wrong with a row's combined_abstract, or return "" if nothing is.

    The published versions were made by splitting each ``[[a, b]]`` at its commas and keeping the
    first two pieces. Where an alternative itself holds a comma, or brackets are unbalanced, that
    split cut the text in the wrong place: the row is kept as published but reported.
    """
    opening, closing = combined.count("[["), combined.count("]]")
    if opening != closing:
        return (
            f"combined_abstract has {opening} '[[' but {closing} ']]': an alternative swallowed "
            "the next one, so the versions were cut in the wrong place"
        )
    for block in _BLOCK.findall(combined):
        pieces = block.split(",")
        if len(pieces) != 2 or "[" in block or "]" in block:
            return (
                f"combined_abstract alternative [[{block}]] splits into {len(pieces)} pieces at "
                f"its commas; the published versions keep {pieces[0].strip()!r} / "
                f"{pieces[1].strip() if len(pieces) > 1 else ''!r}"
            )
    first = _BLOCK.sub(lambda m: m.group(1).split(",")[0].strip(), combined)
    second = _BLOCK.sub(lambda m: m.group(1).split(",")[1].strip(), combined)
    if first.split() != original.split() or second.split() != altered.split():
        return "combined_abstract does not reproduce original_abstract and incorrect_abstract"
    return ""


def _row_values(record: dict[str, str | None], *, name: str, row: int) -> dict[str, str]:
    """Each known column's text ("" for a missing optional column), once the row has as many
    fields as the header and every value is valid UTF-8 without NUL bytes."""
    values: dict[str, str] = {}
    for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
        value = record.get(column)
        if value is None:
            if column in OPTIONAL_COLUMNS:
                values[column] = ""
                continue
            raise _fail(name, row, f"has fewer fields than the header (no {column})")
        if _SURROGATE.search(value):
            raise _fail(name, row, f"column {column} is not valid UTF-8; save the file as UTF-8")
        if "\x00" in value:
            raise _fail(name, row, f"column {column} contains a NUL byte")
        values[column] = value
    if None in record:  # DictReader puts surplus fields under the key None
        raise _fail(name, row, "has more fields than the header (an unquoted comma?)")
    return values


def _row_check(record: dict[str, str | None], *, name: str, row: int) -> ParsedRow:
    values = _row_values(record, name=name, row=row)
    original, altered = values["original_abstract"], values["incorrect_abstract"]
    for column, text in (("original_abstract", original), ("incorrect_abstract", altered)):
        if not text.strip():
            raise _fail(name, row, f"{column} is empty")
        n_words = len(text.split())
        if n_words > MAX_ABSTRACT_WORDS:
            raise _fail(
                name,
                row,
                f"{column} has {n_words:,} words; an abstract may have at most "
                f"{MAX_ABSTRACT_WORDS:,}",
            )
    if original.split() == altered.split():
        raise _fail(name, row, "original_abstract and incorrect_abstract are identical")
    doi, section = values["doi"].strip(), values["journal_section"].strip()
    if len(doi) > MAX_DOI_LENGTH:
        raise _fail(name, row, f"doi is longer than {MAX_DOI_LENGTH} characters")
    if len(section) > MAX_SECTION_LENGTH:
        raise _fail(name, row, f"journal_section is longer than {MAX_SECTION_LENGTH} characters")
    combined = values["combined_abstract"]
    defect = (
        combined_defect_find(combined=combined, original=original, altered=altered)
        if combined.strip()
        else ""
    )
    published = None
    if values["published"].strip():
        try:
            published = date_range_parse(values["published"])
        except DateError as exc:
            raise _fail(name, row, f"published: {exc}") from exc
    return ParsedRow(
        row=row,
        doi=doi,
        journal_section=section,
        original=original,
        altered=altered,
        defect=defect,
        published=published,
    )


def rows_parse(*, content: bytes | str, name: str) -> list[ParsedRow]:
    """Parse and validate a whole test-case file; raise ``ItemImportError`` on the first problem.

    Versions are kept exactly as written (published scores were computed on them); doi and
    journal_section are stripped of surrounding white space.
    """
    parsed, errors = rows_check(content=content, name=name)
    if errors:
        raise errors[0]
    return parsed


def _reader(text: str, *, name: str) -> csv.DictReader[str]:
    """A reader over the data rows once the header passed its checks."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise _fail(name, 0, f"is not a readable CSV file ({exc})") from exc
    if not header:
        raise _fail(name, None, "is empty (no header row)")
    if any(_SURROGATE.search(column) for column in header):
        raise _fail(name, 0, "is not valid UTF-8; save the file as UTF-8")
    header_clean = [column.strip() for column in header]
    missing = [column for column in REQUIRED_COLUMNS if column not in header_clean]
    if missing:
        raise _fail(name, 0, f"missing column(s) {', '.join(missing)}")
    if len(set(header_clean)) != len(header_clean):
        raise _fail(name, 0, "a column name appears twice")
    reader.fieldnames = header_clean
    return reader


def rows_check(*, content: bytes | str, name: str) -> tuple[list[ParsedRow], list[ItemImportError]]:
    """Parse and validate a whole test-case file, collecting every row's problem.

    The valid rows and one error per faulty row, in file order: what an upload page shows before
    anything is stored. A header problem (or a file csv cannot split) is the only error.
    """
    try:
        reader = _reader(_decode(content), name=name)
    except ItemImportError as exc:
        return [], [exc]
    parsed: list[ParsedRow] = []
    errors: list[ItemImportError] = []
    seen_versions: dict[tuple[str, str], int] = {}
    seen_doi: dict[str, int] = {}
    row = 0
    try:
        for row, record in enumerate(reader, start=1):
            try:
                item = _row_check(record, name=name, row=row)
                _duplicate_check(item, name=name, versions=seen_versions, dois=seen_doi)
            except ItemImportError as exc:
                errors.append(exc)
                continue
            seen_versions[(item.original, item.altered)] = row
            if item.doi:
                seen_doi[item.doi] = row
            parsed.append(item)
    except csv.Error as exc:
        errors.append(_fail(name, row + 1, f"is not valid CSV ({exc})"))
    if not parsed and not errors:
        errors.append(_fail(name, None, "has a header but no data rows"))
    return parsed, errors


def _duplicate_check(
    item: ParsedRow, *, name: str, versions: dict[tuple[str, str], int], dois: dict[str, int]
) -> None:
    if (item.original, item.altered) in versions:
        raise _fail(name, item.row, f"duplicates row {versions[(item.original, item.altered)]}")
    if item.doi and item.doi in dois:
        raise _fail(
            name,
            item.row,
            f"doi {item.doi} already appears in row {dois[item.doi]} "
            "(one test case per paper and file)",
        )
