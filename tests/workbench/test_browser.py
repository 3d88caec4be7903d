"""A lab imports a small PubMed XML file in Chromium and reads its candidates; axe-core checks
each page. Screenshots land in test-output/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright

from braintrial.workbench.models import Candidate
from tests.dashboard.test_setup_browser import ARGS, CHROMIUM, DESKTOP, accessibility_violations

from .conftest import PASSWORD, TEN_XML, Labs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lab_imports_a_pubmed_file_and_reads_its_candidates(
    live_server: Any, labs: Labs, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=DESKTOP)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
        )
        page.goto(f"{live_server.url}/dashboard/")
        page.fill("#id_username", "olga")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.get_by_role("link", name="Item workbench").click()
        expect(page.locator("h1")).to_have_text("Item workbench: sources")
        assert accessibility_violations(page) == []
        page.get_by_role("link", name="lab-a").click()
        expect(page.locator("h1")).to_have_text("Candidate abstracts for lab-a")
        assert accessibility_violations(page) == []

        page.get_by_label("PubMed XML or CSV file").set_input_files(str(TEN_XML))
        page.get_by_label("Section of the records that name none").select_option(
            "Neurobiology of Disease"
        )
        page.get_by_role("button", name="Check the file").click()
        expect(page.locator("#result-title")).to_have_text(
            "ten_articles.xml: 10 candidates ready to import"
        )
        expect(page.locator("#upload-result")).to_contain_text("Already an item in published")
        assert Candidate.objects.count() == 0
        assert accessibility_violations(page) == []
        page.screenshot(path=str(output_dir / "workbench-preview.png"), full_page=True)

        page.get_by_role("button", name="Import 10 candidates into lab-a").click()
        expect(page.locator(".dash-messages")).to_contain_text(
            "Imported 10 candidates from ten_articles.xml."
        )
        table = page.locator("#candidates")
        expect(table.locator("tbody tr")).to_have_count(10)
        row = table.locator("tr", has_text="10.5555/bt.sources.003")
        expect(row).to_contain_text("Yes: published")
        expect(row).to_contain_text("2025-03-01 to 2025-04-30")
        expect(table.locator("tr", has_text="10.5555/bt.sources.001")).to_contain_text("No")
        expect(table).to_contain_text("Neurobiology of Disease")
        assert accessibility_violations(page) == []
        page.screenshot(path=str(output_dir / "workbench-candidates.png"), full_page=True)

        # The same file again: refused, and the list is unchanged.
        page.get_by_label("PubMed XML or CSV file").set_input_files(str(TEN_XML))
        page.get_by_role("button", name="Check the file").click()
        expect(page.locator("#result-title")).to_have_text(
            "ten_articles.xml: 10 problems, nothing stored"
        )
        expect(page.locator(".row-errors")).to_contain_text(
            "doi 10.5555/bt.sources.001 is already a candidate of bank lab-a"
        )
        assert accessibility_violations(page) == []
        browser.close()
    assert errors == []
    assert Candidate.objects.count() == 10
