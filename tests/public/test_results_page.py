"""The public results page, its JSON and its chart: off until switched on (and then "not found"
exactly as a study that does not exist), anonymous, read from the cached report only, no
identifier of anyone, provisional figures marked, limited per network."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET

import pytest
from auditlog.models import LogEntry
from django.core.cache import cache
from django.test import Client

from braintrial.analysis.selectors import study_report
from braintrial.celery import app
from braintrial.dashboard.selectors import study_report_latest
from braintrial.dashboard.services import study_report_refresh
from braintrial.participants.models import Participant
from braintrial.public.throttle import PublicRateThrottle
from braintrial.studies.models import Study
from braintrial.studies.services import study_update
from scoring.models import Scorer, ScoreRun
from tests.dashboard.test_queue_down import closed_port
from tests.factories import run_make, scorer_make, scores_make
from tests.public.conftest import Public

pytestmark = pytest.mark.django_db

PATHS = ("/p/{}/", "/p/{}/results.json", "/p/{}/chart.svg")


def test_switched_off_is_not_found_exactly_like_a_study_that_does_not_exist(
    cached: Public,
) -> None:
    Study.objects.filter(pk=cached.study.pk).update(public_results=False)
    client = Client()
    for path in PATHS:
        off = client.get(path.format(cached.study.slug))
        missing = client.get(path.format("no-such-study"))
        assert off.status_code == missing.status_code == 404
        assert off.content == missing.content
        assert off["Content-Type"] == missing["Content-Type"]


def test_anonymous_reader_gets_humans_and_every_model_with_intervals(cached: Public) -> None:
    data = Client().get(f"/p/{cached.study.slug}/results.json").json()
    assert data["ready"] is True
    humans = data["humans"]
    assert humans["participants"] == 3 and humans["planned"] == 4
    assert set(humans["sources"]) == {"all", "human", "gpt4"}
    whole = humans["sources"]["all"]["accuracy"]
    assert whole["n"] == 30 and whole["low"] < whole["accuracy"] < whole["high"]
    assert humans["sources"]["human"]["by_section"]  # by section too
    models = {m["name"]: m for m in data["models"]}
    assert set(models) == {"complete-model", "half-model"}
    assert models["complete-model"]["sources"]["all"]["accuracy"]["n"] == 10


def test_provisional_until_every_item_and_the_planned_participants(cached: Public) -> None:
    data = Client().get(f"/p/{cached.study.slug}/results.json").json()
    models = {m["name"]: m for m in data["models"]}
    assert models["complete-model"]["provisional"] is False
    half = models["half-model"]
    assert half["provisional"] is True and half["n_items_scored"] == 5 and half["n_items"] == 10
    assert half["sources"] == {}  # no figure until it is complete
    assert data["humans"]["provisional"] is True  # 3 of 4 planned
    study_update(study=cached.study, editor=cached.researcher, fields={"planned_participants": 3})
    cache.clear()
    study_report_refresh(study=Study.objects.get(pk=cached.study.pk))
    data = Client().get(f"/p/{cached.study.slug}/results.json").json()
    assert data["humans"]["provisional"] is False
    page = Client().get(f"/p/{cached.study.slug}/").content.decode()
    assert "provisional: 5 of 10 items" in page


def test_a_model_being_scored_is_provisional_with_the_items_its_run_has_scored(
    public: Public,
) -> None:
    """A submission's run, part-way: its scores are no results yet (no succeeded run covers
    them), but the page lists the model as provisional with the items it has, and never shows
    a failed run's scores or those of an earlier configuration as progress."""
    items = public.items  # 10 test items, all answered
    ppl = {item: (10.0, 12.0) for item in items}
    being = scorer_make(name="being-scored", published=False)
    run = run_make(scorer=being, study=public.study, items=items, status=ScoreRun.Status.RUNNING)
    scores_make(scorer=being, ppl=dict(list(ppl.items())[:3]), run=run)
    # half-model has 5 items from a succeeded run; a new run has scored 2 more so far.
    half = Scorer.objects.get(name="half-model")
    more = run_make(scorer=half, study=public.study, items=items, status=ScoreRun.Status.QUEUED)
    scores_make(scorer=half, ppl=dict(list(ppl.items())[5:7]), run=more)
    failed = scorer_make(name="failed-model", published=False)
    dead = run_make(scorer=failed, study=public.study, items=items, status=ScoreRun.Status.FAILED)
    scores_make(scorer=failed, ppl=dict(list(ppl.items())[:4]), run=dead)
    changed = scorer_make(name="changed-model", published=False)
    running = run_make(
        scorer=changed, study=public.study, items=items, status=ScoreRun.Status.RUNNING
    )
    scores_make(scorer=changed, ppl=dict(list(ppl.items())[:4]), run=running, fingerprint="old")
    # Every score written, the run not yet marked done: still no result.
    finishing = scorer_make(name="finishing-model", published=False)
    last = run_make(scorer=finishing, study=public.study, items=items, status="running")
    scores_make(scorer=finishing, ppl=ppl, run=last)
    study_report_refresh(study=public.study)

    data = Client().get(f"/p/{public.study.slug}/results.json").json()
    models = {m["name"]: m for m in data["models"]}
    assert set(models) == {"complete-model", "half-model", "being-scored", "finishing-model"}
    assert models["finishing-model"]["provisional"] is True
    assert models["finishing-model"]["n_items_scored"] == 10
    assert models["finishing-model"]["sources"] == {}
    assert models["being-scored"]["provisional"] is True
    assert (models["being-scored"]["n_items_scored"], models["being-scored"]["n_items"]) == (3, 10)
    assert models["being-scored"]["sources"] == {}  # no figure until it is complete
    assert models["half-model"]["provisional"] is True
    assert models["half-model"]["n_items_scored"] == 7
    page = Client().get(f"/p/{public.study.slug}/").content.decode()
    assert "provisional: 3 of 10 items" in page and "provisional: 7 of 10 items" in page
    skipped = {s["name"]: s["reason"] for s in study_report(study=public.study)["scorers_skipped"]}
    assert skipped["being-scored"] == "being scored: 7 items in scope have no score yet"
    assert skipped["half-model"] == "being scored: 3 items in scope have no score yet"


