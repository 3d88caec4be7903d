"""What an export is: an ordered list of columns over one queryset, documented once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.db.models import CharField, F, QuerySet, Value
from django.db.models.expressions import Combinable, Expression
from django.db.models.functions import Cast, Concat, Left

from braintrial.analysis.rules import ExclusionRules
from braintrial.exports.expressions import (
    PSEUDONYM_HEX_DIGITS,
    Sha256Hex,
    pseudonym_cell,
    pseudonym_key,
)
from braintrial.studies.heldout import items_withheld_ids
from braintrial.studies.models import Study

PSEUDONYMISED_PID = (
    "In a pseudonymised file, the participant's keyed pseudonym instead: 16 hex digits, the same "
    "in the study's trials and participants files and found nowhere else."
)


@dataclass(frozen=True)
class Column:
    """One CSV column: its header, the database expression that formats it, and its meaning."""

    name: str
    expression: Combinable
    doc: str
    type: str = "text"  # "integer", "number", "0/1", "text", "timestamp": for the dictionary
    # In a pseudonymised file: "hash" puts the keyed hash of the field at ``source`` in the
    # cell (expressions.pseudonym_cell), "participant" the participant's keyed pseudonym (the
    # participant's row id at ``source``), "blank" leaves it empty; "" keeps the cell. Every
    # "timestamp" column gives the UTC date only (see _pseudonymised).
    pseudonym: str = ""
    source: str = ""
    study_path: str = ""


@dataclass(frozen=True)
class ExportKind:
    """One kind of file (trials, participants, items, scores)."""

    name: str
    title: str
    row_doc: str
    # (studies, include_excluded, rules): rules None means each row's own study settings.
    base_queryset: Callable[[QuerySet[Study], bool, ExclusionRules | None], QuerySet]
    columns: list[Column] = field(default_factory=list)
    # Documented on the dictionary page: what the include_excluded option changes.
    excluded_doc: str = ""
    # The columns that say why a row is left out, under given rules (replacing those of the
    # same name in ``columns``); None for files that no exclusion rule touches.
    reason_columns: Callable[[ExclusionRules], list[Column]] | None = None
    # Columns computed from the studies a file covers (replacing those of the same name in
    # ``columns``, which show them empty): the items file's item analysis.
    study_columns: Callable[[QuerySet[Study], ExclusionRules | None], list[Column]] | None = None
    # Columns that hold item texts, given the ids of the items whose texts the reader may not
    # download (studies.heldout): they come out empty for those (replacing those of the same
    # name in ``columns``); None for files that hold no item text.
    withheld_columns: Callable[[frozenset[int]], list[Column]] | None = None

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]

    def columns_under(self, rules: ExclusionRules | None) -> list[Column]:
        """The columns, their excluded/excluded_by following ``rules`` where given."""
        if rules is None or self.reason_columns is None:
            return self.columns
        replaced = {column.name: column for column in self.reason_columns(rules)}
        return [replaced.get(column.name, column) for column in self.columns]

    def rows_queryset(
        self,
        *,
        studies: QuerySet[Study],
        include_excluded: bool,
        rules: ExclusionRules | None = None,
        pseudonymise: bool = False,
        withheld: frozenset[int] | None = None,
    ) -> QuerySet:
        """A values_list queryset: one tuple of formatted cells per row, in header order.

        ``rules``: the exclusion rules of a dashboard view (None: each study's own settings).
        ``pseudonymise``: recruitment ids replaced by their keyed hash, session ids left out.
        ``withheld``: the ids of the items whose texts the reader may not download
        (``studies.heldout.items_withheld_ids`` of the reader); None: those withheld from the
        public, so a caller that names no reader leaks no held-out text.
        """
        columns = self.columns_under(rules)
        if self.study_columns is not None:
            computed = {column.name: column for column in self.study_columns(studies, rules)}
            columns = [computed.get(column.name, column) for column in columns]
        if self.withheld_columns is not None:
            if withheld is None:
                withheld = items_withheld_ids(user=None)
            texts = {column.name: column for column in self.withheld_columns(withheld)}
            columns = [texts.get(column.name, column) for column in columns]
        if pseudonymise:
            columns = [_pseudonymised(column) for column in columns]
        aliases = {f"c{i}": column.expression for i, column in enumerate(columns)}
        queryset = self.base_queryset(studies, include_excluded, rules)
        return queryset.annotate(**aliases).values_list(*aliases)


def participant_pseudonym(path: str, *, study_path: str) -> Expression:
    """The participant's pseudonym in a pseudonymised file: 16 hex digits of SHA-256(key:pid:
    study:SHA-256(key:pid:study:row id)), with the key of the recruitment ids' pseudonyms. The
    trials and participants files of one study give it alike, so they join on it; without the
    key nobody can compute it from a row id, so it leads to no row of the plain files or the
    API."""
    salt = Concat(
        Value(pseudonym_key() + ":pid:"),
        Cast(F(study_path), CharField()),
        Value(":"),
        output_field=CharField(),
    )
    inner = Sha256Hex(Concat(salt, Cast(F(path), CharField()), output_field=CharField()))
    return Left(Sha256Hex(Concat(salt, inner, output_field=CharField())), PSEUDONYM_HEX_DIGITS)


def _pseudonymised(column: Column) -> Column:
    """The column in a pseudonymised file: nothing that leads back, by one lookup, to a row of
    the plain files, the API or the dashboard. Row ids and the public id are replaced or left
    out, and times are given to the day: a time to the microsecond is as good a key as an id."""
    if column.pseudonym == "hash":
        cell = pseudonym_cell(column.source, study_path=column.study_path)
        return replace(column, expression=cell)
    if column.pseudonym == "participant":
        return replace(
            column, expression=participant_pseudonym(column.source, study_path=column.study_path)
        )
    if column.pseudonym == "blank":
        return replace(column, expression=Value(None, output_field=CharField()))
    if column.type == "timestamp":
        # The ISO text's first ten characters are the UTC date (2026-05-01T09:30:00Z).
        return replace(column, expression=Left(column.expression, 10))
    return column
