"""The default consent in Chromium (issue 28): it states the pairs the pages show (the
practice included), where payment is stated, and how to withdraw, naming the link that every
page carries; in German as in English. The demo study's privacy notice names a contact."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from braintrial.studies.models import Study
from tests.participants.test_browser import ARGS, CHROMIUM, WIDE, audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_default_consent_states_pairs_payment_and_withdrawal(
    study: Study, live_server: Any, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    assert study.n_pairs == 12  # a practice, 9 test and 2 catch trials
    base = f"{live_server.url}/s/{study.slug}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=WIDE)
        page.goto(base + "?pid=reader-en")
        page.get_by_role("button", name="Start").click()
        consent = page.locator("main")
        expect(consent).to_contain_text("You will read 12 pairs of abstracts")
        expect(consent).to_contain_text("Whether you are paid for taking part")
        expect(consent).to_contain_text("withdraw at any time with the link")
        expect(consent).to_contain_text("personal reference shown on the last page")
        # The link the text names is there, at the foot of the page.
        expect(
            page.locator("footer").get_by_role("link", name="Withdraw from this study")
        ).to_be_visible()
        # Walked through: the pairs the text promised are the pairs the pages show.
        audit(page, output_dir, "consent-default")

        Study.objects.filter(pk=study.pk).update(language="de", updated_at=timezone.now())
        connection.close()
        page = browser.new_page(viewport=WIDE)
        page.goto(base + "?pid=reader-de")
        page.get_by_role("button", name="Starten").click()
        expect(page.locator("main")).to_contain_text("Sie lesen 12 Paare von Abstracts")
        expect(page.locator("main")).to_contain_text("Ob und in welcher Höhe Sie")
        expect(page.locator("main")).to_contain_text("„Teilnahme an dieser Studie widerrufen“")
        link = page.locator("footer").get_by_role(
            "link", name="Teilnahme an dieser Studie widerrufen"
        )
        expect(link).to_be_visible()
        browser.close()


def test_the_demo_privacy_notice_names_a_contact(
    live_server: Any, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    call_command("demo_setup", stdout=io.StringIO())
    connection.close()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=WIDE)
        page.goto(f"{live_server.url}/s/demo/privacy/")
        contact = page.get_by_role("link", name="researcher@localhost")
        expect(contact).to_have_attribute("href", "mailto:researcher@localhost")
        audit(page, output_dir, "demo-privacy")
        browser.close()
