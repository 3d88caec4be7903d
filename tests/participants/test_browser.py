"""One participant through the real UI in Debian Chromium: landing to completion code.

The sliders are moved the way people move them (keyboard on one, mouse on the other), so the
page's script is what marks them moved and reveals the thumb; the practice trial is answered
with the keyboard alone. The trial page's layout is checked on a wide screen (versions side by
side), a phone (stacked) and at 200% zoom (640 CSS pixels of a 1280-pixel window): no
horizontal scrolling anywhere. A screenshot of a trial page is left in test-output/trial.png.

Every participant page is also checked by axe-core (WCAG 2 A and AA rules, run in the page) for
serious or critical violations, and at 360 pixels wide for horizontal scrolling; screenshots of
each at desktop and 360-pixel width go to test-output/pages/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connection
from playwright.sync_api import Page, expect, sync_playwright

from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import Study

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ZOOM_200 = {"width": 640, "height": 450}  # a 1280 x 900 window at 200% zoom
NARROW = {"width": 360, "height": 740}  # the narrowest phones in common use
SERIOUS = {"serious", "critical"}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def box(page: Page, selector: str, nth: int = 0) -> dict[str, float]:
    found = page.locator(selector).nth(nth).bounding_box()
    assert found is not None, f"{selector} #{nth} is not displayed"
    return found


WIDER_THAN_VIEWPORT = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) { return []; }
  return Array.from(document.querySelectorAll("body *"))
    .filter((el) => el.getBoundingClientRect().right > width + 0.5)
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + (el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : "")
      + " right=" + Math.round(el.getBoundingClientRect().right) + "/" + width);
}"""


