"""Validation of the export options that come from outside (query string, command line)."""

from __future__ import annotations

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"", "0", "false", "no", "off"}


class ExportOptionError(ValueError):
    """An export option has a value we do not understand; the message says which are valid."""


def include_excluded_parse(*, value: str | None) -> bool:
    """``include_excluded`` from a query string: absent means no."""
    if value is None:
        return False
    normalised = value.strip().lower()
    if normalised in TRUE_VALUES:
        return True
    if normalised in FALSE_VALUES:
        return False
    raise ExportOptionError(
        f"include_excluded must be 1 or 0 (or true/false, yes/no), not {value[:40]!r}."
    )
