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
from braintrial.items.models import Item
from scoring.models import ItemScore, Scorer, ScoreRun
from scoring.selectors import scores_valid
from tests.exports.factories import Made, items_make, study_make

pytestmark = pytest.mark.django_db

OLD_FINGERPRINT = "0123456789abcdef"


def runnable(name: str) -> Scorer:
    return Scorer.objects.create(name=name, model_source=f"local/{name}")


def run_make(
    scorer: Scorer, items: list[Item], status: str, *, fingerprint: str | None = None
) -> ScoreRun:
    run = ScoreRun.objects.create(
        scorer=scorer,
        status=status,
        n_total=len(items),
        config_fingerprint=scorer.config_fingerprint if fingerprint is None else fingerprint,
        finished_at=None if status in ("queued", "running") else timezone.now(),
    )
    run.items.set(items)
    return run


def scores_make(scorer: Scorer, items: list[Item], *, run: ScoreRun, fingerprint: str = "") -> None:
    for item in items:
        ItemScore.objects.create(
            scorer=scorer,
            item=item,
            run=run,
            ppl_original=2.0,
            ppl_altered=3.0,
            correct=True,
            confidence=1.0,
            config_fingerprint=fingerprint or scorer.config_fingerprint,
        )


@dataclass
class Scene:
    alpha: Made


@pytest.fixture
def scene() -> Scene:
    """Study alpha (a published scorer on all 6 items) and one runnable scorer per case."""
    alpha = study_make("alpha")
    items = alpha.items
    # Counts: current configuration, a succeeded run of it covers every item.
    good = runnable("good")
    scores_make(good, items, run=run_make(good, items, "succeeded"))
    # A failed and a cancelled run wrote scores; no succeeded run covers them.
    for status in ("failed", "cancelled"):
        scorer = runnable(f"{status}-run")
        scores_make(scorer, items, run=run_make(scorer, items, status))
    # A succeeded run of this scorer exists, but over another bank's items only.
    elsewhere = runnable("succeeded-elsewhere")
    run_make(elsewhere, items_make(bank="bank-other", n=2), "succeeded")
    scores_make(elsewhere, items, run=run_make(elsewhere, items, "cancelled"))
    # Scores and their succeeded run are of an earlier configuration of the scorer.
    stale = runnable("stale-configuration")
    old_run = run_make(stale, items, "succeeded", fingerprint=OLD_FINGERPRINT)
    scores_make(stale, items, run=old_run, fingerprint=OLD_FINGERPRINT)
    # Current-configuration scores, but the succeeded run covering them was of another one.
    other_run = runnable("run-of-other-configuration")
    scores_make(other_run, items, run=run_make(other_run, items, "failed"))
    run_make(other_run, items, "succeeded", fingerprint=OLD_FINGERPRINT)
    return Scene(alpha=alpha)


COUNTING = {"factory-model", "good"}


def test_only_published_and_completed_current_scores_are_valid(scene: Scene) -> None:
    names = set(scores_valid().values_list("scorer__name", flat=True).distinct())
    assert names == COUNTING
    assert scores_valid().filter(scorer__name="good").count() == 6


def test_a_succeeded_run_of_the_current_configuration_makes_scores_valid(scene: Scene) -> None:
    scorer = Scorer.objects.get(name="failed-run")
    run_make(scorer, scene.alpha.items[:2], "succeeded")
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
    run_make(scorer, scene.alpha.items[2:], "succeeded")
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
    scorer = runnable("late")
    run = run_make(scorer, scene.alpha.items, "running")
    scores_make(scorer, scene.alpha.items, run=run)
    before = study_data_version(study=scene.alpha.study)
    ScoreRun.objects.filter(pk=run.pk).update(status=end, finished_at=timezone.now())
    assert study_data_version(study=scene.alpha.study) != before
    assert scores_valid().filter(scorer=scorer).exists() == (end == "succeeded")
