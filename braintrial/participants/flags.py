"""The flags stored on trials and participants: each computed here, and only here.

A flag is a fact about how an answer was given; whether it excludes is the study's setting
(``analysis.rules`` declares the rules that read them). The answer and completion services and
the published-data importer (``brainbench.services.trials``) compute every flag with these
functions, from plain values, so the live flow and the published data cannot flag the same
answers differently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.db.models.expressions import Combinable


@dataclass(frozen=True, kw_only=True)
class Threshold:
    """Flagged when the measured value is below the threshold; where nothing was measured the
    stored flag decides.

    The threshold is read when the data is analysed, not when it was stored: a researcher who
    changes it changes which trials are flagged, and the browser cannot tamper with the
    server's clock. ``below`` is the comparison in Python (the flag stored with an answer),
    ``below_q`` the same comparison in SQL (what the analysis and the exports filter on).
    """

    measure: str  # Trial field
    setting: str  # Study field, and the ExclusionRules attribute of the same name

    def below(self, *, value: int, threshold: int) -> bool:
        return value < threshold

    def below_q(self, *, measure: str, threshold: Combinable) -> Q:
        """Rows whose ``measure`` (a field path to this threshold's measure) is below it."""
        return Q(**{f"{measure}__lt": threshold})


# "Answered too fast": the server's response time, from the trial's first display to its answer,
# below the study's minimum.
TOO_FAST = Threshold(measure="rt_server_ms", setting="min_rt_ms")


def trial_flags_compute(
    *, recognised: bool, rt_server_ms: int, min_rt_ms: int, outside_help: bool | None
) -> dict[str, bool]:
    """The flags of one answered trial, by Trial field.

    ``outside_help``: the answer to the per-trial question, None where it was not asked.
    """
    return {
        "flag_recognised": recognised,
        "flag_fast": TOO_FAST.below(value=rt_server_ms, threshold=min_rt_ms),
        "flag_outside_help": outside_help is True,
    }


def slider_never_moved(*, moved: Iterable[bool | None]) -> bool:
    """Whether a participant never moved a slider: ``moved`` says, for each slider of each of
    their trials, whether it was moved (None: unknown). Without JavaScript nothing says whether
    a slider moved: no data is not a flag."""
    known = [flag for flag in moved if flag is not None]
    return bool(known) and not any(known)


def participant_flags_compute(
    *, catch_correct: Iterable[bool | None], moved: Iterable[bool | None], outside_help: bool
) -> dict[str, bool]:
    """The flags of a participant who completed, by Participant field.

    ``catch_correct``: whether each catch trial was answered right; ``moved``: as for
    ``slider_never_moved``, over the participant's test and catch trials; ``outside_help``:
    the debrief's answer. The study's catch rule picks one of the two catch facts (fail any,
    or fail every one).
    """
    catch = list(catch_correct)
    return {
        "flag_failed_catch": any(correct is False for correct in catch),
        "flag_failed_all_catch": bool(catch) and all(correct is False for correct in catch),
        "flag_no_slider": slider_never_moved(moved=moved),
        "flag_outside_help": outside_help,
    }
