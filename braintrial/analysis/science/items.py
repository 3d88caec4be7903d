"""Item analysis: which items are broken, too easy or misleading (numpy only, no Django).

Per item, from the analysed human trials and the valid model scores:

* human accuracy: k of n with its 95% Wilson interval;
* the models: the mean over scorers of "the model's choice was right", and their agreement (the
  share of scorers that chose as the majority did; 1 = unanimous, 0.5 = split);
* discrimination: the corrected item-rest correlation (point-biserial) between being right on
  this item and the participant's share right on their other analysed items, over participants
  who answered at least ``MIN_REST_ITEMS`` other items; reported from ``MIN_DISCRIMINATION_N``
  such participants on, since on fewer it is noise; it flags the item where it is significantly
  negative;
* mean confidence when right and when wrong;
* the importer's defect note, and a suspect flag with its reasons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import t as student_t

from braintrial.analysis.stats import wilson_interval

MIN_REST_ITEMS = 2
MIN_DISCRIMINATION_N = 5
# "Most humans and most models get it wrong": below half right on both sides, from at least
# this many human trials.
MIN_WRONG_N = 3
# An item-rest correlation below zero flags the item when it is significantly so (one-sided
# p below this): on the handful of participants an item has, a negative r by chance is common.
NEGATIVE_DISCRIMINATION_P = 0.05

REASON_DEFECT = "the importer flagged the row as defective"
REASON_WRONG = "most humans and most models choose the altered version"
REASON_NEGATIVE = (
    "negative discrimination: people who do better elsewhere get it wrong more often "
    "(significantly, one-sided p < 0.05)"
)


@dataclass(frozen=True)
class ItemTrials:
    """The analysed human trials of the items (item index per trial)."""

    participant: np.ndarray
    item: np.ndarray
    correct: np.ndarray  # bool
    confidence: np.ndarray  # 1..100, -1 where missing


@dataclass(frozen=True)
class ItemRow:
    index: int
    n: int
    k: int
    accuracy: float | None
    low: float | None
    high: float | None
    models_correct: float | None  # mean over scorers of their choice being right
    models_agreement: float | None  # share of scorers choosing as the majority did
    n_models: int
    discrimination: float | None
    discrimination_n: int
    confidence_right: float | None
    confidence_wrong: float | None
    defect: str
    suspect: bool
    suspect_reasons: tuple[str, ...]


def _rest_scores(trials: ItemTrials) -> tuple[np.ndarray, np.ndarray]:
    """Per trial: the participant's share right on their other items, and how many those are."""
    _, person = np.unique(trials.participant, return_inverse=True)
    right = np.bincount(person, trials.correct.astype(float))
    total = np.bincount(person).astype(float)
    others = total[person] - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        rest = (right[person] - trials.correct) / others
    return rest, others


def _discrimination(trials: ItemTrials, n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """Item-rest point-biserial correlation per item (NaN where undefined) and its n."""
    rest, others = _rest_scores(trials)
    keep = others >= MIN_REST_ITEMS
    item, x, y = trials.item[keep], trials.correct[keep].astype(float), rest[keep]
    n = np.bincount(item, minlength=n_items).astype(float)
    sx, sy = np.bincount(item, x, n_items), np.bincount(item, y, n_items)
    sxx, syy = np.bincount(item, x * x, n_items), np.bincount(item, y * y, n_items)
    sxy = np.bincount(item, x * y, n_items)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sy / n
        var_x, var_y = sxx - sx * sx / n, syy - sy * sy / n
        r = cov / np.sqrt(var_x * var_y)
    r = np.where((n >= MIN_DISCRIMINATION_N) & (var_x > 1e-12) & (var_y > 1e-12), r, np.nan)
    return r, n.astype(int)


def _mean_by_item(values: np.ndarray, item: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    count = np.bincount(item[mask], minlength=n).astype(float)
    total = np.bincount(item[mask], values[mask].astype(float), n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def _significantly_negative(r: float, n: int) -> bool:
    """r < 0 with a one-sided p below NEGATIVE_DISCRIMINATION_P (t test of a correlation)."""
    if not np.isfinite(r) or r >= 0 or n < 3:
        return False
    if r <= -1:
        return True
    t = r * np.sqrt((n - 2) / (1 - r * r))
    return bool(student_t.cdf(t, n - 2) < NEGATIVE_DISCRIMINATION_P)


def _float(value: float) -> float | None:
    return None if not np.isfinite(value) else float(value)


def item_analysis(
    *, trials: ItemTrials, model_correct: np.ndarray, defects: list[str]
) -> list[ItemRow]:
    """One row per item (``model_correct``: items x scorers, 1.0 / 0.0 / NaN; ``defects``: the
    importer's note per item, empty where none)."""
    n_items = len(defects)
    n = np.bincount(trials.item, minlength=n_items)
    k = np.bincount(trials.item, trials.correct.astype(float), n_items).astype(int)
    discrimination, discrimination_n = _discrimination(trials, n_items)
    has_confidence = trials.confidence > 0
    conf_right = _mean_by_item(
        trials.confidence, trials.item, has_confidence & trials.correct, n_items
    )
    conf_wrong = _mean_by_item(
        trials.confidence, trials.item, has_confidence & ~trials.correct, n_items
    )
    n_models = (~np.isnan(model_correct)).sum(axis=1) if model_correct.size else np.zeros(n_items)
    with np.errstate(invalid="ignore"):
        models = (
            np.nanmean(model_correct, axis=1)
            if model_correct.shape[1]
            else np.full(n_items, np.nan)
        )
    models = np.where(n_models > 0, models, np.nan)
    agreement = np.where(np.isnan(models), np.nan, np.maximum(models, 1 - models))
    rows = []
    for i in range(n_items):
        low, high = wilson_interval(int(k[i]), int(n[i]))
        accuracy = k[i] / n[i] if n[i] else None
        reasons = []
        if defects[i]:
            reasons.append(REASON_DEFECT)
        mostly_wrong = accuracy is not None and accuracy < 0.5 and n[i] >= MIN_WRONG_N
        if mostly_wrong and np.isfinite(models[i]) and models[i] < 0.5:
            reasons.append(REASON_WRONG)
        if _significantly_negative(discrimination[i], discrimination_n[i]):
            reasons.append(REASON_NEGATIVE)
        rows.append(
            ItemRow(
                index=i,
                n=int(n[i]),
                k=int(k[i]),
                accuracy=accuracy,
                low=low,
                high=high,
                models_correct=_float(models[i]),
                models_agreement=_float(agreement[i]),
                n_models=int(n_models[i]),
                discrimination=_float(discrimination[i]),
                discrimination_n=int(discrimination_n[i]),
                confidence_right=_float(conf_right[i]),
                confidence_wrong=_float(conf_wrong[i]),
                defect=defects[i],
                suspect=bool(reasons),
                suspect_reasons=tuple(reasons),
            )
        )
    return rows
