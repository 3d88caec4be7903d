"""A model submission walked to the public results page in Debian Chromium: the study's
researcher switches the page on; a lab submits a tiny local GPT-2 (safetensors), the operator
approves it; after the first chunk of its run the page shows it provisional with how many items
it has; once the run is done and the report recomputed, final, with the dashboard's accuracy.

The background report is driven by hand, as the worker runs it (``study_report_compute``): the
handover to the reports queue is recorded instead of sent, so no figure races a worker. The
run's chunks are processed here, one at a time (``score_run_chunk_process``, what the scoring
worker runs per chunk), with a chunk size smaller than the bank. axe-core checks each page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from playwright.sync_api import expect, sync_playwright

from braintrial.dashboard.tasks import study_report_compute
from braintrial.items.models import Item
from braintrial.participants.models import Trial
from scoring.models import ModelSubmission, ScoreRun
from scoring.services.chunks import score_run_chunk_process
from scoring.services.runs import score_run_missing_chunks
from tests.factories import study_editor_grant
from tests.scoring.tinymodel import build_tiny_model

from .conftest import World
from .test_setup_browser import ARGS, CHROMIUM, DESKTOP, PHONE, accessibility_violations, shoot
from .test_submissions_browser import SHA, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHUNK = 8


def _row(page: Any, name: str) -> Any:
    """The model's row in the public page's table of all test items."""
    table = page.get_by_role("region", name="All items")
    return table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))


def test_a_submission_is_provisional_on_the_public_page_then_final_with_the_dashboards_figure(
    world: World,
    live_server,
    output_dir: Path,
    tmp_path: Path,
    settings,
    monkeypatch: pytest.MonkeyPatch,
    handed_over: list[int],
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.SCORING_CHUNK_SIZE = CHUNK
    study = world.study
    n_items = Item.objects.filter(bank=study.bank, kind=Item.Kind.TEST).count()
    assert n_items > CHUNK, "the bank must take more than one chunk"
    study_editor_grant(world.researcher)
    lab = get_user_model().objects.create_user("lab", password="a-long-test-password-7")
    lab.user_permissions.add(Permission.objects.get(codename="submit_model"))
    folder = build_tiny_model(tmp_path / "downloaded")
    public_url = f"{live_server.url}/p/{study.slug}/"
    data_url = f"{live_server.url}/dashboard/{study.slug}/data.json"
    name = "Neuro tiny"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # An anonymous reader, a new one (its own browser cache) at each look: the page may be
        # kept for a minute (Cache-Control), and what is under test is what the server says.
        reader = browser.new_page(viewport=PHONE)
        assert reader.goto(public_url).status == 404  # off until its researchers switch it on

        researcher = browser.new_page(viewport=DESKTOP)
        settings_url = f"{live_server.url}/dashboard/{study.slug}/settings/"
        log_in(researcher, f"{live_server.url}/dashboard/", world.researcher.username)
        researcher.goto(settings_url)
        researcher.get_by_label("Public results page").check()
        researcher.get_by_role("button", name="Save settings").click()
        researcher.wait_for_url(f"{live_server.url}/dashboard/{study.slug}/")
        study.refresh_from_db()
        assert study.public_results is True

        lab_page = browser.new_page(viewport=DESKTOP)
        submit_url = f"{live_server.url}/dashboard/models/submit/"
        log_in(lab_page, submit_url, "lab")
        lab_page.get_by_label("Hub id (owner/name)").fill("my-lab/neuro-tiny")
        lab_page.get_by_label("Revision (a commit hash or a tag)").fill(SHA)
        lab_page.get_by_label("Licence (e.g. apache-2.0)").fill("apache-2.0")
        lab_page.get_by_label("Name shown in results").fill(name)
        lab_page.get_by_role("button", name="Submit for approval").click()
        submission = ModelSubmission.objects.get()
        detail = f"{live_server.url}/dashboard/models/{submission.pk}/"
        lab_page.wait_for_url(detail)
        expect(lab_page.locator("#submission-state")).to_have_text("submitted")

        operator = browser.new_page(viewport=DESKTOP)
        log_in(operator, f"{live_server.url}/dashboard/models/review/", world.staff.username)
        operator.get_by_role("link", name=name).click()
        operator.get_by_label("Folder holding the downloaded revision").fill(str(folder))
        operator.get_by_role("button", name="Approve and queue").click()
        operator.wait_for_url(detail)
        expect(operator.locator("#submission-state")).to_have_text("queued")
        run = ModelSubmission.objects.get().run
        assert run is not None and run.n_total == n_items

        # The worker's part, one chunk only: part of the bank is scored.
        first = score_run_missing_chunks(run=run)[0]
        assert score_run_chunk_process(run_id=run.pk, item_ids=first) == CHUNK
        run.refresh_from_db()
        assert run.status == ScoreRun.Status.RUNNING and run.n_done == CHUNK
        study_report_compute(study.pk)  # what the reports worker runs
        lab_page.goto(detail)
        expect(lab_page.locator("#submission-state")).to_have_text("scoring")

        # The report compares models on the items the analysed participants answered (its
        # scope): the model has those of the first chunk.
        answered = set(
            Trial.objects.filter(participant__study=study).values_list("item_id", flat=True)
        )
        n_scope, n_first = len(answered), len(answered & set(first))
        assert 0 < n_first < n_scope
        reader = browser.new_page(viewport=PHONE)
        reader.goto(public_url)
        row = _row(reader, f"{name} provisional: {n_first} of {n_scope} items")
        expect(row).to_have_count(1)
        expect(row.get_by_role("cell")).to_have_text(["being scored"])
        assert accessibility_violations(reader) == []
        shoot(reader, output_dir, "submission-public-provisional")
        partial = reader.request.get(f"{public_url}results.json").json()
        (model,) = [m for m in partial["models"] if m["display_name"] == name]
        assert model["provisional"] is True and model["sources"] == {}
        assert (model["n_items_scored"], model["n_items"]) == (n_first, n_scope)

        # The rest of the run, chunk by chunk, then the report the worker recomputes.
        for item_ids in score_run_missing_chunks(run=run):
            score_run_chunk_process(run_id=run.pk, item_ids=item_ids)
        run.refresh_from_db()
        assert run.status == ScoreRun.Status.SUCCEEDED
        lab_page.goto(detail)
        expect(lab_page.locator("#submission-state")).to_have_text("done")
        reader = browser.new_page(viewport=PHONE)
        reader.goto(public_url)
        # The page reads only the worker's report: until it is recomputed, the old figures.
        expect(_row(reader, f"{name} provisional: {n_first} of {n_scope} items")).to_have_count(1)
        study_report_compute(study.pk)

        dashboard = researcher.request.get(data_url).json()
        assert dashboard["state"] == "current"
        scorer = f"submission-{submission.pk}"
        expected = dashboard["report"]["sources"]["all"]["models"][scorer]["accuracy"]
        reader = browser.new_page(viewport=PHONE)
        reader.goto(public_url)
        row = _row(reader, name)
        expect(row).to_have_count(1)
        expect(row).not_to_contain_text("provisional")
        expect(row.get_by_role("cell").first).to_have_text(f"{expected['accuracy'] * 100:.1f}%")
        expect(row.get_by_role("cell").last).to_have_text(str(n_scope))
        assert accessibility_violations(reader) == []
        shoot(reader, output_dir, "submission-public-final")
        final = reader.request.get(f"{public_url}results.json").json()
        (model,) = [m for m in final["models"] if m["display_name"] == name]
        assert model["provisional"] is False and model["n_items_scored"] == n_scope
        assert model["sources"]["all"]["accuracy"] == expected
        browser.close()
