"""Loading a study's answers and the model scores into numpy arrays (pure reads).

One SQL query per table, rows fetched through a raw cursor (no model instances): at 100,000
trials building Django objects would cost more than the whole analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from braintrial.items.models import Item
from braintrial.participants.models import Participant, Position, Trial
from braintrial.studies.models import Study
from scoring.models import ItemScore, Scorer, ScoreRun

from .rules import ExclusionRules

SOURCES = (Item.Source.HUMAN.value, Item.Source.GPT4.value)
NO_POSITION = "(not given)"


def _fetch(sql: str, params: tuple | list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _int_array(rows: list[tuple], width: int) -> np.ndarray:
    if not rows:
        return np.zeros((0, width), dtype=np.int64)
    return np.array(rows, dtype=np.int64)


@dataclass(frozen=True)
class Items:
    """The study bank's test items; arrays indexed by item index (sorted by id)."""

    ids: np.ndarray
    source: np.ndarray  # index into SOURCES
    section: np.ndarray  # index into section_labels
    section_labels: list[str]
    abstract_id: np.ndarray  # -1 where unknown

    def index_of(self, item_ids: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.ids, item_ids)


@dataclass(frozen=True)
class Trials:
    """Answered test trials of a study's participants, in trial id order."""

    trial_id: np.ndarray
    participant_id: np.ndarray
    item: np.ndarray  # item index
    correct: np.ndarray  # bool
    confidence: np.ndarray  # 1..100, -1 where missing
    expertise: np.ndarray  # 1..100, -1 where missing
    position: np.ndarray  # index into position_labels (the participant's current position)
    position_labels: list[str]
    flags: dict[str, np.ndarray]  # rule name -> bool per trial

    def included(self, rules: ExclusionRules) -> np.ndarray:
        """Trials that survive the rules switched on."""
        keep = np.ones(self.trial_id.size, dtype=bool)
        for name, flagged in self.flags.items():
            if getattr(rules, name):
                keep &= ~flagged
        return keep


def items_load(*, study: Study) -> Items:
    rows = list(
        Item.objects.filter(bank=study.bank, kind=Item.Kind.TEST)
        .order_by("id")
        .values_list("id", "source", "journal_section", "abstract_id")
    )
    labels = sorted({row[2] for row in rows})
    label_index = {label: i for i, label in enumerate(labels)}
    return Items(
        ids=np.array([r[0] for r in rows], dtype=np.int64),
        source=np.array([SOURCES.index(r[1]) for r in rows], dtype=np.int64),
        section=np.array([label_index[r[2]] for r in rows], dtype=np.int64),
        section_labels=labels,
        abstract_id=np.array([-1 if r[3] is None else r[3] for r in rows], dtype=np.int64),
    )


def trials_load(*, study: Study, items: Items, rules: ExclusionRules) -> Trials:
    """Answered test trials (``correct`` not null) on the study bank's test items.

    A trial is fast when its server-measured response time is below ``rules.min_rt_ms`` (the
    server clock cannot be tampered with by the browser); trials without one keep their stored
    ``flag_fast``.
    """
    qs = (
        Trial.objects.filter(
            participant__study=study,
            kind=Item.Kind.TEST,
            item__kind=Item.Kind.TEST,
            item__bank=study.bank,
            correct__isnull=False,
        )
        .order_by("id")
        .values_list("id", "participant_id", "item_id")
    )
    sql, params = qs.query.sql_with_params()
    table = Trial._meta.db_table
    # Extra integer columns appended to the ORM's SELECT list: NULLs coalesced so the rows
    # convert straight into one int64 matrix.
    extra = (
        f'"{table}"."correct"::int, COALESCE("{table}"."confidence", -1), '
        f'COALESCE("{table}"."expertise", -1), COALESCE("{table}"."rt_server_ms", -1), '
        f'"{table}"."flag_recognised"::int, "{table}"."flag_fast"::int'
    )
    head, sep, tail = sql.partition(" FROM ")
    matrix = _int_array(_fetch(f"{head}, {extra}{sep}{tail}", params), 9)

    people = list(
        Participant.objects.filter(study=study)
        .order_by("id")
        .values_list("id", "position", "flag_failed_catch", "flag_no_slider", "flag_outside_help")
    )
    person_ids = np.array([p[0] for p in people], dtype=np.int64)
    codes = [p[1] or "" for p in people]
    labels = sorted(set(codes))
    label_index = {label: i for i, label in enumerate(labels)}
    person = np.searchsorted(person_ids, matrix[:, 1]) if people else matrix[:, 1]

    def person_flag(column: int) -> np.ndarray:
        values = np.array([bool(p[column]) for p in people], dtype=bool)
        return values[person] if people else np.zeros(0, dtype=bool)

    rt = matrix[:, 6]
    fast = np.where(rt >= 0, rt < rules.min_rt_ms, matrix[:, 8] == 1)
    names = dict(Position.choices)
    return Trials(
        trial_id=matrix[:, 0],
        participant_id=matrix[:, 1],
        item=items.index_of(matrix[:, 2]),
        correct=matrix[:, 3] == 1,
        confidence=matrix[:, 4],
        expertise=matrix[:, 5],
        position=np.array([label_index[c] for c in codes], dtype=np.int64)[person]
        if people
        else np.zeros(0, dtype=np.int64),
        position_labels=[str(names.get(c, c)) if c else NO_POSITION for c in labels],
        flags={
            "failed_catch": person_flag(2),
            "no_slider": person_flag(3),
            "outside_help": person_flag(4),
            "recognised": matrix[:, 7] == 1,
            "fast": fast,
        },
    )


