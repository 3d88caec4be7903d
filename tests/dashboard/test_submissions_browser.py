"""A model submission in Debian Chromium: a lab submits a hub revision and is told why a second
one is refused; the operator approves it with the folder it was downloaded into; the run is
scored; the lab's page says done. axe-core checks each page, none scrolls sideways at 360 px."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from playwright.sync_api import Page, expect, sync_playwright

from scoring.models import ModelSubmission
from tests.scoring.helpers import run_in_process
from tests.scoring.tinymodel import build_tiny_model

from .conftest import PASSWORD, World
from .test_setup_browser import ARGS, CHROMIUM, DESKTOP, accessibility_violations, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHA = "fedcba9876543210fedcba9876543210fedcba98"


def log_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(url)


def test_a_lab_submits_the_operator_approves_and_the_model_is_scored(
    world: World, live_server, output_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    lab = get_user_model().objects.create_user("lab", password=PASSWORD)
    lab.user_permissions.add(Permission.objects.get(codename="submit_model"))
    folder = build_tiny_model(tmp_path / "downloaded")
    submit_url = f"{live_server.url}/dashboard/models/submit/"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=DESKTOP)
        log_in(page, submit_url, "lab")
        assert accessibility_violations(page) == []
        shoot(page, output_dir, "submission-form")
        for _ in range(2):
            page.goto(submit_url)
            page.get_by_label("Hub id (owner/name)").fill("my-lab/neuro-tiny")
            page.get_by_label("Revision (a commit hash or a tag)").fill(SHA)
            page.get_by_label("Licence (e.g. apache-2.0)").fill("apache-2.0")
            page.get_by_role("button", name="Submit for approval").click()
        expect(page.get_by_role("alert")).to_contain_text("was submitted already")
        assert accessibility_violations(page) == []
        submission = ModelSubmission.objects.get()
        detail = f"{live_server.url}/dashboard/models/{submission.pk}/"

        operator = browser.new_page(viewport=DESKTOP)
        log_in(operator, f"{live_server.url}/dashboard/models/review/", world.staff.username)
        operator.get_by_role("link", name=f"my-lab/neuro-tiny@{SHA}").click()
        operator.get_by_label("Folder holding the downloaded revision").fill(str(folder))
        operator.get_by_role("button", name="Approve and queue").click()
        operator.wait_for_url(detail)
        expect(operator.locator("#submission-state")).to_have_text("queued")

        run_in_process(ModelSubmission.objects.get().run)  # the worker's part, here
        page.goto(detail)
        expect(page.locator("#submission-state")).to_have_text("done")
        expect(page.get_by_role("listitem").filter(has_text="Done:")).to_have_count(1)
        assert accessibility_violations(page) == []
        shoot(page, output_dir, "submission-done")
        browser.close()
