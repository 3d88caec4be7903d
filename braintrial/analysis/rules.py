"""Exclusion rules: which stored flags an analysis applies.

Flags are facts stored on participants and trials when the data comes in; a study's settings say
which of them exclude. The dashboard switches single rules off to show their effect, so the rules
are a value object separate from the study.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from braintrial.studies.models import Study

RULE_NAMES = ("failed_catch", "no_slider", "outside_help", "recognised", "fast")
PARTICIPANT_RULES = ("failed_catch", "no_slider", "outside_help")
TRIAL_RULES = ("recognised", "fast")


@dataclass(frozen=True)
class ExclusionRules:
    """Which exclusions apply.

    Participant rules (``failed_catch``, ``no_slider``, ``outside_help``) drop every trial of a
    flagged participant; trial rules (``recognised``, ``fast``) drop single trials. A trial is
    fast when its response time is below ``min_rt_ms`` (see ``analysis.data``).

    ``completed_only`` (not a study setting, on unless asked otherwise) keeps only the answers
    of participants who completed: the catch, slider and outside-help checks are made at
    completion, so an unfinished participant's answers have not been checked yet.
    """

    failed_catch: bool = True
    no_slider: bool = True
    outside_help: bool = True
    recognised: bool = True
    fast: bool = True
    min_rt_ms: int = 5000
    completed_only: bool = True

    @classmethod
    def from_study(cls, study: Study) -> ExclusionRules:
        return cls(
            failed_catch=study.exclude_failed_catch,
            no_slider=study.exclude_no_slider,
            outside_help=study.exclude_outside_help,
            recognised=study.exclude_recognised,
            fast=study.exclude_fast,
            min_rt_ms=study.min_rt_ms,
            completed_only=True,
        )

    @classmethod
    def none(cls, *, min_rt_ms: int = 5000) -> ExclusionRules:
        """No exclusion at all (every answered test trial counts, finished or not)."""
        return cls(
            failed_catch=False,
            no_slider=False,
            outside_help=False,
            recognised=False,
            fast=False,
            min_rt_ms=min_rt_ms,
            completed_only=False,
        )

    def with_toggles(self, **toggles: bool) -> ExclusionRules:
        """A copy with some rules switched; unknown rule names raise ValueError."""
        unknown = set(toggles) - {*RULE_NAMES, "completed_only"}
        if unknown:
            raise ValueError(f"Unknown exclusion rule(s): {', '.join(sorted(unknown))}")
        return replace(self, **toggles)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
