"""Human-AI teams the published way: the confidence-weighted logistic-regression combination
of Yanez, Luo, Valerio Minero and Love (arXiv 2408.08083; Patterns 2025).

Each trial is one decision; each member's judgment is its confidence signed by its choice
(+ when it picked the original): the human's confidence slider (1-100) and a model's
ln PPL_altered - ln PPL_original (> 0 when it prefers the original). A logistic regression
without intercept (which version is shown first carries no information) weighs the members;
the team picks the original when the weighted sum is > 0. Accuracy is leave-one-out
cross-validated over trials: each trial is decided by weights fitted on all other trials.
"""

from __future__ import annotations

import numpy as np

from ..stats import accuracy
from ..types import Accuracy, TeamFit, TeamPair, Teams, WithAll
from .data import ModelScores
from .logistic import logistic_fit, logistic_kfold_margin, logistic_loo_margin

# Keeps the weights finite should one member never be wrong; too small to move any other fit.
_PENALTY = 1e-6
# Leave-one-out costs n fits side by side (n x n arrays); above this many trials the teams are
# cross-validated over CV_FOLDS folds instead, and say so.
LOO_MAX_TRIALS = 2000
CV_FOLDS = 10


def _scaled(x: np.ndarray) -> np.ndarray:
    # Columns on one scale, so that one penalty means the same for every member.
    rms = np.sqrt((x**2).mean(axis=0))
    return x / np.where(rms > 0, rms, 1.0)


def team_decide(*, judgments: np.ndarray, leave_one_out: bool = True) -> TeamFit:
    """LOO accuracy of the team over the rows of ``judgments`` (trials x members, signed);
    without ``leave_one_out``, cross-validated over CV_FOLDS folds (what the dashboard of a
    study without the paper's panel shows: a tenth of the fits)."""
    x = _scaled(judgments)
    penalty = np.full(x.shape[1], _PENALTY)
    if leave_one_out and x.shape[0] <= LOO_MAX_TRIALS:
        margins, validation = logistic_loo_margin(x=x, penalty=penalty), "leave-one-out"
    else:
        margins = logistic_kfold_margin(x=x, penalty=penalty, folds=CV_FOLDS)
        validation = f"{CV_FOLDS}-fold"
    weights = logistic_fit(x=x, y=np.ones(x.shape[0]), penalty=penalty)
    return {
        "team": accuracy(margins > 0),
        "weights": [float(w) for w in weights],
        "validation": validation,
    }


def teams(
    *,
    item: np.ndarray,
    correct: np.ndarray,
    confidence: np.ndarray,
    models: ModelScores,
    columns: list[int],
    together: list[int],
    leave_one_out: bool = True,
) -> Teams:
    """A human with each model of ``columns``; a human with all of ``together``; those models
    without the human.

    ``item``, ``correct``, ``confidence``: per included trial with a confidence rating. Teams
    with several models use the trials on items every one of them scored.
    """
    human = np.where(correct, 1.0, -1.0) * confidence
    judged = models.log_ratio[item]  # trials x scorers
    pairs: dict[str, TeamPair] = {}
    for j in columns:
        have = ~np.isnan(judged[:, j])
        if have.sum() < 3:
            continue
        fitted = team_decide(
            judgments=np.column_stack([human[have], judged[have, j]]), leave_one_out=leave_one_out
        )
        human_acc, model_acc = accuracy(correct[have]), accuracy(judged[have, j] > 0)
        pairs[models.scorers[j]["name"]] = {
            "n": int(have.sum()),
            "team": fitted["team"],
            "human": human_acc,
            "model": model_acc,
            "weights": {"human": fitted["weights"][0], "model": fitted["weights"][1]},
            "validation": fitted["validation"],
            "beats_both": _beats(fitted["team"], human_acc, model_acc),
        }
    return {
        "pairs": pairs,
        "with_all": _ensembles(
            human=human,
            judged=judged,
            correct=correct,
            columns=together,
            models=models,
            leave_one_out=leave_one_out,
        ),
    }


def _beats(team: Accuracy, *members: Accuracy) -> bool:
    """The team is more accurate than each member (all on the same, non-empty trials)."""
    best = max(m["accuracy"] or 0.0 for m in members)
    return team["accuracy"] is not None and team["accuracy"] > best


def _ensembles(
    *,
    human: np.ndarray,
    judged: np.ndarray,
    correct: np.ndarray,
    columns: list[int],
    models: ModelScores,
    leave_one_out: bool,
) -> WithAll | None:
    have = ~np.isnan(judged[:, columns]).any(axis=1) if columns else np.zeros(0, dtype=bool)
    if len(columns) < 2 or have.sum() < len(columns) + 3:
        return None
    machines = judged[np.ix_(have, np.asarray(columns, dtype=np.int64))]
    best = max(float(np.mean(machines[:, k] > 0)) for k in range(len(columns)))
    with_human = team_decide(
        judgments=np.column_stack([human[have], machines]), leave_one_out=leave_one_out
    )
    alone = team_decide(judgments=machines, leave_one_out=leave_one_out)
    return {
        "n": int(have.sum()),
        "n_models": len(columns),
        "scorers": [models.scorers[j]["name"] for j in columns],
        "human": accuracy(correct[have]),
        "best_model": best,
        "models_team": alone["team"],
        "team": with_human["team"],
    }
