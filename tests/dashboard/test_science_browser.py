"""The published study's items-and-models page and its ability chart in Chromium, checked by
axe-core; every figure says its n."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect, sync_playwright

from tests.participants.test_browser import ARGS, CHROMIUM, serious_violations

PASSWORD = "science-reader-1"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_items_view_and_ability_scale_in_chromium(
    published: Any,
    live_server: Any,
    output_dir: Path,
    django_user_model: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    user = django_user_model.objects.create_user("reader", password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(codename="view_all_studies"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/accounts/login/?next=/dashboard/brainbench-2024/")
        page.fill("#id_username", "reader")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard/brainbench-2024/")
        # Charts are drawn as they come near the screen: scroll to this one.
        page.wait_for_selector("#chart-ability", state="attached", timeout=30_000)
        page.locator("#chart-ability").scroll_into_view_if_needed()
        page.wait_for_selector("#chart-ability .main-svg", timeout=30_000)
        expect(page.locator("#caption-ability")).to_contain_text("n = 171 experts")
        page.screenshot(path=str(output_dir / "ability.png"), full_page=True)

        page.get_by_role("link", name="Items and models among the experts").click()
        expect(page.locator("h1")).to_have_text("Items and models among the experts")
        assert not serious_violations(page), serious_violations(page)
        expect(page.locator("#item-table caption")).to_contain_text("300 test cases shown")
        page.get_by_role("link", name="Stronger experts right more often").click()
        expect(page.locator("#item-table th[aria-sort=ascending]")).to_have_text(
            "Stronger experts right more often"
        )
        page.get_by_label("Only those worth a second look").check()
        page.get_by_role("button", name="Show").click()
        expect(page.locator("#item-table caption")).not_to_contain_text("300 test cases")
        assert not serious_violations(page), serious_violations(page)
        page.screenshot(path=str(output_dir / "science.png"), full_page=True)
        assert not errors, errors
        browser.close()
