"""The withdrawal page and the privacy notice in Debian Chromium, checked by axe-core (WCAG 2
A and AA, serious and critical) and at 360 pixels wide: a participant reaches both from the
pages of the study, withdraws mid-study, and a mistyped reference is explained."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright

from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import Study
from tests.participants.test_browser import ARGS, CHROMIUM, WIDE, audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_participant_reads_the_privacy_notice_and_withdraws_mid_study_in_chromium(
    study: Study, live_server: Any, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    Study.objects.filter(pk=study.pk).update(contact_email="lab@example.org")
    base = f"{live_server.url}/s/{study.slug}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=WIDE)
        page.goto(base + "?pid=browser-leaver")
        page.get_by_role("link", name="privacy notice").first.click()
        expect(page.locator("h1")).to_have_text("Privacy notice")
        expect(page.get_by_text("90 days after the study closes")).to_be_visible()
        audit(page, output_dir, "privacy")
        page.get_by_role("link", name="Back to the study").click()
        expect(page.get_by_role("button", name="Start")).to_be_visible()
        page.goto(base + "?pid=browser-leaver")
        page.get_by_role("button", name="Start").click()
        page.get_by_role("button", name="I agree to take part").click()
        expect(page.locator("#id_age")).to_be_visible()  # the demographics page
        assert Trial.objects.filter(participant__recruitment_id="browser-leaver").exists()

        page.get_by_role("link", name="Withdraw from this study").click()
        expect(page.locator("h1")).to_have_text("Withdraw from this study")
        audit(page, output_dir, "withdraw")
        page.locator("#withdrawal-reference-input").fill("not a reference")
        page.get_by_role("button", name="Withdraw and erase my answers").nth(1).click()
        expect(page.get_by_role("alert")).to_contain_text("12 letters and digits")
        audit(page, output_dir, "withdraw-error")
        page.get_by_role("button", name="Withdraw and erase my answers").first.click()
        expect(page.locator("h1")).to_have_text("You have withdrawn")
        audit(page, output_dir, "withdrawn")
        browser.close()
    tomb = Participant.objects.get(study=study, status=Participant.Status.WITHDRAWN)
    assert tomb.recruitment_id == "" and not tomb.trials.exists()
