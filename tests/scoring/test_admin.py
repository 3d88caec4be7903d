"""Admin: published scorers and scored configurations are read-only; runs and scores too."""

from __future__ import annotations

import pytest
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.urls import reverse

from scoring.admin import ScorerAdmin
from scoring.models import ItemScore, Scorer, ScoreRun
from scoring.services.runs import score_run_create
from scoring.services.scorers import scorer_create
from tests.scoring.helpers import items_make, run_in_process

pytestmark = pytest.mark.django_db


def fake_scorer() -> Scorer:
    return scorer_create(name="tiny", model_source="fake/model")


def test_published_scorer_page_has_no_editable_field(admin_client) -> None:
    scorer = Scorer.objects.create(name="paper", model_source="gpt2", is_published=True)
    page = admin_client.get(reverse("admin:scoring_scorer_change", args=[scorer.pk]))
    assert page.status_code == 200
    assert b'name="model_source"' not in page.content
    assert b'name="dtype"' not in page.content


def test_scored_scorer_keeps_its_configuration_in_admin(admin_client, fake_engine) -> None:
    items_make(1)
    scorer = fake_scorer()
    url = reverse("admin:scoring_scorer_change", args=[scorer.pk])
    assert b'name="prompt_template"' in admin_client.get(url).content  # editable before scores
    run_in_process(score_run_create(scorer=scorer, enqueue=False))
    page = admin_client.get(url)
    assert b'name="prompt_template"' not in page.content
    assert b'name="display_name"' in page.content
    admin_client.post(
        url,
        {"name": "tiny", "display_name": "Tiny model", "prompt_template": "X <choice abstract>"},
    )
    scorer.refresh_from_db()
    assert scorer.display_name == "Tiny model" and scorer.prompt_template == ""


def test_admin_refuses_template_without_slot(admin_client) -> None:
    page = admin_client.post(
        reverse("admin:scoring_scorer_add"),
        {
            "name": "bad",
            "model_source": "x",
            "dtype": "auto",
            "device": "auto",
            "bos": "tokenizer",
            "prompt_template": "no slot",
        },
    )
    assert page.status_code == 200 and b"&lt;choice abstract&gt;" in page.content
    assert not Scorer.objects.filter(name="bad").exists()


def test_admin_refuses_unparseable_placement_and_stores_a_valid_one(admin_client) -> None:
    form = {
        "name": "big",
        "model_source": "/models/llama-2-70b",
        "dtype": "bf16",
        "device": "cuda",
        "bos": "tokenizer",
        "quantization": "",
        "device_map": "balanced",
        "max_memory": "0:70GiB,1:seventy",
    }
    page = admin_client.post(reverse("admin:scoring_scorer_add"), form)
    assert page.status_code == 200 and b"is not a size such as 70GiB" in page.content
    assert not Scorer.objects.filter(name="big").exists()
    admin_client.post(
        reverse("admin:scoring_scorer_add"), {**form, "max_memory": "0:70GiB,1:70GiB"}
    )
    assert Scorer.objects.get(name="big").max_memory == "0:70GiB,1:70GiB"


def test_runs_and_scores_are_read_only_with_progress(admin_client, fake_engine) -> None:
    items_make(2)
    run = run_in_process(score_run_create(scorer=fake_scorer(), enqueue=False))
    listing = admin_client.get(reverse("admin:scoring_scorerun_changelist"))
    assert listing.status_code == 200 and b"2/2 (100%)" in listing.content
    detail = admin_client.get(reverse("admin:scoring_scorerun_change", args=[run.pk]))
    assert detail.status_code == 200 and b'type="submit" value="Save"' not in detail.content
    score = ItemScore.objects.first()
    page = admin_client.get(reverse("admin:scoring_itemscore_change", args=[score.pk]))
    assert page.status_code == 200 and b'name="ppl_original"' not in page.content
    assert admin_client.get(reverse("admin:scoring_itemscore_add")).status_code == 403


def test_admin_action_cancels_a_queued_run(admin_client, fake_engine) -> None:
    items_make(1)
    run = score_run_create(scorer=fake_scorer(), enqueue=False)
    admin_client.post(
        reverse("admin:scoring_scorerun_changelist"),
        {"action": "cancel_runs", "_selected_action": [run.pk]},
    )
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.CANCELLED


def test_admin_action_starts_runs_and_refuses_published_scorers(admin_client, fake_engine):
    items_make(2)
    runnable = fake_scorer()
    published = Scorer.objects.create(name="paper", model_source="gpt2", is_published=True)
    page = admin_client.post(
        reverse("admin:scoring_scorer_changelist"),
        {"action": "start_run", "_selected_action": [runnable.pk, published.pk]},
        follow=True,
    )
    assert list(ScoreRun.objects.values_list("scorer__name", "n_total")) == [("tiny", 2)]
    assert b"cannot run" in page.content


def test_admin_action_for_a_non_staff_user_is_refused_by_the_start_service(rf, fake_engine):
    """The admin keeps non-staff users out itself; the whole-bank rule still holds inside."""
    items_make(1)
    scorer = fake_scorer()
    request = rf.post("/admin/scoring/scorer/")
    request.user = User.objects.create_user("plain")
    said: list[tuple[str, int]] = []
    scorer_admin = ScorerAdmin(Scorer, admin.site)
    scorer_admin.message_user = lambda request, message, level=messages.INFO, **kw: said.append(
        (message, level)
    )
    scorer_admin.start_run(request, Scorer.objects.filter(pk=scorer.pk))
    assert not ScoreRun.objects.exists()
    assert said == [
        ("tiny: Only staff may score the whole item bank; name a study.", messages.ERROR)
    ]
