"""Streaming CSV writers: the file is produced in chunks, never held in memory whole.

One path for every database: a server-side (Postgres) or chunked (SQLite) cursor over
``values_list`` feeds Python's csv module. Cells are already formatted by the query (see
expressions.py), so no model instance is made. A Postgres-only path (the query inside ``COPY
... TO STDOUT``) was 2.7 times as fast at 1,000,000 trials but 1.7 times on the published
study: not worth a second path (bench/paths.py, bench/export.py measure the rate).
"""

from __future__ import annotations

import csv
from collections.abc import Generator, Iterator
from itertools import islice

from django.db import transaction
from django.db.models import QuerySet

from braintrial.analysis.rules import ExclusionRules
from braintrial.exports.rows import ExportKind
from braintrial.studies.models import Study

CHUNK_ROWS = 500  # ~3.5 kB of Python objects per trial row while in flight


class _LineFeedLines:
    """A file-like sink for csv.writer that ends rows with LF (as the files always have).

    csv.writer quotes a field holding CR or LF only if that character is in its line terminator,
    so the writer is given CRLF (every embedded CR/LF gets quoted) and each row's CRLF is turned
    into LF here; csv.writer hands over exactly one row per write() call.
    """

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, line: str) -> None:
        self.parts.append(line[:-2])
        self.parts.append("\n")

    def take(self) -> bytes:
        data = "".join(self.parts).encode("utf-8")
        self.parts.clear()
        return data


def header_line(*, kind: ExportKind) -> bytes:
    sink = _LineFeedLines()
    csv.writer(sink, lineterminator="\r\n").writerow(kind.header)
    return sink.take()


def csv_stream(
    *,
    kind: ExportKind,
    studies: QuerySet[Study],
    include_excluded: bool = False,
    rules: ExclusionRules | None = None,
    pseudonymise: bool = False,
    withheld: frozenset[int] | None = None,
) -> Generator[bytes, None, None]:
    """UTF-8 CSV of ``kind`` over ``studies``, header first, in chunks of CHUNK_ROWS rows; the
    first chunk is made only after the query has run.

    The caller has already limited ``studies`` to what the reader may see. ``rules``: the
    exclusion rules of a dashboard view (None: each study's own settings). ``pseudonymise``:
    recruitment ids as keyed hashes, session ids and user agents left out (rows/base.py).
    ``withheld``: the items whose texts the reader may not download (studies.heldout); None:
    those withheld from the public.
    """
    queryset = kind.rows_queryset(
        studies=studies,
        include_excluded=include_excluded,
        rules=rules,
        pseudonymise=pseudonymise,
        withheld=withheld,
    )
    rows = _chunks(queryset=queryset)
    # The header goes out with the first rows, so the first chunk exists only once the query has
    # run: a caller that takes it before answering turns a failing query into an error response
    # instead of a file cut off after its header.
    header = header_line(kind=kind)
    try:
        first = next(rows, b"")
        yield header + first
        yield from rows
    finally:
        rows.close()  # also when the download is abandoned before its second chunk


class Started:
    """A CSV stream whose first chunk has been made (so its query has run), for a streaming
    response: iterating gives every chunk; close() releases the cursor of an abandoned download."""

    def __init__(self, chunks: Generator[bytes, None, None]) -> None:
        self._chunks = chunks
        self._first = next(chunks)

    def __iter__(self) -> Iterator[bytes]:
        yield self._first
        yield from self._chunks

    def close(self) -> None:
        self._chunks.close()


def _chunks(*, queryset: QuerySet) -> Generator[bytes, None, None]:
    sink = _LineFeedLines()
    writer = csv.writer(sink, lineterminator="\r\n")
    # A server-side cursor lives inside a transaction; a download abandoned half-way ends it.
    with transaction.atomic(using=queryset.db):
        rows = queryset.iterator(chunk_size=CHUNK_ROWS)
        try:
            while batch := list(islice(rows, CHUNK_ROWS)):
                writer.writerows(batch)
                yield sink.take()
        finally:
            # Close the server-side cursor inside the transaction that declared it, also when
            # the download is abandoned half-way.
            rows.close()  # type: ignore[attr-defined]


def csv_text(**kwargs: object) -> str:
    """The whole file as text: for tests and small files only."""
    return b"".join(csv_stream(**kwargs)).decode("utf-8")  # type: ignore[arg-type]


__all__ = ["Started", "csv_stream", "csv_text", "header_line"]
