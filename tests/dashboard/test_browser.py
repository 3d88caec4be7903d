"""A researcher logs in with Chromium and the study page draws every chart."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import sync_playwright

from braintrial.brainbench.names import STUDY_SLUG
from braintrial.items.models import Item
from braintrial.studies.models import Study
from scoring.models import Scorer, ScoreRun

from .conftest import PASSWORD, World, add_participant

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_researcher_logs_in_and_every_chart_draws(
    world: World, live_server, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the fixtures
    # are done by then.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    smol = Scorer.objects.create(name="smol", display_name="SmolLM2", model_source="pypi:x")
    ScoreRun.objects.create(
        scorer=smol, study=world.study, status=ScoreRun.Status.RUNNING, n_done=9, n_total=18
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # The Content-Security-Policy blocks nothing the page needs.
        page.on(
            "console",
            lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
        )
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
        # The running scoring run shows its progress bar, half full.
        run = page.locator("#runs-list .run-running")
        assert "9 / 18 items" in run.inner_text()
        assert run.locator(".progress-fill").get_attribute("style") == "width: 50%;"
        page.screenshot(path=str(output_dir / "dashboard.png"), full_page=True)

        # New answers appear without a reload: the page polls data.json every 10 s.
        analysed = page.locator(".kpi").nth(4).locator(".kpi-value")
        before = analysed.inner_text()
        human = [i for i in world.items if i.source == Item.Source.HUMAN][:6]
        add_participant(world.study, human, pattern=[True] * 6, minutes_ago=0)
        page.wait_for_function(
            "before => document.querySelectorAll('.kpi .kpi-value')[4].textContent !== before",
            arg=before,
            timeout=25_000,
        )
        assert int(analysed.inner_text()) == int(before) + 6
        assert not errors, errors
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_published_study_shows_the_reproduction_panel(
    world: World, live_server, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The published data, imported by the real commands, drawn with the paper beside it."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    for command in ("import_brainbench", "import_published_trials", "import_published_scores"):
        call_command(command, stdout=io.StringIO())
    Study.objects.get(slug=STUDY_SLUG).researchers.add(world.researcher)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/accounts/login/?next=/dashboard/{STUDY_SLUG}/")
        page.fill("#id_username", world.researcher.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"**/dashboard/{STUDY_SLUG}/", timeout=60_000)
        page.wait_for_selector("#reproduction table", timeout=20_000)
        assert page.locator("#reproduction tbody tr").count() >= 20
        agreement = page.locator("#repro-agreement")
        assert "0.754 (s.d. 0.076); 0.147 (s.d. 0.026)" in agreement.inner_text()
        assert agreement.locator(".repro-mark").inner_text() == "same"
        assert "63.4%" in page.locator("#repro-humans_human .repro-app").inner_text()
        # A row that differs from the paper says why.
        for row in page.locator("#reproduction tr.repro-differs").all():
            assert "Why:" in row.inner_text()
        page.wait_for_selector(".chart .main-svg", timeout=20_000)
        for caption in page.locator("figcaption").all():
            assert "n =" in caption.inner_text() or "No " in caption.inner_text()
        page.screenshot(path=str(output_dir / "reproduction.png"), full_page=True)
        assert not errors, errors
        browser.close()
