"""What an export is: an ordered list of columns over one queryset, documented once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.db.models import CharField, QuerySet, Value
from django.db.models.expressions import Combinable

from braintrial.analysis.rules import ExclusionRules
from braintrial.exports.expressions import pseudonym_cell
from braintrial.studies.models import Study


@dataclass(frozen=True)
class Column:
    """One CSV column: its header, the database expression that formats it, and its meaning."""

    name: str
    expression: Combinable
    doc: str
    type: str = "text"  # "integer", "number", "0/1", "text", "timestamp": for the dictionary
    # In a pseudonymised file: "hash" puts the keyed hash of the field at ``source`` in the
    # cell (expressions.pseudonym_cell), "blank" leaves it empty; "" keeps the cell.
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
    ) -> QuerySet:
        """A values_list queryset: one tuple of formatted cells per row, in header order.

        ``rules``: the exclusion rules of a dashboard view (None: each study's own settings).
        ``pseudonymise``: recruitment ids replaced by their keyed hash, session ids left out.
        """
        columns = self.columns_under(rules)
        if self.study_columns is not None:
            computed = {column.name: column for column in self.study_columns(studies, rules)}
            columns = [computed.get(column.name, column) for column in columns]
        if pseudonymise:
            columns = [_pseudonymised(column) for column in columns]
        aliases = {f"c{i}": column.expression for i, column in enumerate(columns)}
        queryset = self.base_queryset(studies, include_excluded, rules)
        return queryset.annotate(**aliases).values_list(*aliases)


def _pseudonymised(column: Column) -> Column:
    if column.pseudonym == "hash":
        cell = pseudonym_cell(column.source, study_path=column.study_path)
        return replace(column, expression=cell)
    if column.pseudonym == "blank":
        return replace(column, expression=Value(None, output_field=CharField()))
    return column
