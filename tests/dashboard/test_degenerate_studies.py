"""No figure takes down a page: random small and degenerate studies, every researcher answer.

Hypothesis builds studies of 0-30 participants on one, two or three item sources (model-drafted
ones too, which fill the machine-written quota), with constant
answers or sliders, every catch failed, and any rule switched off, and asserts that the report,
the study page, its data.json, the science page, the summary API, ``manage.py report`` and every
CSV answer without a 5xx; an analysis that cannot be computed names its reason. The number of
examples comes from the Hypothesis profile (tests/conftest.py: ``fast`` by default,
``HYPOTHESIS_PROFILE=thorough`` for more).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from braintrial.analysis.rules import RULE_NAMES
from braintrial.analysis.selectors import study_report
from braintrial.exports.rows import EXPORT_KINDS
from braintrial.items.models import Item
from braintrial.studies.models import Study
from scoring.models import ScoreRun
from tests.factories import (
    item_make,
    participant_make,
    run_make,
    scorer_make,
    scores_make,
    study_editor_grant,
    study_make,
    trial_make,
    user_make,
)


@dataclass(frozen=True)
class Shape:
    """What one made-up study looks like."""

    n_people: int
    sources: tuple[str, ...]
    n_items: int
    answers: str  # "random", "all right", "all wrong"
    confidence: str  # "random", "constant", "none"
    catch_failed: bool
    scored: bool
    switched_off: tuple[str, ...]
    seed: int


shapes = st.builds(
    Shape,
    n_people=st.integers(min_value=0, max_value=30),
    sources=st.sampled_from(
        [
            (Item.Source.HUMAN,),
            (Item.Source.GPT4,),
            (Item.Source.LLM,),
            (Item.Source.HUMAN, Item.Source.GPT4),
            (Item.Source.HUMAN, Item.Source.LLM),
            (Item.Source.HUMAN, Item.Source.GPT4, Item.Source.LLM),
        ]
    ),
    n_items=st.integers(min_value=1, max_value=6),
    answers=st.sampled_from(["random", "all right", "all wrong"]),
    confidence=st.sampled_from(["random", "constant", "none"]),
    catch_failed=st.booleans(),
    scored=st.booleans(),
    switched_off=st.lists(st.sampled_from(sorted(RULE_NAMES)), unique=True).map(tuple),
    seed=st.integers(min_value=0, max_value=2**16),
)


def _study_build(shape: Shape) -> Study:
    import random

    rng = random.Random(shape.seed)
    study = Study.objects.create(slug="degenerate", title="Degenerate", bank="degenerate-bank")
    items = [
        item_make(bank=study.bank, source=source, section=("A", "B")[n % 2])
        for source in shape.sources
        for n in range(shape.n_items)
    ]
    catch = item_make(bank=study.bank, kind=Item.Kind.CATCH)
    if shape.scored:
        scorer = scorer_make(name="degenerate-model")
        scores_make(scorer=scorer, ppl={item: (10.0, 10.0 + rng.choice([-2, 3])) for item in items})
    for n in range(shape.n_people):
        person, _ = participant_make(
            study, n, flag_failed_catch=shape.catch_failed, flag_failed_all_catch=shape.catch_failed
        )
        for position, item in enumerate(items, start=1):
            right = {"all right": True, "all wrong": False}.get(shape.answers, rng.random() < 0.6)
            # "none": every slider left where it started (1), as if never moved.
            slider = {"constant": 50, "none": 1}.get(shape.confidence, rng.randint(1, 100))
            trial_make(
                person,
                item,
                position,
                correct=right,
                confidence=slider,
                expertise=slider,
                confidence_moved=shape.confidence != "none",
                expertise_moved=shape.confidence != "none",
                rt_server_ms=rng.choice([500, 30_000]),
            )
        trial_make(person, catch, len(items) + 1, correct=not shape.catch_failed)
    return study


def _reasons_named(report: dict) -> None:
    """Every analysis that could not be computed says why, in words."""
    for name, status in report["analyses"].items():
        assert status["ok"] or len(status["reason"]) > 10, (name, status)


class DegenerateStudyTests(TestCase):
    @given(shape=shapes)
    # Found by a run of `make test`: the IRT slope's ``identified`` came out a numpy bool, and
    # data.json answered 500 (it cannot be written as JSON).
    @example(
        shape=Shape(
            n_people=24,
            sources=(Item.Source.HUMAN,),
            n_items=6,
            answers="random",
            confidence="random",
            catch_failed=False,
            scored=True,
            switched_off=(
                "failed_catch",
                "fast",
                "no_slider",
                "outside_help_trial",
                "outside_help",
            ),
            seed=7088,
        )
    )
    def test_no_researcher_answer_is_a_server_error(self, shape: Shape) -> None:
        study = _study_build(shape)
        researcher = user_make("degenerate-researcher")
        study_editor_grant(researcher)
        study.researchers.add(researcher)
        _reasons_named(study_report(study=study))

        client = Client(raise_request_exception=False)
        client.force_login(researcher)
        switches = {name: "off" for name in shape.switched_off}
        query = {"rules": "custom", **switches} if switches else {}
        urls = [
            reverse("dashboard:study_detail", args=[study.slug]),
            reverse("dashboard:study_data", args=[study.slug]),
            reverse("dashboard:study_science", args=[study.slug]),
            reverse("api:summary", args=[study.slug]),
            *(
                reverse("exports:study_csv", kwargs={"slug": study.slug, "kind": kind})
                for kind in EXPORT_KINDS
            ),
        ]
        ruled = urls[:2] + urls[4:]  # the science page and the API show the study's own rules
        for url in urls:
            for params in ({}, query) if url in ruled and query else ({},):
                response = client.get(url, params)
                if response.streaming:  # read the CSV to its end: its errors come while streaming
                    b"".join(response.streaming_content)
                assert response.status_code < 500, (url, params, response.status_code)
                assert response.status_code == 200, (url, params, response.status_code)
        data = client.get(reverse("dashboard:study_data", args=[study.slug])).json()
        if data["report"] is not None:
            _reasons_named(data["report"])
        summary = client.get(reverse("api:summary", args=[study.slug])).json()
        if "analyses" in summary:
            _reasons_named(summary)
        out = io.StringIO()
        call_command("report", "--study", study.slug, "--json", stdout=out)
        _reasons_named(json.loads(out.getvalue()))


def test_a_team_fit_that_does_not_converge_costs_only_its_own_panel(
    client: Client, monkeypatch: pytest.MonkeyPatch, db: None
) -> None:
    """The demo's failure: the teams' logistic fits raise; every other figure is still shown,
    and the team panel, the API and ``manage.py report`` say why in words."""
    from braintrial.analysis.paper import teams

    def no_convergence(**kwargs: object) -> None:
        raise ArithmeticError("leave-one-out logistic fits did not converge")

    monkeypatch.setattr(teams, "logistic_loo_margin", no_convergence)
    monkeypatch.setattr(teams, "logistic_kfold_margin", no_convergence)
    made = study_make("unfitted", n_people=4)
    # The study's own model (a succeeded run): the teams pair every participant with it.
    own = scorer_make(name="own-model", published=False)
    run = run_make(scorer=own, items=made.items, status=ScoreRun.Status.SUCCEEDED, study=made.study)
    scores_make(
        scorer=own, ppl={item: (10.0, 11.0 + n) for n, item in enumerate(made.items)}, run=run
    )
    client.force_login(made.researcher)

    page = client.get(reverse("dashboard:study_detail", args=["unfitted"]))
    assert page.status_code == 200
    data = client.get(reverse("dashboard:study_data", args=["unfitted"]))
    assert data.status_code == 200
    charts = {chart["id"]: chart for chart in data.json()["figures"]["charts"]}
    assert "did not converge" in charts["team"]["unavailable"]
    assert "too few participants" in charts["team"]["caption"]
    assert charts["headline"]["figure"]["data"], "the other figures are still drawn"
    assert "unavailable" not in charts["headline"]
    assert "Cannot be computed on these data" in page.content.decode()

    summary = client.get(reverse("api:summary", args=["unfitted"]))
    assert summary.status_code == 200
    status = summary.json()["analyses"]["paper.human.teams"]
    assert status["ok"] is False and "did not converge" in status["reason"]
    assert summary.json()["analyses"]["sources.human"]["ok"] is True

    out = io.StringIO()
    call_command("report", "--study", "unfitted", stdout=out)
    assert "Not computed: paper.human.teams: Cannot be computed on these data" in out.getvalue()
