"""The study report is computed in the background when the data changes: a researcher gets the
latest report at once (marked as being updated) instead of waiting for the new one."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from braintrial.analysis.rules import RULES, ExclusionRules
from braintrial.dashboard import services
from braintrial.dashboard.charts.science import PENDING
from braintrial.dashboard.tasks import study_report_compute
from braintrial.participants.models import Participant
from braintrial.participants.services.withdrawal import participant_withdraw
from tests.factories import participant_make, trial_make

from .conftest import World, login

pytestmark = pytest.mark.django_db
RULE_NAMES = [rule.name for rule in RULES]


@pytest.fixture(autouse=True)
def in_background(settings) -> None:
    settings.DASHBOARD_BACKGROUND_REPORTS = True


def _answer_one_more(world: World) -> None:
    person, _ = participant_make(world.study, 7, status=Participant.Status.COMPLETED)
    trial_make(person, world.items[0], 1, correct=True)


def test_no_request_waits_for_a_report_the_worker_can_compute(
    world: World, handed_over: list[int]
) -> None:
    """A study never computed: the page says the figures are being computed and polls; the
    worker computes the report without its model fits first (served at once, the ability chart
    and the items-and-models page saying the fits are coming), then the whole."""
    client = login(world.researcher)
    data_url = reverse("dashboard:study_data", args=[world.study.slug])
    page = client.get(reverse("dashboard:study_detail", args=[world.study.slug]))
    assert page.context["payload"]["updating"] is True
    assert page.context["payload"]["figures"]["charts"] == []
    assert b"being computed in the background" in page.content
    first = client.get(data_url).json()
    assert first["updating"] is True and first["report"] is None
    assert first["state"] == "computing" and handed_over == [world.study.pk]
    science_page = client.get(reverse("dashboard:study_science", args=[world.study.slug]))
    assert science_page.status_code == 200 and science_page.context["pending"] is True
    assert b'http-equiv="refresh"' in science_page.content

    # The worker's first step: the report without the model fits, served at once.
    services.study_report_refresh(study=world.study, science=False)
    partial = client.get(data_url).json()  # the page sends no "since" until it is current
    assert partial["updating"] is True and partial["report"]["science"] is None
    assert partial["report"]["participation"]["answered_trials"] > 0
    assert partial["state"] == "fitting"
    ability = next(c for c in partial["figures"]["charts"] if c["id"] == "ability")
    assert ability["caption"] == PENDING
    assert handed_over == [world.study.pk]  # asked again meanwhile: handed over once

    study_report_compute(world.study.pk)  # what the worker runs
    whole = client.get(data_url).json()
    assert whole["updating"] is False and whole["report"]["science"] is not None
    assert whole["state"] == "current" and whole["version"] == partial["version"]
    assert client.get(data_url, {"since": whole["version"]}).json()["unchanged"] is True
    science_page = client.get(reverse("dashboard:study_science", args=[world.study.slug]))
    assert "pending" not in science_page.context
    assert b'http-equiv="refresh"' not in science_page.content


def test_other_rules_are_computed_by_the_worker_without_the_model_fits(
    world: World, handed_over: list[int]
) -> None:
    client = login(world.researcher)
    data_url = reverse("dashboard:study_data", args=[world.study.slug])
    asked = client.get(data_url, {"rules": "custom"}).json()  # every rule off
    assert asked["updating"] is True and asked["report"] is None
    assert handed_over == [world.study.pk]
    every_rule_off = ExclusionRules.from_study(world.study).as_dict()
    every_rule_off.update(dict.fromkeys(RULE_NAMES, False))
    study_report_compute(world.study.pk, every_rule_off)  # what the worker runs
    other = client.get(data_url, {"rules": "custom"}).json()
    assert other["updating"] is False and other["report"]["science"] is None
    assert other["report"]["rules"]["failed_catch"] is False


def test_new_data_serves_the_latest_report_while_the_new_one_is_computed(
    world: World, handed_over: list[int]
) -> None:
    client = login(world.researcher)
    data_url = reverse("dashboard:study_data", args=[world.study.slug])
    client.get(data_url)
    study_report_compute(world.study.pk)  # the worker: the whole report of these data
    first = client.get(data_url).json()
    assert first["updating"] is False and first["report"]["science"] is not None
    answered = first["report"]["participation"]["answered_trials"]
    handed_over.clear()

    _answer_one_more(world)
    stale = client.get(data_url).json()
    # At once, the latest report under its own version (so the page asks again), and the
    # computation handed over once however often the page asks meanwhile.
    assert stale["updating"] is True and stale["version"] == first["version"]
    assert stale["report"]["participation"]["answered_trials"] == answered
    client.get(data_url)
    assert handed_over == [world.study.pk]

    study_report_compute(world.study.pk)  # what the worker runs
    fresh = client.get(data_url).json()
    assert fresh["updating"] is False and fresh["version"] != first["version"]
    assert fresh["report"]["participation"]["answered_trials"] == answered + 1
    page = client.get(reverse("dashboard:study_detail", args=[world.study.slug]))
    assert page.context["payload"]["version"] == fresh["version"]


def test_without_a_queue_the_request_computes_the_report_itself(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kombu.exceptions import OperationalError

    def broker_down(*, arguments: list[Any], countdown: float) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(services, "report_task_send", broker_down)
    cache.clear()
    client = login(world.researcher)
    data_url = reverse("dashboard:study_data", args=[world.study.slug])
    answered = client.get(data_url).json()["report"]["participation"]["answered_trials"]
    _answer_one_more(world)
    now = client.get(data_url).json()
    assert now["updating"] is False and now["report"]["science"] is not None
    assert now["report"]["participation"]["answered_trials"] == answered + 1


def test_a_handover_nobody_takes_up_is_given_up(world: World, handed_over: list[int]) -> None:
    """No worker consumes the reports queue: after REFRESH_WAIT_SECONDS the request computes
    the report itself, so stale figures are never served for longer."""
    client = login(world.researcher)
    data_url = reverse("dashboard:study_data", args=[world.study.slug])
    client.get(data_url)
    _answer_one_more(world)
    assert client.get(data_url).json()["updating"] is True
    lock = f"dashboard:report-refreshing:{world.study.pk}"
    waited = services.REFRESH_WAIT_SECONDS + services.RECOMPUTE_EVERY_SECONDS + 1
    cache.set(lock, cache.get(lock) - waited)
    assert client.get(data_url).json()["updating"] is False


def test_a_starting_worker_queues_the_reports_nobody_has_computed(
    world: World, handed_over: list[int]
) -> None:
    login(world.researcher).get(reverse("dashboard:study_data", args=[world.study.slug]))
    study_report_compute(world.study.pk)
    handed_over.clear()
    assert services.study_reports_refresh_recent() == 1  # the other study: never computed
    assert handed_over == [world.other_study.pk]


def test_while_data_keep_coming_the_report_is_recomputed_at_most_once_a_minute(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A launch: answers arrive every few seconds. The recompute after a report is handed over
    to run a minute after that report, not at once, and the page says so."""
    sent: list[float] = []

    def send(*, arguments: list[Any], countdown: float) -> None:
        sent.append(countdown)

    monkeypatch.setattr(services, "report_task_send", send)
    cache.clear()
    client = login(world.researcher)
    data_url = reverse("dashboard:study_data", args=[world.study.slug])
    client.get(data_url)
    study_report_compute(world.study.pk)  # the worker: the first report, at once
    assert sent == [0.0]
    for _ in range(3):  # answers keep coming, the page keeps polling
        _answer_one_more(world)
        stale = client.get(data_url).json()
        assert stale["state"] == "updating"
    assert len(sent) == 2, "one recompute handed over for the three new answers"
    # A minute after the first report was computed (less the seconds this test took).
    assert services.RECOMPUTE_EVERY_SECONDS / 2 < sent[1] <= services.RECOMPUTE_EVERY_SECONDS
    page = client.get(reverse("dashboard:study_detail", args=[world.study.slug]))
    assert "recomputing the figures (at most once a minute)" in page.content.decode()
    script = (services.settings.BASE_DIR / "static/dashboard/dashboard.js").read_text()
    assert "at most once a minute" in script  # what the page's poll says meanwhile


