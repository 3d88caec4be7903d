"""What each page of the flow shows, besides the study, the step name and the form.

flow.py declares which step shows what; these functions build it from the participant's flow
state. They never hand the template participant, trial or item objects.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from braintrial.items.models import Item
from braintrial.items.selectors import Topic, item_topics
from braintrial.items.services.diff import segments_compute
from braintrial.participants.models import Participant, Trial
from braintrial.participants.selectors import trial_next_unanswered, trial_versions_get
from braintrial.participants.services.answers import trial_show
from braintrial.participants.services.withdrawal import (
    REFERENCE_SHOWN_MINUTES,
    withdrawal_key,
    withdrawal_reference,
    withdrawal_reference_visible,
)
from braintrial.studies.models import Study
from braintrial.studies.selectors import consent_digest, consent_text_for_participants

if TYPE_CHECKING:  # flow.py imports this module
    from braintrial.participants.flow import FlowState

Context = dict[str, Any]


class ComparisonReader(Protocol):
    """What the results page shows of "you against the model" (None: nothing)."""

    def __call__(
        self, *, participant: Participant, trials: list[Trial]
    ) -> dict[str, Any] | None: ...


def _comparison(participant: Participant, trials: list[Trial]) -> dict[str, Any] | None:
    """The comparison reads model scores and the analysis's exclusion rules, both above this app
    (docs/architecture.md), so this app does not import it: the settings, which wire the apps
    together, name the reader (PARTICIPANT_COMPARISON_READER; empty: the page shows none)."""
    path = getattr(settings, "PARTICIPANT_COMPARISON_READER", "")
    if not path:
        return None
    reader: ComparisonReader = import_string(path)
    return reader(participant=participant, trials=trials)


def _versions(trial: Trial, *, highlight: bool) -> list[dict[str, Any]]:
    # The only place that knows which text is the original; the template sees labels and texts.
    # One template loops over both, so the markup of A and B is the same whatever the original,
    # and so are the marked passages where the study highlights them (in both versions alike).
    original, altered = trial_versions_get(trial=trial)
    first, second = (original, altered) if trial.original_is_a else (altered, original)
    versions: list[dict[str, Any]] = [
        {"label": "A", "text": first},
        {"label": "B", "text": second},
    ]
    if highlight:
        runs = segments_compute(first=first, second=second)
        for version, segments in zip(versions, runs, strict=True):
            version["segments"] = segments
    return versions


def trial_context(
    state: FlowState, now: datetime, *, covers: Callable[[FlowState], list[Trial]]
) -> Context:
    trials = covers(state)
    trial = trial_next_unanswered(trials=trials)
    if trial is None:  # cannot happen: the step is current because one is unanswered
        raise RuntimeError("trial step without an unanswered trial")
    trial_show(trial=trial, now=now)
    return {
        "position": trial.position,
        "practice": trial.kind == Item.Kind.PRACTICE,
        "number": trials.index(trial) + 1,
        "total": len(trials),
        "versions": _versions(trial, highlight=state.participant.study.highlight_differences),
    }


def consent_context(state: FlowState, now: datetime) -> Context:
    """The consent text as the participant reads it, and its version, which the form sends back
    so that what is agreed to is what was read."""
    text = consent_text_for_participants(study=state.participant.study)
    return {"consent_text": text, "consent_version": consent_digest(text=text)[:12]}


def practice_over_context(state: FlowState, now: datetime) -> Context:
    return {"total": len(state.main_trials)}


def _withdrawal_reference_context(state: FlowState, now: datetime) -> Context:
    """The participant's withdrawal reference, for REFERENCE_SHOWN_MINUTES after completion
    (withdrawal_reference_visible); afterwards the page says it was shown. Empty for
    participants who completed before references existed: theirs would not be found."""
    participant = state.participant
    reference = withdrawal_reference(participant=participant)
    if participant.withdrawal_key != withdrawal_key(reference=reference):
        return {"withdrawal_reference": ""}
    if not withdrawal_reference_visible(participant=participant, now=now):
        return {"withdrawal_reference": "", "withdrawal_reference_hidden": True}
    return {"withdrawal_reference": reference, "reference_minutes": REFERENCE_SHOWN_MINUTES}


def results_context(state: FlowState, now: datetime) -> Context:
    """What the study lets the results page tell (Study.debrief_detail). Right or wrong per
    trial gives away the original of each item to anyone who takes the study again, so only the
    published protocol's setting shows it; the score alone needs at least ``score``. The page
    comes after the debrief question, so what it shows cannot sway the answer to it."""
    detail = state.participant.study.debrief_detail
    reference = _withdrawal_reference_context(state, now)
    if detail == Study.DebriefDetail.NONE:
        return {"detail": detail, **reference}
    # Numbered as the trial pages numbered them, each with its abstract's opening words.
    topics = item_topics(item_ids=[t.item_id for t in state.main_trials])
    results = [
        {
            "number": n,
            "correct": t.correct,
            "catch": t.kind == Item.Kind.CATCH,
            "topic": topics.get(t.item_id),
        }
        for n, t in enumerate(state.main_trials, start=1)
    ]
    # The score counts the test trials only, as the comparison with the models does: the
    # catch trials are attention checks, not part of the score.
    tests = [r for r in results if not r["catch"]]
    context: Context = {
        "detail": detail,
        **reference,
        "n_correct": sum(1 for r in tests if r["correct"]),
        "n_trials": len(tests),
        "n_catch": len(results) - len(tests),
    }
    if detail == Study.DebriefDetail.FULL:
        context["results"] = results
    comparison = _comparison(state.participant, state.trials)
    if comparison is not None:
        _numbered_as_shown(comparison, state=state, topics=topics)
        context["comparison"] = comparison
    return context


def _numbered_as_shown(
    comparison: dict[str, Any] | None, *, state: FlowState, topics: dict[int, Topic]
) -> None:
    """The model comparison's per-trial rows take the number the trial had on its page (the
    results table's), not a count of test items, and the abstract's opening words."""
    number = {t.item_id: n for n, t in enumerate(state.main_trials, start=1)}
    for model in (comparison or {}).get("models", []):
        for row in model.get("rows", []):
            row["number"] = number.get(row["item_id"], row["number"])
            row["topic"] = topics.get(row["item_id"])
