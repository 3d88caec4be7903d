"""Loading a study's answers and the model scores into numpy arrays (pure reads).

Trials come in one ``values_list`` query of four integers per trial (the small fields packed into
one, see _trial_word), read into a numpy array: no model instance is built, which at 100,000
trials would cost more than the whole analysis. Items and scores are small.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db.models import Q
from django.db.models.expressions import Case, Expression, ExpressionWrapper, Value, When
from django.db.models.fields import BigIntegerField
from django.db.models.functions import Coalesce
from django.db.models.query import QuerySet

from braintrial.items.models import Item
from braintrial.items.sources import QUOTAS, source_quota
from braintrial.participants.models import Challenge, Position, Trial
from braintrial.participants.selectors import trial_held_q
from braintrial.studies.models import Study
from scoring.models import Scorer
from scoring.selectors import scores_in_progress, scores_valid

from .rules import ExclusionRules, trial_analysed_q, trial_flags, trial_unanswered_q
from .types import ScorerInfo, SkippedScorer

# The report's item groups are the study's quotas (items.sources): "human", and "gpt4", the
# machine-written cases (GPT-4-written and model-drafted).
SOURCES: tuple[str, ...] = QUOTAS
NO_POSITION = "(not given)"

# The layout of a trial's packed word (_trial_word), lowest bits first: one bit per condition,
# the participant's position code, the expertise and the confidence sliders (0 where missing).
CONDITION_BITS = 12
POSITION_SHIFT = CONDITION_BITS
POSITION_BITS = 3  # code 0 (not given) and one per Position choice
EXPERTISE_SHIFT = POSITION_SHIFT + POSITION_BITS
SLIDER_BITS = 7  # a slider is 1..100 (the Trial table checks it)
CONFIDENCE_SHIFT = EXPERTISE_SHIFT + SLIDER_BITS
POSITION_MASK = (1 << POSITION_BITS) - 1
SLIDER_MASK = (1 << SLIDER_BITS) - 1


def _int_columns(queryset: QuerySet, names: list[str]) -> np.ndarray:
    """The ``names`` columns of ``queryset`` (integers, never NULL) as one int64 matrix.

    One path for every database. A Postgres-only read (each row packed by the server into one
    bytea for numpy) was 1.75 times as fast at 1,000,000 trials and no faster on the published
    study: not worth a second path (bench/paths.py).
    """
    rows = list(queryset.order_by().values_list(*names))
    if not rows:
        return np.zeros((0, len(names)), dtype=np.int64)
    return np.array(rows, dtype=np.int64)


@dataclass(frozen=True)
class Items:
    """The study bank's test items; arrays indexed by item index (sorted by id)."""

    ids: np.ndarray
    source: np.ndarray  # index into SOURCES: the quota the item fills (items.sources)
    section: np.ndarray  # index into section_labels
    section_labels: list[str]
    abstract_id: np.ndarray  # -1 where unknown
    written_by: tuple[str, ...] = ()  # each item's own source (Item.source), "llm" included

    def sources_of(self, mask: np.ndarray) -> list[str]:
        """The own sources of the items in ``mask``, in Item.Source order."""
        held = {self.written_by[i] for i in np.flatnonzero(mask)}
        return [source for source in Item.Source.values if source in held]

    def index_of(self, item_ids: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.ids, item_ids)


@dataclass(frozen=True)
class Trials:
    """Answered test trials of a study's participants (in no set order: ties use trial_id)."""

    trial_id: np.ndarray
    participant_id: np.ndarray
    item: np.ndarray  # item index
    correct: np.ndarray  # bool
    confidence: np.ndarray  # 1..100, -1 where missing
    expertise: np.ndarray  # 1..100, -1 where missing
    position: np.ndarray  # index into position_labels (the participant's current position)
    position_labels: list[str]
    # Bool per trial for each switchable reason, on or off: "unfinished" and every rule.
    flags: dict[str, np.ndarray]
    assigned: np.ndarray  # per item index: test trials held (answered or not), not released

    @property
    def completed(self) -> np.ndarray:
        """Bool per trial: its participant completed."""
        return ~self.flags["unfinished"]

    def included(self, rules: ExclusionRules) -> np.ndarray:
        """Trials that survive the reasons the rules switch on."""
        keep = np.ones(self.trial_id.size, dtype=bool)
        for name in rules.switched_on():
            keep &= ~self.flags[name]
        return keep


def items_upheld(*, study: Study) -> list[int]:
    """The study bank's test items (versions) of which a researcher of ``study`` upheld a
    participant's challenge, by id."""
    upheld = Challenge.objects.filter(
        participant__study=study,
        status=Challenge.Status.UPHELD,
        item__bank=study.bank,
        item__kind=Item.Kind.TEST,
    )
    return sorted(set(upheld.values_list("item_id", flat=True)))


