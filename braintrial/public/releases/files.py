"""The files of a release's data package, built once when it is frozen and stored byte for byte
(braintrial.public.models.ReleaseFile).

One package, two standards:

* Psych-DS: ``dataset_description.json`` (JSON-LD: ``@context``, ``@type`` Dataset, ``name``,
  ``description``, ``variableMeasured``) and the tables as ``data/<key>-<value>_..._data.csv``,
  each row with a unique ``row_id``;
* Frictionless: ``datapackage.json``, one resource per table with its Table Schema (the
  columns' types and meanings), its size and its SHA-256.

Every column but the release's own (``row_id``, ``pid``, the item's content hash) is a column
of the study's CSV exports and carries that export's definition from the data dictionary
(braintrial.exports.rows): ``variableMeasured`` and the Table Schemas are generated from it.
What identifies a person never enters: no recruitment, session or public id, no row id of a
participant or trial, no time of day; a participant is ``P0001``, ``P0002``, ... numbered in a
random order drawn for this release alone and kept nowhere, so a pseudonym leads to no row of
any other file. Held-out items' texts are left empty.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import QuerySet, Value

from braintrial.analysis.types import StudyReport
from braintrial.exports.rows.bank import ITEMS, SCORES
from braintrial.exports.rows.base import Column, ExportKind
from braintrial.exports.rows.participants import PARTICIPANTS
from braintrial.exports.rows.trials import TRIALS
from braintrial.items.models import Item
from braintrial.studies.models import Study

# Frictionless Table Schema types of the dictionary's column types.
SCHEMA_TYPES = {
    "integer": "integer",
    "number": "number",
    "0/1": "integer",
    "text": "string",
    "timestamp": "string",
}
# The release's own columns (no database expression: the rows are built here).
NONE = Value("")
ROW_ID = Column(
    "row_id", NONE, "Row number in this file, from 1: unique, the primary key.", "integer"
)
PID = Column(
    "pid",
    NONE,
    "The participant's pseudonym in this release (P0001, ...), numbered in a random order "
    "drawn for this release alone: the same in its trials and participants files, found in no "
    "other release or file.",
    "text",
)
CONTENT_SHA256 = Column(
    "content_sha256",
    NONE,
    "SHA-256 of the item's content as frozen (kind, source, section, DOI and both texts), the "
    "same whether or not the texts are in this file.",
    "text",
)

# The columns of each table, by their names in the study's exports (``pid`` is the release's).
TRIAL_COLUMNS = [
    "pid",
    "item_id",
    "item_lineage",
    "item_version",
    "item_source",
    "section",
    "position",
    "choice",
    "correct",
    "confidence",
    "expertise",
    "rt",
    "recognised",
]
PARTICIPANT_COLUMNS = ["pid", "current position", "experience", "n_trials", "n_correct"]
ITEM_COLUMNS = [
    "item_id",
    "lineage",
    "version",
    "retirement",
    "kind",
    "source",
    "journal_section",
    "section",
    "doi",
    "original",
    "altered",
    "held_out",
]
SCORE_COLUMNS = [
    "scorer",
    "item_id",
    "item_version",
    "journal_section",
    "nll_mean_original",
    "nll_mean_altered",
    "ppl_original",
    "ppl_altered",
    "correct",
]


@dataclass
class Table:
    """One CSV of the package: its Psych-DS file name, title, columns and rows (as text)."""

    key: str  # the table's name: trials, participants, items, scores
    title: str
    columns: list[Column]
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class FrozenItem:
    item_id: int
    content_sha256: str
    version: int
    texts_public: bool


@dataclass
class Built:
    """What a freeze stores: the package's files by path, and the items it froze."""

    files: dict[str, bytes]
    items: list[FrozenItem]
    n_participants: int
    n_trials: int
    n_scorers: int


def psychds_value(text: str) -> str:
    """A Psych-DS keyword value: letters and digits only."""
    return re.sub(r"[^A-Za-z0-9]", "", text) or "study"


def table_path(*, study: Study, number: int, key: str) -> str:
    """``data/study-<slug>_release-<n>_table-<key>_data.csv``."""
    return f"data/study-{psychds_value(study.slug)}_release-{number}_table-{key}_data.csv"


