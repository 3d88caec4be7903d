"""What a researcher sees first, in Chromium (issue 28): the settings banner after a refused
save describes the study as saved; the study list counts a browser that started again once; a
queued scoring run tells its time left from other runs' pace."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect, sync_playwright

from braintrial.participants.models import Participant
from braintrial.studies.models import Study
from scoring.models import Scorer, ScoreRun
from tests.factories import run_make, scores_make
from tests.participants.conftest import ensure_builtin_items
from tests.participants.test_browser import scrolls_sideways

from .conftest import PASSWORD, World
from .test_setup_browser import ARGS, CHROMIUM, DESKTOP, PHONE, accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OPEN = "Open: the participant link admits new participants"


def log_in(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/?next=/dashboard/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Studies")


def test_a_refused_open_leaves_a_banner_that_describes_the_saved_study(
    world: World, live_server: Any, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saved closed with more cases than its bank holds; Open ticked and saved again: the page
    said "the link does not admit new participants; they are told the study is not ready yet",
    a study that was never saved open."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    world.researcher.user_permissions.add(  # type: ignore[attr-defined]
        *Permission.objects.filter(codename__in=["add_study", "change_study"])
    )
    Study.objects.filter(pk=world.study.pk).update(is_open=False, n_human_trials=20)
    connection.close()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=DESKTOP)
        log_in(page, live_server.url, world.researcher.username)  # type: ignore[attr-defined]
        page.goto(f"{live_server.url}/dashboard/{world.study.slug}/settings/")
        page.get_by_label("Title").fill("Tiny study, renamed")
        page.get_by_label(OPEN).check()
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator(".form-error").first).to_contain_text("Nothing was saved")
        banner = page.locator("#readiness")
        expect(banner).to_contain_text("the study cannot open yet")
        expect(banner).not_to_contain_text("does not admit")
        expect(page.locator("h1")).to_have_text("Settings of Tiny study")
        assert accessibility_violations(page) == []

        # Fewer cases, Open still ticked: saved open, and the banner says so.
        page.get_by_label("Human-written test cases per participant").fill("6")
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator(".dash-messages")).to_contain_text("Settings saved.")
        page.goto(f"{live_server.url}/dashboard/{world.study.slug}/settings/")
        expect(page.locator("#readiness")).to_have_text("Ready: the link admits new participants.")
        browser.close()
    world.study.refresh_from_db()
    assert world.study.is_open and world.study.title == "Tiny study, renamed"


def test_a_browser_that_withdrew_and_started_again_is_one_repeat(
    world: World, live_server: Any, posts_like_a_browser: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One browser: declines, starts again and withdraws, starts again and declines, starts
    once more. Its last two starts are flagged (the browser took part before); the study list
    counted them as two repeat takers."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ensure_builtin_items()
    Study.objects.filter(pk=world.study.pk).update(
        is_open=True, repeat_policy=Study.RepeatPolicy.FLAG
    )
    landing, flow = f"/s/{world.study.slug}/", f"/s/{world.study.slug}/flow/"
    one_browser = Client()
    for answer in ("decline", "withdraw", "decline", "agree"):
        assert one_browser.post(landing, {}).status_code == 302
        consent = "decline" if answer == "decline" else "agree"
        assert one_browser.post(flow, {"step": "consent", "consent": consent}).status_code == 302
        if answer == "withdraw":
            one_browser.post(f"/s/{world.study.slug}/withdraw/", {"how": "session"})
        one_browser.cookies.pop(f"bt_{world.study.slug}", None)
    flagged = Participant.objects.filter(study=world.study, repeat_suspected=True)
    assert flagged.count() == 2  # the starts after the first decline, the withdrawn one erased
    connection.close()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=DESKTOP)
        log_in(page, live_server.url, world.researcher.username)  # type: ignore[attr-defined]
        row = page.locator("tr", has=page.get_by_role("link", name="Tiny study"))
        repeats = page.locator("th").all_inner_texts().index("Repeats?")
        expect(row.locator("td").nth(repeats)).to_have_text("1")
        browser.close()


def test_a_queued_run_shows_its_time_left_before_its_first_chunk(
    world: World, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 28: a queued run said "time left known after its first chunk" though the model's
    earlier run had shown its pace (4 items in 40 s; 6 to score: about 1 min)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    items = world.items[:6]
    smol = Scorer.objects.create(name="smol", display_name="SmolLM2", model_source="local/smol")
    earlier = run_make(scorer=smol, items=items[:4], status="succeeded", study=world.study)
    scores_make(scorer=smol, ppl={item: (1.0, 2.0) for item in items[:4]}, run=earlier)
    start = timezone.now() - timedelta(hours=1)
    ScoreRun.objects.filter(pk=earlier.pk).update(
        started_at=start, finished_at=start + timedelta(seconds=40)
    )
    run_make(scorer=smol, items=items, status="queued", study=world.study)
    connection.close()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=DESKTOP)
        log_in(page, live_server.url, world.researcher.username)  # type: ignore[attr-defined]
        page.goto(f"{live_server.url}/dashboard/{world.study.slug}/")
        queue = page.locator("#runs-list .run-queued .run-queue")
        expect(queue).to_contain_text("about 1 min left (estimated from this model's earlier runs)")
        expect(queue).not_to_contain_text("known after its first chunk")
        browser.close()


FIRST_CHART_DRAWN = """() => {
  const svg = document.querySelector('#chart-headline .main-svg');
  return svg ? performance.now() : null;
}"""


EVERY_CHART_DRAWN = """() => {
  const charts = [...document.querySelectorAll('.chart')];
  const drawn = charts.length && charts.every(c => c.querySelector('.main-svg'));
  return drawn ? performance.now() : null;
}"""


def test_humans_against_models_is_drawn_on_the_first_screen(
    world: World, live_server: Any, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 1280x900 the headline chart is drawn on the first screen; then every chart, the reader
    staying on the first screen (the page draws the others while the browser is idle). The
    times are printed (the issue's targets, 1 s and 2 s, are for a warm production server:
    bench/dashboard_browser.py); the test bounds them loosely."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=DESKTOP)
        log_in(page, live_server.url, world.researcher.username)  # type: ignore[attr-defined]
        url = f"{live_server.url}/dashboard/{world.study.slug}/"
        page.goto(url)  # plotly.js and the report cached, as a researcher's second visit
        page.locator("#chart-headline .main-svg").first.wait_for(timeout=20_000)
        page.goto(url)
        first_ms = float(page.wait_for_function(FIRST_CHART_DRAWN, timeout=20_000).json_value())
        page.screenshot(path=str(output_dir / "first-screen.png"))
        # Its bars and the models' names are on the screen (the caption may run below).
        for part in ("#chart-headline .bars", "#chart-headline .xtick"):
            found = page.locator(part).last.bounding_box()
            assert found is not None and found["y"] + found["height"] <= DESKTOP["height"], part
        # The charts below the first screen are drawn without the reader scrolling to them.
        every_ms = float(page.wait_for_function(EVERY_CHART_DRAWN, timeout=20_000).json_value())
        assert page.evaluate("window.scrollY") == 0
        faults = charts_read_whole(page)
        assert faults == [], "; ".join(faults)
        print(f"headline chart drawn {first_ms:.0f} ms, every chart {every_ms:.0f} ms")
        assert first_ms < 5_000 and every_ms < 10_000, (first_ms, every_ms)
        browser.close()


def test_researcher_pages_fit_a_phone(
    world: World, live_server: Any, output_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 28: at 360 px the study list was 844 px wide and the study page 605 px. Each
    researcher page fits, passes axe, and on the study page no chart's toolbar covers its
    legend and no model name is cut."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    world.researcher.user_permissions.add(  # type: ignore[attr-defined]
        *Permission.objects.filter(codename__in=["add_study", "change_study"])
    )
    slug = world.study.slug
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=PHONE)
        log_in(page, live_server.url, world.researcher.username)  # type: ignore[attr-defined]
        for name, path in (
            ("list", "/dashboard/"),
            ("study", f"/dashboard/{slug}/"),
            ("settings", f"/dashboard/{slug}/settings/"),
            ("items", f"/dashboard/{slug}/items/"),
            ("participants", f"/dashboard/{slug}/participants/"),
            ("new", "/dashboard/studies/new/"),
        ):
            page.goto(live_server.url + path)
            if name == "study":
                for chart in page.locator(".chart").all():
                    chart.scroll_into_view_if_needed()
                    chart.locator(".main-svg").first.wait_for(timeout=20_000)
                for card in ("split-section", "agreement", "timeline"):
                    shot = output_dir / f"phone-chart-{card}.png"
                    page.locator(f"#card-{card}").screenshot(path=str(shot))
                faults = charts_read_whole(page)
                assert faults == [], "; ".join(faults)
            wider = scrolls_sideways(page)
            page.screenshot(path=str(output_dir / f"phone-{name}.png"), full_page=True)
            assert wider == [], f"{path} scrolls sideways at 360 px: {wider[:6]}"
            assert accessibility_violations(page) == [], path
        browser.close()


CHART_FAULTS = """() => {
  const faults = [];
  const overlap = (a, b) => a.left < b.right - 1 && b.left < a.right - 1
    && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  document.querySelectorAll('.chart').forEach((chart) => {
    const box = chart.getBoundingClientRect();
    const bar = chart.querySelector('.modebar');
    const legend = chart.querySelector('.legend');
    if (bar && legend && getComputedStyle(bar).display !== 'none'
        && overlap(bar.getBoundingClientRect(), legend.getBoundingClientRect())) {
      faults.push(chart.id + ': the toolbar covers the legend');
    }
    if (legend) {
      const key = legend.getBoundingClientRect();
      chart.querySelectorAll('.xtick text, .g-xtitle text').forEach((t) => {
        if (overlap(key, t.getBoundingClientRect())) {
          faults.push(chart.id + ': the legend covers ' + t.textContent);
        }
      });
    }
    const ticks = [...chart.querySelectorAll('.xtick text, .ytick text')];
    ticks.forEach((t) => {
      const r = t.getBoundingClientRect();
      if (r.width && (r.left < box.left - 1 || r.right > box.right + 1)) {
        faults.push(chart.id + ': label cut: ' + t.textContent);
      }
    });
    const xs = [...chart.querySelectorAll('.xtick text')].map((t) => t.getBoundingClientRect())
      .filter((r) => r.width);
    for (let i = 1; i < xs.length; i++) {
      if (overlap(xs[i - 1], xs[i])) { faults.push(chart.id + ': x labels overlap'); break; }
    }
  });
  return faults;
}"""


def charts_read_whole(page: Page) -> list[str]:
    """Charts whose toolbar covers the legend, or whose axis labels are cut or overlap."""
    return list(page.evaluate(CHART_FAULTS))