def items_load(*, study: Study) -> Items:
    """The bank's test items, every version; without the upheld ones where the study leaves
    them out (Study.leave_out_upheld_items, as ``rules.declaration.analysed_condition`` leaves
    out their trials)."""
    items = Item.objects.filter(bank=study.bank, kind=Item.Kind.TEST)
    if study.leave_out_upheld_items:
        items = items.exclude(pk__in=items_upheld(study=study))
    rows = list(items.order_by("id").values_list("id", "source", "journal_section", "abstract_id"))
    labels = sorted({row[2] for row in rows})
    label_index = {label: i for i, label in enumerate(labels)}
    return Items(
        ids=np.array([r[0] for r in rows], dtype=np.int64),
        source=np.array([SOURCES.index(source_quota(r[1])) for r in rows], dtype=np.int64),
        section=np.array([label_index[r[2]] for r in rows], dtype=np.int64),
        section_labels=labels,
        abstract_id=np.array([-1 if r[3] is None else r[3] for r in rows], dtype=np.int64),
        written_by=tuple(r[1] for r in rows),
    )


def _trial_word(conditions: dict[str, Q]) -> Expression:
    """A trial's small fields packed into one integer (fewer values to move, see _int_columns).

    Bit n holds condition n of ``conditions`` (at most CONDITION_BITS); then the position code
    (POSITION_BITS), expertise and confidence (SLIDER_BITS each, 0 where missing).
    """
    if len(conditions) > CONDITION_BITS:
        raise ValueError(f"Only {CONDITION_BITS} conditions fit below the position bits.")
    if len(Position.values) > POSITION_MASK:
        raise ValueError(f"Only {POSITION_MASK} positions fit in {POSITION_BITS} bits.")
    bits = [
        Case(When(q, then=Value(1 << n)), default=Value(0))
        for n, q in enumerate(conditions.values())
    ]
    positions = [
        When(participant__position=code, then=Value(n))
        for n, code in enumerate(Position.values, start=1)
    ]
    word: Expression = sum(bits[1:], bits[0])
    word += Value(1 << POSITION_SHIFT) * Case(*positions, default=Value(0))
    word += Value(1 << EXPERTISE_SHIFT) * Coalesce("expertise", Value(0))
    word += Value(1 << CONFIDENCE_SHIFT) * Coalesce("confidence", Value(0))
    return ExpressionWrapper(word, output_field=BigIntegerField())


def trials_load(*, study: Study, items: Items, rules: ExclusionRules) -> Trials:
    """Answered test trials on the study bank's test items (``analysis.rules.trial_analysed_q``),
    each with the flags of ``analysis.rules.trial_flags``: so the analysis and the exports
    compile the same declared conditions.

    Also counts, per item, the test trials held by participants whose items were not released
    (answered or not): the exposure the assignment balances. Thresholds (``fast``: server
    response time below ``rules.min_rt_ms``) are taken from ``rules``.
    """
    flags = trial_flags(rules=rules)
    conditions = {
        "answered": ~trial_unanswered_q(),
        "correct": Q(correct=True),
        "held": trial_held_q(),
        **flags,
    }
    loaded = Trial.objects.filter(trial_analysed_q(), participant__study=study)
    loaded = loaded.annotate(word=_trial_word(conditions))
    rows = _int_columns(loaded, ["id", "participant_id", "item_id", "word"])
    word = rows[:, 3]
    bit = {name: (word >> n) & 1 == 1 for n, name in enumerate(conditions)}

    item_index = items.index_of(rows[:, 2])
    assigned = np.bincount(item_index[bit["held"]], minlength=items.ids.size)
    answered = bit["answered"]
    word = word[answered]
    confidence = (word >> CONFIDENCE_SHIFT) & SLIDER_MASK
    expertise = (word >> EXPERTISE_SHIFT) & SLIDER_MASK
    names = dict(Position.choices)
    return Trials(
        trial_id=rows[answered, 0],
        participant_id=rows[answered, 1],
        item=item_index[answered],
        correct=bit["correct"][answered],
        confidence=np.where(confidence > 0, confidence, -1),
        expertise=np.where(expertise > 0, expertise, -1),
        position=(word >> POSITION_SHIFT) & POSITION_MASK,
        position_labels=[NO_POSITION, *(str(names[code]) for code in Position.values)],
        flags={name: bit[name][answered] for name in flags},
        assigned=assigned,
    )


@dataclass(frozen=True)
class Scores:
    """Model scores on the items in scope: arrays (item index x scorer), NaN where missing."""

    scorers: list[ScorerInfo]
    correct: np.ndarray  # float: 1.0 / 0.0 / NaN
    confidence: np.ndarray  # |PPL_original - PPL_altered|
    margin: np.ndarray  # ln PPL_altered - ln PPL_original: > 0 prefers the original
    skipped: list[SkippedScorer]


