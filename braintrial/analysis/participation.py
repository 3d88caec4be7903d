"""Participation funnel, exclusions, timeline and item exposure of a study."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import Study

from .data import SOURCES, Items, Trials, items_upheld
from .rules import (
    RULES,
    ExclusionRules,
    participant_analysed_q,
    participant_excluded_q,
    rule_flagged_q,
)
from .types import Day, Exposure, ExposureItem, ExposureSpread, FlagCount, Participation

Status = Participant.Status


def participation(
    *, study: Study, trials: Trials, included: np.ndarray, rules: ExclusionRules
) -> Participation:
    """Counts of participants by stage and of exclusions by rule, and activity per day.

    ``started`` counts participants past consent (in progress, completed or abandoned).
    ``flagged`` counts what each rule flags whether or not it is switched on; the
    ``excluded_*`` counts follow the rules switched on. ``unfinished_trials`` are answers of
    participants who have not completed (left out while ``rules.completed_only``).
    """
    people = Participant.objects.filter(study=study)
    counts = people.aggregate(
        visited=Count("id"),
        declined=Count("id", filter=Q(status=Status.DECLINED)),
        started=Count(
            "id", filter=Q(status__in=[Status.ACTIVE, Status.COMPLETED, Status.ABANDONED])
        ),
        active=Count("id", filter=Q(status=Status.ACTIVE)),
        completed=Count("id", filter=Q(status=Status.COMPLETED)),
        abandoned=Count("id", filter=Q(status=Status.ABANDONED)),
        withdrawn=Count("id", filter=Q(status=Status.WITHDRAWN)),
        **{
            f"flagged_{rule.name}": Count(
                "id",
                filter=rule_flagged_q(
                    rule,
                    participant="",
                    variant=getattr(rules, rule.variant.setting) if rule.variant else None,
                ),
            )
            for rule in RULES
            if rule.level == "participant"
        },
    )
    flagged: dict[str, FlagCount] = {}
    for rule in RULES:
        flags = trials.flags[rule.name]
        if rule.level == "participant":
            n_people = counts[f"flagged_{rule.name}"]
        else:
            n_people = int(np.unique(trials.participant_id[flags]).size)
        flagged[rule.name] = {"participants": n_people, "trials": int(flags.sum())}
    upheld, left_out_items, left_out_trials = _left_out(study=study)
    return {
        "visited": counts["visited"],
        "declined": counts["declined"],
        "started": counts["started"],
        "active": counts["active"],
        "completed": counts["completed"],
        "abandoned": counts["abandoned"],
        "withdrawn": counts["withdrawn"],
        "answered_trials": int(trials.trial_id.size),
        "unfinished_trials": int(trials.flags["unfinished"].sum()),
        "included_trials": int(included.sum()),
        "excluded_trials": int((~included).sum()),
        # The same rule as the participants file the dashboard links to (one owner).
        "included_participants": people.filter(participant_analysed_q(rules=rules)).count(),
        "excluded_participants": people.filter(participant_excluded_q(rules=rules)).count(),
        "upheld_items": upheld,
        "left_out_items": left_out_items,
        "left_out_trials": left_out_trials,
        "flagged": flagged,
        "by_day": _by_day(study=study),
    }


def _left_out(*, study: Study) -> tuple[int, int, int]:
    """How many test cases have an upheld challenge, and how many of them and of their answered
    trials the study leaves out (the report says so: a figure must say what it does not count)."""
    upheld = items_upheld(study=study)
    if not study.leave_out_upheld_items:
        return len(upheld), 0, 0
    trials = Trial.objects.filter(
        participant__study=study, item_id__in=upheld, kind=Item.Kind.TEST, correct__isnull=False
    )
    return len(upheld), len(upheld), trials.count()


def _by_day(*, study: Study) -> list[Day]:
    """Participants started and completed, and trials answered, per calendar day."""
    days: dict[str, Day] = {}

    def add(rows: Any, key: Literal["started", "completed", "answered"]) -> None:
        for row in rows:
            if row["day"] is None:
                continue
            date = row["day"].isoformat()
            days.setdefault(date, {"date": date, "started": 0, "completed": 0, "answered": 0})
            days[date][key] = row["n"]

    # Imported participants (published data) have no time of their own: their started_at is
    # the import's, which would draw them all on one made-up day.
    people = Participant.objects.filter(study=study).exclude(
        recruitment_source=Participant.RecruitmentSource.IMPORTED
    )
    add(
        people.exclude(status__in=[Status.CONSENT, Status.DECLINED, Status.WITHDRAWN])
        .annotate(day=TruncDate("started_at"))
        .values("day")
        .annotate(n=Count("id")),
        "started",
    )
    add(
        people.filter(completed_at__isnull=False)
        .annotate(day=TruncDate("completed_at"))
        .values("day")
        .annotate(n=Count("id")),
        "completed",
    )
    add(
        Trial.objects.filter(
            participant__study=study, kind=Item.Kind.TEST, answered_at__isnull=False
        )
        .annotate(day=TruncDate("answered_at"))
        .values("day")
        .annotate(n=Count("id")),
        "answered",
    )
    return [days[d] for d in sorted(days)]


def exposure(*, study: Study, items: Items, trials: Trials, included: np.ndarray) -> Exposure:
    """How often each test item of the bank was assigned, answered and kept.

    ``n_assigned`` counts the item's trials held by participants whose items were not released
    (answered or not); ``n_answered`` answered trials; ``n_included`` those surviving the rules.
    """
    n_items = items.ids.size
    assigned = trials.assigned
    answered = np.bincount(trials.item, minlength=n_items)
    kept = np.bincount(trials.item[included], minlength=n_items)
    rows: list[ExposureItem] = [
        {
            "item_id": int(items.ids[i]),
            "abstract_id": int(items.abstract_id[i]) if items.abstract_id[i] >= 0 else None,
            "source": items.written_by[i] if items.written_by else SOURCES[items.source[i]],
            "journal_section": items.section_labels[items.section[i]],
            "n_assigned": int(assigned[i]),
            "n_answered": int(answered[i]),
            "n_included": int(kept[i]),
        }
        for i in range(n_items)
    ]
    by_source: dict[str, ExposureSpread] = {}
    for code, source in enumerate(SOURCES):
        mask = items.source == code
        if mask.any():
            by_source[source] = {
                "n_items": int(mask.sum()),
                "min": int(assigned[mask].min()),
                "max": int(assigned[mask].max()),
                "mean": float(assigned[mask].mean()),
            }
    return {"items": rows, "by_source": by_source}
