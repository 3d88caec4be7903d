"""Reads for "you against the model": how the language models did on the items a participant
answered, and where the participant's score stands among the participants the study analyses.

The reference group is the study's analysed participants under its own exclusion rules: those who
completed and whom no participant rule of the study excludes (failed catch trials, never moved a
slider, reported outside help; ``analysis.rules``). Excluded participants are the ones a
researcher does not trust, so they do not set the bar. The score compared is the number of test
trials answered right, the one the page shows; trial rules (too fast, recognised) drop single
trials from the analysis, not people from the group. The participant ranked need not be in the
group (an excluded participant still sees where they would stand).

What it returns follows the study's debrief setting, because a per-item comparison tells which
version is the original: per trial only where the study shows per-trial results anyway
(``full``); otherwise totals alone, which no answer key can be built from.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q

from braintrial.analysis.rules import participant_excluded_q
from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import Study
from scoring.selectors import scores_valid

Comparison = dict[str, Any]


def _percentile(value: float, ordered: list[float]) -> int:
    """Percent of ``ordered`` below ``value``, ties counted half (0-100)."""
    if not ordered:
        return 0
    below, ties = bisect_left(ordered, value), bisect_right(ordered, value)
    return round(100 * (below + (ties - below) / 2) / len(ordered))


def _models_on(trials: list[Trial], *, per_trial: bool) -> list[dict[str, Any]]:
    """Every scorer with a valid score on each of the trials' items, best first."""
    item_ids = [t.item_id for t in trials]
    scores = scores_valid().filter(item_id__in=item_ids).select_related("scorer")
    by_scorer: dict[int, dict[int, Any]] = defaultdict(dict)
    names: dict[int, str] = {}
    for score in scores:
        by_scorer[score.scorer_id][score.item_id] = score
        names[score.scorer_id] = score.scorer.display_name or score.scorer.name
    # The model's margin means little alone: it is shown as where it falls among all of the
    # model's own margins, "more sure than on N% of the items it scored".
    margins: dict[int, list[float]] = defaultdict(list)
    complete = [s for s, got in by_scorer.items() if len(got) == len(set(item_ids))]
    for scorer_id, margin in (
        scores_valid().filter(scorer_id__in=complete).values_list("scorer_id", "confidence")
    ):
        margins[scorer_id].append(margin)
    models = []
    for scorer_id in complete:
        got, ordered = by_scorer[scorer_id], sorted(margins[scorer_id])
        model: dict[str, Any] = {
            "name": names[scorer_id],
            "n_correct": sum(1 for t in trials if got[t.item_id].correct),
        }
        if per_trial:
            # One row per trial: the participant's answer beside the model's.
            model["rows"] = [
                {
                    "number": n,
                    "item_id": t.item_id,
                    "correct": t.correct,
                    "confidence": t.confidence,
                    "model_correct": got[t.item_id].correct,
                    "model_sure": _percentile(got[t.item_id].confidence, ordered),
                }
                for n, t in enumerate(trials, start=1)
            ]
        models.append(model)
    return sorted(models, key=lambda m: (-m["n_correct"], m["name"]))


def model_comparison(*, participant: Participant, trials: list[Trial]) -> Comparison | None:
    """The comparison for a completed participant's main test trials (catch trials are not
    scored by models); None where the study does not show it or shows no results at all."""
    study = participant.study
    if not study.show_model_comparison or study.debrief_detail == Study.DebriefDetail.NONE:
        return None
    tests = [t for t in trials if t.kind == Item.Kind.TEST]
    per_trial = study.debrief_detail == Study.DebriefDetail.FULL
    n_correct = sum(1 for t in tests if t.correct)
    # The test score of every analysed participant (see above), in one query.
    group = {
        row["participant"]: row["n"]
        for row in Trial.objects.filter(
            participant__study=study,
            participant__status=Participant.Status.COMPLETED,
            kind=Item.Kind.TEST,
        )
        .exclude(participant_excluded_q(prefix="participant__"))
        .values("participant")
        .annotate(n=Count("id", filter=Q(correct=True)))
    }
    scores = sorted(float(n) for n in group.values())
    return {
        "n_items": len(tests),
        "n_correct": n_correct,
        "n_participants": len(scores),
        # Whether anyone but the participant is there to be compared with.
        "ranked": len(group.keys() - {participant.pk}) > 0,
        "percentile": _percentile(n_correct, scores),
        "models": _models_on(tests, per_trial=per_trial),
    }