def _scores_progress(*, study: Study, items: Items, scope: np.ndarray) -> dict[int, np.ndarray]:
    """Per scorer with an active run: which items in ``scope`` (bool per item index) that run
    has scored so far (scoring.selectors.scores_in_progress)."""
    rows = (
        scores_in_progress()
        .filter(item__bank=study.bank, item__kind=Item.Kind.TEST)
        .values_list("scorer_id", "item_id")
    )
    table = np.array(list(rows), dtype=np.int64).reshape(-1, 2)
    if not table.size or not items.ids.size:
        return {}
    index = np.minimum(items.index_of(table[:, 1]), items.ids.size - 1)
    keep = (items.ids[index] == table[:, 1]) & scope[index]
    progress: dict[int, np.ndarray] = {}
    for scorer_id in np.unique(table[keep, 0]):
        scored = np.zeros(items.ids.size, dtype=bool)
        scored[index[keep & (table[:, 0] == scorer_id)]] = True
        progress[int(scorer_id)] = scored
    return progress


def scores_load(*, study: Study, items: Items, scope: np.ndarray) -> Scores:
    """Valid scores (scoring.selectors.score_valid_q) of the scorers that count on the items in
    ``scope`` (bool per item index).

    Published scorers always count; others only with a valid score for every item in scope (a
    half-finished scorer would be compared on easier or fewer items). The others are listed as
    skipped with the items they have scored, those an active run has written so far included
    (a model being scored: scoring.selectors.scores_in_progress), which never count as results.
    """
    valid = scores_valid().filter(item__bank=study.bank, item__kind=Item.Kind.TEST)
    candidates = list(
        Scorer.objects.filter(pk__in=valid.values("scorer_id"))
        .order_by("name")
        .values("id", "name", "display_name", "is_published")
    )
    n_items, n_scorers = items.ids.size, len(candidates)
    column = {c["id"]: j for j, c in enumerate(candidates)}
    score_rows = valid.filter(scorer_id__in=list(column)).values_list(
        "scorer_id", "item_id", "ppl_original", "ppl_altered", "correct", "confidence"
    )
    rows = list(score_rows) if column else []
    correct = np.full((n_items, n_scorers), np.nan)
    confidence = np.full((n_items, n_scorers), np.nan)
    margin = np.full((n_items, n_scorers), np.nan)
    if rows:
        # One conversion for every value (ids stay exact in float64 below 2**53).
        table = np.array(rows, dtype=np.float64)
        scorer_ids = np.array(list(column), dtype=np.int64)
        order = np.argsort(scorer_ids)
        found = np.searchsorted(scorer_ids[order], table[:, 0].astype(np.int64))
        scorer_col = np.array(list(column.values()), dtype=np.int64)[order][found]
        item_row = items.index_of(table[:, 1].astype(np.int64))
        correct[item_row, scorer_col] = table[:, 4]
        confidence[item_row, scorer_col] = table[:, 5]
        with np.errstate(divide="ignore", invalid="ignore"):
            margin[item_row, scorer_col] = np.log(table[:, 3]) - np.log(table[:, 2])
    missing = np.isnan(correct[scope]).sum(axis=0)
    progress = _scores_progress(study=study, items=items, scope=scope)
    named = {c["id"] for c in candidates}
    for scorer in (
        Scorer.objects.filter(pk__in=[pk for pk in progress if pk not in named])
        .order_by("name")
        .values("id", "name", "display_name", "is_published")
    ):
        candidates.append(scorer)
    keep: list[int] = []
    scorers: list[ScorerInfo] = []
    skipped: list[SkippedScorer] = []
    for j, c in enumerate(candidates):
        if j >= n_scorers:  # only being scored: no valid score in scope yet
            n_scored = int(progress[c["id"]].sum())
        else:
            n_scored = int(scope.sum() - missing[j])
            if c["id"] in progress:
                n_scored = int((progress[c["id"]] | (~np.isnan(correct[:, j]) & scope)).sum())
        meta: ScorerInfo = {
            "id": c["id"],
            "name": c["name"],
            "display_name": c["display_name"] or c["name"],
            "is_published": c["is_published"],
            "n_items_scored": n_scored,
        }
        if j < n_scorers and (c["is_published"] or missing[j] == 0):
            keep.append(j)
            scorers.append(meta)
        elif n_scored:
            reason = f"{int(scope.sum()) - n_scored} items in scope have no score"
            if c["id"] in progress:
                reason = f"being scored: {reason} yet"
            skipped.append({**meta, "reason": reason})
    skipped.sort(key=lambda scorer: scorer["name"])
    return Scores(
        scorers=scorers,
        correct=correct[:, keep],
        confidence=confidence[:, keep],
        margin=margin[:, keep],
        skipped=skipped,
    )
