"""The dashboard, the CSV exports and the API give the same numbers for one study.

The study holds every case that once made them disagree: participants removed by a rule, one
who has not finished, single excluded trials, a published scorer, a runnable scorer whose run
succeeded, one whose runs succeeded on half the items and failed on the rest, one whose only run
was cancelled, and one whose configuration changed after its run succeeded.
Each side is read over HTTP, as a researcher or a program reads it.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from braintrial.items.models import Item
from braintrial.participants.models import Participant
from scoring.models import Scorer, ScoreRun
from tests.factories import (
    items_make,
    participant_make,
    run_make,
    scorer_make,
    scores_make,
    study_make,
    trial_make,
)

SLUG = "agree"
SOURCES = {Item.Source.HUMAN: "human", Item.Source.GPT4: "gpt4"}
# What the dashboard shows and what each file and endpoint must match.
SHOWN_SCORERS = {"published-model", "good-run"}


@pytest.fixture
def study_world(db: None) -> dict[str, Any]:
    cache.clear()
    made = study_make(SLUG, n_people=0, scored=False)
    study, researcher = made.study, made.researcher
    items = made.items[:4] + items_make(bank=study.bank, n=2, source=Item.Source.GPT4)
    patterns = [
        (True, True, False, True, False, True),
        (True, False, False, True, True, True),
        (False, True, True, True, False, False),
    ]
    for n, pattern in enumerate(patterns):
        person, _ = participant_make(study, n, recruitment_id=f"clean-{n}")
        for position, (item, right) in enumerate(zip(items, pattern, strict=True), start=1):
            trial_make(person, item, position, correct=right)
    # Removed by participant rules: every answer right, so counting them would show.
    for flag in ("flag_failed_catch", "flag_no_slider", "flag_outside_help"):
        person, _ = participant_make(study, **{flag: True})
        for position, item in enumerate(items, start=1):
            trial_make(person, item, position, correct=True)
    # Single trials removed: one recognised, one answered too fast; the rest count.
    person, _ = participant_make(study)
    for position, item in enumerate(items, start=1):
        trial_make(
            person,
            item,
            position,
            correct=position % 2 == 0,
            recognised=position == 1,
            flag_recognised=position == 1,
            rt_server_ms=1_000 if position == 2 else 20_000,
        )
    # Not finished: answers stored, not yet analysed.
    person, _ = participant_make(study, status=Participant.Status.ACTIVE)
    for position, item in enumerate(items[:3], start=1):
        trial_make(person, item, position, correct=True)
    # Consented, held trials, answered none and finished ("nothing was recorded"): no rule
    # flags them, yet nothing of theirs is analysed, so no analysed file may list them.
    person, _ = participant_make(study, recruitment_id="answered-nothing")
    for position, item in enumerate(items, start=1):
        trial_make(
            person,
            item,
            position,
            correct=None,
            choice="",
            answered_at=None,
            confidence=None,
            expertise=None,
            recognised=None,
            rt_server_ms=None,
            rt_client_ms=None,
            confidence_moved=None,
            expertise_moved=None,
        )

    ppl = {item: (10.0, 12.0 if n % 3 else 9.0) for n, item in enumerate(items)}
    published = scorer_make(name="published-model")
    scores_make(scorer=published, ppl=ppl)
    good = scorer_make(name="good-run", published=False)
    scores_make(scorer=good, ppl=ppl, run=run_make(scorer=good, study=study, items=items,
                                                   status=ScoreRun.Status.SUCCEEDED))  # fmt: skip
    # Half its items under a succeeded run, the other half written by a run that then failed.
    half = scorer_make(name="half-failed", published=False)
    run_make(scorer=half, study=study, items=items[:3], status=ScoreRun.Status.SUCCEEDED)
    failed = run_make(scorer=half, study=study, items=items, status=ScoreRun.Status.FAILED)
    scores_make(scorer=half, ppl=ppl, run=failed)
    cancelled = scorer_make(name="cancelled-run", published=False)
    run = run_make(scorer=cancelled, study=study, items=items, status=ScoreRun.Status.CANCELLED)
    scores_make(scorer=cancelled, ppl=dict(list(ppl.items())[:2]), run=run)
    changed = scorer_make(name="changed-config", published=False)
    run = run_make(scorer=changed, study=study, items=items, status=ScoreRun.Status.SUCCEEDED)
    scores_make(scorer=changed, ppl=ppl, run=run)
    # A new template after the run: its scores no longer describe this configuration.
    Scorer.objects.filter(pk=changed.pk).update(prompt_template="Abstract: <choice abstract>")
    return {"researcher": researcher, "items": items}


def _csv(client: Client, kind: str, **params: str) -> list[dict[str, str]]:
    response = client.get(f"/exports/{SLUG}/{kind}.csv", params)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    return list(csv.DictReader(io.StringIO(text)))


def _api_all(client: APIClient, path: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    url: str | None = f"/api/{path}/?study={SLUG}&limit=1000"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        rows += response.json()["results"]
        url = response.json()["next"]
    return rows


def _tally(pairs: list[tuple[str, bool]]) -> dict[str, tuple[int, int]]:
    """(group, correct) pairs -> {group: (k correct, n)}."""
    n, k = Counter(g for g, _ in pairs), Counter(g for g, right in pairs if right)
    return {group: (k[group], n[group]) for group in n}


def _dashboard(world: dict[str, Any]) -> dict[str, Any]:
    client = Client()
    client.force_login(world["researcher"])
    response = client.get(f"/dashboard/{SLUG}/data.json")
    assert response.status_code == 200
    return response.json()["report"]


def _api_client(world: dict[str, Any]) -> APIClient:
    client = APIClient()
    token = Token.objects.create(user=world["researcher"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_dashboard_csv_and_api_agree_on_human_accuracy(study_world: dict[str, Any]) -> None:
    report = _dashboard(study_world)
    client = Client()
    client.force_login(study_world["researcher"])
    rows = _csv(client, "trials")
    from_csv = _tally([(SOURCES[r["item_source"]], r["correct"] == "1") for r in rows])
    api = _api_client(study_world)
    source_of = {i["id"]: SOURCES[i["source"]] for i in _api_all(api, "items")}
    kept = [t for t in _api_all(api, "trials") if not t["excluded"]]
    from_api = _tally([(source_of[t["item"]], t["correct"]) for t in kept])
    for source in SOURCES.values():
        accuracy = report["sources"][source]["humans"]["accuracy"]
        assert from_csv[source] == from_api[source] == (accuracy["k"], accuracy["n"]), source
    # Clean participants' 18 answers plus 4 of the last one's 6; nobody flagged counts.
    assert sum(n for _, n in from_csv.values()) == 22 == report["participation"]["included_trials"]


def test_dashboard_csv_and_api_agree_on_model_accuracy(study_world: dict[str, Any]) -> None:
    report = _dashboard(study_world)
    client = Client()
    client.force_login(study_world["researcher"])
    rows = _csv(client, "scores")
    from_csv = _tally(
        [(f"{r['scorer']}/{r['journal_section'].split('_')[0]}", r["correct"] == "1") for r in rows]
    )
    api = _api_client(study_world)
    source_of = {i["id"]: SOURCES[i["source"]] for i in _api_all(api, "items")}
    scores = _api_all(api, "scores")
    from_api = _tally([(f"{s['scorer']}/{source_of[s['item']]}", s["correct"]) for s in scores])
    shown = {s["name"] for s in report["scorers"]}
    assert shown == SHOWN_SCORERS
    assert {r["scorer"] for r in rows} == {s["scorer"] for s in scores} == shown | {"half-failed"}
    # The half-scored scorer is listed as skipped, with the scores that count (3 of 6 items).
    skipped = {s["name"]: s["n_items_scored"] for s in report["scorers_skipped"]}
    assert skipped == {"half-failed": 3}
    assert Counter(s["scorer"] for s in scores)["half-failed"] == 3
    for name in shown:
        for source, label in (("human", "human"), ("gpt4", "machine")):
            accuracy = report["sources"][source]["models"][name]["accuracy"]
            expected = (accuracy["k"], accuracy["n"])
            assert from_csv[f"{name}/{label}"] == from_api[f"{name}/{source}"] == expected


def test_dashboard_csv_and_api_agree_on_excluded_participants(
    study_world: dict[str, Any],
) -> None:
    report = _dashboard(study_world)
    client = Client()
    client.force_login(study_world["researcher"])
    every = _csv(client, "participants", include_excluded="1")
    kept = _csv(client, "participants")
    api = _api_client(study_world)
    people = _api_all(api, "participants")
    excluded_csv = sorted(r["excluded_by"] for r in every if r["excluded"] == "1")
    excluded_api = sorted(";".join(p["excluded_by"]) for p in people if p["excluded"])
    assert excluded_csv == excluded_api == ["failed_catch", "no_slider", "outside_help"]
    assert report["participation"]["excluded_participants"] == 3
    # Not removed by a rule: the 3 clean, the one with single trials removed, the unfinished
    # one and the one who answered nothing; of them the analysis draws on the first four.
    assert len(every) - 3 == sum(not p["excluded"] for p in people) == 6
    assert len(kept) == report["participation"]["included_participants"] == 4


def test_analysed_participants_file_lists_whom_the_dashboard_counts(
    study_world: dict[str, Any],
) -> None:
    """The participants file the dashboard links to as "what this page analysed" and the
    dashboard's "from N participants" follow one rule: someone who consented and answered
    nothing, and someone not finished yet, are in neither."""
    client = Client()
    client.force_login(study_world["researcher"])
    page = client.get(f"/dashboard/{SLUG}/")
    analysed_link = next(
        link.url for link in page.context["exports"]["analysed"] if link.name == "participants.csv"
    )
    analysed = list(csv.DictReader(io.StringIO(b"".join(
        client.get(analysed_link).streaming_content).decode("utf-8"))))  # fmt: skip
    report = _dashboard(study_world)
    included = report["participation"]["included_participants"]
    assert len(analysed) == included == 4
    assert "answered-nothing" not in {row["recruitment_id"] for row in analysed}
    assert all(row["analysed"] == "1" for row in analysed)
    every = _csv(client, "participants", include_excluded="1")
    nobody = next(row for row in every if row["recruitment_id"] == "answered-nothing")
    assert (nobody["analysed"], nobody["excluded"], nobody["n_answered"]) == ("0", "0", "0")
    assert sum(row["analysed"] == "1" for row in every) == included
    # The page's own sentence says the same number.
    assert f"from {included} participants" in page.content.decode()


def test_public_results_json_gives_the_dashboards_figures(study_world: dict[str, Any]) -> None:
    """The public page's JSON (read from the cached report) against the dashboard's and the
    trials CSV: humans and every model, per source and per section, with the same intervals."""
    from braintrial.studies.models import Study

    Study.objects.filter(slug=SLUG).update(public_results=True)
    report = _dashboard(study_world)  # computes and caches the report, as the worker would
    public = Client().get(f"/p/{SLUG}/results.json")
    assert public.status_code == 200
    data = public.json()
    client = Client()
    client.force_login(study_world["researcher"])
    rows = _csv(client, "trials")
    from_csv = _tally([(SOURCES[r["item_source"]], r["correct"] == "1") for r in rows])
    for source in ("all", *SOURCES.values()):
        humans = report["sources"][source]["humans"]
        shown = data["humans"]["sources"][source]
        assert shown["accuracy"] == humans["accuracy"], source
        assert shown["by_section"] == humans["by_section"], source
        if source != "all":
            assert from_csv[source] == (shown["accuracy"]["k"], shown["accuracy"]["n"])
        models = {m["name"]: m for m in data["models"]}
        for name, figures in report["sources"][source]["models"].items():
            assert models[name]["sources"][source]["accuracy"] == figures["accuracy"]
            assert models[name]["sources"][source]["by_section"] == figures["by_section"]
    # Every model the dashboard shows, and the one it skips (incomplete) as provisional.
    assert {m["name"] for m in data["models"] if not m["provisional"]} == SHOWN_SCORERS
    assert [m["name"] for m in data["models"] if m["provisional"]] == ["half-failed"]
    assert data["humans"]["participants"] == report["participation"]["included_participants"]
