"""The texts a study shows participants, and the numbers inside them.

Consent and instructions texts may hold placeholders that the app fills from the study itself,
so that the trial count and the duration a participant reads are the ones the study runs:
``{pairs}`` (the pairs of abstracts a participant reads, the practice included), ``{trials}``
(the trials after the practice, catch trials included, as the trial pages count them) and
``{minutes}`` (the duration stated on the landing page). Any other ``{name}`` is refused
when the text is saved; braces around anything but a name are plain text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

if TYPE_CHECKING:  # models.py imports this module for its validators
    from braintrial.studies.models import Study

# The numbers come from the study ({pairs}, {minutes}), so the consent a participant agrees to
# states the pairs and the duration the study runs. It says how to withdraw (the link on every
# page, the reference on the last) and, with no payment among the settings, where payment is
# stated. A study that keeps it shows it in the
# study's language (the translations carry the same placeholders).
DEFAULT_CONSENT = gettext_noop(
    "You are invited to take part in a study comparing how neuroscientists and language models "
    "predict the results of neuroscience studies. You will read {pairs} pairs of abstracts and "
    "pick the one with the published results. It takes about {minutes} minutes. Whether you are "
    "paid for taking part, and how much, is stated where you were invited to it. Taking part is "
    "voluntary: you can stop at any time by closing the page, and withdraw at any time with the "
    "link \u201cWithdraw from this study\u201d at the foot of every page or, once you have "
    "finished, with the personal reference shown on the last page; your answers are then erased. "
    "Your answers are stored without your name and are used for research only."
)
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
PLACEHOLDERS: dict[str, Callable[[Study], int]] = {
    "pairs": lambda study: study.n_pairs,
    "trials": lambda study: study.n_trials_shown,
    "minutes": lambda study: study.minutes_stated,
}
# "about 30 minutes", "30-minute", "30 min": a duration a custom text states in figures.
STATED_MINUTES = re.compile(r"\b(\d{1,3})\s*-?\s*(?:minutes?|mins?)\b", re.IGNORECASE)
STATED_TRIALS = re.compile(r"\b(\d{1,3})\s+trials?\b", re.IGNORECASE)
STATED_PAIRS = re.compile(r"\b(\d{1,3})\s+pairs\b", re.IGNORECASE)


def placeholders_validate(text: str) -> None:
    """Refuse a text naming a placeholder the app does not fill (a typo would reach
    participants as "{minuts}")."""
    unknown = sorted({name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})
    if unknown:
        known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
        names = ", ".join("{" + name + "}" for name in unknown)
        raise ValidationError(
            f"Unknown placeholder {names}: the app fills only {known}.", code="placeholder"
        )


def study_text_fill(*, study: Study, text: str) -> str:
    """``text`` with its placeholders replaced by the study's numbers. Unknown names (a text
    stored before they were checked) stay as they are."""

    def value(match: re.Match[str]) -> str:
        fill = PLACEHOLDERS.get(match.group(1))
        return str(fill(study)) if fill else match.group(0)

    return PLACEHOLDER.sub(value, text)


def study_text_shown(*, study: Study, field: str) -> str:
    """The study's text ``field`` as its participants read it: the default consent in the
    active language (the study's, on participant pages), a researcher's own text as written,
    and the placeholders filled from the study."""
    text: str = getattr(study, field)
    if field == "consent_text" and text == DEFAULT_CONSENT:
        text = gettext(DEFAULT_CONSENT)
    return study_text_fill(study=study, text=text)


@dataclass(frozen=True)
class TextWarning:
    text: str  # which text: "consent" or "instructions"
    message: str


def study_text_warnings(*, study: Study, texts: dict[str, str]) -> list[TextWarning]:
    """Figures a text states in words that differ from what the study tells participants
    elsewhere: a duration other than ``study.minutes_stated``, a trial count other than
    ``study.n_trials_shown``. The placeholders state the study's own numbers."""
    warnings = []
    for name, text in texts.items():
        minutes = {int(n) for n in STATED_MINUTES.findall(text)} - {study.minutes_stated}
        if minutes:
            warnings.append(
                TextWarning(
                    name,
                    f"The {name} text states {_figures(minutes)} minutes, but the landing page "
                    f"tells participants about {study.minutes_stated} minutes. Write {{minutes}} "
                    "to state the study's own figure.",
                )
            )
        pairs = {int(n) for n in STATED_PAIRS.findall(text)} - {study.n_pairs}
        if pairs:
            warnings.append(
                TextWarning(
                    name,
                    f"The {name} text states {_figures(pairs)} pairs, but participants read "
                    f"{study.n_pairs}, the practice included. Write {{pairs}} to state the "
                    "study's own figure.",
                )
            )
        trials = {int(n) for n in STATED_TRIALS.findall(text)} - {study.n_trials_shown}
        if trials:
            warnings.append(
                TextWarning(
                    name,
                    f"The {name} text states {_figures(trials)} trials, but participants answer "
                    f"{study.n_trials_shown} after the practice. Write {{trials}} to state the "
                    "study's own figure.",
                )
            )
    return warnings


def _figures(numbers: set[int]) -> str:
    return " and ".join(str(n) for n in sorted(numbers))
