"""What an export is: an ordered list of columns over one queryset, documented once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.db.models.expressions import Combinable

from braintrial.studies.models import Study


@dataclass(frozen=True)
class Column:
    """One CSV column: its header, the database expression that formats it, and its meaning."""

    name: str
    expression: Combinable
    doc: str
    type: str = "text"  # "integer", "number", "0/1", "text", "timestamp": for the dictionary


@dataclass(frozen=True)
class ExportKind:
    """One kind of file (trials, participants, items, scores)."""

    name: str
    title: str
    row_doc: str
    base_queryset: Callable[[QuerySet[Study], bool], QuerySet]
    columns: list[Column] = field(default_factory=list)
    # Documented on the dictionary page: what the include_excluded option changes.
    excluded_doc: str = ""

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]

    def rows_queryset(self, *, studies: QuerySet[Study], include_excluded: bool) -> QuerySet:
        """A values_list queryset: one tuple of formatted cells per row, in header order."""
        aliases = {f"c{i}": column.expression for i, column in enumerate(self.columns)}
        queryset = self.base_queryset(studies, include_excluded)
        return queryset.annotate(**aliases).values_list(*aliases)
