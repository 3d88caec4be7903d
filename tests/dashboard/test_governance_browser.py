"""The researcher's data-protection pages in Debian Chromium: the participant list, a withdrawal
made from it, and the audit log that records it. axe-core checks both pages (WCAG 2 A and AA),
and neither scrolls sideways on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect, sync_playwright

from braintrial.audit.selectors import audit_entries
from braintrial.participants.models import Participant, Trial

from .conftest import PASSWORD, World
from .test_setup_browser import ARGS, CHROMIUM, DESKTOP, accessibility_violations, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PID = "5f0c1e2d3b4a59687766aa01"


def test_researcher_withdraws_a_participant_and_reads_it_in_the_audit_log(
    world: World, live_server, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    world.researcher.user_permissions.add(Permission.objects.get(codename="change_study"))
    asking = Participant.objects.filter(study=world.study).order_by("pk").first()
    asking.recruitment_id = PID
    asking.save(update_fields=["recruitment_id"])
    n_trials = Trial.objects.filter(participant=asking).count()
    assert n_trials > 0
    n_participants = Participant.objects.filter(study=world.study).count()
    base = f"{live_server.url}/dashboard/{world.study.slug}"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=DESKTOP)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/participants/")
        page.fill("#id_username", world.researcher.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/participants/")
        expect(page.get_by_role("heading", name=f"{n_participants} participants")).to_be_visible()
        assert accessibility_violations(page) == []
        shoot(page, output_dir, "participants")

        row = page.get_by_role("row").filter(has_text=PID)
        row.get_by_role("link", name="Withdraw…").click()
        recruitment_id = page.get_by_label("Recruitment id (PROLIFIC_PID or pid)")
        expect(recruitment_id).to_have_value(PID)
        reason = page.get_by_label("Reason (kept in the audit log")
        confirm = page.get_by_label("I understand that")
        withdraw = page.get_by_role("button", name="Withdraw and erase")
        # Without a reason and the confirmation the browser does not send the form.
        withdraw.click()
        assert reason.evaluate("field => field.validity.valueMissing") is True
        assert "/withdraw/" not in page.url
        # An id and a reference at once: the server refuses, says why, and changes nothing.
        page.get_by_label("or withdrawal reference").fill("WD-NOBODY-1")
        reason.fill("Asked by e-mail on 2 December")
        confirm.check()
        withdraw.click()
        expect(page.get_by_role("alert")).to_contain_text(
            "Give either the recruitment id or the withdrawal reference."
        )
        assert Trial.objects.filter(participant=asking).count() == n_trials
        assert accessibility_violations(page) == []

        page.get_by_label("or withdrawal reference").fill("")
        expect(recruitment_id).to_have_value(PID)
        reason.fill("Asked by e-mail on 2 December")
        confirm.check()
        withdraw.click()
        page.wait_for_url(f"{base}/participants/")
        erased = f"{n_trials} trial(s) and their personal data erased"
        expect(page.get_by_text(erased)).to_be_visible()
        # The row stays as a tombstone: withdrawn, no recruitment id, nothing answered.
        assert page.get_by_role("row").filter(has_text=PID).count() == 0
        tombstone = page.get_by_role("row").filter(has_text=str(asking.public_id)[:8])
        expect(tombstone).to_contain_text("Withdrawn")
        expect(tombstone.get_by_role("link", name="Withdraw…")).to_have_count(0)
        assert not Trial.objects.filter(participant=asking).exists()

        page.get_by_role("link", name="Audit log").click()
        page.wait_for_url(f"{base}/audit/")
        withdrawal = page.get_by_role("row").filter(has_text="participant.withdraw")
        expect(withdrawal).to_have_count(1)
        expect(withdrawal).to_contain_text(world.researcher.username)
        expect(withdrawal).to_contain_text("Asked by e-mail on 2 December")
        assert accessibility_violations(page) == []
        shoot(page, output_dir, "audit")
        assert not errors, errors
        browser.close()
    assert audit_entries(study=world.study).filter(additional_data__event="participant.withdraw")
