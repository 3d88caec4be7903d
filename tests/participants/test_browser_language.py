"""A German study in Debian Chromium, landing to completion code: every page is German (its
headings, buttons and the words the pages' scripts write), says so in ``<html lang>``, and
passes axe-core. Screenshots go to test-output/pages/de-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import Page, expect, sync_playwright

from braintrial.participants.models import Participant
from braintrial.studies.models import Study
from tests.participants.test_browser import ARGS, CHROMIUM, WIDE, audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def german_trial(page: Page) -> None:
    page.locator("label[for=choice-A]").click()
    page.locator("#confidence-slider").focus()
    page.keyboard.press("ArrowRight")
    # The slider's read-out is written by the page's script, in the study's language.
    expect(page.locator("#confidence-scale [data-slider-output]")).to_have_text("Ihre Antwort: 50")
    page.locator("#expertise-slider").focus()
    page.keyboard.press("End")
    page.locator("label[for=recognised-no]").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Weiter").click()


def test_a_german_study_is_german_from_landing_to_completion(
    study: Study, live_server: Any, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    Study.objects.filter(pk=study.pk).update(
        language="de",
        catch_trials_enabled=False,
        n_human_trials=2,
        n_gpt4_trials=1,
        debrief_detail=Study.DebriefDetail.FULL,
        completion_url=f"{live_server.url}/static/favicon.svg",
    )
    connection.close()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=WIDE, locale="en-US")  # the study decides, not the browser
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        page.goto(f"{live_server.url}/s/{study.slug}/?pid=de-1")
        expect(page.locator("html")).to_have_attribute("lang", "de")
        expect(page.locator("main")).to_contain_text("Es gibt 3 Durchgänge")
        audit(page, output_dir, "de-landing")
        page.get_by_role("button", name="Starten").click()
        expect(page.locator("h1")).to_have_text("Einwilligung")
        audit(page, output_dir, "de-consent")
        page.get_by_role("button", name="Ich willige in die Teilnahme ein").click()

        expect(page.locator("h1")).to_have_text("Angaben zu Ihrer Person")
        page.get_by_label("Was ist Ihre Geschlechtsidentität?").select_option("Female")
        page.get_by_label("Wie alt sind Sie?").fill("31")
        page.get_by_label("In welchem Land sind Sie tätig?").select_option(label="Deutschland")
        page.get_by_label("Was ist Ihre derzeitige Position?").select_option("Doctoral student")
        page.get_by_label("Wie viele Jahre Erfahrung").fill("25")
        page.get_by_role("button", name="Weiter").click()
        # Twenty-five years at 31 is too many: the error is German too.
        expect(page.locator("#errors")).to_contain_text("höchstens 21 Jahre Erfahrung")
        audit(page, output_dir, "de-demographics-errors")
        page.get_by_label("Wie viele Jahre Erfahrung").fill("4.5")
        page.get_by_role("button", name="Weiter").click()

        expect(page.locator("h1")).to_have_text("Anleitung")
        audit(page, output_dir, "de-instructions")
        page.get_by_role("button", name="Übungsdurchgang starten").click()
        expect(page.locator("h1")).to_have_text("Übungsdurchgang")
        page.get_by_role("button", name="Weiter").click()
        expect(page.locator("[data-message]")).to_contain_text("Bitte beantworten Sie alle Fragen")
        audit(page, output_dir, "de-practice")
        german_trial(page)

        expect(page.locator("h1")).to_have_text("Die Übung ist vorbei")
        page.get_by_role("button", name="Die eigentlichen Durchgänge starten").click()
        for number in (1, 2, 3):
            expect(page.locator("h1")).to_have_text(f"Durchgang {number} von 3")
            if number == 1:
                audit(page, output_dir, "de-trial")
            german_trial(page)

        expect(page.locator("h1")).to_have_text("Eine letzte Frage")
        audit(page, output_dir, "de-debrief")
        page.locator("label[for=outside-help-no]").click()
        page.get_by_role("button", name="Abschließen").click()
        expect(page.locator("h1")).to_have_text("Vielen Dank")
        expect(page.locator("#return-status")).to_contain_text("in 15 Sekunden zu Prolific")
        page.get_by_role("button", name="Auf dieser Seite bleiben").click()
        expect(page.locator("#return-status")).to_contain_text("Sie bleiben auf dieser Seite")
        audit(page, output_dir, "de-complete")
        assert not errors, errors
        browser.close()

    participant = Participant.objects.get(study=study)
    assert participant.status == Participant.Status.COMPLETED
    assert participant.country == "Germany"  # the published spelling, whatever the label
