"""Builders for small made-up studies whose figures can be checked by hand."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import pytest

from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import Study
from scoring.models import ItemScore, Scorer, ScoreRun

BANK = "analysis-test"
_rows = itertools.count(1)


@dataclass
class Lab:
    """A study on its own bank with helpers to add items, answers and scores."""

    study: Study
    items: list[Item] = field(default_factory=list)

    def item(
        self, *, source: str = Item.Source.HUMAN, kind: str = Item.Kind.TEST, section: str = "A"
    ) -> Item:
        row = next(_rows)
        item = Item.objects.create(
            bank=self.study.bank,
            kind=kind,
            source=source,
            source_file=f"{source}.csv",
            row=row,
            abstract_id=row,
            doi=f"10.0/{row}",
            journal_section=section,
            original=f"original {row}",
            altered=f"altered {row}",
        )
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
        """answers: (item, correct[, confidence[, expertise[, rt_ms[, recognised]]]]) tuples."""
        participant = Participant.objects.create(
            study=self.study, status=status, position=position, **flags
        )
        for number, answer in enumerate(answers, start=1):
            item, correct, confidence, expertise, rt, recognised = (
                *answer,
                *(50, 50, 20000, False)[len(answer) - 2 :],
            )
            Trial.objects.create(
                participant=participant,
                item=item,
                position=number,
                kind=item.kind,
                original_is_a=True,
                choice="A" if correct else "B",
                correct=correct,
                confidence=confidence,
                expertise=expertise,
                rt_server_ms=rt,
                recognised=recognised,
                flag_recognised=recognised,
                flag_fast=rt < self.study.min_rt_ms,
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
        scorer = Scorer.objects.create(
            name=name,
            display_name=name.title(),
            is_published=published,
            model_source="" if published else f"local/{name}",
        )
        run = None
        if run_status:
            run = ScoreRun.objects.create(
                scorer=scorer,
                study=self.study,
                status=run_status,
                config_fingerprint=scorer.config_fingerprint,
            )
            run.items.set(ppl)
        for item, (original, altered) in ppl.items():
            ItemScore.objects.create(
                scorer=scorer,
                item=item,
                run=run,
                config_fingerprint=scorer.config_fingerprint,
                ppl_original=original,
                ppl_altered=altered,
                correct=original < altered,
                confidence=abs(original - altered),
            )
        return scorer


@pytest.fixture
def lab(db: None) -> Lab:
    return Lab(study=Study.objects.create(slug="lab", title="Lab", bank=BANK))
