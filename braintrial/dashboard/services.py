"""The study report as one service: what the dashboard, the science page and the summary API
serve, the cache it is kept in, and its computation in the background.

Only this module writes the report cache; braintrial.dashboard.selectors reads it. The
background task (braintrial.dashboard.tasks) is handed its work by name on the ``reports``
queue, so the task imports this module and not the other way round.

What a request is served (``study_report_served``), under the study's own rules:

* ``current``: the report of the current data, model fits included;
* ``updating``: the latest report while the worker computes the new one (new data come in), at
  most one recompute per study a minute (``RECOMPUTE_EVERY_SECONDS``) however fast they come;
* ``fitting``: the report of the current data without its model fits, which the worker is
  making;
* ``computing``: nothing is cached yet; the page says the figures are being computed.

The state is part of what is served, never part of the version. A withdrawal makes every
report computed before it unservable at once (no figure shows a withdrawn person's answers).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any, Literal, TypedDict

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from kombu.exceptions import OperationalError as BrokerError

from braintrial.analysis.rules import ExclusionRules
from braintrial.analysis.selectors import study_report
from braintrial.analysis.types import StudyReport
from braintrial.brainbench.names import STUDY_SLUG
from braintrial.dashboard import charts
from braintrial.dashboard.selectors import (
    LatestReport,
    report_cache_key,
    report_latest_key,
    study_data_version,
    study_report_latest,
    study_report_read,
    study_withdrawn_count,
)
from braintrial.studies.models import Study

logger = logging.getLogger(__name__)

# The report is recomputed only when its data version changes; the timeout only bounds how long
# keys of old versions linger in the cache.
REPORT_CACHE_SECONDS = 24 * 3600
# One background computation per study at a time. One not done within this time (no worker
# consumes the reports queue, or it crashed) is given up: the next request computes it itself,
# so a stale report is never served for longer. The model fits of a study of 100,000 trials
# take about 45 s on a 2-core machine.
REFRESH_WAIT_SECONDS = 300
# While data keep coming (a launch), the report is recomputed at most once a minute per study:
# each recompute takes seconds of CPU that the participants' requests need more.
RECOMPUTE_EVERY_SECONDS = 60
REPORT_TASK = "braintrial.dashboard.tasks.study_report_compute"

ReportState = Literal["current", "updating", "fitting", "computing"]


class ServedReport(TypedDict):
    version: str  # the data version of the report served ("" while none is cached)
    state: ReportState
    report: StudyReport | None


def study_report_refresh(
    *,
    study: Study,
    rules: ExclusionRules | None = None,
    version: str | None = None,
    science: bool | None = None,
) -> StudyReport:
    """Compute the study's report under ``rules`` (None: its own) and cache it for its data
    ``version`` (None: the current one); under its own rules, also as the study's latest.
    ``science`` (the model fits, ``analysis.selectors.study_report``): by default under the
    study's own rules only."""
    version = version or study_data_version(study=study)
    latest: LatestReport = {
        "version": version,
        "withdrawn": study_withdrawn_count(study=study),
        "computed_at": time.time(),
    }
    report = study_report(
        study=study,
        rules=rules,
        science=rules is None if science is None else science,
        # The paper's leave-one-out team fits only where the paper's panel is shown.
        leave_one_out=study.slug == STUDY_SLUG,
    )
    entries: dict[str, Any] = {
        report_cache_key(study_id=study.pk, rules=rules, version=version): report
    }
    if rules is None:
        entries[report_latest_key(study_id=study.pk)] = latest
    cache.set_many(entries, REPORT_CACHE_SECONDS)
    return report


def study_reports_forget(*, study_id: int) -> None:
    """Serve none of the study's cached reports again (a withdrawal erased answers in them)."""
    cache.delete(report_latest_key(study_id=study_id))


def study_report_served(
    *, study: Study, rules: ExclusionRules | None = None, version: str | None = None
) -> ServedReport:
    """The report of ``study`` under ``rules`` (None: its own) that a request is served, and its
    state (see the module's docstring). No request waits for a report a worker can compute;
    only where no queue takes the work does the request compute it itself. ``version``: the
    study's data version where the caller has just read it."""
    version = version or study_data_version(study=study)
    if rules == ExclusionRules.from_study(study):
        rules = None  # the study's own view, whether or not the page spelled its rules out
    served, report = version, study_report_read(study_id=study.pk, rules=rules, version=version)
    latest = study_report_latest(study_id=study.pk) if rules is None else None
    if latest is not None and latest["withdrawn"] != study_withdrawn_count(study=study):
        study_reports_forget(study_id=study.pk)  # it holds answers erased since
        latest, report = None, None
    if report is None and latest is not None:
        served = latest["version"]
        report = study_report_read(study_id=study.pk, rules=None, version=served)
    whole = report is not None and (rules is not None or report["science"] is not None)
    if whole and served == version:
        return {"version": version, "state": "current", "report": report}
    computed_at = latest["computed_at"] if latest is not None else 0.0
    if study_report_refresh_enqueue(study_id=study.pk, rules=rules, after=computed_at):
        state: ReportState = (
            "computing" if report is None else "fitting" if served == version else "updating"
        )
        return {"version": served if report is not None else "", "state": state, "report": report}
    # No queue to hand it to: compute it here after all.
    report = study_report_refresh(study=study, rules=rules, version=version)
    return {"version": version, "state": "current", "report": report}


