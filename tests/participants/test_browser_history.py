"""Back, Forward and reload in Chromium never carry one trial's answers into another.

All flow pages share one address, so the page Back returns to is the participant's current trial
under an earlier page's history entry; Chromium restores that entry's form state (and, for a
page kept in its back/forward cache, the whole page) unless the page prevents it. A choice
restored that way is one the participant never made.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from playwright.sync_api import Page, expect, sync_playwright

from braintrial.participants.models import Trial
from braintrial.studies.models import Study
from tests.participants.conftest import answer_data, flow_url, walk_to_practice
from tests.participants.test_browser import ARGS, CHROMIUM, WIDE, move_sliders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTHING_CHOSEN = """() => {
  const form = document.getElementById("trial-form");
  const chosen = Array.from(form.querySelectorAll("input[type=radio]:checked")).map((i) => i.id);
  const numbers = Array.from(form.querySelectorAll("input[name=confidence], input[name=expertise]"))
    .filter((i) => i.value !== "").map((i) => i.name + "=" + i.value);
  const touched = Array.from(form.querySelectorAll("[data-touched]")).map((i) => i.id);
  return chosen.concat(numbers, touched);
}"""


def _on_trial(page: Page, number: int) -> None:
    expect(page.locator("h1")).to_have_text(f"Trial {number} of 11")


def _answer(page: Page, number: int) -> None:
    page.locator("label[for=choice-B]").click()
    move_sliders(page, number)
    page.locator("label[for=recognised-no]").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()


def test_back_forward_and_reload_leave_the_next_trial_unanswered(
    study: Study, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    client = Client()
    walk_to_practice(client, study)
    client.get(flow_url(study))  # the practice page is shown before it is answered
    assert client.post(flow_url(study), answer_data(0, "practice")).status_code == 302
    assert client.post(flow_url(study), {"step": "practice_over"}).status_code == 302
    token = client.cookies[f"bt_{study.slug}"].value
    connection.close()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=WIDE)
        base = f"{live_server.url}/s/{study.slug}/"
        page.context.add_cookies([{"name": f"bt_{study.slug}", "value": token, "url": base}])
        page.goto(base + "flow/")
        _on_trial(page, 1)
        _answer(page, 1)
        _on_trial(page, 2)
        assert page.evaluate(NOTHING_CHOSEN) == []
        _answer(page, 2)
        _on_trial(page, 3)

        page.go_back()  # to trial 2's entry: the server shows trial 3, unanswered
        _on_trial(page, 3)
        assert page.evaluate(NOTHING_CHOSEN) == [], "Back preselected answers"
        page.go_back()
        _on_trial(page, 3)
        assert page.evaluate(NOTHING_CHOSEN) == [], "Back twice preselected answers"
        page.go_forward()
        _on_trial(page, 3)
        assert page.evaluate(NOTHING_CHOSEN) == [], "Forward preselected answers"
        page.reload()
        _on_trial(page, 3)
        assert page.evaluate(NOTHING_CHOSEN) == [], "a reload preselected answers"

        # A page Chromium brings back whole from its back/forward cache (pages sent with
        # no-store are kept there only in some versions) is fetched again from the server.
        page.locator("label[for=choice-B]").click()
        with page.expect_navigation():
            page.evaluate(
                "window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))"
            )
        _on_trial(page, 3)
        assert page.evaluate(NOTHING_CHOSEN) == [], "a page from the cache kept its answers"

        # Answered after all that, trial 3 holds what the participant chose on it, nothing else.
        page.locator("label[for=choice-A]").click()
        move_sliders(page, 3)
        page.locator("label[for=recognised-yes]").click()
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
        _on_trial(page, 4)
        browser.close()

    third = Trial.objects.get(participant__study=study, position=3)
    assert (third.choice, third.recognised) == ("A", True)
