"""A lab's whole path in Chromium, axe-core on the pages it touches (issue 31, "Done when").

The bank's owner imports ten candidates from a PubMed XML file; an author writes two items and
asks a tiny random GPT-2 on a real Celery worker of the scoring queue to draft a third (its
one-token draft fails the length rule, so the author fixes it in the page: the real path); a
second account reviews them, returns one, and accepts all three once it is fixed. The owner
opens a study on the new bank through the dashboard's setup pages (two human-written and one
model-drafted test case per participant; the practice and catch items the readiness asks for
are the project's built-in ones); a participant completes it and, after the debrief, challenges
the model-drafted item; the owner upholds the challenge as a new version; the bank downloads in
the published format (the fixed text) and the trials name the version they showed (version 1).
Screenshots land in test-output/.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from playwright.sync_api import Page, expect, sync_playwright

from braintrial.items.models import Item, ItemBank
from braintrial.participants.models import Challenge, Participant
from braintrial.workbench.models import BankRole, Candidate, Draft
from tests.conftest import REDIS_GROUP
from tests.dashboard.test_setup_browser import ARGS, CHROMIUM, DESKTOP, accessibility_violations
from tests.factories import user_make
from tests.participants.conftest import ensure_builtin_items
from tests.participants.test_browser import move_sliders
from tests.scoring.helpers import Worker, wait_for

from .conftest import PASSWORD, TEN_XML
from .test_authoring_browser import logged_in
from .test_drafting import TEMPLATE, redis_broker  # noqa: F401 (a fixture)

# It starts a worker of the scoring queue: one at a time across xdist workers with every other
# test that does (tests/conftest.py, REDIS_GROUP).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group(REDIS_GROUP),
]

BANK = "next-lab"


def clean(page: Page) -> None:
    assert accessibility_violations(page) == []


def abstract_of(n: int) -> tuple[str, str, str]:
    """Candidate ``n`` of ten_articles.xml: its title's start, its results passage, and that
    passage altered (same length within a few characters)."""
    passage = f"Activity rose by {10 + n}% after the manipulation"
    return passage, passage, passage.replace("rose", "fell")


def write(page: Page, url: str, title: str, passage: str, altered_passage: str) -> None:
    """On the authoring page of ``title``: mark ``passage`` and write the altered version."""
    page.goto(f"{url}/dashboard/workbench/drafts/{BANK}/")
    page.get_by_role("link", name=title).click()
    expect(page.locator("h1")).to_have_text("Write an altered version")
    mark(page, passage, altered_passage)


def mark(page: Page, passage: str, altered_passage: str) -> None:
    source = page.locator("#original-abstract").first
    abstract = source.input_value()
    start = abstract.index(passage)
    source.evaluate(
        f"(el) => {{ el.focus(); el.setSelectionRange({start}, {start + len(passage)}); }}"
    )
    page.get_by_role("button", name="Mark the selection").first.click()
    page.get_by_label("Altered version").first.fill(abstract.replace(passage, altered_passage))


def open_draft(page: Page, url: str, title: str) -> None:
    page.goto(f"{url}/dashboard/workbench/drafts/{BANK}/")
    page.locator("#drafts a", has_text=title).click()


def answer_trials(page: Page) -> int:
    """The practice, then every trial; how many main trials there were."""
    expect(page.locator("h1")).to_have_text("Practice trial")
    n = 0
    while True:
        heading = page.locator("h1").inner_text()
        if heading == "The practice is over":
            page.get_by_role("button", name="Start the real trials").click()
            continue
        if heading not in ("Practice trial",) and not heading.startswith("Trial "):
            return n
        n += heading.startswith("Trial ")
        page.locator(f"label[for=choice-{'AB'[n % 2]}]").click()
        move_sliders(page, n + 1)
        page.locator("label[for=recognised-no]").click()
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()


def test_a_lab_imports_authors_reviews_runs_a_study_and_fixes_a_challenged_item(
    live_server: Any,
    output_dir: Path,
    tmp_path: Path,
    tiny_model_dir: Path,
    redis_broker: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from braintrial.workbench.models import DraftPrompt
    from scoring.services.scorers import scorer_create

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ensure_builtin_items()  # the practice and catch items the readiness asks for
    owner = user_make("olga", password=PASSWORD)
    owner.user_permissions.add(  # type: ignore[attr-defined]
        *Permission.objects.filter(codename__in=["add_study", "change_study"])
    )
    author = user_make("ada", password=PASSWORD)
    reviewer = user_make("rex", password=PASSWORD)
    bank = ItemBank.objects.create(name=BANK)
    bank.owners.add(owner)
    # The roles page has its own browser test (test_authoring_browser); granted here directly.
    BankRole.objects.create(bank=bank, user=author, role="author", granted_by=owner)
    BankRole.objects.create(bank=bank, user=reviewer, role="reviewer", granted_by=owner)
    scorer = scorer_create(name="tiny-drafter", model_source=str(tiny_model_dir), device="cpu")
    # One new token: the draft is far shorter than the passage, so it fails the length rule.
    DraftPrompt.objects.create(scorer=scorer, template=TEMPLATE, max_new_tokens=1)
    connection.close()

    worker = Worker(broker_url=redis_broker, log_path=tmp_path / "worker.log", env={})
    worker.start()
    errors: list[str] = []
    url = live_server.url
    titles = {
        2: "Dopamine bursts and effort.",
        4: "Axon regrowth after optic crush.",
        6: "Microglia pruning in adolescence.",
    }
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)

            # 1. The owner imports ten candidates from a PubMed XML file.
            lab = logged_in(browser, url, "olga", errors)
            lab.goto(f"{url}/dashboard/workbench/sources/{BANK}/")
            lab.get_by_label("PubMed XML or CSV file").set_input_files(str(TEN_XML))
            lab.get_by_label("Section of the records that name none").select_option(
                "Systems/Circuits"
            )
            lab.get_by_role("button", name="Check the file").click()
            expect(lab.locator("#result-title")).to_have_text(
                "ten_articles.xml: 10 candidates ready to import"
            )
            lab.get_by_role("button", name=f"Import 10 candidates into {BANK}").click()
            expect(lab.locator("#candidates tbody tr")).to_have_count(10)
            clean(lab)

            # 2. The author writes two items, and asks the model for the third.
            writer = logged_in(browser, url, "ada", errors)
            for n in (2, 4):
                _, passage, altered = abstract_of(n)
                if n == 2:  # returned below: its first altered version says too little
                    altered = passage.replace("rose by 12%", "changed")
                write(writer, url, titles[n], passage, altered)
                writer.get_by_role("button", name="Submit for review").click()
                expect(writer.locator(".dash-messages")).to_contain_text("Submitted for review.")
            _, passage, _ = abstract_of(6)
            writer.goto(f"{url}/dashboard/workbench/drafts/{BANK}/")
            writer.get_by_role("link", name=titles[6]).click()
            mark(writer, passage, passage)
            writer.get_by_label("Or let a model draft the altered passage").select_option(
                label="tiny-drafter"
            )
            writer.get_by_role("button", name="Ask the model").click()
            clean(writer)

            def drafted() -> bool:
                status = Draft.objects.filter(source="llm").values_list("status", flat=True)
                connection.close()
                return bool(status) and status[0] != "drafting"

            wait_for(drafted, timeout=240, what=worker.log())
            assert "braintrial.workbench.tasks.draft_generate" in worker.log(tail=10**6)
            # Its one-token draft fails the length rule: the author fixes it in the page.
            open_draft(writer, url, titles[6])
            expect(writer.locator("#draft-by")).to_contain_text("(model-drafted)")
            expect(writer.locator("#checks-failed")).to_contain_text("differ in length")
            clean(writer)
            _, passage, altered = abstract_of(6)
            mark(writer, passage, altered)
            writer.get_by_role("button", name="Resubmit for review").click()
            expect(writer.locator(".dash-messages")).to_contain_text("Resubmitted for review.")

            # 3. A second account reviews: returns one, accepts the others.
            checker = logged_in(browser, url, "rex", errors)
            open_draft(checker, url, titles[2])
            checker.get_by_label("Comment").fill("Say how it changed: 'changed' gives no result.")
            checker.get_by_role("button", name="Return to its author").click()
            expect(checker.locator("h1")).to_contain_text("Returned to its author")
            open_draft(writer, url, titles[2])
            expect(writer.locator("#review-comment")).to_contain_text("gives no result")
            _, passage, altered = abstract_of(2)
            abstract = writer.locator("#original-abstract").first.input_value()
            writer.get_by_label("Altered version").first.fill(abstract.replace(passage, altered))
            writer.get_by_role("button", name="Resubmit for review").click()
            expect(writer.locator(".dash-messages")).to_contain_text("Resubmitted for review.")
            for n in (2, 4, 6):
                open_draft(checker, url, titles[n])
                checker.get_by_role("button", name=f"Accept into {BANK}").click()
                expect(checker.locator("h1")).to_contain_text("Accepted")
            clean(checker)
            accepted = dict(Item.objects.filter(bank=BANK).values_list("doi", "source"))
            connection.close()
            assert sorted(accepted.values()) == ["human", "human", "llm"]

            # 4. The owner opens a study on the new bank through the setup pages.
            lab.goto(f"{url}/dashboard/")
            lab.get_by_role("link", name="New study").click()
            lab.get_by_label("Title").fill("The next bench")
            lab.get_by_label("Slug").fill("next-bench")
            lab.get_by_label("Open: the participant link").uncheck()
            lab.get_by_label("Item bank").fill(BANK)
            lab.get_by_label("Human-written test cases per participant").fill("2")
            lab.get_by_label("GPT-4-written test cases per participant").fill("1")
            lab.get_by_label("Consent text").fill("You may stop at any time.")
            lab.get_by_role("button", name="Create study").click()
            expect(lab.locator("h1")).to_have_text("Item bank of The next bench")
            expect(lab.locator("main")).to_contain_text("holds 2 human-written and 1 machine")
            clean(lab)
            lab.get_by_role("link", name="Change the bank or the numbers").click()
            lab.get_by_label("Open: the participant link").check()
            lab.get_by_role("button", name="Save settings").click()
            expect(lab.locator("#live-status")).to_contain_text("Live")
            link = lab.locator("#participant-url").input_value()

            # 5. A participant completes it, then challenges the model-drafted item.
            person = browser.new_page(viewport=DESKTOP)
            person.on("pageerror", lambda exc: errors.append(str(exc)))
            person.goto(link)
            person.get_by_role("button", name="Start").click()
            person.get_by_role("button", name="I agree to take part").click()
            person.get_by_label("What is your gender identity?").select_option("Female")
            person.get_by_label("How old are you?").fill("31")
            person.get_by_label("Which country are you based in?").select_option("Germany")
            person.get_by_label("What is your current position?").select_option("Doctoral student")
            person.get_by_label("How many years of experience").fill("4.5")
            person.get_by_role("button", name="Continue").click()
            person.get_by_role("button", name="Start the practice trial").click()
            assert answer_trials(person) == 5  # 2 human-written, 1 model-drafted, 2 catch
            person.locator("label[for=outside-help-no]").click()
            person.get_by_role("button", name="Finish").click()
            person.get_by_role("link", name="Report a problem with a test case").click()
            shown = Participant.objects.get().trials.get(item__source="llm")
            llm_item = shown.item
            connection.close()
            person.locator(f"#challenge-trial-{shown.position}").check()
            person.get_by_label("Both versions are plausible").check()
            person.get_by_label("Describe it").fill("A fall and a rise both sound plausible.")
            person.get_by_role("button", name="Send the report").click()
            expect(person.locator("[role=status]").first).to_contain_text("your report is stored")
            clean(person)

            # 6. The owner upholds the challenge as a new version.
            challenge = Challenge.objects.get()
            connection.close()
            lab.goto(f"{url}/dashboard/next-bench/science/items/{llm_item.pk}/")
            expect(lab.locator(f"#challenge-{challenge.pk}")).to_contain_text("both sound")
            lab.get_by_label("Uphold: fix it as a new version").check()
            fixed = llm_item.altered.replace("fell by 16%", "fell by 61%")
            lab.locator(f"#decision-altered-{challenge.pk}").fill(fixed)
            lab.locator(f"#decision-note-{challenge.pk}").fill("a larger change, less plausible")
            lab.get_by_role("button", name="Decide").click()
            expect(lab.locator("#item-version")).to_have_text("version 2")
            clean(lab)

            # The study's pages answer with the model-drafted item in the machine-written quota.
            for page_url in ("", "science/", f"science/items/{llm_item.pk}/"):
                response = lab.goto(f"{url}/dashboard/next-bench/{page_url}")
                assert response is not None and response.ok, page_url
            expect(lab.locator("main")).to_contain_text("model-drafted")

            # 7. The bank in the published format, and the trials.
            lab.goto(f"{url}/dashboard/next-bench/items/")
            files = lab.locator("a[href*='/bank/?file=']")
            expect(files).to_have_count(1)
            bank_csv = lab.request.get(url + files.first.get_attribute("href"))  # type: ignore[operator]
            assert bank_csv.ok
            trials_csv = lab.request.get(f"{url}/exports/next-bench/trials.csv?include_excluded=1")
            assert trials_csv.ok
            bank_text, trials_text = bank_csv.text(), trials_csv.text()
            browser.close()
    finally:
        worker.stop()

    assert errors == []
    published = list(csv.DictReader(io.StringIO(bank_text, newline="")))
    assert list(published[0]) == [
        "doi",
        "journal_section",
        "original_abstract",
        "incorrect_abstract",
        "combined_abstract",
    ]
    assert len(published) == 3
    assert fixed in {row["incorrect_abstract"] for row in published}  # the current version
    rows = [r for r in csv.DictReader(io.StringIO(trials_text)) if r["kind"] == "test"]
    assert len(rows) == 3
    assert {r["item_version"] for r in rows} == {"1"}  # each trial names the version it showed
    llm_rows = [r for r in rows if r["item_source"] == "llm"]
    assert [r["item_id"] for r in llm_rows] == [str(llm_item.pk)]
    assert llm_rows[0]["item_lineage"] == str(llm_item.lineage)
    new = Item.objects.get(lineage=llm_item.lineage, version=2)
    assert (new.altered, new.source) == (fixed, "llm")
    assert Item.objects.get(pk=llm_item.pk).retirement == "superseded"
    assert Candidate.objects.filter(bank__name=BANK).count() == 10
