"""What a researcher sees first, in Chromium (issue 28): the settings banner after a refused
save describes the study as saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from playwright.sync_api import Page, expect, sync_playwright

from braintrial.studies.models import Study

from .conftest import PASSWORD, World
from .test_setup_browser import ARGS, CHROMIUM, DESKTOP, accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OPEN = "Open: the participant link admits new participants"


def log_in(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/?next=/dashboard/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Studies")


def test_a_refused_open_leaves_a_banner_that_describes_the_saved_study(
    world: World, live_server: Any, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saved closed with more cases than its bank holds; Open ticked and saved again: the page
    said "the link does not admit new participants; they are told the study is not ready yet",
    a study that was never saved open."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    world.researcher.user_permissions.add(  # type: ignore[attr-defined]
        *Permission.objects.filter(codename__in=["add_study", "change_study"])
    )
    Study.objects.filter(pk=world.study.pk).update(is_open=False, n_human_trials=20)
    connection.close()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=DESKTOP)
        log_in(page, live_server.url, world.researcher.username)  # type: ignore[attr-defined]
        page.goto(f"{live_server.url}/dashboard/{world.study.slug}/settings/")
        page.get_by_label("Title").fill("Tiny study, renamed")
        page.get_by_label(OPEN).check()
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator(".form-error").first).to_contain_text("Nothing was saved")
        banner = page.locator("#readiness")
        expect(banner).to_contain_text("the study cannot open yet")
        expect(banner).not_to_contain_text("does not admit")
        expect(page.locator("h1")).to_have_text("Settings of Tiny study")
        assert accessibility_violations(page) == []

        # Fewer cases, Open still ticked: saved open, and the banner says so.
        page.get_by_label("Human-written test cases per participant").fill("6")
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator(".dash-messages")).to_contain_text("Settings saved.")
        page.goto(f"{live_server.url}/dashboard/{world.study.slug}/settings/")
        expect(page.locator("#readiness")).to_have_text("Ready: the link admits new participants.")
        browser.close()
    world.study.refresh_from_db()
    assert world.study.is_open and world.study.title == "Tiny study, renamed"