def item_content_sha256(item: Item) -> str:
    """SHA-256 of the item's content: what a participant and a model are shown, and where from."""
    content = {
        "kind": item.kind,
        "source": item.source,
        "journal_section": item.journal_section,
        "doi": item.doi,
        "original": item.original,
        "altered": item.altered,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _dictionary(kind: ExportKind, names: list[str]) -> list[Column]:
    """The export's own columns (and definitions) of ``names``, ``pid`` the release's."""
    by_name = {column.name: column for column in kind.columns}
    return [PID if name == "pid" else by_name[name] for name in names]


def _export_rows(
    kind: ExportKind,
    studies: QuerySet[Study],
    names: list[str],
    withheld: frozenset[int] | None = None,
) -> list[dict[str, Any]]:
    """The analysed rows of one export, pseudonymised (the pid the exports' keyed one), item
    texts as a public download gives them (``withheld``: studies.heldout's, for the public)."""
    header = kind.header
    queryset = kind.rows_queryset(
        studies=studies, include_excluded=False, pseudonymise=True, withheld=withheld
    )
    wanted = set(names)
    return [
        {name: value for name, value in zip(header, row, strict=True) if name in wanted}
        for row in queryset.iterator(chunk_size=2000)
    ]


def _numbered(table: Table, rows: list[dict[str, Any]]) -> Table:
    names = [column.name for column in table.columns]
    for number, row in enumerate(rows, start=1):
        table.rows.append([str(number), *(_cell(row.get(name)) for name in names[1:])])
    return table


def _people_tables(studies: QuerySet[Study]) -> tuple[Table, Table]:
    trials = _export_rows(TRIALS, studies, TRIAL_COLUMNS)
    people = _export_rows(PARTICIPANTS, studies, PARTICIPANT_COLUMNS)
    answered = {row["pid"] for row in trials}
    people = [row for row in people if row["pid"] in answered]
    order = sorted(answered)
    secrets.SystemRandom().shuffle(order)
    pseudonym = {pid: f"P{n:04d}" for n, pid in enumerate(order, start=1)}
    for row in [*trials, *people]:
        row["pid"] = pseudonym[row["pid"]]
    trials.sort(key=lambda row: (row["pid"], int(row["position"] or 0), int(row["item_id"])))
    people.sort(key=lambda row: row["pid"])
    trial_table = Table("trials", "Analysed trials", [ROW_ID, *_dictionary(TRIALS, TRIAL_COLUMNS)])
    people_table = Table(
        "participants",
        "Analysed participants",
        [ROW_ID, *_dictionary(PARTICIPANTS, PARTICIPANT_COLUMNS)],
    )
    return _numbered(trial_table, trials), _numbered(people_table, people)


def _items_table(
    studies: QuerySet[Study], withheld: frozenset[int]
) -> tuple[Table, list[FrozenItem]]:
    # The export leaves the texts of ``withheld`` items empty and says so in ``held_out``.
    rows = _export_rows(ITEMS, studies, ITEM_COLUMNS, withheld)
    items = Item.objects.in_bulk([int(row["item_id"]) for row in rows])
    frozen: list[FrozenItem] = []
    for row in rows:
        item = items[int(row["item_id"])]
        public = item.pk not in withheld
        frozen.append(FrozenItem(item.pk, item_content_sha256(item), item.version, public))
        row.update(content_sha256=frozen[-1].content_sha256)
    columns = [ROW_ID, *_dictionary(ITEMS, ITEM_COLUMNS), CONTENT_SHA256]
    return _numbered(Table("items", "Test items", columns), rows), frozen


def _scores_table(studies: QuerySet[Study], scorers: set[str]) -> Table:
    rows = [row for row in _export_rows(SCORES, studies, SCORE_COLUMNS) if row["scorer"] in scorers]
    return _numbered(
        Table("scores", "Model scores", [ROW_ID, *_dictionary(SCORES, SCORE_COLUMNS)]), rows
    )


def csv_bytes(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([column.name for column in table.columns])
    writer.writerows(table.rows)
    return out.getvalue().encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def table_schema(table: Table) -> dict[str, Any]:
    """The Frictionless Table Schema of ``table``, its fields' meanings from the dictionary."""
    fields = []
    for column in table.columns:
        spec: dict[str, Any] = {
            "name": column.name,
            "type": SCHEMA_TYPES[column.type],
            "description": column.doc,
        }
        if column.type == "0/1":
            spec["constraints"] = {"enum": [0, 1]}
        fields.append(spec)
    return {"fields": fields, "primaryKey": ["row_id"], "missingValues": [""]}


def variables_measured(tables: list[Table]) -> list[dict[str, str]]:
    """Psych-DS ``variableMeasured``: every column once, with its meaning (schema.org
    PropertyValue), in the order the tables first name them."""
    seen: dict[str, dict[str, str]] = {}
    for table in tables:
        for column in table.columns:
            seen.setdefault(
                column.name,
                {"@type": "PropertyValue", "name": column.name, "description": column.doc},
            )
    return list(seen.values())


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode()


def _citation(*, study: Study, number: int, created: datetime, checksum_note: str) -> bytes:
    author = study.institution or f"The researchers of {study.title}"
    lines = [
        "cff-version: 1.2.0",
        "message: If you use these data, please cite them as below.",
        "type: dataset",
        f"title: {json.dumps(f'{study.title}: results, release v{number}')}",
        f"version: v{number}",
        f"date-released: {created.date().isoformat()}",
        "authors:",
        f"  - name: {json.dumps(author)}",
        f"abstract: {json.dumps(checksum_note)}",
    ]
    return ("\n".join(lines) + "\n").encode()


def release_files_build(
    *,
    study: Study,
    report: StudyReport,
    number: int,
    created: datetime,
    withheld: frozenset[int],
) -> Built:
    """The package of release ``number`` of ``study``: its analysed trials and participants,
    its test items (texts of ``withheld`` items left out: studies.heldout's for the public),
    the scores of the models the report counts, and the report itself, with the descriptions
    and checksums of both standards."""
    studies = Study.objects.filter(pk=study.pk)
    trials, people = _people_tables(studies)
    items, frozen = _items_table(studies, withheld)
    scorers = {scorer["name"] for scorer in report["scorers"]}
    tables = [trials, people, items, _scores_table(studies, scorers)]
    files: dict[str, bytes] = {
        table_path(study=study, number=number, key=t.key): csv_bytes(t) for t in tables
    }
    files["report.json"] = _json(report)
    name = f"{study.title}: results, release v{number}"
    description = (
        f"Release v{number} of the study '{study.title}', frozen on {created.date().isoformat()}: "
        "the analysed trials and participants (under pseudonyms of this release), the test items "
        "(the texts of held-out items left out), the scores of every model the report counts, "
        "and the report. It never changes; SHA256SUMS lists each file's SHA-256."
    )
    files["dataset_description.json"] = _json(
        {
            "@context": "https://schema.org/",
            "@type": "Dataset",
            "name": name,
            "description": description,
            "version": f"v{number}",
            "datePublished": created.date().isoformat(),
            "schemaVersion": "Psych-DS 0.1.0",
            "variableMeasured": variables_measured(tables),
        }
    )
    files["datapackage.json"] = _json(
        {
            "name": f"{psychds_value(study.slug).lower()}-release-v{number}",
            "title": name,
            "description": description,
            "version": f"{number}.0.0",
            "created": created.isoformat().replace("+00:00", "Z"),
            "resources": [
                {
                    "name": table.key,
                    "title": table.title,
                    "path": table_path(study=study, number=number, key=table.key),
                    "profile": "tabular-data-resource",
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                    "bytes": len(files[table_path(study=study, number=number, key=table.key)]),
                    "hash": "sha256:"
                    + sha256_hex(files[table_path(study=study, number=number, key=table.key)]),
                    "schema": table_schema(table),
                }
                for table in tables
            ],
        }
    )
    files["CITATION.cff"] = _citation(
        study=study,
        number=number,
        created=created,
        checksum_note=description,
    )
    files["SHA256SUMS"] = "".join(
        f"{sha256_hex(files[path])}  {path}\n" for path in sorted(files)
    ).encode()
    return Built(
        files=files,
        items=frozen,
        n_participants=len(people.rows),
        n_trials=len(trials.rows),
        n_scorers=len(scorers),
    )
