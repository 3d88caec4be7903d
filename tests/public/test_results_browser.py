"""The public results page in Debian Chromium at 360 px, as an anonymous reader: axe-core
clean (WCAG 2 A and AA), nothing scrolls sideways, the chart shows, the provisional figures say
so, a release downloads; and the chart shows inside another site's page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from braintrial.public.releases.services import release_freeze
from tests.dashboard.test_setup_browser import ARGS, CHROMIUM, PHONE, accessibility_violations
from tests.public.conftest import Public

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_public_page_at_360_px_is_axe_clean_and_shows_the_chart(
    cached: Public, live_server, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    release_freeze(study=cached.study, user=cached.researcher)
    url = f"{live_server.url}/p/{cached.study.slug}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=PHONE)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_contain_text("human experts")
        chart = page.get_by_role("img", name="Chart: accuracy of the human experts")
        expect(chart).to_be_visible()
        assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
        expect(page.get_by_text("provisional: 5 of 10 items").first).to_be_visible()
        assert accessibility_violations(page) == []
        page.get_by_text("By section").first.click()
        assert accessibility_violations(page) == []
        wider = page.evaluate(
            "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )
        assert not wider, "the public page scrolls sideways at 360 px"
        page.screenshot(path=str(output_dir / "public-results-360.png"), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("link", name="Release v1").click()
        assert download.value.suggested_filename == f"{cached.study.slug}-v1.zip"
        # Another site's page shows the chart with a plain <img>.
        other = browser.new_page(viewport=PHONE)
        other.set_content(f'<img id="c" src="{live_server.url}/p/{cached.study.slug}/chart.svg">')
        other.wait_for_function("document.getElementById('c').complete")
        assert other.evaluate("document.getElementById('c').naturalWidth") > 0
        browser.close()
    assert errors == []
