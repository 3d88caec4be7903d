"""Whether a study can admit participants: the one rule, read by every place that asks.

A study is ready when it is open, its consent text is there, and its bank can give every
participant a full set of items: the human-written and GPT-4-written test cases its settings ask
for, from as many distinct papers (a participant never sees one paper twice), plus the practice
and catch items it mixes in. Only servable items count (``items.selectors.items_servable``): the
items the assignment draws from, flagged ones left out where the study says so.

The settings form, the API and the admin refuse to open a study that is not ready (the study
services and the admin form call ``study_open_check``), the landing page tells participants
before any consent, and the dashboard shows the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from braintrial.items.models import Item
from braintrial.items.selectors import item_paper_key, items_servable
from braintrial.studies.models import N_CATCH_TRIALS, Study

SOURCE_WORDS: dict[str, str] = {
    Item.Source.HUMAN: "human-written",
    Item.Source.GPT4: "GPT-4-written",
}


@dataclass(frozen=True)
class Problem:
    """One reason a study cannot admit participants, with the setting it concerns."""

    setting: str
    message: str


@dataclass(frozen=True)
class Readiness:
    """``problems``: what keeps the study from admitting participants besides being closed."""

    is_open: bool
    problems: tuple[Problem, ...]

    @property
    def can_open(self) -> bool:
        return not self.problems

    @property
    def ready(self) -> bool:
        return self.is_open and not self.problems

    @property
    def reasons(self) -> list[str]:
        """Every reason the study admits nobody now, in words with the numbers."""
        closed = [] if self.is_open else ["The study is closed: its link admits no one."]
        return [problem.message for problem in self.problems] + closed


def _bank_counts(study: Study) -> dict[str, int]:
    """What the study's bank can serve: test cases and distinct papers per source and in all,
    practice and catch items. Counted here from one plain read of the servable items (a few
    hundred short rows): the papers as ``item_paper_key`` names them, the rule the assignment
    follows."""
    items = {source: 0 for source in SOURCE_WORDS}
    papers: dict[str, set[str]] = {source: set() for source in SOURCE_WORDS}
    every_paper: set[str] = set()
    counts = {"practice": 0, "catch": 0}
    servable = items_servable(bank=study.bank, skip_flagged=study.skip_flagged_items)
    for bank, kind, source, doi, pk in servable.values_list("bank", "kind", "source", "doi", "pk"):
        if kind == Item.Kind.PRACTICE:
            counts["practice"] += 1
        elif kind == Item.Kind.CATCH:
            counts["catch"] += 1
        elif kind == Item.Kind.TEST and bank == study.bank:
            paper = item_paper_key(doi=doi, pk=pk)
            every_paper.add(paper)
            if source in items:
                items[source] += 1
                papers[source].add(paper)
    for source in SOURCE_WORDS:
        counts[f"{source}_items"] = items[source]
        counts[f"{source}_papers"] = len(papers[source])
    counts["papers"] = len(every_paper)
    return counts


def _flagged(study: Study, source: str) -> int:
    """Test cases of ``source`` the study keeps out as flagged: read only to explain a
    shortfall, so that a ready study costs one query."""
    if not study.skip_flagged_items:
        return 0
    test = Item.objects.filter(bank=study.bank, kind=Item.Kind.TEST, source=source)
    return test.exclude(defect="").count()


def _source_problem(study: Study, source: str, counts: dict[str, int]) -> Problem | None:
    field = "n_human_trials" if source == Item.Source.HUMAN else "n_gpt4_trials"
    wanted: int = getattr(study, field)
    papers, items = counts[f"{source}_papers"], counts[f"{source}_items"]
    if papers >= wanted:
        return None
    words = SOURCE_WORDS[source]
    held = f"the bank {study.bank!r} holds {items} {words} test case{'s' if items != 1 else ''}"
    if papers < items:
        held += f" of {papers} distinct paper{'s' if papers != 1 else ''}"
    flagged = _flagged(study, source)
    if flagged:
        held += f" that can be served ({flagged} more flagged as defective are kept out)"
    message = f"{held[0].upper()}{held[1:]}; this asks for {wanted} per participant."
    return Problem(field, message)


def _papers_problem(study: Study, counts: dict[str, int]) -> Problem | None:
    """The two sources together: a paper's GPT-4 case shares its human case's DOI, and a
    participant sees each paper once."""
    wanted = study.n_human_trials + study.n_gpt4_trials
    if counts["papers"] >= wanted or not (study.n_human_trials and study.n_gpt4_trials):
        return None
    return Problem(
        "n_human_trials",
        f"A participant sees each paper once, and the bank's test cases come from "
        f"{counts['papers']} distinct papers; this asks for {wanted} per participant "
        f"({study.n_human_trials} human-written + {study.n_gpt4_trials} GPT-4-written).",
    )


def study_readiness(*, study: Study) -> Readiness:
    """Whether ``study`` (saved or not: its settings are read, not the database's) can admit
    participants, and every reason it cannot, with the numbers."""
    counts = _bank_counts(study)
    found = [_source_problem(study, source, counts) for source in SOURCE_WORDS]
    if not any(found):  # a source short already explains a shortfall of papers
        found.append(_papers_problem(study, counts))
    if study.catch_trials_enabled and counts["catch"] < N_CATCH_TRIALS:
        found.append(
            Problem(
                "catch_trials_enabled",
                f"Catch trials are on: each participant gets {N_CATCH_TRIALS}, and "
                f"{counts['catch']} catch item{'s are' if counts['catch'] != 1 else ' is'} "
                "available.",
            )
        )
    if study.practice_enabled and not counts["practice"]:
        message = "A practice trial is on, but no practice item is available."
        found.append(Problem("practice_enabled", message))
    if not study.consent_text.strip():
        found.append(Problem("consent_text", "The consent text is empty."))
    return Readiness(is_open=study.is_open, problems=tuple(p for p in found if p is not None))


def study_open_check(*, study: Study) -> Readiness:
    """The readiness of ``study`` with the settings it is about to be saved with.

    Raises ValidationError, keyed by the settings at fault, when the study would be open but is
    not ready: an unready study stays closed (saved closed, it may ask for more than its bank
    holds yet). Returns the readiness otherwise, for the caller to show.
    """
    readiness = study_readiness(study=study)
    if study.is_open and not readiness.can_open:
        errors: dict[str, list[str]] = {}
        for problem in readiness.problems:
            errors.setdefault(problem.setting, []).append(
                f"{problem.message} The study cannot open until this is put right; "
                "it can be saved closed."
            )
        raise ValidationError(errors)
    return readiness
