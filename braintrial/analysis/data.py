"""Loading a study's answers and the model scores into numpy arrays (pure reads).

Trials come in one query whose rows the server packs into a single bytea that numpy reads
as it is (no model instance, no Python object per value): at 100,000 trials building Django
objects would cost more than the whole analysis. Items and scores are small.
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
# Bit n of the packed trial word (see trials_load) holds condition n.
_FLAG_NAMES = (
    "answered",
    "correct",
    "recognised",
    "flag_fast",
    "failed_catch",
    "no_slider",
    "outside_help",
    "held",
    "completed",
)
_FLAG_CONDITIONS = (
    "t.correct IS NOT NULL",
    "t.correct",
    "t.flag_recognised",
    "t.flag_fast",
    "p.flag_failed_catch",
    "p.flag_no_slider",
    "p.flag_outside_help",
    "p.released_at IS NULL",
    "p.status = %s",
)
NO_POSITION = "(not given)"


def _fetch(sql: str, params: tuple | list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _int_columns(select: list[str], rest: str, params: list) -> np.ndarray:
    """Rows of ``SELECT <select> <rest>`` as one int64 matrix (BIGINT columns, never NULL).

    On Postgres the server packs every row into one bytea (int8send: big-endian, fixed width)
    read straight into numpy: no Python object per value, about ten times faster than
    fetchall at 100,000 rows. Other databases (the SQLite quick start) fetch rows.
    """
    columns = [f"CAST({expr} AS BIGINT)" for expr in select]
    if connection.vendor != "postgresql":
        fetched = _fetch(f"SELECT {', '.join(columns)} {rest}", params)
        if not fetched:
            return np.zeros((0, len(select)), dtype=np.int64)
        return np.array(fetched, dtype=np.int64)
    packed = " || ".join(f"int8send({column})" for column in columns)
    (blob,) = _fetch(f"SELECT string_agg({packed}, ''::bytea) {rest}", params)[0]
    rows = np.frombuffer(bytes(blob or b""), dtype=">i8").reshape(-1, len(select))
    return rows.astype(np.int64)


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
    """Answered test trials of a study's participants (in no set order: ties use trial_id)."""

    trial_id: np.ndarray
    participant_id: np.ndarray
    item: np.ndarray  # item index
    correct: np.ndarray  # bool
    confidence: np.ndarray  # 1..100, -1 where missing
    expertise: np.ndarray  # 1..100, -1 where missing
    position: np.ndarray  # index into position_labels (the participant's current position)
    position_labels: list[str]
    flags: dict[str, np.ndarray]  # rule name -> bool per trial
    assigned: np.ndarray  # per item index: test trials held (answered or not), not released
    completed: np.ndarray  # bool per trial: its participant completed

    def included(self, rules: ExclusionRules) -> np.ndarray:
        """Trials that survive the rules switched on."""
        keep = self.completed.copy() if rules.completed_only else np.ones(self.trial_id.size, bool)
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

    Also counts, per item, the test trials held by participants whose items were not released
    (answered or not): the exposure the assignment balances. A trial is fast when its
    server-measured response time is below ``rules.min_rt_ms`` (the browser cannot tamper with
    the server clock); trials without one keep their stored ``flag_fast``.
    """
    trial = Trial._meta.db_table
    person = Participant._meta.db_table
    item = Item._meta.db_table
    codes = list(Position.values)
    position_case = " ".join(f"WHEN %s THEN {n}" for n in range(1, len(codes) + 1))
    bits = " + ".join(
        f"CASE WHEN {condition} THEN {1 << bit} ELSE 0 END"
        for bit, condition in enumerate(_FLAG_CONDITIONS)
    )
    # Every small field packed into one BIGINT: fewer values to move (see _int_columns).
    packed = (
        f"{bits} + 512 * (CASE p.position {position_case} ELSE 0 END)"
        " + 4096 * COALESCE(t.expertise, 0) + 524288 * COALESCE(t.confidence, 0)"
        " + 67108864 * (CAST(COALESCE(t.rt_server_ms, -1) AS BIGINT) + 1)"
    )
    rest = f"""
        FROM {trial} t JOIN {person} p ON p.id = t.participant_id
        WHERE p.study_id = %s AND t.kind = %s AND t.item_id IN (
            SELECT i.id FROM {item} i WHERE i.bank = %s AND i.kind = %s)
    """
    params = [
        Participant.Status.COMPLETED.value,
        *codes,
        study.pk,
        Item.Kind.TEST.value,
        study.bank,
        Item.Kind.TEST.value,
    ]
    rows = _int_columns(["t.id", "t.participant_id", "t.item_id", packed], rest, params)
    word = rows[:, 3]

    def flag(name: str) -> np.ndarray:
        return (word >> _FLAG_NAMES.index(name)) & 1 == 1

    item_index = items.index_of(rows[:, 2])
    assigned = np.bincount(item_index[flag("held")], minlength=items.ids.size)
    answered = flag("answered")
    rows, item_index, word = rows[answered], item_index[answered], word[answered]
    confidence = (word >> 19) & 127
    expertise = (word >> 12) & 127
    rt = (word >> 26) - 1
    names = dict(Position.choices)
    return Trials(
        trial_id=rows[:, 0],
        participant_id=rows[:, 1],
        item=item_index,
        correct=flag("correct"),
        confidence=np.where(confidence > 0, confidence, -1),
        expertise=np.where(expertise > 0, expertise, -1),
        position=(word >> 9) & 7,
        completed=flag("completed"),
        position_labels=[NO_POSITION, *(str(names[code]) for code in codes)],
        flags={
            "failed_catch": flag("failed_catch"),
            "no_slider": flag("no_slider"),
            "outside_help": flag("outside_help"),
            "recognised": flag("recognised"),
            "fast": np.where(rt >= 0, rt < rules.min_rt_ms, flag("flag_fast")),
        },
        assigned=assigned,
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
