"""A researcher in Chromium creates a study on an empty bank, is told why it is not ready,
uploads its items, opens it, and a participant completes it (issue 21)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from playwright.sync_api import expect, sync_playwright

from braintrial.participants.models import Participant
from braintrial.studies.models import Study
from tests.participants.conftest import ensure_builtin_items

from .conftest import PASSWORD
from .test_setup_browser import ARGS, CHROMIUM, DESKTOP, ITEMS_CSV, participant_completes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OPEN = "Open: the participant link admits new participants"


def test_a_study_on_an_empty_bank_is_told_why_it_is_not_ready_until_its_items_are_in(
    live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ensure_builtin_items()
    researcher = get_user_model().objects.create_user("rosa", password=PASSWORD)
    researcher.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_study", "change_study"])
    )
    connection.close()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=DESKTOP)
        page.goto(f"{live_server.url}/dashboard/")
        page.fill("#id_username", "rosa")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.get_by_role("link", name="New study").click()

        # A new study is offered closed; asked to open on an empty bank, it says why not.
        expect(page.get_by_label(OPEN)).not_to_be_checked()
        page.get_by_label("Title").fill("Ecology walk")
        page.get_by_label("Slug").fill("eco-walk")
        page.get_by_label("Item bank").fill("eco-walk")
        page.get_by_label("Human-written test cases per participant").fill("3")
        page.get_by_label("GPT-4-written test cases per participant").fill("0")
        page.get_by_label("Start with a practice trial").uncheck()
        page.get_by_label("Mix in catch trials").uncheck()
        page.get_by_label(OPEN).check()
        page.get_by_role("button", name="Create study").click()
        expect(page.locator(".field-bad")).to_contain_text(
            "The bank 'eco-walk' holds 0 human-written test cases; this asks for 3 per participant."
        )
        assert not Study.objects.filter(slug="eco-walk").exists()
        connection.close()

        # Created closed: the bank page says what is missing.
        page.get_by_label(OPEN).uncheck()
        page.get_by_role("button", name="Create study").click()
        expect(page.locator("h1")).to_have_text("Item bank of Ecology walk")
        expect(page.locator("#readiness")).to_contain_text("Not ready")
        expect(page.locator("#readiness")).to_contain_text(
            "holds 0 human-written test cases; this asks for 3 per participant."
        )

        # A participant who gets the link now is told before anything else.
        visitor = browser.new_page(viewport=DESKTOP)
        visitor.goto(f"{live_server.url}/s/eco-walk/")
        expect(visitor.locator(".notice")).to_contain_text("not open to participants yet")
        visitor.close()

        page.get_by_label("Test-case CSV file").set_input_files(str(ITEMS_CSV))
        page.get_by_label("Who wrote the altered versions").select_option("human")
        page.get_by_role("button", name="Check the file").click()
        page.get_by_role("button", name=re.compile(r"Import 3 test cases")).click()
        expect(page.locator(".dash-messages")).to_contain_text("3 created")
        expect(page.locator("#readiness")).to_contain_text("Ready to open")

        page.get_by_role("link", name="Change the bank or the numbers").click()
        page.get_by_label(OPEN).check()
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator(".dash-messages")).to_contain_text("Settings saved.")
        expect(page.locator("#readiness")).to_have_text("Ready: the link admits new participants.")
        link = page.locator("#participant-url").input_value()
        connection.close()

        participant = browser.new_page(viewport=DESKTOP)
        participant.goto(link)
        expect(participant.locator("#not-ready")).to_have_count(0)
        participant_completes(participant, link)
        browser.close()

    study = Study.objects.get(slug="eco-walk")
    assert study.is_open
    assert Participant.objects.get(study=study).status == Participant.Status.COMPLETED
