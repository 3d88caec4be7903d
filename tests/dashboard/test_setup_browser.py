"""A researcher sets a study up in Chromium and its CSV matches the dashboard.

Login, a new study, an item CSV checked then imported, the study opened, one participant
through the real participant pages, then the dashboard and its trials.csv link under two rule
settings: the file always holds the trials the page says it analysed. axe-core checks the new
pages and the study page; screenshots at desktop and phone width land in test-output/.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from playwright.sync_api import Page, expect, sync_playwright

from braintrial.participants.models import Participant
from braintrial.studies.models import Study
from tests.participants.test_browser import move_sliders, scrolls_sideways

from .conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}
ITEMS_CSV = Path(__file__).parents[1] / "items" / "fixtures" / "ecology_items.csv"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def accessibility_violations(page: Page) -> list[str]:
    """axe-core's violations of the page (WCAG 2 A and AA rules), one line each."""
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}
    results = Axe().run(page, options=options)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']})"
        for v in results.response["violations"]
    ]


def shoot(page: Page, output_dir: Path, name: str) -> None:
    """Full-page screenshots at desktop and phone width; nothing may scroll sideways."""
    page.screenshot(path=str(output_dir / f"{name}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)  # plotly redraws its charts on the resize event
    wider = scrolls_sideways(page)
    page.screenshot(path=str(output_dir / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    assert not wider, f"{name} scrolls sideways at 360 px: {wider[:8]}"


def analysed_trials(page: Page) -> int:
    found = re.search(r"Analysed: (\d+) trials?", page.locator("#exports").inner_text())
    assert found is not None
    return int(found.group(1))


def download_rows(page: Page, link_text: str) -> list[dict[str, str]]:
    block = page.locator("#exports p", has_text="What this page analysed")
    with page.expect_download() as info:
        block.get_by_role("link", name=link_text).click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def participant_completes(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="I agree to take part").click()
    page.get_by_label("What is your gender identity?").select_option("Female")
    page.get_by_label("How old are you?").fill("31")
    page.get_by_label("Which country are you based in?").select_option("Germany")
    page.get_by_label("What is your current position?").select_option("Doctoral student")
    page.get_by_label("How many years of experience").fill("4.5")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Start").click()
    for number in range(1, 4):
        expect(page.locator("h1")).to_have_text(f"Trial {number} of 3")
        page.locator(f"label[for=choice-{'AB'[number % 2]}]").click()
        move_sliders(page, number)
        page.locator("label[for=recognised-no]").click()
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
    page.locator("label[for=outside-help-no]").click()
    page.get_by_role("button", name="Finish").click()
    expect(page.locator("h1")).not_to_have_text("Your results")


def test_researcher_sets_up_a_study_and_its_csv_matches_the_dashboard(
    live_server: Any, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    researcher = get_user_model().objects.create_user("rosa", password=PASSWORD)
    researcher.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_study", "change_study"])
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=DESKTOP, accept_downloads=True)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
        )
        page.goto(f"{live_server.url}/dashboard/")
        page.fill("#id_username", "rosa")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_have_text("Studies")
        assert accessibility_violations(page) == []
        page.get_by_role("link", name="New study").click()

        # A new study, closed until its items are in; texts previewed before saving.
        page.get_by_label("Title").fill("Ecology pilot")
        page.get_by_label("Slug").fill("eco-pilot")
        page.get_by_label("Open: the participant link").uncheck()
        page.get_by_label("Item bank").fill("eco-pilot")
        page.get_by_label("Human-written test cases per participant").fill("3")
        page.get_by_label("GPT-4-written test cases per participant").fill("0")
        page.get_by_label("Start with a practice trial").uncheck()
        page.get_by_label("Mix in catch trials").uncheck()
        page.get_by_label("Consent text").fill("You may stop at any time.\n\nThank you!")
        page.get_by_role("button", name="Preview the texts").click()
        expect(page.locator("#text-preview")).to_contain_text("You may stop at any time.")
        assert accessibility_violations(page) == []
        shoot(page, output_dir, "setup-study-form")
        page.get_by_role("button", name="Create study").click()

        # The item CSV: checked and previewed with its differences, then imported.
        expect(page.locator("h1")).to_have_text("Item bank of Ecology pilot")
        page.get_by_label("Test-case CSV file").set_input_files(str(ITEMS_CSV))
        page.get_by_label("Who wrote the altered versions").select_option("human")
        page.get_by_role("button", name="Check the file").click()
        expect(page.locator("#upload-result h2")).to_contain_text("3 test cases ready to import")
        assert page.locator(".item-preview .diff del").count() >= 3
        assert accessibility_violations(page) == []
        shoot(page, output_dir, "setup-items-preview")
        page.get_by_role("button", name=re.compile(r"Import 3 test cases")).click()
        expect(page.locator(".dash-messages")).to_contain_text("3 created")

        # Opened in its settings; the study page then offers the participant link.
        page.get_by_role("link", name="Change the bank or the numbers").click()
        page.get_by_label("Open: the participant link").check()
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator("#live-status")).to_contain_text("Live")
        page.wait_for_load_state("load")  # the scripts come after plotly.js (4.8 MB)
        link = page.locator("#participant-url").input_value()
        assert link == f"{live_server.url}/s/eco-pilot/"
        page.get_by_role("button", name="Copy link").click()
        expect(page.locator(".copy-status")).not_to_be_empty()
        assert page.locator("img.qr").evaluate("img => img.naturalWidth") > 0
        connection.close()

        participant = browser.new_page(viewport=DESKTOP)
        participant_completes(participant, link)
        participant.close()
        connection.close()

        # The dashboard and its CSV agree, under the study's rules and with a rule switched off.
        page.reload()
        # Charts are drawn as they come near the screen.
        page.locator(".chart").first.scroll_into_view_if_needed()
        page.wait_for_selector(".chart .main-svg", timeout=20_000)
        assert accessibility_violations(page) == []
        shoot(page, output_dir, "setup-study-page")
        n = analysed_trials(page)
        assert len(download_rows(page, "trials.csv")) == n
        with page.expect_navigation():
            page.get_by_label("Answered too fast").uncheck()
        assert "fast=on" not in page.url and "rules=custom" in page.url
        n_without_fast = analysed_trials(page)
        assert n_without_fast == 3
        rows = download_rows(page, "trials.csv")
        assert len(rows) == n_without_fast
        assert {row["excluded"] for row in rows} == {"0"}
        assert not errors, errors
        browser.close()

    study = Study.objects.get(slug="eco-pilot")
    assert list(study.researchers.all()) == [researcher]
    assert Participant.objects.get(study=study).status == Participant.Status.COMPLETED