def test_no_identifier_of_anyone_in_page_json_or_chart(cached: Public) -> None:
    people = Participant.objects.filter(study=cached.study)
    secrets = [*cached.recruitment_ids, cached.researcher.get_username()]
    secrets += [str(p.public_id) for p in people]
    client = Client()
    for path in PATHS:
        body = client.get(path.format(cached.study.slug)).content.decode()
        for secret in secrets:
            assert secret not in body, (path, secret)
    data = client.get(f"/p/{cached.study.slug}/results.json").json()
    assert "participant" not in json.dumps(data).replace("participants", "")


def test_the_request_never_computes_a_report(public: Public) -> None:
    response = Client().get(f"/p/{public.study.slug}/")
    assert response.status_code == 200
    assert "being computed" in response.content.decode()
    assert Client().get(f"/p/{public.study.slug}/results.json").json()["ready"] is False
    assert study_report_latest(study_id=public.study.pk) is None  # nothing computed or cached


def test_keeps_answering_with_the_worker_and_the_queue_down(
    cached: Public, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DASHBOARD_BACKGROUND_REPORTS = True  # type: ignore[attr-defined]
    monkeypatch.setattr(app.conf, "broker_url", f"redis://127.0.0.1:{closed_port()}/8")
    client = Client()
    started = time.perf_counter()
    for path in PATHS:
        response = client.get(path.format(cached.study.slug))
        assert response.status_code == 200
    assert time.perf_counter() - started < 3  # no wait on the broker
    assert client.get(f"/p/{cached.study.slug}/results.json").json()["ready"] is True


def test_a_withdrawal_hides_the_report_computed_before_it(cached: Public) -> None:
    Participant.objects.filter(study=cached.study).order_by("pk").filter(
        pk=Participant.objects.filter(study=cached.study).order_by("pk")[0].pk
    ).update(status=Participant.Status.WITHDRAWN)
    assert Client().get(f"/p/{cached.study.slug}/results.json").json()["ready"] is False


def test_the_chart_is_an_svg_another_site_can_show(cached: Public) -> None:
    response = Client().get(f"/p/{cached.study.slug}/chart.svg?source=human")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    root = ET.fromstring(response.content)
    text = "".join(root.itertext())
    assert "Human experts (3)" in text and "Complete model" in text
    assert "(provisional)" in text  # the humans: 3 of 4 planned
    bad = Client().get(f"/p/{cached.study.slug}/chart.svg?source=<script>")
    assert bad.status_code == 400


def test_requests_over_the_limit_get_429(cached: Public, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PublicRateThrottle, "THROTTLE_RATES", {"public": "3/min"})
    cache.clear()
    study_report_refresh(study=cached.study)
    client = Client()
    codes = [client.get(f"/p/{cached.study.slug}/results.json").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.get(f"/p/{cached.study.slug}/results.json").status_code == 200


def test_only_get_and_head(cached: Public) -> None:
    assert Client().post(f"/p/{cached.study.slug}/results.json").status_code == 405


def test_switching_the_page_on_and_off_is_audited(public: Public) -> None:
    baseline = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    study_update(study=public.study, editor=public.researcher, fields={"public_results": False})
    entries = LogEntry.objects.filter(pk__gt=baseline, object_pk=str(public.study.pk))
    changes = [e.changes_dict for e in entries]
    assert {"public_results": ["True", "False"]} in [
        {k: v for k, v in c.items() if k == "public_results"} for c in changes
    ]
