"""The published BrainBench study, public: its page's JSON gives the paper's figures and the
dashboard's, and a release of it keeps every Psych-DS rule and reads back into its report
(171 participants, 641 of 1,011 and 351 of 503 right, every published model)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from braintrial.dashboard.services import study_report_refresh
from braintrial.public.models import Release
from braintrial.public.releases.services import release_freeze
from braintrial.studies.models import Study
from tests.factories import user_make
from tests.public.test_releases import PSYCHDS_DATA_NAME, REQUIRED, _table, _unzip

pytestmark = pytest.mark.django_db


def test_published_study_public_json_and_a_release_that_reads_back(published: Any) -> None:
    study: Study = published["study"]
    Study.objects.filter(pk=study.pk).update(public_results=True, planned_participants=171)
    study.refresh_from_db()
    cache.clear()
    report = study_report_refresh(study=study)  # as the worker computes it
    data = Client().get(f"/p/{study.slug}/results.json").json()
    humans = data["humans"]
    assert humans["participants"] == 171 and humans["provisional"] is False
    for source, expected in (("human", (641, 1011)), ("gpt4", (351, 503))):
        accuracy = humans["sources"][source]["accuracy"]
        assert (accuracy["k"], accuracy["n"]) == expected
    assert len(data["models"]) == len(report["scorers"]) >= 26
    # The published scores are final as published, those over the human-written items only too.
    assert not any(model["provisional"] for model in data["models"])
    assert {m["n_items_scored"] for m in data["models"]} == {200, 300}
    for model in data["models"]:
        figures = report["sources"]["all"]["models"][model["name"]]
        assert model["sources"]["all"]["accuracy"] == figures["accuracy"]

    researcher = user_make("published-releaser")
    release = release_freeze(study=study, user=researcher)
    assert Release.objects.filter(study=study).count() == 1 and release.n_participants == 171
    response = Client().get(f"/p/{study.slug}/releases/v1.zip")
    assert response.status_code == 200
    package = _unzip(response.content)
    for name in REQUIRED:
        assert name in package
    description = json.loads(package["dataset_description.json"])
    assert description["@type"] == "Dataset" and description["variableMeasured"]
    for name in (n for n in package if n.startswith("data/")):
        assert PSYCHDS_DATA_NAME.match(name), name
    trials = _table(package, "trials")
    assert len(trials) == 1514
    assert len({row["row_id"] for row in trials}) == 1514
    for source, expected in (("human", (641, 1011)), ("gpt4", (351, 503))):
        mine = [t for t in trials if t["item_source"] == source]
        assert (sum(t["correct"] == "1" for t in mine), len(mine)) == expected
    items = {row["item_id"]: row["source"] for row in _table(package, "items")}
    scores = _table(package, "scores")
    for name, figures in release.report["sources"]["human"]["models"].items():
        theirs = [s for s in scores if s["scorer"] == name and items[s["item_id"]] == "human"]
        right = sum(s["correct"] == "1" for s in theirs)
        assert (right, len(theirs)) == (figures["accuracy"]["k"], figures["accuracy"]["n"]), name
