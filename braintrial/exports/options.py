"""Validation of the export options that come from outside (query string, command line)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.http import QueryDict

from braintrial.analysis.rules import RULES_MARKER, ExclusionRules, rules_parse
from braintrial.studies.models import Study

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"", "0", "false", "no", "off"}


class ExportOptionError(ValueError):
    """An export option has a value we do not understand; the message says which are valid."""


def switch_parse(*, value: str | None, name: str = "include_excluded") -> bool:
    """A yes/no option from a query string: absent means no."""
    if value is None:
        return False
    normalised = value.strip().lower()
    if normalised in TRUE_VALUES:
        return True
    if normalised in FALSE_VALUES:
        return False
    raise ExportOptionError(f"{name} must be 1 or 0 (or true/false, yes/no), not {value[:40]!r}.")


def include_excluded_parse(*, value: str | None) -> bool:
    """``include_excluded`` from a query string: absent means no."""
    return switch_parse(value=value, name="include_excluded")


@dataclass(frozen=True)
class ExportOptions:
    include_excluded: bool
    rules: ExclusionRules | None  # None: each study's own settings
    # Recruitment ids replaced by a keyed hash per study, session ids and user agents left out.
    pseudonymise: bool = False

    def audited(self) -> dict[str, object]:
        """What the audit trail records of the options."""
        return {
            "include_excluded": self.include_excluded,
            "rules": "study settings" if self.rules is None else asdict(self.rules),
            "pseudonymised": self.pseudonymise,
        }


def export_options_parse(*, query: QueryDict, study: Study | None) -> ExportOptions:
    """The options of a download link: ``include_excluded`` and the dashboard's rule switches,
    read by the dashboard's own parser (``rules_parse``) so that a link copied from the
    dashboard keeps the rows the dashboard analysed.

    ``study``: the one study of the file, None for a file over all of a researcher's studies,
    where rule switches (relative to one study's settings) are refused.
    """
    include_excluded = include_excluded_parse(value=query.get("include_excluded"))
    pseudonymise = switch_parse(value=query.get("pseudonymise"), name="pseudonymise")
    if not query.get(RULES_MARKER):
        return ExportOptions(
            include_excluded=include_excluded, rules=None, pseudonymise=pseudonymise
        )
    if study is None:
        raise ExportOptionError(
            "Rule switches apply to one study's files; download /exports/<study>/... instead."
        )
    try:
        rules = rules_parse(study=study, query=query)
    except ValidationError as exc:
        raise ExportOptionError("; ".join(exc.messages)) from exc
    return ExportOptions(include_excluded=include_excluded, rules=rules, pseudonymise=pseudonymise)
