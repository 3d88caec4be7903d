"""A bank's test cases written back in the published BrainBench CSV format, one file per source
file: the columns the import reads (``items.services.parsing``), in the published files' own
form (the csv module's minimal quoting, ``\\n`` line ends, no byte-order mark).

Only current versions of test items are written, in file order: what a new study on the bank
would serve. Importing the file into another bank and exporting it again gives the same bytes,
and the published bank's export gives the published files byte for byte (combined_abstract is
kept as imported; a version made in the dashboard has none).
"""

from __future__ import annotations

import csv
import io

from django.db.models import QuerySet

from braintrial.items.models import Item
from braintrial.items.services.parsing import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)


def _current_tests(*, bank: str) -> QuerySet[Item]:
    return Item.objects.filter(bank=bank, kind=Item.Kind.TEST, retired_at__isnull=True)


def bank_source_files(*, bank: str) -> list[str]:
    """The source files of the bank's current test cases, in name order."""
    files = _current_tests(bank=bank).order_by().values_list("source_file", flat=True).distinct()
    return sorted(files)


def bank_csv(*, bank: str, source_file: str) -> str:
    """The current test cases of ``source_file`` in ``bank`` as a published-format CSV text ("" if
    the bank holds none of that file)."""
    rows = (
        _current_tests(bank=bank)
        .filter(source_file=source_file)
        .order_by("row")
        .values_list("doi", "journal_section", "original", "altered", "combined")
    )
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    first = True
    for row in rows.iterator(chunk_size=500):
        if first:
            writer.writerow(COLUMNS)
            first = False
        writer.writerow(row)
    return out.getvalue()
