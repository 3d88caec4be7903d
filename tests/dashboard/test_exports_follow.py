"""The study page's download links carry its rules: the CSV holds the trials the page analysed.
Also what the page says about exclusions, small samples and scoring runs."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from braintrial.analysis.rules import ExclusionRules
from braintrial.analysis.selectors import study_report
from braintrial.items.models import Item
from braintrial.studies.models import Study
from scoring.models import Scorer, ScoreRun
from tests.factories import items_make, run_make, user_make

from .conftest import World, add_participant, login

pytestmark = pytest.mark.django_db


def links_of(page: str) -> dict[str, str]:
    """Download links of the page by their text and section ('analysed', 'everything')."""
    found: dict[str, str] = {}
    sections = {"what": "What this page analysed", "everything": "Everything, with the reasons"}
    for key, section in sections.items():
        block = page.split(section, 1)[1].split("</p>", 1)[0]
        for url, name in re.findall(r'href="([^"]+)"[^>]*>([a-z]+\.csv)<', block):
            found[f"{key}:{name}"] = html.unescape(url)
    return found


def rows(client: Client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(
    "query",
    [
        "",  # the study's own rules
        "?rules=custom&no_slider=on&outside_help=on&recognised=on&fast=on",  # catch rule off
        "?rules=custom",  # every rule off
    ],
)
def test_trials_csv_link_holds_the_trials_the_page_analysed(world: World, query: str) -> None:
    client = login(world.researcher)
    page = client.get(reverse("dashboard:study_detail", args=["tiny"]) + query).content.decode()
    links = links_of(page)
    analysed = page.split("Analysed: ", 1)[1].split(" trial", 1)[0]
    trials = rows(client, links["what:trials.csv"])
    assert len(trials) == int(analysed)
    everything = rows(client, links["everything:trials.csv"])
    kept = [row for row in everything if row["excluded"] == "0"]
    assert sorted(r["trial_id"] for r in kept) == sorted(r["trial_id"] for r in trials)
    if not query:  # the study's rules leave out the participant who failed a catch trial
        assert len(everything) == len(trials) + 9


def test_switching_the_catch_rule_off_brings_its_participant_back_into_the_csv(
    world: World,
) -> None:
    client = login(world.researcher)
    base = reverse("exports:study_csv", kwargs={"slug": "tiny", "kind": "trials"})
    default = rows(client, base)
    off = rows(client, base + "?rules=custom&no_slider=on&outside_help=on&recognised=on&fast=on")
    report = study_report(
        study=world.study,
        rules=ExclusionRules.from_study(world.study).with_toggles(failed_catch=False),
    )
    assert len(off) == report["participation"]["included_trials"]
    assert len(off) == len(default) + 9
    participants = rows(client, base.replace("trials", "participants") + "?rules=custom")
    assert len(participants) == world.study.participants.count()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/exports/tiny/trials.csv?rules=custom&fast=maybe", "'fast' must be 'on' or 'off'"),
        ("/exports/tiny/trials.csv?rules=yes", "'rules' must be 'custom' or 'study'"),
        ("/exports/all/trials.csv?rules=custom", "apply to one study's files"),
    ],
)
def test_rule_switches_the_exports_cannot_read_are_a_400(
    world: World, url: str, message: str
) -> None:
    response = login(world.researcher).get(url)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_page_says_in_words_what_each_rule_removed_and_links_the_dictionary(world: World) -> None:
    page = (
        login(world.researcher)
        .get(reverse("dashboard:study_detail", args=["tiny"]))
        .content.decode()
    )
    assert "Failed catch trials: removed 1 participant (9 trials)." in page
    assert "Answered too fast: removed 0 participants (0 trials)." in page
    assert reverse("exports:dictionary") in page
    off = login(world.researcher).get(
        reverse("dashboard:study_detail", args=["tiny"]) + "?rules=custom"
    )
    assert "Failed catch trials: switched off; it would remove 1 participant (9 trials)." in (
        off.content.decode()
    )


def test_a_single_trial_shows_an_interval_and_a_warning_not_plus_minus_zero(db) -> None:
    researcher = user_make("solo")
    study = Study.objects.create(slug="solo", title="Solo", bank="solo")
    study.researchers.add(researcher)
    items = items_make(bank="solo", n=1)
    add_participant(study, items, pattern=[True])
    page = login(researcher).get(reverse("dashboard:study_detail", args=["solo"])).content.decode()
    assert "1 of 1 trials, 95% CI 20.7" in page
    assert "± 0.0" not in page
    assert "Only 1 trials (under 30)" in page


def test_study_page_lists_only_its_own_runs_and_bank_runs_over_its_bank(world: World) -> None:
    smol = Scorer.objects.create(name="smol", display_name="SmolLM2", model_source="pypi:x")
    other_items = list(Item.objects.filter(bank="other")) or []
    own = run_make(
        scorer=smol, items=world.items[:2], status=ScoreRun.Status.SUCCEEDED, study=world.study
    )
    others = run_make(
        scorer=smol, items=other_items, status=ScoreRun.Status.RUNNING, study=world.other_study
    )
    bank_here = run_make(scorer=smol, items=world.items[:3], status=ScoreRun.Status.SUCCEEDED)
    bank_elsewhere = run_make(
        scorer=smol, items=items_make(bank="other", n=2), status=ScoreRun.Status.QUEUED
    )
    data = login(world.researcher).get(reverse("dashboard:study_data", args=["tiny"])).json()
    shown = {run["id"] for run in data["runs"]}
    assert shown == {own.pk, bank_here.pk}
    assert others.pk not in shown and bank_elsewhere.pk not in shown
