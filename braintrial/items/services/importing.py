"""Importing test-case files into the item bank: validated first, then written in one go."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.utils import timezone

from braintrial.audit.services import audit_event_record
from braintrial.items.builtin import BUILTIN_BANK, BUILTIN_SOURCE_FILE
from braintrial.items.dates import SourcedDate
from braintrial.items.models import Item, ItemBank
from braintrial.items.services.banks import item_bank_ensure
from braintrial.items.services.diff import differences_compute
from braintrial.items.services.parsing import (
    FILE_DATE_SOURCE,
    ItemImportError,
    ParsedRow,
    rows_parse,
)
from braintrial.items.services.versions import version_next

# Fields an import owns; a row whose values all match is "unchanged" and is not written.
_IMPORTED_FIELDS = (
    "kind",
    "source",
    "abstract_id",
    "doi",
    "journal_section",
    "original",
    "altered",
    "differences",
    "defect",
    "published_first",
    "published_last",
    "published_precision",
    "published_source",
    "combined",
)
# What a participant and a model are shown: a change of either makes a new version (a trial
# keeps pointing at the text it showed); the other fields describe the case and change in place.
SHOWN_FIELDS = ("original", "altered")


@dataclass
class ImportReport:
    """What one file's import did. ``defects`` describe rows kept as published but flawed."""

    created: int = 0
    updated: int = 0  # rows changed: in place, or (``versioned``) as a new version
    versioned: int = 0
    unchanged: int = 0
    defects: list[str] = field(default_factory=list)
    source_file: str = ""
    bank: str = ""
    # For the audit trail: row -> {field: [old, new]} of the rows an import changed.
    changes: dict[int, dict[str, list[Any]]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        return (
            f"{self.source_file} (bank {self.bank}): {self.created} created, "
            f"{self.updated} updated, {self.unchanged} unchanged"
            + (f"; {self.versioned} of the updated rows as a new version" if self.versioned else "")
        )


@dataclass(frozen=True)
class PreparedFile:
    """A validated file, ready to be written."""

    bank: str
    source: str
    source_file: str
    rows: Sequence[ParsedRow]
    abstract_ids: dict[int, int | None]  # data row -> abstract_id
    # data row -> its publication date and where it comes from; None where not known
    dates: dict[int, SourcedDate | None] = field(default_factory=dict)


def _target_check(*, bank: str, source: str, source_file: str) -> None:
    try:
        validate_slug(bank)
    except ValidationError as exc:
        raise ItemImportError(
            f"bank {bank!r} is not a valid name (letters, digits, - and _ only)"
        ) from exc
    if len(bank) > Item._meta.get_field("bank").max_length:  # type: ignore[operator]
        raise ItemImportError(f"bank {bank!r} is too long")
    if source not in Item.Source.values:
        raise ItemImportError(f"source must be one of {', '.join(Item.Source.values)}")
    if not source_file or len(source_file) > 255:
        raise ItemImportError("the file name must have 1 to 255 characters")
    if bank == BUILTIN_BANK and source_file == BUILTIN_SOURCE_FILE:
        raise ItemImportError(f"{source_file} is reserved for braintrial's own items")


def file_prepare(
    *,
    content: bytes | str,
    name: str,
    bank: str,
    source: str,
    source_file: str | None = None,
    abstract_ids: dict[str, int] | None = None,
    date_of_doi: Callable[[str], SourcedDate | None] | None = None,
) -> PreparedFile:
    """Validate a test-case file completely; nothing is written.

    ``abstract_ids`` maps doi -> abstract_id (the paper's row in the human-written file); every
    row's doi must be in it. Without it, human-written cases take their own row as abstract_id
    and GPT-4-written cases have none. Each row's publication date is its ``published`` column;
    where that is empty, what ``date_of_doi`` reads from its DOI (the published items: the year
    a Journal of Neuroscience DOI names), else none.
    """
    source_file = source_file or name
    _target_check(bank=bank, source=source, source_file=source_file)
    rows = rows_parse(content=content, name=name)
    ids: dict[int, int | None] = {}
    dates: dict[int, SourcedDate | None] = {}
    for parsed in rows:
        if parsed.published is not None:
            dates[parsed.row] = SourcedDate(parsed.published, FILE_DATE_SOURCE + name)
        else:
            dates[parsed.row] = date_of_doi(parsed.doi) if date_of_doi and parsed.doi else None
        if abstract_ids is not None:
            if parsed.doi not in abstract_ids:
                raise ItemImportError(
                    f"{name}, row {parsed.row}: doi {parsed.doi or '(empty)'} has no abstract_id "
                    "(it is not in the human-written file)",
                    source_file=name,
                    row=parsed.row,
                )
            ids[parsed.row] = abstract_ids[parsed.doi]
        else:
            ids[parsed.row] = parsed.row if source == Item.Source.HUMAN else None
    return PreparedFile(
        bank=bank,
        source=source,
        source_file=source_file,
        rows=rows,
        abstract_ids=ids,
        dates=dates,
    )


def _values(prepared: PreparedFile, parsed: ParsedRow) -> dict[str, Any]:
    return {
        "kind": Item.Kind.TEST,
        "source": prepared.source,
        "abstract_id": prepared.abstract_ids[parsed.row],
        "doi": parsed.doi,
        "journal_section": parsed.journal_section,
        "original": parsed.original,
        "altered": parsed.altered,
        "differences": differences_compute(original=parsed.original, altered=parsed.altered),
        "defect": parsed.defect,
        "combined": parsed.combined,
        **_date_values(prepared.dates.get(parsed.row)),
    }


def _date_values(dated: SourcedDate | None) -> dict[str, Any]:
    if dated is None:
        return {
            "published_first": None,
            "published_last": None,
            "published_precision": "",
            "published_source": "",
        }
    return {
        "published_first": dated.date.first,
        "published_last": dated.date.last,
        "published_precision": dated.date.precision,
        "published_source": dated.source[:300],
    }


def _plain(value: Any) -> Any:
    """A value as the audit trail's JSON holds it (dates as ISO text)."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _newest_versions(prepared: PreparedFile) -> dict[int, Item]:
    """The newest version of each row of the file already in the bank, locked."""
    newest: dict[int, Item] = {}
    rows = Item.objects.select_for_update().filter(
        bank=prepared.bank, source_file=prepared.source_file
    )
    for item in rows.order_by("row", "version"):
        newest[item.row] = item
    return newest


def _file_write(prepared: PreparedFile) -> ImportReport:
    """Upsert keyed by (bank, source_file, row), on each row's newest version; the caller holds
    the transaction. A row whose versions changed becomes a new version (items.services.versions)
    instead of being overwritten."""
    report = ImportReport(source_file=prepared.source_file, bank=prepared.bank)
    # Items never exist under a name without a bank row, which a study could otherwise claim.
    item_bank_ensure(name=prepared.bank)
    # Imports into one bank take turns: the second waits for the first's commit, then finds its
    # rows and changes nothing. Row locks cannot cover rows that do not exist yet, so the lock is
    # the bank's row (SQLite, the embedded mode, lets one writer in at a time anyway).
    bank = ItemBank.objects.select_for_update().get(name=prepared.bank)
    existing = _newest_versions(prepared)
    now = timezone.now()
    to_create: list[Item] = []
    to_update: list[Item] = []
    versioned: list[int] = []
    for parsed in prepared.rows:
        values = _values(prepared, parsed)
        if parsed.defect:
            # Both numberings: pandas-based tools (and BrainBench's README) count rows from 0.
            report.defects.append(
                f"{prepared.source_file}, row {parsed.row} (0-based index {parsed.row - 1}): "
                f"{parsed.defect}"
            )
        item = existing.get(parsed.row)
        if item is None:
            to_create.append(
                Item(bank=prepared.bank, source_file=prepared.source_file, row=parsed.row, **values)
            )
            continue
        changed = {
            name: [_plain(getattr(item, name)), _plain(value)]
            for name, value in values.items()
            # The differences are derived from the two abstracts, which are recorded.
            if getattr(item, name) != value and name != "differences"
        }
        if not changed:
            report.unchanged += 1
            continue
        report.changes[parsed.row] = changed
        if any(name in changed for name in SHOWN_FIELDS):
            to_create.append(version_next(item=item, values=values))
            versioned.append(parsed.row)
            if item.retired_at is None:
                item.retired_at, item.retirement = now, Item.Retirement.SUPERSEDED
        else:
            for name, value in values.items():
                setattr(item, name, value)
        item.updated_at = now
        to_update.append(item)
    # Retire before creating: one current version per lineage, checked row by row.
    Item.objects.bulk_update(
        to_update, [*_IMPORTED_FIELDS, "retired_at", "retirement", "updated_at"]
    )
    Item.objects.bulk_create(to_create)
    report.created = len(to_create) - len(versioned)
    report.updated, report.versioned = len(to_update), len(versioned)
    if report.changed:
        audit_event_record(
            event="items.import",
            instance=bank,
            details={
                "bank": prepared.bank,
                "source_file": prepared.source_file,
                "created_rows": [item.row for item in to_create if item.version == 1],
                "updated": {str(row): fields for row, fields in report.changes.items()},
                "versioned_rows": versioned,
                "unchanged": report.unchanged,
            },
        )
    return report


def files_write(*, prepared: Sequence[PreparedFile]) -> list[ImportReport]:
    """Write validated files, all or none of them."""
    try:
        with transaction.atomic():
            return [_file_write(one) for one in prepared]
    except IntegrityError as exc:
        # Two imports of the same file at once: the unique row key lets only one create rows.
        raise ItemImportError(
            f"could not write the items ({exc.__class__.__name__}); another import of the same "
            "file may be running: try again"
        ) from exc


# A test-case file of 1,000 long abstracts is about 5 MB; anything far beyond is not one.
MAX_FILE_BYTES = 20 * 1024 * 1024


def _content_read(content: bytes | str | IO[bytes], *, name: str) -> bytes | str:
    # An open binary file (an upload) is read only up to one byte past the limit.
    data = content if isinstance(content, bytes | str) else content.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ItemImportError(
            f"{name}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", source_file=name
        )
    return data


def items_import_content(
    *,
    content: bytes | str | IO[bytes],
    name: str,
    bank: str,
    source: str,
    source_file: str | None = None,
    abstract_ids: dict[str, int] | None = None,
) -> ImportReport:
    """Import test cases from a CSV file's bytes, text or open binary file (an upload).

    ``name`` is the file's name, used in messages and, by default, as ``source_file``.
    """
    prepared = file_prepare(
        content=_content_read(content, name=name),
        name=name,
        bank=bank,
        source=source,
        source_file=source_file,
        abstract_ids=abstract_ids,
    )
    (report,) = files_write(prepared=[prepared])
    return report


def file_read(*, path: Path) -> bytes:
    """The bytes of a file, or an ``ItemImportError`` that says what is wrong with the path."""
    if not path.exists():
        raise ItemImportError(f"{path}: no such file", source_file=str(path))
    if not path.is_file():
        raise ItemImportError(f"{path}: not a file", source_file=str(path))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ItemImportError(f"{path}: cannot be read ({exc.strerror})") from exc


def items_import_csv(
    *,
    path: Path,
    bank: str,
    source: str,
    source_file: str | None = None,
    abstract_ids: dict[str, int] | None = None,
) -> ImportReport:
    """Import one test-case CSV file; idempotent, and all-or-nothing for the file.

    ``source_file`` (default: the file's name) is part of the key, so re-importing a corrected
    file of the same name updates its rows in place.
    """
    return items_import_content(
        content=file_read(path=path),
        name=path.name,
        bank=bank,
        source=source,
        source_file=source_file,
        abstract_ids=abstract_ids,
    )
