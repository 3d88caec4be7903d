"""Importing the published BrainBench test cases (Luo et al. 2024) into the bank "brainbench"."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from django.conf import settings

from braintrial.items.models import Item
from braintrial.items.services.importing import (
    ImportReport,
    PreparedFile,
    file_prepare,
    file_read,
    files_write,
)
from braintrial.items.services.parsing import ItemImportError

BRAINBENCH_BANK = "brainbench"
HUMAN_FILE = "BrainBench_Human_v0.1.csv"
GPT4_FILE = "BrainBench_GPT-4_v0.1.csv"
ID_FILE = "abstract_id_doi.csv"


def _abstract_ids_check(*, content: bytes, expected: dict[str, int]) -> None:
    """Cross-check abstract_id_doi.csv against the ids derived from the human-written file.

    The file is ';'-separated and its third column is a truncated abstract with unquoted ';' and
    line breaks, so only the first two fields of lines that start with a DOI are read.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ItemImportError(f"{ID_FILE}: is not valid UTF-8", source_file=ID_FILE) from exc
    found: dict[int, str] = {}
    for line_number, line in enumerate(text.splitlines(), start=1):
        fields = line.split(";", 2)
        if len(fields) < 2 or not fields[1].strip().isdigit():
            continue  # the header, or a continuation line of the third column
        doi = fields[0].strip()
        if not (doi.startswith("https://doi.org/") or doi.startswith("10.")):
            continue
        abstract_id = int(fields[1])
        if expected.get(doi) != abstract_id:
            raise ItemImportError(
                f"{ID_FILE}, line {line_number}: abstract_id {abstract_id} for {doi} does not "
                f"match {HUMAN_FILE} (row {expected.get(doi, 'none')})",
                source_file=ID_FILE,
                row=line_number,
            )
        found[abstract_id] = doi
    if len(found) != len(expected):
        raise ItemImportError(
            f"{ID_FILE}: lists {len(found)} abstract ids, {HUMAN_FILE} has {len(expected)} rows",
            source_file=ID_FILE,
        )


def _directory_check(directory: Path) -> None:
    hint = (
        f"The BrainBench test cases are published with Luo et al. (2024) at "
        f"{settings.BRAINBENCH_PUBLIC_URL}; download {HUMAN_FILE}, {GPT4_FILE} and {ID_FILE} into "
        "one folder and pass its path (or set BRAINBENCH_DIR)."
    )
    if not directory.is_dir():
        raise ItemImportError(f"{directory}: no such directory. {hint}")
    names = (HUMAN_FILE, GPT4_FILE, ID_FILE)
    missing = [name for name in names if not (directory / name).is_file()]
    if missing:
        raise ItemImportError(f"{directory}: missing {', '.join(missing)}. {hint}")


def brainbench_import(
    *, directory: Path | None = None, stdout: TextIO | None = None
) -> list[ImportReport]:
    """Import both BrainBench test-case files, all or nothing; idempotent.

    Human-written cases get abstract_id = their 1-based row; each GPT-4-written case gets the
    row of the same DOI in the human-written file (cross-checked with abstract_id_doi.csv).
    Rows with a defect (the 5 whose combined_abstract was split wrongly) are kept as published
    and listed in the reports.
    """
    directory = Path(directory if directory is not None else settings.BRAINBENCH_DIR)
    _directory_check(directory)
    human = file_prepare(
        content=file_read(path=directory / HUMAN_FILE),
        name=HUMAN_FILE,
        bank=BRAINBENCH_BANK,
        source=Item.Source.HUMAN,
    )
    ids = {row.doi: row.row for row in human.rows}
    _abstract_ids_check(content=file_read(path=directory / ID_FILE), expected=ids)
    gpt4 = file_prepare(
        content=file_read(path=directory / GPT4_FILE),
        name=GPT4_FILE,
        bank=BRAINBENCH_BANK,
        source=Item.Source.GPT4,
        abstract_ids=ids,
    )
    prepared: list[PreparedFile] = [human, gpt4]
    reports = files_write(prepared=prepared)
    if stdout is not None:
        for report in reports:
            stdout.write(report.summary() + "\n")
    return reports
