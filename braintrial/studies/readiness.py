"""Whether a study can admit participants: the one rule, read by every place that asks.

A study is ready when it is open, its consent text is there, and its bank can give every
participant a full set of items: the human-written and machine-written test cases its settings
ask for (GPT-4-written and model-drafted cases fill the second, ``items.sources``), from as
many distinct papers (a participant never sees one paper twice), plus the practice and catch
items it mixes in. Only servable items count (``items.selectors.items_servable``): the
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
from braintrial.items.sources import QUOTAS, QuotaKey, quota_label, quota_q, source_quota
from braintrial.studies.models import N_CATCH_TRIALS, Study

# The setting that asks for each quota's test cases per participant.
QUOTA_SETTINGS: dict[QuotaKey, str] = {"human": "n_human_trials", "gpt4": "n_gpt4_trials"}


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


def _bank_counts(study: Study) -> tuple[dict[str, int], set[str]]:
    """What the study's bank can serve: test cases and distinct papers per quota
    (``items.sources``: GPT-4-written and model-drafted cases both fill the machine-written one)
    and in all, practice and catch items; and the sources its test cases have. Counted here from
    one plain read of the servable items (a few hundred short rows): the papers as
    ``item_paper_key`` names them, the rule the assignment follows."""
    items = dict.fromkeys(QUOTAS, 0)
    papers: dict[str, set[str]] = {quota: set() for quota in QUOTAS}
    every_paper: set[str] = set()
    sources: set[str] = set()
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
            sources.add(source)
            quota = source_quota(source)
            items[quota] += 1
            papers[quota].add(paper)
    for quota in QUOTAS:
        counts[f"{quota}_items"] = items[quota]
        counts[f"{quota}_papers"] = len(papers[quota])
    counts["papers"] = len(every_paper)
    return counts, sources


def _flagged(study: Study, quota: QuotaKey) -> int:
    """Test cases of ``quota`` the study keeps out as flagged: read only to explain a
    shortfall, so that a ready study costs one query."""
    if not study.skip_flagged_items:
        return 0
    test = Item.objects.filter(quota_q(quota), bank=study.bank, kind=Item.Kind.TEST)
    return test.exclude(defect="").count()


def _source_problem(
    study: Study, quota: QuotaKey, counts: dict[str, int], sources: set[str]
) -> Problem | None:
    field = QUOTA_SETTINGS[quota]
    wanted: int = getattr(study, field)
    papers, items = counts[f"{quota}_papers"], counts[f"{quota}_items"]
    if papers >= wanted:
        return None
    words = quota_label(quota, sources)
    held = f"the bank {study.bank!r} holds {items} {words} test case{'s' if items != 1 else ''}"
    if papers < items:
        held += f" of {papers} distinct paper{'s' if papers != 1 else ''}"
    flagged = _flagged(study, quota)
    if flagged:
        held += f" that can be served ({flagged} more flagged as defective are kept out)"
    message = f"{held[0].upper()}{held[1:]}; this asks for {wanted} per participant."
    return Problem(field, message)


def _papers_problem(study: Study, counts: dict[str, int], sources: set[str]) -> Problem | None:
    """The two quotas together: a paper's GPT-4 case shares its human case's DOI, and a
    participant sees each paper once."""
    wanted = study.n_human_trials + study.n_gpt4_trials
    if counts["papers"] >= wanted or not (study.n_human_trials and study.n_gpt4_trials):
        return None
    return Problem(
        "n_human_trials",
        f"A participant sees each paper once, and the bank's test cases come from "
        f"{counts['papers']} distinct papers; this asks for {wanted} per participant "
        f"({study.n_human_trials} {quota_label('human', sources)} + {study.n_gpt4_trials} "
        f"{quota_label('gpt4', sources)}).",
    )


def study_readiness(*, study: Study) -> Readiness:
    """Whether ``study`` (saved or not: its settings are read, not the database's) can admit
    participants, and every reason it cannot, with the numbers."""
    counts, sources = _bank_counts(study)
    found = [_source_problem(study, quota, counts, sources) for quota in QUOTAS]
    if not any(found):  # a quota short already explains a shortfall of papers
        found.append(_papers_problem(study, counts, sources))
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
