"""A bank's owner grants the roles, an author writes an item, a second account returns it,
the author fixes it and the reviewer accepts it: three accounts in Chromium, axe-core on every
page. Screenshots land in test-output/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from braintrial.items.models import Item
from braintrial.workbench.models import BankRole, Draft
from tests.dashboard.test_setup_browser import (
    ARGS,
    CHROMIUM,
    DESKTOP,
    accessibility_violations,
    shoot,
)

from .conftest import ABSTRACT, ALTERED_PASSAGE, PASSAGE, PASSWORD, Authoring, passage_range

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logged_in(browser: Browser, url: str, username: str, errors: list[str]) -> Page:
    """A logged-in researcher's page on the studies list; page errors and CSP reports go to
    ``errors``."""
    page = browser.new_context(viewport=DESKTOP, accept_downloads=True).new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.goto(f"{url}/dashboard/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Studies")
    return page


def clean(page: Page) -> None:
    assert accessibility_violations(page) == []


def open_draft(page: Page, url: str) -> None:
    page.goto(f"{url}/dashboard/workbench/drafts/lab-a/")
    page.locator("#drafts a").first.click()


def test_author_and_reviewer_take_an_item_from_draft_through_return_to_the_bank(
    live_server: Any, authoring: Authoring, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    BankRole.objects.filter(user__in=[authoring.author, authoring.reviewer]).delete()
    errors: list[str] = []
    url = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        # The owner names an author and a reviewer.
        owner = logged_in(browser, url, "olga", errors)
        owner.goto(f"{url}/dashboard/workbench/sources/lab-a/")
        owner.get_by_role("link", name="Authors and reviewers").click()
        expect(owner.locator("h1")).to_have_text("Authors and reviewers of lab-a")
        clean(owner)
        for username, role in (("ada", "author"), ("rex", "reviewer")):
            owner.get_by_label("Account (user name)").fill(username)
            owner.get_by_label("Role", exact=True).select_option(role)
            owner.get_by_role("button", name="Grant the role").click()
            expect(owner.locator(".dash-messages")).to_contain_text(f"{username} is now a {role}")
        expect(owner.locator("#roles tbody tr")).to_have_count(4)  # bea holds two already
        clean(owner)
        shoot(owner, output_dir, "workbench-roles")

        # The author marks the passage in the page, and is refused without one first.
        author = logged_in(browser, url, "ada", errors)
        author.goto(f"{url}/dashboard/workbench/drafts/")
        author.get_by_role("link", name="lab-a").click()
        author.get_by_role("link", name=authoring.candidate.title).click()
        expect(author.locator("h1")).to_have_text("Write an altered version")
        clean(author)
        altered = ABSTRACT.replace(PASSAGE, ALTERED_PASSAGE + " for hours")
        author.get_by_label("Altered version").fill(altered)
        author.get_by_role("button", name="Submit for review").click()
        expect(author.locator("[role=alert]")).to_contain_text("Mark the results passage")
        assert not Draft.objects.exists()
        start, end = passage_range()
        author.locator("#original-abstract").evaluate(
            f"(el) => {{ el.focus(); el.setSelectionRange({start}, {end}); }}"
        )
        author.get_by_role("button", name="Mark the selection").click()
        expect(author.get_by_label("Passage starts at character")).to_have_value(str(start))
        expect(author.get_by_label("Passage ends at character")).to_have_value(str(end))
        author.get_by_role("button", name="Check and compare").click()
        expect(author.locator("#version-altered mark").first).to_have_text("stayed stable")
        expect(author.locator("#checks-passed")).to_be_visible()
        clean(author)
        shoot(author, output_dir, "workbench-write")  # and at 360 px: nothing scrolls sideways
        author.get_by_role("button", name="Submit for review").click()
        expect(author.locator(".dash-messages")).to_contain_text("Submitted for review.")
        expect(author.locator("h1")).to_contain_text("Waiting for review")
        expect(author.locator("#review-title")).to_have_count(0)  # no review of one's own

        # The reviewer returns it with a comment.
        reviewer = logged_in(browser, url, "rex", errors)
        open_draft(reviewer, url)
        expect(reviewer.locator("#version-original mark").first).to_have_text(
            "drifted by a small amount"
        )
        clean(reviewer)
        reviewer.get_by_label("Comment").fill("Say how long: 'for hours' is vague.")
        reviewer.get_by_role("button", name="Return to its author").click()
        expect(reviewer.locator("h1")).to_contain_text("Returned to its author")

        # The author reads the comment, fixes the text and resubmits.
        open_draft(author, url)
        expect(author.locator("#review-comment")).to_contain_text("'for hours' is vague")
        clean(author)
        fixed = ABSTRACT.replace(PASSAGE, ALTERED_PASSAGE + " for 2 h")
        author.get_by_label("Altered version").fill(fixed)
        author.get_by_role("button", name="Resubmit for review").click()
        expect(author.locator(".dash-messages")).to_contain_text("Resubmitted for review.")

        # The reviewer accepts: the item is in the bank.
        open_draft(reviewer, url)
        reviewer.get_by_role("button", name="Accept into lab-a").click()
        expect(reviewer.locator("h1")).to_contain_text("Accepted")
        expect(reviewer.locator("#draft-by")).to_contain_text("reviewed by rex")
        clean(reviewer)
        shoot(reviewer, output_dir, "workbench-accepted")
        browser.close()
    assert errors == []
    item = Item.objects.get(bank="lab-a")
    assert (item.altered, item.source, item.doi) == (fixed, "human", authoring.candidate.doi)
    assert Draft.objects.get().reviewer == authoring.reviewer