@dataclass(frozen=True)
class Scores:
    """Model scores on the items in scope: arrays (item index x scorer), NaN where missing."""

    scorers: list[dict]
    correct: np.ndarray  # float: 1.0 / 0.0 / NaN
    confidence: np.ndarray  # |PPL_original - PPL_altered|
    margin: np.ndarray  # ln PPL_altered - ln PPL_original: > 0 prefers the original
    skipped: list[dict]


def scores_load(*, study: Study, items: Items, scope: np.ndarray) -> Scores:
    """Scores of the scorers that count on the items in ``scope`` (bool per item index).

    Published scorers always count; others only with a succeeded run and a score for every item
    in scope (a half-finished scorer would be compared on easier or fewer items).
    """
    succeeded = ScoreRun.objects.filter(scorer=OuterRef("pk"), status=ScoreRun.Status.SUCCEEDED)
    candidates = list(
        Scorer.objects.filter(scores__item__bank=study.bank, scores__item__kind=Item.Kind.TEST)
        .filter(Q(is_published=True) | Exists(succeeded))
        .distinct()
        .order_by("name")
        .values("id", "name", "display_name", "is_published")
    )
    n_items, n_scorers = items.ids.size, len(candidates)
    column = {c["id"]: j for j, c in enumerate(candidates)}
    score_rows = ItemScore.objects.filter(
        scorer_id__in=list(column), item__bank=study.bank, item__kind=Item.Kind.TEST
    ).values_list("scorer_id", "item_id", "ppl_original", "ppl_altered", "correct", "confidence")
    rows = _fetch(*score_rows.query.sql_with_params()) if column else []
    correct = np.full((n_items, n_scorers), np.nan)
    confidence = np.full((n_items, n_scorers), np.nan)
    margin = np.full((n_items, n_scorers), np.nan)
    if rows:
        scorer_col = np.array([column[r[0]] for r in rows])
        item_row = items.index_of(np.array([r[1] for r in rows], dtype=np.int64))
        ppl = np.array([(r[2], r[3]) for r in rows], dtype=np.float64)
        correct[item_row, scorer_col] = np.array([r[4] for r in rows], dtype=np.float64)
        confidence[item_row, scorer_col] = np.array([r[5] for r in rows], dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            margin[item_row, scorer_col] = np.log(ppl[:, 1]) - np.log(ppl[:, 0])
    missing = np.isnan(correct[scope]).sum(axis=0)
    keep, scorers, skipped = [], [], []
    for j, c in enumerate(candidates):
        n_scored = int(scope.sum() - missing[j])
        meta = {
            "id": c["id"],
            "name": c["name"],
            "display_name": c["display_name"] or c["name"],
            "is_published": c["is_published"],
            "n_items_scored": n_scored,
        }
        if c["is_published"] or missing[j] == 0:
            keep.append(j)
            scorers.append(meta)
        elif n_scored:
            skipped.append({**meta, "reason": f"{int(missing[j])} items in scope have no score"})
    return Scores(
        scorers=scorers,
        correct=correct[:, keep],
        confidence=confidence[:, keep],
        margin=margin[:, keep],
        skipped=skipped,
    )
