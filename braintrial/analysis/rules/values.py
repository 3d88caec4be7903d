"""ExclusionRules: which of the declared reasons an analysis applies.

Flags are facts stored on participants and trials when the data comes in; a study's settings say
which of them exclude. The dashboard switches single rules off to show their effect, so the rules
are a value object separate from the study.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from braintrial.studies.models import DEFAULT_MIN_RT_MS, Study

from .declaration import RULES, SWITCHED_REASONS, THRESHOLDS, VARIANTS


@dataclass(frozen=True)
class ExclusionRules:
    """Which exclusions apply: one switch per rule of ``declaration.RULES`` (same names).

    Participant rules (``failed_catch``, ``no_slider``, ``outside_help``) drop every trial of a
    flagged participant; trial rules (``outside_help_trial``, ``recognised``, ``fast``) drop
    single trials. A trial is fast when its server response time is below ``min_rt_ms`` (see
    ``participants.flags.TOO_FAST``). ``catch_rule`` ("any" or "both") says which catch failures
    flag a participant (see ``declaration.Variant``).

    ``completed_only`` (not a study setting, on unless asked otherwise) keeps only the answers
    of participants who completed: the catch, slider and outside-help checks are made at
    completion, so an unfinished participant's answers have not been checked yet.
    """

    failed_catch: bool = True
    no_slider: bool = True
    outside_help: bool = True
    outside_help_trial: bool = True
    recognised: bool = True
    fast: bool = True
    min_rt_ms: int = DEFAULT_MIN_RT_MS
    catch_rule: str = "any"
    completed_only: bool = True

    @classmethod
    def from_study(cls, study: Study) -> ExclusionRules:
        return cls(
            **{rule.name: getattr(study, rule.setting) for rule in RULES},
            **{threshold.setting: getattr(study, threshold.setting) for threshold in THRESHOLDS},
            **{variant.setting: getattr(study, variant.setting) for variant in VARIANTS},
            completed_only=True,
        )

    @classmethod
    def none(cls, *, min_rt_ms: int = DEFAULT_MIN_RT_MS) -> ExclusionRules:
        """No exclusion at all (every answered test trial counts, finished or not)."""
        switches: dict[str, Any] = {
            reason.switch: False for reason in SWITCHED_REASONS if reason.switch
        }
        return cls(**switches, min_rt_ms=min_rt_ms)

    def with_toggles(self, **toggles: bool) -> ExclusionRules:
        """A copy with some rules switched; unknown rule names raise ValueError."""
        unknown = set(toggles) - {reason.switch for reason in SWITCHED_REASONS}
        if unknown:
            raise ValueError(f"Unknown exclusion rule(s): {', '.join(sorted(unknown))}")
        switches: dict[str, Any] = dict(toggles)
        return replace(self, **switches)

    def switched_on(self) -> list[str]:
        """Names of the switchable reasons that apply ('unfinished' with ``completed_only``,
        then each rule switched on); the scope reasons without a switch always apply."""
        return [
            reason.name
            for reason in SWITCHED_REASONS
            if reason.switch and getattr(self, reason.switch)
        ]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