def scrolls_sideways(page: Page) -> list[str]:
    """The elements that stick out to the right when the page needs horizontal scrolling."""
    return list(page.evaluate(WIDER_THAN_VIEWPORT))


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations of WCAG 2 A and AA rules, one line each."""
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}
    results = Axe().run(page, options=options)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']})"
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]


def audit(page: Page, output_dir: Path, name: str) -> None:
    """The page as it stands: no serious accessibility violation, nothing sideways at 360
    pixels, and screenshots at desktop and 360-pixel width."""
    shots = output_dir / "pages"
    shots.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or WIDE
    assert not serious_violations(page), f"{name}: {serious_violations(page)}"
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    page.set_viewport_size(NARROW)
    assert not scrolls_sideways(page), (
        f"{name} scrolls sideways at 360 px: {scrolls_sideways(page)}"
    )
    page.screenshot(path=str(shots / f"{name}-360.png"), full_page=True)
    page.set_viewport_size(size)


def move_sliders(page: Page, number: int) -> None:
    """Confidence by keyboard, expertise by a mouse click on the track; both for real."""
    confidence = page.locator("#confidence-slider")
    expertise = page.locator("#expertise-slider")
    assert confidence.get_attribute("data-touched") is None  # no thumb before the first touch
    confidence.focus()
    expect(confidence).to_be_focused()  # the keys go to the slider, even on a busy machine
    for _ in range(3 + number % 5):
        page.keyboard.press("ArrowRight")
    track = box(page, "#expertise-slider")
    expertise.scroll_into_view_if_needed()
    track = box(page, "#expertise-slider")
    page.mouse.click(track["x"] + track["width"] * 0.3, track["y"] + track["height"] / 2)
    expect(confidence).to_have_attribute("data-touched", "")
    expect(expertise).to_have_attribute("data-touched", "")
    expect(page.locator("[data-slider-output]").first).to_contain_text("Your answer:")


def check_trial_layout(page: Page, output_dir: Path) -> None:
    page.screenshot(path=str(output_dir / "trial.png"), full_page=True)
    a, b = box(page, ".version", 0), box(page, ".version", 1)
    assert abs(a["y"] - b["y"]) < 1 and b["x"] >= a["x"] + a["width"], "not side by side"
    assert not scrolls_sideways(page)

    page.set_viewport_size(PHONE)
    a, b = box(page, ".version", 0), box(page, ".version", 1)
    assert b["y"] >= a["y"] + a["height"], "versions not stacked on a phone"
    assert abs(a["x"] - b["x"]) < 1
    assert not scrolls_sideways(page), f"scrolls sideways on a phone: {scrolls_sideways(page)}"
    page.screenshot(path=str(output_dir / "trial-phone.png"), full_page=True)

    page.set_viewport_size(ZOOM_200)
    assert not scrolls_sideways(page), f"scrolls sideways at 200%: {scrolls_sideways(page)}"
    page.set_viewport_size(WIDE)


def answer_trial(page: Page, number: int, output_dir: Path) -> None:
    page.locator(f"label[for=choice-{'AB'[number % 2]}]").click()
    move_sliders(page, number)
    page.locator("label[for=recognised-no]").click()
    if number == 1:  # the first main trial: look at it the way participants will
        check_trial_layout(page, output_dir)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()


def answer_trial_by_keyboard(page: Page) -> None:
    """Every control of the trial page works without a mouse."""
    page.locator("#choice-B").focus()
    page.keyboard.press("Space")
    for slider, key in (("#confidence-slider", "End"), ("#expertise-slider", "ArrowLeft")):
        page.locator(slider).focus()
        page.keyboard.press(key)
    # The first arrow key shows the starting point as the answer, not a value past it unseen.
    expect(page.locator("#expertise-scale [data-slider-output]")).to_have_text("Your answer: 50")
    page.locator("#recognised-no").focus()
    page.keyboard.press("Space")
    expect(page.locator("#choice-B")).to_be_checked()
    expect(page.locator("#recognised-no")).to_be_checked()
    page.get_by_role("button", name="Continue").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_participant_completes_the_study_in_chromium(
    study: Study, live_server: Any, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Playwright's sync API runs an event loop in this thread; the ORM calls below are sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=WIDE)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # The Content-Security-Policy blocks nothing the page needs.
        page.on(
            "console",
            lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
        )

        page.goto(f"{live_server.url}/s/{study.slug}/?pid=browser-1")
        audit(page, output_dir, "landing")
        expect(page.locator("main")).to_contain_text("takes about 22 minutes")
        page.get_by_role("button", name="Start").click()
        audit(page, output_dir, "consent")
        # The consent states the landing page's figures, and every page says its step.
        expect(page.locator(".prose")).to_contain_text("It takes about 22 minutes.")
        expect(page.locator("#stage-label")).to_have_text("Step 1 of 6")
        page.get_by_role("button", name="I agree to take part").click()
        expect(page.locator("h1")).to_have_text("About you")
        expect(page.locator("#stage-label")).to_have_text("Step 2 of 6")
        audit(page, output_dir, "demographics")
        page.get_by_label("What is your gender identity?").select_option("Female")
        page.get_by_label("How old are you?").fill("31")
        page.get_by_label("Which country are you based in?").select_option("Germany")
        page.get_by_label("What is your current position?").select_option("Doctoral student")
        page.get_by_label("How many years of experience").fill("4.5")
        page.get_by_role("button", name="Continue").click()
        expect(page.locator("h1")).to_have_text("Instructions")
        expect(page.locator("#stage-label")).to_have_text("Step 3 of 6")
        audit(page, output_dir, "instructions")
        page.get_by_role("button", name="Start the practice trial").click()

        expect(page.locator("h1")).to_have_text("Practice trial")
        audit(page, output_dir, "practice")
        # Continue with nothing answered: the page says what is missing and stays.
        page.get_by_role("button", name="Continue").click()
        expect(page.locator("[data-message]")).not_to_be_empty()
        expect(page.locator("h1")).to_have_text("Practice trial")
        assert not Trial.objects.filter(answered_at__isnull=False).exists()
        # Inside Playwright's event loop the ORM opens a connection of its own: close it, or it
        # outlives the test and blocks the test database's teardown.
        connection.close()

        headings = []
        for number in range(12):  # practice, then 9 test and 2 catch trials
            headings.append(page.locator("h1").inner_text())
            if number == 0:
                answer_trial_by_keyboard(page)
                expect(page.locator("h1")).to_have_text("The practice is over")
                audit(page, output_dir, "practice-over")
                page.get_by_role("button", name="Start the real trials").click()
            else:
                if number == 1:
                    audit(page, output_dir, "trial")
                answer_trial(page, number, output_dir)
        assert headings == ["Practice trial"] + [f"Trial {n} of 11" for n in range(1, 12)]

        expect(page.locator("h1")).to_have_text("One last question")  # asked before results
        audit(page, output_dir, "debrief")
        page.locator("label[for=outside-help-no]").click()
        page.get_by_role("button", name="Finish").click()
        expect(page.locator(".code")).to_have_text("C0DE42")
        expect(page.locator("#copy-code")).to_be_visible()
        audit(page, output_dir, "complete")
        assert not errors, errors
        browser.close()

    participant = Participant.objects.get(study=study)
    assert participant.status == Participant.Status.COMPLETED
    assert participant.recruitment_id == "browser-1"
    trials = list(participant.trials.all())
    assert len(trials) == 12
    assert sum(t.kind == Item.Kind.CATCH for t in trials) == 2
    for trial in trials:
        assert trial.correct is not None and trial.choice in {"A", "B"}
        assert trial.confidence_moved is True and trial.expertise_moved is True
        assert 1 <= trial.confidence <= 100 and 1 <= trial.expertise <= 100
        assert trial.recognised is False
        assert trial.rt_client_ms is not None and trial.rt_client_ms > 0
    assert {t.choice for t in trials} == {"A", "B"}
    practice = participant.trials.get(position=0)
    assert (practice.choice, practice.confidence) == ("B", 100)  # B by Space, End on the slider
    assert practice.expertise == 50  # one arrow key: the starting point shown, then taken


def test_end_and_refusal_pages_pass_the_accessibility_check(
    study: Study, live_server: Any, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = f"{live_server.url}/s/{study.slug}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=WIDE)
        page.goto(base + "?pid=decliner")
        page.get_by_role("button", name="Start").click()
        page.get_by_role("button", name="I do not agree").click()
        audit(page, output_dir, "declined")

        page = browser.new_page(viewport=WIDE)
        page.context.add_cookies([{"name": f"bt_{study.slug}", "value": "x" * 40, "url": base}])
        page.goto(base + "flow/")
        expect(page.locator("h1")).to_be_visible()
        audit(page, output_dir, "forbidden")

        # The landing page was loaded while the study was open; it closed before Start.
        page = browser.new_page(viewport=WIDE)
        page.goto(base + "?pid=late")
        Study.objects.filter(pk=study.pk).update(is_open=False)
        connection.close()
        page.get_by_role("button", name="Start").click()
        expect(page.locator("h1")).to_be_visible()
        audit(page, output_dir, "closed")
        browser.close()


def test_an_open_study_that_is_not_ready_says_so_before_any_consent(
    study: Study, live_server: Any, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 21: the participant agreed to the consent, then got a 503."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    Study.objects.filter(pk=study.pk).update(n_human_trials=40)  # the bank holds 20
    connection.close()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=WIDE)
        page.goto(f"{live_server.url}/s/{study.slug}/?pid=early")
        expect(page.locator("#not-ready")).to_contain_text("not ready for participants yet")
        expect(page.get_by_role("button", name="Start")).to_have_count(0)
        audit(page, output_dir, "not-ready")
        browser.close()
    assert not Participant.objects.filter(study=study).exists()


def test_the_withheld_code_and_busy_browser_pages_pass_the_accessibility_check(
    study: Study, live_server: Any, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 20's participant pages: a finished id's end page in another browser (no code),
    and a second person's start in a browser whose session is still in progress."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    Participant.objects.create(
        study=study, status=Participant.Status.COMPLETED, recruitment_id="done-x",
        token_hash="0" * 64, browser_mark_hash="1" * 64,
    )  # fmt: skip
    Study.objects.filter(pk=study.pk).update(repeat_policy=Study.RepeatPolicy.FLAG)
    connection.close()
    base = f"{live_server.url}/s/{study.slug}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=WIDE)
        page.goto(base + "?pid=done-x")
        page.get_by_role("button", name="Start").click()
        expect(page.locator("h1")).to_have_text("Thank you")
        expect(page.locator("main")).to_contain_text("shown only in the browser")
        expect(page.locator(".code")).to_have_count(0)
        audit(page, output_dir, "complete-elsewhere")

        page = browser.new_page(viewport=WIDE)
        page.goto(base + "?pid=first-person")
        page.get_by_role("button", name="Start").click()
        page.context.clear_cookies(name=f"bt_{study.slug}")  # the next person, the same browser
        page.goto(base + "?pid=second-person")
        page.get_by_role("button", name="Start").click()
        expect(page.locator("h1")).to_have_text(
            "A session of this study is in progress in this browser"
        )
        audit(page, output_dir, "browser-busy")
        browser.close()


def test_results_with_the_models_and_the_return_to_prolific_in_chromium(
    study: Study, live_server: Any, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fullest completion page (per-trial results beside a model's, the code, the return
    link counting down) passes axe at desktop and 360 px; "Stay" stops the countdown."""
    from django.test import Client

    from tests.factories import scorer_make, scores_make
    from tests.participants.conftest import answer_all, flow_url, walk_to_practice

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    scorer = scorer_make(name="llama-2-7b", display_name="Llama 2 7B")
    items = Item.objects.filter(bank=study.bank, kind=Item.Kind.TEST)
    scores_make(scorer=scorer, ppl={item: (10.0, 11.0) for item in items})
    Study.objects.filter(pk=study.pk).update(
        debrief_detail=Study.DebriefDetail.FULL,
        show_model_comparison=True,
        highlight_differences=True,
        completion_url=f"{live_server.url}/static/favicon.svg",
    )
    study.refresh_from_db()
    client = Client()
    walk_to_practice(client, study)
    answer_all(client, study)
    client.post(flow_url(study), {"step": "debrief", "outside_help": "no"})
    token = client.cookies[f"bt_{study.slug}"].value
    connection.close()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=WIDE)
        base = f"{live_server.url}/s/{study.slug}/"
        page.context.add_cookies([{"name": f"bt_{study.slug}", "value": token, "url": base}])
        page.goto(base + "flow/")
        expect(page.locator("#return-status")).to_contain_text("taken back to Prolific in 15")
        page.get_by_role("button", name="Stay on this page").click()
        expect(page.locator("#return-status")).to_contain_text("You stay on this page")
        expect(page.locator("#return-stay")).to_be_hidden()
        expect(page.get_by_role("link", name="Return to Prolific")).to_be_visible()
        expect(page.locator("caption", has_text="Trial by trial")).to_be_visible()
        # The score counts the test trials alone (issue 21), said once (issue 28).
        scores = page.get_by_text("Of your 9 test trials, you picked the published version in 9.")
        expect(scores).to_have_count(1)
        expect(page.locator("main")).not_to_contain_text("of 11 trials")
        # Both tables number a trial as its page did and name its abstract (issue 28).
        results, beside = page.locator("table.results").nth(0), page.locator("table.results").nth(2)
        named = dict(zip(results.locator("tbody th").all_inner_texts(), range(99), strict=False))
        rows = beside.locator("tbody th").all_inner_texts()
        assert len(rows) == 9 and all(row in named for row in rows), (rows, named)
        expect(beside.locator("tbody th .topic").first).to_contain_text("paper")
        audit(page, output_dir, "complete-with-models")
        browser.close()
