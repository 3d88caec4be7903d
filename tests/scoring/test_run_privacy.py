"""What another team learns of a run over the whole item bank: nothing of banks it may not read.

Before: a whole-bank run over 300 public and 90 private items showed its item count (390) to
every team, and its place among every team's runs ("run 4 of 4").
"""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from braintrial.items.models import ItemBank
from scoring.models import ScoreRun
from tests.factories import items_make, run_make, scorer_make, scores_make, study_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene() -> dict:
    ours = study_make("ours", n_people=0, scored=False)  # bank-ours: 6 items, its team's
    theirs = study_make("theirs", n_people=0, scored=False)  # bank-theirs: 6, private
    ItemBank.objects.create(name="open-bank", is_public=True)
    public = items_make(bank="open-bank", n=3)
    scorer = scorer_make(name="whole", published=False)
    whole = run_make(scorer=scorer, items=[*ours.items, *theirs.items, *public], status="running")
    scores_make(scorer=scorer, ppl={i: (1.0, 2.0) for i in [*theirs.items, ours.items[0]]})
    # Two of the other team's own runs, queued before the whole-bank run.
    for name in ("t1", "t2"):
        run = run_make(
            scorer=scorer_make(name=name, published=False),
            items=theirs.items,
            status="queued",
            study=theirs.study,
        )
        ScoreRun.objects.filter(pk=run.pk).update(created_at=whole.created_at.replace(year=2020))
    return {"ours": ours, "whole": whole}


def test_the_dashboard_counts_only_the_studys_bank_and_places_among_its_runs(scene) -> None:
    client = Client()
    client.force_login(scene["ours"].researcher)
    runs = client.get("/dashboard/ours/data.json").json()["runs"]
    (shown,) = [run for run in runs if run["id"] == scene["whole"].pk]
    assert (shown["n_total"], shown["n_done"]) == (6, 1)  # not 15 and 7
    assert (shown["queue_place"], shown["queue_size"]) == (1, 1)  # not 3 of 3
    assert "3" not in shown["queue"].split("left")[0]


def test_the_api_counts_only_items_of_readable_banks(scene) -> None:
    client = APIClient()
    client.force_authenticate(scene["ours"].researcher)
    listed = {run["id"]: run for run in client.get("/api/runs/").json()["results"]}
    one = client.get(f"/api/runs/{scene['whole'].pk}/").json()
    for shown in (listed[scene["whole"].pk], one):
        assert (shown["n_total"], shown["n_done"]) == (9, 1)  # its own 6 and the 3 public
