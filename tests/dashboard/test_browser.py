"""A researcher logs in with Chromium and the study page draws every chart."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from .conftest import PASSWORD, World

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_researcher_logs_in_and_every_chart_draws(
    world: World, live_server, output_dir: Path
) -> None:
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the fixtures
    # are done by then.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/dashboard/{world.study.slug}/")
        assert "/accounts/login/" in page.url
        page.fill("#id_username", world.researcher.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"**/dashboard/{world.study.slug}/")
        page.wait_for_selector(".chart .main-svg", timeout=20_000)
        charts = page.locator(".chart")
        n_charts = charts.count()
        assert n_charts == 12
        for i in range(n_charts):
            chart = charts.nth(i)
            assert chart.locator(".main-svg").count() >= 1, chart.get_attribute("id")
        # Bars of the headline chart are drawn paths, not just empty axes.
        assert page.locator("#chart-headline .bars .point").count() == 2
        assert page.locator("#runs-list").inner_text().strip()
        page.screenshot(path=str(output_dir / "dashboard.png"), full_page=True)
        assert not errors, errors
        browser.close()
