"""In Chromium, checked by axe-core: a participant of a German study completes it and, after the
debrief, reports a problem with a test case they answered; a researcher who owns the bank upholds
the report by fixing the test case as a new version; the trials export names the version each
trial showed."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from playwright.sync_api import expect, sync_playwright

from braintrial.items.models import Item, ItemBank
from braintrial.participants.models import Challenge
from braintrial.studies.models import Study
from tests.participants.conftest import BANK
from tests.participants.test_browser import ARGS, CHROMIUM, WIDE, audit, serious_violations
from tests.participants.test_browser_language import german_trial

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "bank-owner-password-7"


def _owner(study: Study) -> User:
    user = User.objects.create_user("owner", password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(codename="change_study"))
    study.researchers.add(user)
    ItemBank.objects.get_or_create(name=BANK)[0].owners.add(user)
    return user


def test_a_german_participant_challenges_and_a_researcher_fixes_it_as_a_new_version(
    study: Study, live_server: Any, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    Study.objects.filter(pk=study.pk).update(
        language="de", catch_trials_enabled=False, n_human_trials=2, n_gpt4_trials=1
    )
    _owner(study)
    connection.close()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=WIDE, locale="en-US")
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        page.goto(f"{live_server.url}/s/{study.slug}/?pid=challenger-1")
        page.get_by_role("button", name="Starten").click()
        page.get_by_role("button", name="Ich willige in die Teilnahme ein").click()
        page.get_by_label("Was ist Ihre Geschlechtsidentität?").select_option("Female")
        page.get_by_label("Wie alt sind Sie?").fill("31")
        page.get_by_label("In welchem Land sind Sie tätig?").select_option(label="Deutschland")
        page.get_by_label("Was ist Ihre derzeitige Position?").select_option("Doctoral student")
        page.get_by_label("Wie viele Jahre Erfahrung").fill("4")
        page.get_by_role("button", name="Weiter").click()
        page.get_by_role("button", name="Übungsdurchgang starten").click()
        german_trial(page)
        page.get_by_role("button", name="Die eigentlichen Durchgänge starten").click()
        for _ in range(3):
            german_trial(page)
        page.locator("label[for=outside-help-no]").click()
        page.get_by_role("button", name="Abschließen").click()
        expect(page.locator("h1")).to_have_text("Vielen Dank")

        # After the debrief: the report, in German.
        page.get_by_role("link", name="Problem mit einem Testfall melden").click()
        expect(page.locator("h1")).to_have_text("Problem mit einem Testfall melden")
        audit(page, output_dir, "de-challenge")
        # Nothing chosen: the browser asks for it, and nothing is sent.
        page.get_by_role("button", name="Meldung senden").click()
        expect(page.locator("h1")).to_have_text("Problem mit einem Testfall melden")
        page.locator("input[name=position]").first.check()
        page.get_by_label("Ein anderes Problem").check()
        page.get_by_role("button", name="Meldung senden").click()
        expect(page.locator("#errors")).to_contain_text("Bitte beschreiben Sie das Problem.")
        audit(page, output_dir, "de-challenge-errors")
        page.locator("input[name=position]").first.check()
        page.get_by_label("Beide Fassungen sind plausibel").check()
        page.get_by_label("Beschreibung").fill("Beide Ergebnisse klingen gleich plausibel.")
        page.get_by_role("button", name="Meldung senden").click()
        expect(page.locator("[role=status]").first).to_contain_text("Ihre Meldung ist gespeichert")
        expect(page.locator("input[name=position]").first).to_be_disabled()
        audit(page, output_dir, "de-challenge-stored")

        challenge = Challenge.objects.get()
        old = challenge.item
        assert (challenge.kind, challenge.status) == ("both_plausible", "open")

        # The researcher who owns the bank upholds it as a new version.
        researcher = browser.new_page(viewport=WIDE)
        researcher.on("pageerror", lambda exc: errors.append(str(exc)))
        item_url = f"/dashboard/{study.slug}/science/items/{old.pk}/"
        researcher.goto(f"{live_server.url}/accounts/login/?next={item_url}")
        researcher.fill("#id_username", "owner")
        researcher.fill("#id_password", PASSWORD)
        researcher.click("button[type=submit]")
        researcher.wait_for_url(f"**{item_url}")
        expect(researcher.locator("#challenge-" + str(challenge.pk))).to_contain_text(
            "Beide Ergebnisse klingen gleich plausibel."
        )
        assert not serious_violations(researcher), serious_violations(researcher)
        researcher.screenshot(path=str(output_dir / "challenge-item.png"), full_page=True)
        researcher.get_by_label("Uphold: fix it as a new version").check()
        fixed = old.altered + " The effect was abolished."
        researcher.locator(f"#decision-altered-{challenge.pk}").fill(fixed)
        note = researcher.locator(f"#decision-note-{challenge.pk}")
        note.fill("the altered result was plausible")
        researcher.get_by_role("button", name="Decide").click()
        expect(researcher.locator("#item-version")).to_have_text("version 2")
        expect(researcher.locator(".dash-messages")).to_contain_text("upheld")
        assert not serious_violations(researcher), serious_violations(researcher)
        researcher.screenshot(path=str(output_dir / "challenge-new-version.png"), full_page=True)

        export = researcher.request.get(
            f"{live_server.url}/exports/{study.slug}/trials.csv?include_excluded=1"
        )
        assert export.ok
        rows = list(csv.DictReader(io.StringIO(export.text())))
        assert not errors, errors
        browser.close()

    new = Item.objects.get(lineage=old.lineage, version=2)
    assert (new.altered, new.retired_at) == (fixed, None)
    assert Item.objects.get(pk=old.pk).retirement == "superseded"
    shown = {r["item_id"]: r["item_version"] for r in rows if r["kind"] == "test"}
    assert shown[str(old.pk)] == "1"  # the trial keeps the version it showed
    assert set(shown.values()) == {"1"}
