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
import datetime as dt
import io

from django.db.models import QuerySet

from braintrial.items.dates import PublicationDate
from braintrial.items.models import Item
from braintrial.items.services.parsing import FILE_DATE_SOURCE, OPTIONAL_COLUMNS, REQUIRED_COLUMNS

COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
assert COLUMNS[-1] == "published"  # written only for files that gave dates of their own


def _current_tests(*, bank: str) -> QuerySet[Item]:
    return Item.objects.filter(bank=bank, kind=Item.Kind.TEST, retired_at__isnull=True)


def bank_source_files(*, bank: str) -> list[str]:
    """The source files of the bank's current test cases, in name order."""
    files = _current_tests(bank=bank).order_by().values_list("source_file", flat=True).distinct()
    return sorted(files)


def bank_file_item_ids(*, bank: str, source_file: str) -> frozenset[int]:
    """The ids of the current test cases of ``source_file`` in ``bank``: what ``bank_csv``
    writes (the caller checks none of them is withheld from its reader)."""
    rows = _current_tests(bank=bank).filter(source_file=source_file)
    return frozenset(rows.values_list("pk", flat=True))


def _published_text(first: object, last: object, precision: str, source: str) -> str:
    """The ``published`` cell: the date as the item file gave it; empty where the date came
    from elsewhere (the year a DOI names is derived again on import)."""
    if not source.startswith(FILE_DATE_SOURCE) or not isinstance(first, dt.date):
        return ""
    assert isinstance(last, dt.date)
    return str(PublicationDate(first, last, precision))


def bank_csv(*, bank: str, source_file: str) -> str:
    """The current test cases of ``source_file`` in ``bank`` as a published-format CSV text ("" if
    the bank holds none of that file). The five published columns; a ``published`` column after
    them only where the file gave dates of its own, so that they import back too."""
    items = (
        _current_tests(bank=bank)
        .filter(source_file=source_file)
        .order_by("row")
        .values_list(
            "doi",
            "journal_section",
            "original",
            "altered",
            "combined",
            "published_first",
            "published_last",
            "published_precision",
            "published_source",
        )
    )
    rows = [
        (doi, section, original, altered, combined, _published_text(first, last, precision, source))
        for doi, section, original, altered, combined, first, last, precision, source in items
    ]
    if not rows:
        return ""
    dated = any(row[-1] for row in rows)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS if dated else COLUMNS[:-1])
    writer.writerows(row if dated else row[:-1] for row in rows)
    return out.getvalue()
