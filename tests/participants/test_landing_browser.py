"""What a study's landing page offers in Chromium before, while and after it admits people
(issue 28): a study that never opened says it is not open yet, not that it admits no one any
longer; a closed study offers no Start button, except to a visitor whose session it resumes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from braintrial.studies.models import Study

from .test_browser import ARGS, CHROMIUM, WIDE, audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_study_that_never_opened_says_not_yet_and_offers_no_start(
    study: Study, live_server: Any, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    Study.objects.filter(pk=study.pk).update(is_open=False, closed_at=None)
    connection.close()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=WIDE)
        page.goto(f"{live_server.url}/s/{study.slug}/")
        expect(page.locator("#closed")).to_contain_text("not open to participants yet")
        for text in ("no longer", "no new", "closed"):
            expect(page.locator("main")).not_to_contain_text(text)
        expect(page.get_by_role("button")).to_have_count(0)
        audit(page, output_dir, "never-opened")

        # German: "nicht mehr" (no longer) is the word the closed study uses, not this one.
        Study.objects.filter(pk=study.pk).update(language="de")
        connection.close()
        page.reload()
        expect(page.locator("#closed")).to_contain_text("noch nicht geöffnet")
        expect(page.locator("main")).not_to_contain_text("mehr")
        browser.close()


def test_a_closed_study_offers_start_only_to_a_session_it_resumes(
    study: Study, live_server: Any, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = f"{live_server.url}/s/{study.slug}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        started = browser.new_page(viewport=WIDE)
        started.goto(base + "?pid=early")
        started.get_by_role("button", name="Start").click()
        expect(started).to_have_url(base + "flow/")
        Study.objects.filter(pk=study.pk).update(is_open=False, closed_at=timezone.now())
        connection.close()

        newcomer = browser.new_context().new_page()
        newcomer.set_viewport_size(WIDE)
        newcomer.goto(base)
        expect(newcomer.locator("#closed")).to_contain_text("has closed and admits no new")
        expect(newcomer.get_by_role("button")).to_have_count(0)
        expect(newcomer.locator("main")).not_to_contain_text("continue where you left off")
        audit(newcomer, output_dir, "closed-landing")
        newcomer.goto(base + "?pid=someone-new")
        expect(newcomer.get_by_role("button")).to_have_count(0)

        # The browser that started lost its session cookie: the page offers to continue.
        started.context.clear_cookies(name=f"bt_{study.slug}")
        started.goto(base + "?pid=early")
        expect(started.locator("#closed")).to_contain_text("continue where you left off")
        started.get_by_role("button", name="Continue").click()
        expect(started).to_have_url(base + "flow/")
        expect(started.locator("h1")).not_to_contain_text("closed")
        browser.close()
