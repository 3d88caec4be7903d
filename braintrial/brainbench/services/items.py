"""The 300 published test cases into the bank BANK, through the item bank's generic CSV import."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from braintrial.brainbench.dois import abstract_dois_parse, doi_normalise, doi_publication_date
from braintrial.brainbench.files import (
    PublishedDataError,
    data_directory,
    directory_check,
    text_read,
)
from braintrial.brainbench.names import BANK, GPT4_FILE, HUMAN_FILE, IDS_FILE
from braintrial.items.models import Item
from braintrial.items.services.banks import item_bank_ensure
from braintrial.items.services.importing import (
    ImportReport,
    PreparedFile,
    file_prepare,
    file_read,
    files_write,
)
from braintrial.items.services.parsing import ItemImportError


@dataclass
class PublishedItemsReport:
    """What importing the two test-case files did, one ``ImportReport`` per file."""

    files: list[ImportReport] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(report.changed for report in self.files)

    @property
    def defects(self) -> list[str]:
        """The rows kept as published although their combined_abstract was split wrongly."""
        return [defect for report in self.files for defect in report.defects]


def _abstract_ids_check(*, human: PreparedFile, text: str) -> dict[str, int]:
    """Normalised DOI -> abstract_id, the human file's rows cross-checked with abstract_id_doi.csv.

    The data's README defines a paper's abstract_id as its 1-based row in the human file.
    """
    expected = {doi_normalise(row.doi): row.row for row in human.rows}
    records = abstract_dois_parse(text=text)
    for record in records:
        if expected.get(record.doi) != record.abstract_id:
            raise PublishedDataError(
                f"{IDS_FILE}, line {record.line}: abstract_id {record.abstract_id} for "
                f"{record.doi} does not match {HUMAN_FILE} (row {expected.get(record.doi, 'none')})"
            )
    if len(records) != len(expected):
        raise PublishedDataError(
            f"{IDS_FILE}: lists {len(records)} abstract ids, {HUMAN_FILE} has {len(expected)} rows"
        )
    return expected


def _gpt4_ids_assign(*, gpt4: PreparedFile, ids: dict[str, int]) -> PreparedFile:
    """Each GPT-4-written case takes the abstract_id of its paper (same DOI) in the human file."""
    assigned: dict[int, int | None] = {}
    for row in gpt4.rows:
        abstract_id = ids.get(doi_normalise(row.doi))
        if abstract_id is None:
            raise PublishedDataError(
                f"{GPT4_FILE}, row {row.row}: doi {row.doi or '(empty)'} has no abstract_id (it "
                f"is not in {HUMAN_FILE})"
            )
        assigned[row.row] = abstract_id
    return dataclasses.replace(gpt4, abstract_ids=assigned)


def published_items_import(*, directory: Path | None = None) -> PublishedItemsReport:
    """Import both published test-case files into the bank BANK, all or nothing; idempotent.

    ``directory`` defaults to settings.BRAINBENCH_DIR. Rows with a known defect (the five whose
    combined_abstract was split wrongly) are kept as published and listed in the report.
    """
    directory = data_directory(directory)
    directory_check(directory=directory, names=(HUMAN_FILE, GPT4_FILE, IDS_FILE))
    try:
        human = file_prepare(
            content=file_read(path=directory / HUMAN_FILE),
            name=HUMAN_FILE,
            bank=BANK,
            source=Item.Source.HUMAN,
            date_of_doi=doi_publication_date,
        )
        ids = _abstract_ids_check(human=human, text=text_read(path=directory / IDS_FILE))
        gpt4 = file_prepare(
            content=file_read(path=directory / GPT4_FILE),
            name=GPT4_FILE,
            bank=BANK,
            source=Item.Source.GPT4,
            date_of_doi=doi_publication_date,
        )
        # The published items are public data: every researcher may read the bank.
        item_bank_ensure(name=BANK, is_public=True)
        return PublishedItemsReport(
            files=files_write(prepared=[human, _gpt4_ids_assign(gpt4=gpt4, ids=ids)])
        )
    except ItemImportError as exc:
        raise PublishedDataError(str(exc)) from exc