def study_page_data(
    *,
    study: Study,
    rules: ExclusionRules | None = None,
    source: str = "human",
    since: str | None = None,
) -> dict[str, Any]:
    """The analysis report and its figures for the study page.

    ``rules``: None means the study's own rules. ``source``: the items the charts show
    ("human", "gpt4" or "all"). The result is JSON-serialisable:
    {"version", "state", "updating", "source", "report", "figures": {"summary": [...],
    "charts": [...]}}; when ``since`` is the current version and the page holds its whole report
    (it sends ``since`` only then), only {"version", "unchanged": True} (a cheap poll).
    """
    current = study_data_version(study=study)
    if since == current:
        return {"version": current, "state": "current", "unchanged": True}
    # Only the report is cached: the figures are cheap to build from it (bench/dashboard.py
    # times both), so switching the item set costs next to nothing and a new release never
    # serves stale figures.
    served = study_report_served(study=study, rules=rules, version=current)
    report = served["report"]
    figures = (
        {"summary": [], "exclusions": [], "charts": [], "reproduction": None}
        if report is None
        else charts.figures_from_report(report=report, source=source)
    )
    return {
        "version": served["version"],
        "state": served["state"],
        "updating": served["state"] != "current",
        "source": source,
        "report": report,
        "figures": figures,
    }


def study_report_background(*, study: Study, rules: ExclusionRules | None = None) -> None:
    """What the background task computes. Under other rules, the report without the model fits
    (``study_report_refresh``'s default). Under the study's own rules, the whole report; where
    nothing of the study is cached yet, first the report without the fits, which the page shows
    at once (half a second at 100,000 trials, against about 45 s for the fits)."""
    if rules is not None:
        study_report_refresh(study=study, rules=rules)
        return
    version = study_data_version(study=study)
    if study_report_latest(study_id=study.pk) is None:
        study_report_refresh(study=study, version=version, science=False)
    study_report_refresh(study=study, version=version, science=True)


def study_report_refresh_enqueue(
    *, study_id: int, rules: ExclusionRules | None = None, after: float = 0.0
) -> bool:
    """Hand the study's report under ``rules`` (None: its own) to the background task (once at
    a time per study and rules), to run no sooner than RECOMPUTE_EVERY_SECONDS after ``after``
    (when the latest report was computed); False when the queue cannot take it (the caller then
    computes it itself)."""
    if not settings.DASHBOARD_BACKGROUND_REPORTS:
        return False
    lock = _refresh_lock(study_id, rules)
    now = time.time()
    if not cache.add(lock, now, REFRESH_WAIT_SECONDS * 10):
        handed_at = cache.get(lock)
        wait = REFRESH_WAIT_SECONDS + RECOMPUTE_EVERY_SECONDS
        if handed_at is not None and now - handed_at < wait:
            return True  # handed over already, and recently
        cache.delete(lock)
        return False
    arguments = [study_id] if rules is None else [study_id, rules.as_dict()]
    countdown = max(0.0, after + RECOMPUTE_EVERY_SECONDS - now)
    try:
        report_task_send(arguments=arguments, countdown=countdown)
    except (BrokerError, OSError) as exc:
        logger.warning("Report of study %s not queued, computed in the request: %s", study_id, exc)
        cache.delete(lock)
        return False
    return True


def report_task_send(*, arguments: list[Any], countdown: float) -> None:
    """Put the report task on the ``reports`` queue (by name: settings.CELERY_TASK_ROUTES)."""
    current_app.send_task(
        REPORT_TASK, args=arguments, countdown=countdown or None, retry=False, queue="reports"
    )


def study_report_refresh_done(*, study_id: int, rules: ExclusionRules | None = None) -> None:
    cache.delete(_refresh_lock(study_id, rules))


def _refresh_lock(study_id: int, rules: ExclusionRules | None) -> str:
    if rules is None:
        return f"dashboard:report-refreshing:{study_id}"
    blob = json.dumps(rules.as_dict(), sort_keys=True).encode()
    return f"dashboard:report-refreshing:{study_id}:{hashlib.sha1(blob).hexdigest()}"


# Studies whose reports a starting worker computes: the most recently changed ones.
WARM_AT_START = 20


def study_reports_refresh_recent() -> int:
    """Hand the reports of the most recently changed studies without a cached report to the
    background task (a worker starting on an empty cache); returns how many."""
    if not settings.DASHBOARD_BACKGROUND_REPORTS:
        return 0
    recent = Study.objects.order_by("-updated_at").values_list("pk", flat=True)[:WARM_AT_START]
    missing = [pk for pk in recent if study_report_latest(study_id=pk) is None]
    return sum(study_report_refresh_enqueue(study_id=pk) for pk in missing)
