"""Writes of the workbench: importing candidates, a whole file or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from braintrial.audit.services import audit_event_record
from braintrial.items.models import ItemBank
from braintrial.workbench.models import Candidate
from braintrial.workbench.pubmed import pubmed_check
from braintrial.workbench.selectors import InBanks, dois_in_banks_for
from braintrial.workbench.sources import (
    MAX_FILE_BYTES,
    CandidateRow,
    RecordError,
    SourceCheck,
    csv_check,
    pasted_check,
)

_READERS = {
    ".xml": (Candidate.Origin.PUBMED, pubmed_check),
    ".csv": (Candidate.Origin.CSV, csv_check),
}


class CandidateImportError(Exception):
    """Nothing was stored; ``messages`` say why, one problem each."""

    def __init__(self, messages: Sequence[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class CandidatePreview:
    """A checked file: its valid records, every problem, and the banks that already hold an
    item of each record's paper (a flag, not a refusal)."""

    name: str
    origin: str
    rows: list[CandidateRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    in_banks: dict[str, InBanks] = field(default_factory=dict)

    @property
    def importable(self) -> bool:
        return bool(self.rows) and not self.errors


def _already_imported(*, bank: ItemBank, rows: Sequence[CandidateRow]) -> dict[str, str]:
    """DOI -> when it was imported into ``bank``, for the rows' DOIs that are there already."""
    found = Candidate.objects.filter(bank=bank, doi__in=[r.doi for r in rows])
    return {doi: f"{at:%Y-%m-%d}" for doi, at in found.values_list("doi", "imported_at")}


def _refuse_imported(*, bank: ItemBank, rows: Sequence[CandidateRow], label: str) -> list[str]:
    imported = _already_imported(bank=bank, rows=rows)
    return [
        f"{label} {row.row}: doi {row.doi} is already a candidate of bank {bank.name} "
        f"(imported {imported[row.doi]})"
        for row in rows
        if row.doi in imported
    ]


def candidates_check(
    *, user: User, bank: ItemBank, content: bytes, name: str, section: str = ""
) -> CandidatePreview:
    """Check a PubMed XML (.xml) or CSV (.csv) file for ``bank``; nothing is stored.

    Every problem is reported, not only the first: a malformed file, a record with a missing
    or bad field, a DOI twice in the file or already among the bank's candidates.
    """
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in _READERS:
        return CandidatePreview(
            name=name, origin="", errors=[f"{name}: upload a PubMed .xml file or a .csv file"]
        )
    origin, reader = _READERS[suffix]
    if len(content) > MAX_FILE_BYTES:
        errors = [f"{name}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split the file"]
        return CandidatePreview(name=name, origin=origin, errors=errors)
    check: SourceCheck = reader(content=content, name=name, section=section)
    label = f"{name}, {'article' if origin == Candidate.Origin.PUBMED else 'record'}"
    errors = check.errors + _refuse_imported(bank=bank, rows=check.rows, label=label)
    return CandidatePreview(
        name=name,
        origin=origin,
        rows=check.rows,
        errors=errors,
        in_banks=dois_in_banks_for(user=user, dois=(r.doi for r in check.rows)),
    )


def candidates_import_file(
    *, user: User, bank: ItemBank, content: bytes, name: str, section: str = ""
) -> list[Candidate]:
    """Import every record of a checked file into ``bank``, or none (CandidateImportError).

    The caller has passed ``workbench.access.workbench_bank_get``. The file is checked again:
    what was previewed may have been imported by someone else since.
    """
    preview = candidates_check(user=user, bank=bank, content=content, name=name, section=section)
    if not preview.importable:
        raise CandidateImportError(preview.errors or [f"{name}: no records to import"])
    return _store(user=user, bank=bank, rows=preview.rows, origin=preview.origin, source_file=name)


def candidate_import_pasted(*, user: User, bank: ItemBank, values: dict[str, str]) -> Candidate:
    """Import one pasted abstract into ``bank`` (the fields of ``sources.CSV_COLUMNS``)."""
    try:
        row = pasted_check(values=values)
    except RecordError as exc:
        raise CandidateImportError([str(exc)]) from exc
    refused = _refuse_imported(bank=bank, rows=[row], label="The pasted abstract, record")
    if refused:
        raise CandidateImportError(refused)
    (candidate,) = _store(
        user=user, bank=bank, rows=[row], origin=Candidate.Origin.PASTED, source_file=""
    )
    return candidate


def _store(
    *, user: User, bank: ItemBank, rows: Sequence[CandidateRow], origin: str, source_file: str
) -> list[Candidate]:
    """All rows and their audit entry in one transaction. The unique constraint, not the check
    above, is what keeps a DOI once per bank: an import racing this one loses here."""
    now = timezone.now()
    candidates = [
        Candidate(
            bank=bank,
            title=row.title,
            abstract=row.abstract,
            doi=row.doi,
            journal=row.journal,
            published_from=row.published.first,
            published_until=row.published.last,
            published_precision=row.published.precision,
            section=row.section,
            origin=origin,
            source_file=source_file[:255],
            row=row.row,
            imported_by=user,
            imported_at=now,
        )
        for row in rows
    ]
    try:
        with transaction.atomic():
            Candidate.objects.bulk_create(candidates)
            audit_event_record(
                event="candidates.import",
                instance=bank,
                actor=user,
                details={
                    "bank": bank.name,
                    "origin": origin,
                    "source_file": source_file[:255],
                    "count": len(candidates),
                    "dois": [c.doi for c in candidates],
                },
            )
    except IntegrityError as exc:
        raise CandidateImportError(
            [
                "Nothing was imported: one of these DOIs became a candidate of bank "
                f"{bank.name} while the file was being imported. Check the file again."
            ]
        ) from exc
    return candidates
