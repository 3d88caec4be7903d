"""A study on a bank of human-written and model-drafted (``llm``) items, end to end.

Model-drafted cases of the item workbench fill the machine-written quota (``n_gpt4_trials``)
as the paper's GPT-4 cases do (``braintrial/items/sources.py``): the readiness counts them, the
assignment serves them, and the report, the dashboard, the science page and every CSV answer,
each naming the item's own source.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from braintrial.analysis.selectors import study_report
from braintrial.exports.rows import EXPORT_KINDS
from braintrial.items.models import Item
from braintrial.items.sources import quota_label, source_quota
from braintrial.studies.models import Study
from braintrial.studies.readiness import study_readiness
from braintrial.studies.services import study_create
from tests.factories import item_make, study_editor_grant, user_make
from tests.participants.conftest import (
    answer_all,
    ensure_builtin_items,
    flow_url,
    walk_to_practice,
)

pytestmark = pytest.mark.django_db

BANK = "next-bench"


def _bank(*, n_human: int = 8, n_llm: int = 4) -> list[Item]:
    """A workbench bank: human-written cases and model-drafted ones, each of its own paper."""
    ensure_builtin_items()
    human = [
        item_make(bank=BANK, row=i + 1, doi=f"10.1000/human-{i}", section="Systems/Circuits")
        for i in range(n_human)
    ]
    llm = [
        item_make(
            bank=BANK,
            source=Item.Source.LLM,
            row=j + 1,
            doi=f"10.1000/llm-{j}",
            section="Behavioral/Cognitive",
        )
        for j in range(n_llm)
    ]
    return human + llm


def _study(**settings: Any) -> Study:
    return study_create(
        slug="next",
        title="The next bench",
        bank=BANK,
        completion_code="NEXT42",
        n_human_trials=4,
        n_gpt4_trials=2,
        **settings,
    )


def test_model_drafted_items_fill_the_machine_written_quota() -> None:
    assert source_quota(Item.Source.GPT4) == source_quota(Item.Source.LLM) == "gpt4"
    assert source_quota(Item.Source.HUMAN) == "human"
    assert quota_label("gpt4", ["gpt4"]) == "GPT-4-written"
    assert quota_label("gpt4", ["llm"]) == "model-drafted"
    assert quota_label("gpt4", ["gpt4", "llm"]) == (
        "machine-written (GPT-4-written and model-drafted)"
    )
    assert quota_label("human", ["human", "llm"]) == "human-written"


def test_readiness_counts_model_drafted_items_as_machine_written() -> None:
    _bank(n_llm=1)
    study = _study(is_open=False)
    readiness = study_readiness(study=study)
    assert [p.setting for p in readiness.problems] == ["n_gpt4_trials"]
    assert readiness.problems[0].message == (
        "The bank 'next-bench' holds 1 model-drafted test case; this asks for 2 per participant."
    )
    item_make(bank=BANK, source=Item.Source.LLM, row=99, doi="10.1000/llm-late")
    assert study_readiness(study=study).can_open


def test_a_study_on_human_and_model_drafted_items_serves_both_and_reports(
    client: Client,
) -> None:
    _bank()
    study = _study(is_open=True)  # study_create refuses to open a study that is not ready
    assert study_readiness(study=study).ready

    for n in range(3):
        person = Client()
        participant = walk_to_practice(person, study)
        tests = [t for t in participant.trials.select_related("item") if t.kind == "test"]
        sources = sorted(t.item.source for t in tests)
        assert sources == ["human"] * 4 + ["llm"] * 2, sources
        answer_all(person, study, right=n != 1)
        debrief = {"step": "debrief", "outside_help": "no"}
        assert person.post(flow_url(study), debrief).status_code == 302
        assert b"NEXT42" in person.get(flow_url(study)).content

    report = study_report(study=study)
    machine = report["sources"]["gpt4"]
    assert machine["n_items"] == 4
    assert machine.get("label") == "model-drafted"
    assert machine.get("written_by") == ["llm"]
    assert report["sources"]["human"]["n_items"] == 8
    assert report["sources"]["all"]["n_items"] == 12
    assert {row["source"] for row in report["exposure"]["items"]} == {"human", "llm"}
    assert report["exposure"]["by_source"]["gpt4"]["n_items"] == 4

    researcher = user_make("next-researcher")
    study_editor_grant(researcher)
    study.researchers.add(researcher)
    client.force_login(researcher)
    for name in ("study_detail", "study_science", "study_items"):
        page = client.get(reverse(f"dashboard:{name}", args=[study.slug]))
        assert page.status_code == 200, name
    science = client.get(reverse("dashboard:study_science", args=[study.slug])).content.decode()
    assert "model-drafted" in science
    # A model-drafted item's own page names its source (it said "Written by GPT-4").
    llm_item = Item.objects.filter(bank=BANK, source=Item.Source.LLM).first()
    assert llm_item is not None
    item_page = client.get(reverse("dashboard:study_science_item", args=[study.slug, llm_item.pk]))
    assert item_page.status_code == 200
    assert "Drafted by a language model (model-drafted)" in item_page.content.decode()
    assert "Written by GPT-4" not in item_page.content.decode()
    data = client.get(reverse("dashboard:study_data", args=[study.slug]))
    assert data.status_code == 200
    assert "Model-drafted" in data.content.decode()  # the exposure chart's machine-written group
    assert client.get(reverse("api:summary", args=[study.slug])).status_code == 200

    for kind in EXPORT_KINDS:
        url = reverse("exports:study_csv", kwargs={"slug": study.slug, "kind": kind})
        # Every row, the ones the rules leave out too (the test client answers too fast).
        response = client.get(url, {"include_excluded": "1"})
        assert response.status_code == 200, kind
        body = b"".join(response.streaming_content).decode()
        if kind == "trials":
            rows = [r for r in csv.DictReader(io.StringIO(body)) if r["kind"] == "test"]
            assert {r["item_source"] for r in rows} == {"human", "llm"}
            llm = [r for r in rows if r["item_source"] == "llm"]
            assert len(llm) == 6
            assert all(r["journal_section"].startswith("machine_") for r in llm)
