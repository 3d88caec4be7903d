"""Each shared rule has one owner, and every reader agrees with it on the same inputs.

The live flow and the published-data importer flag the same answers alike; the flag stored with
an answer and the analysis's SQL agree on the "too fast" threshold; the paper's model arrays read
exactly the scores that count; the analysis and the exposure counters count the same held items;
and the dashboard's data version moves with every flag the exclusion rules declare.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from braintrial.analysis.data import items_load, scores_load, trials_load
from braintrial.analysis.paper.data import model_scores_load
from braintrial.analysis.rules import (
    PARTICIPANT_FLAGS,
    RULES_BY_NAME,
    TRIAL_FLAGS,
    ExclusionRules,
    trial_flags,
)
from braintrial.brainbench.names import STUDY_SLUG
from braintrial.dashboard.selectors import study_data_version
from braintrial.items.models import Item
from braintrial.participants.flags import TOO_FAST
from braintrial.participants.models import Participant, Trial
from braintrial.participants.selectors import exposure_counts_from_trials
from braintrial.participants.services.answers import TrialAnswer, trial_answer_submit
from braintrial.participants.services.steps import participant_complete
from braintrial.studies.models import Study
from scoring.models import ScoreRun
from tests.brainbench.test_trials import HEADER, make_item, write
from tests.factories import (
    T0,
    participant_make,
    run_make,
    scorer_make,
    scores_make,
    study_make,
    trial_make,
)

pytestmark = pytest.mark.django_db

# Per participant, per trial: (server response time in ms, recognised, sliders moved). The
# times straddle the default threshold (5000 ms): one below it, one at it.
ANSWERS = {
    "21": [(30_000, False, True), (4_999, True, True), (5_000, False, True)],
    "22": [(40_000, False, False), (6_000, False, False)],
    "23": [(3_000, False, True), (7_000, True, False)],
}
# The published items each of a participant's trials is on (abstract_id, journal_section).
ON = [(1, "human_Systems/Circuits"), (1, "machine_Systems/Circuits"), (2, "human_Cellular/X")]


def _published(tmp_path: Path) -> dict[str, Participant]:
    make_item(1, Item.Source.HUMAN, "Systems/Circuits")
    make_item(1, Item.Source.GPT4, "Systems/Circuits")
    make_item(2, Item.Source.HUMAN, "Cellular/X")
    rows = [
        f"{n},{pid},50,60,,1,{rt},{ON[k][0]},{ON[k][1]},{int(moved)},{int(recognised)},"
        "30,Germany,Doctoral student,4,Female"
        for n, (pid, k, (rt, recognised, moved)) in enumerate(
            (pid, k, answer) for pid, answers in ANSWERS.items() for k, answer in enumerate(answers)
        )
    ]
    call_command(
        "import_published_trials", str(write(tmp_path, rows, HEADER)), stdout=io.StringIO()
    )
    study = Study.objects.get(slug=STUDY_SLUG)
    return {p.recruitment_id: p for p in Participant.objects.filter(study=study)}


def _live(study: Study, items: list[Item], answers: list[tuple[int, bool, bool]]) -> Participant:
    """A participant of ``study`` who answers through the answer service, each trial ``rt`` ms
    after it was shown, and completes through the completion service."""
    participant, _ = participant_make(
        study, status=Participant.Status.ACTIVE, consented_at=T0, instructions_done_at=T0
    )
    for position, item in enumerate(items[: len(answers)], start=1):
        Trial.objects.create(
            participant=participant, item=item, position=position, kind=item.kind, shown_at=T0
        )
    for position, (rt, recognised, moved) in enumerate(answers, start=1):
        answer = TrialAnswer(
            choice="A",
            confidence=60,
            expertise=50,
            recognised=recognised,
            rt_client_ms=None,
            blur_count=0,
            confidence_moved=moved,
            expertise_moved=moved,
        )
        now = T0 + dt.timedelta(milliseconds=rt)
        assert trial_answer_submit(
            participant=participant, position=position, answer=answer, now=now
        )
    assert participant_complete(
        participant=participant, outside_help=False, feedback="", now=T0 + dt.timedelta(hours=1)
    )
    participant.refresh_from_db()
    return participant


def _flags(participant: Participant) -> tuple[tuple[bool, ...], list[tuple[bool, ...]]]:
    trials = participant.trials.order_by("position").values_list(*TRIAL_FLAGS)
    return tuple(getattr(participant, f) for f in PARTICIPANT_FLAGS), [tuple(t) for t in trials]


def test_the_importer_and_the_live_flow_flag_the_same_answers_alike(tmp_path: Path) -> None:
    published = _published(tmp_path)
    made = study_make("live", n_people=0, scored=False)
    assert made.study.min_rt_ms == Study.objects.get(slug=STUDY_SLUG).min_rt_ms == 5000
    for pid, answers in ANSWERS.items():
        live = _live(made.study, made.items, answers)
        assert _flags(live) == _flags(published[pid]), pid
    # And the flags are the expected ones, not merely equal: 4999 ms is fast, 5000 ms is not.
    participant_flags, trial_flags_ = _flags(published["21"])
    assert [t[TRIAL_FLAGS.index("flag_fast")] for t in trial_flags_] == [False, True, False]
    assert published["22"].flag_no_slider and not published["23"].flag_no_slider
    assert not any(participant_flags)


def test_the_stored_fast_flag_and_the_analysis_threshold_agree() -> None:
    """The flag written with an answer (Python) and the analysis's condition (SQL) come from
    one comparison, ``participants.flags.TOO_FAST``, at and around the threshold."""
    assert RULES_BY_NAME["fast"].threshold is TOO_FAST
    made = study_make("edge", n_people=0, scored=False)
    live = _live(made.study, made.items, [(4_999, False, True), (5_000, False, True)])
    fast_q = trial_flags(rules=ExclusionRules.from_study(made.study))["fast"]
    for trial in live.trials.all():
        assert Trial.objects.filter(fast_q, pk=trial.pk).exists() == trial.flag_fast
    assert sorted(live.trials.values_list("flag_fast", flat=True)) == [False, True]


def test_the_paper_arrays_read_only_the_scores_that_count() -> None:
    """A runnable scorer that counts (its run covers the items in scope) also holds scores of
    an old configuration on other items: the paper's perplexity arrays leave those out, as
    ``scores_load`` does."""
    made = study_make("paper", n_people=0, scored=True)
    runner = scorer_make(name="runner", published=False)
    covered, stale = made.items[:3], made.items[3:]
    run = run_make(scorer=runner, items=covered, status=ScoreRun.Status.SUCCEEDED)
    scores_make(scorer=runner, ppl={item: (10.0, 12.0) for item in covered}, run=run)
    scores_make(scorer=runner, ppl={item: (10.0, 12.0) for item in stale}, fingerprint="old")
    items = items_load(study=made.study)
    scope = np.isin(items.ids, [item.pk for item in covered])
    scores = scores_load(study=made.study, items=items, scope=scope)
    assert [s["name"] for s in scores.scorers] == ["factory-model", "runner"]
    model = model_scores_load(items=items, scores=scores)
    assert np.array_equal(np.isnan(model.ppl_original), np.isnan(scores.correct))
    assert np.isnan(model.ppl_original[~scope, 1]).all()


def test_the_analysis_and_the_exposure_counters_count_the_same_held_items() -> None:
    made = study_make("held", n_people=3, scored=False)
    released = made.participants[0]
    released.status, released.released_at = Participant.Status.ABANDONED, T0
    released.save(update_fields=["status", "released_at"])
    waiting, _ = participant_make(made.study, 9, status=Participant.Status.ACTIVE)
    trial_make(waiting, made.items[0], 1, correct=None, choice="", shown_at=None)
    items = items_load(study=made.study)
    trials = trials_load(study=made.study, items=items, rules=ExclusionRules.none())
    assigned = dict(zip(items.ids.tolist(), trials.assigned.tolist(), strict=True))
    counted = exposure_counts_from_trials(study=made.study)
    assert assigned == counted
    assert sum(counted.values()) == 2 * 3 + 1  # the released participant's 3 left out


@pytest.mark.parametrize(
    ("model", "flag"),
    [("participant", f) for f in PARTICIPANT_FLAGS] + [("trial", f) for f in TRIAL_FLAGS],
)
def test_the_dashboard_data_version_moves_with_every_declared_flag(model: str, flag: str) -> None:
    made = study_make("version", n_people=1, scored=False)
    before = study_data_version(study=made.study)
    # A queryset update leaves updated_at alone, as the flow's own conditional updates do.
    if model == "participant":
        Participant.objects.filter(pk=made.participants[0].pk).update(**{flag: True})
    else:
        Trial.objects.filter(pk=made.trials[0].pk).update(**{flag: True})
    assert study_data_version(study=made.study) != before
