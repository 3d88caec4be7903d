"""Builders for small made-up studies whose figures can be checked by hand."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from braintrial.items.models import Item
from braintrial.participants.models import Participant
from braintrial.studies.models import Study
from scoring.models import Scorer
from tests.factories import (
    item_make,
    participant_make,
    run_make,
    scorer_make,
    scores_make,
    trial_make,
)

BANK = "analysis-test"


@dataclass
class Lab:
    """A study on its own bank with helpers to add items, answers and scores."""

    study: Study
    items: list[Item] = field(default_factory=list)

    def item(
        self, *, source: str = Item.Source.HUMAN, kind: str = Item.Kind.TEST, section: str = "A"
    ) -> Item:
        item = item_make(bank=self.study.bank, source=source, kind=kind, section=section)
        self.items.append(item)
        return item

    def participant(
        self,
        answers: list[tuple],
        *,
        position: str = "Doctoral student",
        status: str = Participant.Status.COMPLETED,
        **flags: bool,
    ) -> Participant:
        """answers: (item, correct[, confidence[, expertise[, rt_ms[, recognised]]]]) tuples.
        No times are set: figures by day come only from what a test sets itself."""
        participant, _ = participant_make(
            self.study, status=status, position=position, completed_at=None, **flags
        )
        for number, answer in enumerate(answers, start=1):
            item, correct, confidence, expertise, rt, recognised = (
                *answer,
                *(50, 50, 20000, False)[len(answer) - 2 :],
            )
            trial_make(
                participant,
                item,
                number,
                correct=correct,
                choice="A" if correct else "B",
                original_is_a=True,
                confidence=confidence,
                expertise=expertise,
                rt_server_ms=rt,
                recognised=recognised,
                flag_recognised=recognised,
                flag_fast=rt < self.study.min_rt_ms,
                shown_at=None,
                answered_at=None,
            )
        return participant

    def scorer(
        self,
        name: str,
        ppl: dict[Item, tuple[float, float]],
        *,
        published: bool = True,
        run_status: str | None = None,
    ) -> Scorer:
        """A scorer with (ppl_original, ppl_altered) per item, scored with its configuration; with
        run_status, a run of that configuration over those items wrote them."""
        scorer = scorer_make(name=name, published=published, display_name=name.title())
        run = None
        if run_status:
            run = run_make(scorer=scorer, items=ppl, status=run_status, study=self.study)
        scores_make(scorer=scorer, ppl=ppl, run=run)
        return scorer


@pytest.fixture
def lab(db: None) -> Lab:
    return Lab(study=Study.objects.create(slug="lab", title="Lab", bank=BANK))