def test_a_withdrawal_drops_every_cached_report_of_its_study_at_once(
    world: World, handed_over: list[int]
) -> None:
    """No worker runs: after a withdrawal the page shows no report holding the withdrawn
    answers (the old one stayed served for minutes before)."""
    client = login(world.researcher)
    data_url = reverse("dashboard:study_data", args=[world.study.slug])
    client.get(data_url)
    study_report_compute(world.study.pk)
    before = client.get(data_url).json()
    answered = before["report"]["participation"]["answered_trials"]
    person = Participant.objects.filter(study=world.study).first()
    n_answers = person.trials.exclude(correct__isnull=True).filter(kind="test").count()
    assert n_answers > 0

    participant_withdraw(
        study=world.study,
        now=timezone.now(),
        participant=person,
        requested_by="researcher",
        actor=world.researcher,
    )

    after = client.get(data_url).json()  # the reports worker is stopped: nothing recomputes
    shown = after["report"]
    assert shown is None or shown["participation"]["answered_trials"] <= answered - n_answers
    page = client.get(reverse("dashboard:study_detail", args=[world.study.slug]))
    assert page.context["payload"]["figures"]["charts"] == []
    assert client.get(reverse("api:summary", args=[world.study.slug])).status_code == 202


def test_the_summary_api_is_served_from_the_background_report(
    world: World, handed_over: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """GET /api/studies/<slug>/summary/ never computes the whole report in the request."""
    from braintrial.dashboard import services as report_service

    computed: list[int] = []
    real = report_service.study_report

    def counted(**kwargs: Any) -> Any:
        computed.append(1)
        return real(**kwargs)

    monkeypatch.setattr(report_service, "study_report", counted)
    client = login(world.researcher)
    url = reverse("api:summary", args=[world.study.slug])
    waiting = client.get(url)
    assert waiting.status_code == 202 and waiting["Retry-After"] == "5"
    assert computed == [] and handed_over == [world.study.pk]
    study_report_compute(world.study.pk)  # the worker
    computed.clear()
    served = client.get(url)
    assert served.status_code == 200 and served["X-Report-State"] == "current"
    assert served.json()["participation"]["answered_trials"] > 0
    assert computed == []


def test_the_report_selectors_services_and_tasks_import_no_circle() -> None:
    """Selectors read (they import neither services nor tasks); services hand the task over by
    name (they do not import tasks); tasks import services."""
    import ast
    from pathlib import Path

    folder = Path(services.__file__).parent

    def imported(name: str) -> set[str]:
        tree = ast.parse((folder / f"{name}.py").read_text())
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        return found

    selectors = imported("selectors")
    assert not {"braintrial.dashboard.services", "braintrial.dashboard.tasks"} & selectors
    assert not {"braintrial.dashboard.tasks"} & imported("services")
    assert "braintrial.dashboard.services" in imported("tasks")
