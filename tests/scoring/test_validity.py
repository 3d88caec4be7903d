"""Which scores count: one rule (scoring.selectors.score_valid_q), and every reader of scores
(exports, API, analysis, dashboard) follows it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from braintrial.analysis.selectors import study_report
from braintrial.dashboard.selectors import study_data_version, study_overview_list
from scoring.models import Scorer, ScoreRun
from scoring.selectors import scores_valid
from tests.factories import Made, items_make, run_make, scorer_make, scores_make, study_make

pytestmark = pytest.mark.django_db

OLD_FINGERPRINT = "0123456789abcdef"


@dataclass
class Scene:
    alpha: Made


@pytest.fixture
def scene() -> Scene:
    """Study alpha (a published scorer on all 6 items) and one runnable scorer per case."""
    alpha = study_make("alpha")
    items = alpha.items
    # Counts: current configuration, a succeeded run of it covers every item.
    good = scorer_make(name="good", published=False)
    scores_make(
        scorer=good,
        ppl=dict.fromkeys(items, (2.0, 3.0)),
        run=run_make(scorer=good, items=items, status="succeeded"),
    )
    # A failed and a cancelled run wrote scores; no succeeded run covers them.
    for status in ("failed", "cancelled"):
        scorer = scorer_make(name=f"{status}-run", published=False)
        scores_make(
            scorer=scorer,
            ppl=dict.fromkeys(items, (2.0, 3.0)),
            run=run_make(scorer=scorer, items=items, status=status),
        )
    # A succeeded run of this scorer exists, but over another bank's items only.
    elsewhere = scorer_make(name="succeeded-elsewhere", published=False)
    run_make(scorer=elsewhere, items=items_make(bank="bank-other", n=2), status="succeeded")
    scores_make(
        scorer=elsewhere,
        ppl=dict.fromkeys(items, (2.0, 3.0)),
        run=run_make(scorer=elsewhere, items=items, status="cancelled"),
    )
    # Scores and their succeeded run are of an earlier configuration of the scorer.
    stale = scorer_make(name="stale-configuration", published=False)
    old_run = run_make(scorer=stale, items=items, status="succeeded", fingerprint=OLD_FINGERPRINT)
    scores_make(
        scorer=stale, ppl=dict.fromkeys(items, (2.0, 3.0)), run=old_run, fingerprint=OLD_FINGERPRINT
    )
    # Current-configuration scores, but the succeeded run covering them was of another one.
    other_run = scorer_make(name="run-of-other-configuration", published=False)
    scores_make(
        scorer=other_run,
        ppl=dict.fromkeys(items, (2.0, 3.0)),
        run=run_make(scorer=other_run, items=items, status="failed"),
    )
    run_make(scorer=other_run, items=items, status="succeeded", fingerprint=OLD_FINGERPRINT)
    return Scene(alpha=alpha)


COUNTING = {"factory-model", "good"}


def test_only_published_and_completed_current_scores_are_valid(scene: Scene) -> None:
    names = set(scores_valid().values_list("scorer__name", flat=True).distinct())
    assert names == COUNTING
    assert scores_valid().filter(scorer__name="good").count() == 6


def test_a_succeeded_run_of_the_current_configuration_makes_scores_valid(scene: Scene) -> None:
    scorer = Scorer.objects.get(name="failed-run")
    run_make(scorer=scorer, items=scene.alpha.items[:2], status="succeeded")
    assert scores_valid().filter(scorer=scorer).count() == 2


def test_scores_export_holds_valid_scores_and_marks_the_rest_unfinished(client, scene) -> None:
    client.force_login(scene.alpha.researcher)

    def rows(query: str = "") -> list[dict[str, str]]:
        response = client.get(f"/exports/alpha/scores.csv{query}")
        text = b"".join(response.streaming_content).decode("utf-8")
        return list(csv.DictReader(io.StringIO(text, newline="")))

    assert {row["scorer"] for row in rows()} == COUNTING
    every = rows("?include_excluded=1")
    assert {row["excluded_by"] for row in every if row["scorer"] in COUNTING} == {""}
    assert {row["excluded_by"] for row in every if row["scorer"] not in COUNTING} == {"unfinished"}


def test_api_lists_only_valid_scores(scene: Scene) -> None:
    client = APIClient()
    client.force_authenticate(scene.alpha.researcher)
    body = client.get("/api/scores/?study=alpha&limit=1000").json()
    assert {row["scorer"] for row in body["results"]} == COUNTING
    assert body["count"] == 12


def test_analysis_compares_only_scorers_with_valid_scores(scene: Scene) -> None:
    report = study_report(study=scene.alpha.study)
    assert {scorer["name"] for scorer in report["scorers"]} == COUNTING
    assert report["scorers_skipped"] == []


def test_analysis_skips_a_scorer_whose_valid_scores_miss_items_in_scope(scene: Scene) -> None:
    # The participants answered items 1 to 4; the succeeded run covers items 2 to 5.
    scorer = Scorer.objects.get(name="failed-run")
    run_make(scorer=scorer, items=scene.alpha.items[2:], status="succeeded")
    report = study_report(study=scene.alpha.study)
    assert "failed-run" not in {s["name"] for s in report["scorers"]}
    assert [(s["name"], s["n_items_scored"]) for s in report["scorers_skipped"]] == [
        ("failed-run", 3)
    ]


def test_study_list_counts_scorers_with_valid_scores(scene: Scene) -> None:
    (row,) = study_overview_list(user=scene.alpha.researcher)
    assert row["n_scorers"] == len(COUNTING)


@pytest.mark.parametrize("end", ["succeeded", "failed", "cancelled"])
def test_data_version_moves_when_a_run_ends_after_its_last_score(scene: Scene, end: str) -> None:
    scorer = scorer_make(name="late", published=False)
    run = run_make(scorer=scorer, items=scene.alpha.items, status="running")
    scores_make(scorer=scorer, ppl=dict.fromkeys(scene.alpha.items, (2.0, 3.0)), run=run)
    before = study_data_version(study=scene.alpha.study)
    ScoreRun.objects.filter(pk=run.pk).update(status=end, finished_at=timezone.now())
    assert study_data_version(study=scene.alpha.study) != before
    assert scores_valid().filter(scorer=scorer).exists() == (end == "succeeded")


def test_data_version_stays_when_a_run_of_another_bank_ends(scene: Scene) -> None:
    other = study_make("other-bank", n_people=0, scored=False)
    scorer = scorer_make(name="elsewhere", published=False)
    run = run_make(scorer=scorer, items=other.items, status="running", study=other.study)
    before = study_data_version(study=scene.alpha.study)
    ScoreRun.objects.filter(pk=run.pk).update(status="succeeded", finished_at=timezone.now())
    assert study_data_version(study=scene.alpha.study) == before
    assert study_data_version(study=other.study) != before
