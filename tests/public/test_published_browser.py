"""The published study's public page in Debian Chromium at 360 px, with its 171 participants
and every published model: axe-core clean (WCAG 2 A and AA) and nothing scrolls sideways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import expect, sync_playwright

from braintrial.dashboard.services import study_report_refresh
from braintrial.studies.models import Study
from tests.dashboard.test_setup_browser import ARGS, CHROMIUM, PHONE, accessibility_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.published_report,
    # One xdist worker imports the study and computes its report for the whole module.
    pytest.mark.xdist_group("test_published_browser"),
]


def test_published_public_page_at_360_px(
    published: Any, live_server, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    study: Study = published["study"]
    Study.objects.filter(pk=study.pk).update(public_results=True, planned_participants=171)
    cache.clear()
    study_report_refresh(study=Study.objects.get(pk=study.pk), science=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=PHONE)
        page.goto(f"{live_server.url}/p/{study.slug}/")
        expect(page.get_by_text("The humans' figures are final")).to_be_visible()
        table = page.get_by_role("region", name="Human-written items", exact=True)
        expect(table.get_by_role("row")).to_have_count(1 + 1 + len(published["report"]["scorers"]))
        assert accessibility_violations(page) == []
        for summary in page.get_by_text("By section").all():
            summary.click()
        assert accessibility_violations(page) == []
        wider = page.evaluate(
            "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )
        assert not wider, "the public page scrolls sideways at 360 px"
        page.screenshot(path=str(output_dir / "public-published-360.png"), full_page=True)
        browser.close()
