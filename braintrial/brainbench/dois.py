"""DOIs as the published files write them, and abstract_id_doi.csv (abstract_id -> DOI).

Pure Python: the test-case importer cross-checks its abstract ids with this file and the trial
importer finds each trial's item through it, so both read it through the one parser here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from braintrial.brainbench.files import PublishedDataError
from braintrial.brainbench.names import IDS_FILE
from braintrial.items.dates import DateError, SourcedDate, date_from_parts

# Resolver prefixes a DOI may be written with; the DOI itself starts at "10.".
DOI_PREFIXES = (
    "https://doi.org/",
    "http://doi.org/",
    "https://dx.doi.org/",
    "http://dx.doi.org/",
    "doi:",
)
# A Journal of Neuroscience DOI (normalised): 10.1523/jneurosci.<manuscript>-<submitted, 2
# digits>.<published, 4 digits>; the last part is the year of the volume the article appeared in.
_JNEUROSCI = re.compile(r"^10\.1523/jneurosci\.\d{4}-\d{2}\.(\d{4})$")
# Crossref's pattern for modern DOIs; it tells a record's first field from a line of abstract.
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")


def doi_normalise(doi: str) -> str:
    """The DOI as compared: no resolver prefix, lower case (DOIs are case-insensitive)."""
    doi = doi.strip().lower()
    for prefix in DOI_PREFIXES:
        if doi.startswith(prefix):
            return doi[len(prefix) :].strip()
    return doi


def doi_publication_date(doi: str) -> SourcedDate | None:
    """The publication year a Journal of Neuroscience DOI names (``10.1523/JNEUROSCI.2043-22.2023``:
    2023, the whole year), with its source in words; None for any other DOI or an implausible
    year. The published BrainBench items carry no other date."""
    found = _JNEUROSCI.match(doi_normalise(doi))
    if not found:
        return None
    try:
        date = date_from_parts(year=found.group(1))
    except DateError:
        return None
    return SourcedDate(
        date, f"the year the Journal of Neuroscience DOI names ({doi_normalise(doi)})"
    )


def doi_valid(doi: str) -> bool:
    """Whether a normalised DOI has the shape of a modern DOI (``10.<registrant>/<suffix>``)."""
    return bool(_DOI.match(doi))


@dataclass(frozen=True)
class AbstractDoi:
    line: int  # 1-based line of abstract_id_doi.csv, for messages
    abstract_id: int
    doi: str  # normalised


def abstract_dois_parse(*, text: str) -> list[AbstractDoi]:
    """The records of abstract_id_doi.csv (``DOI;abstract_id;abstract``), in file order.

    The third column is a truncated abstract with unquoted ';' and line breaks, so a record is a
    line whose first field is a DOI, and only its first two fields are read. Each id and each
    DOI appears once.
    """
    records: list[AbstractDoi] = []
    ids: dict[int, int] = {}
    dois: dict[str, int] = {}
    for line, content in enumerate(text.splitlines(), start=1):
        fields = content.split(";", 2)
        doi = doi_normalise(fields[0])
        if len(fields) < 2 or not _DOI.match(doi):
            continue  # the header, or a continuation line of the abstract
        value = fields[1].strip()
        if not (value.isascii() and value.isdigit()) or int(value) < 1:
            raise PublishedDataError(
                f"{IDS_FILE}, line {line}: abstract_id {value!r} is not a positive whole number"
            )
        abstract_id = int(value)
        if abstract_id in ids:
            raise PublishedDataError(
                f"{IDS_FILE}, line {line}: abstract_id {abstract_id} already on line "
                f"{ids[abstract_id]}"
            )
        if doi in dois:
            raise PublishedDataError(
                f"{IDS_FILE}, line {line}: doi {doi} already on line {dois[doi]}"
            )
        ids[abstract_id], dois[doi] = line, line
        records.append(AbstractDoi(line=line, abstract_id=abstract_id, doi=doi))
    if not records:
        raise PublishedDataError(f"{IDS_FILE}: no 'DOI;abstract_id' records found")
    return records
