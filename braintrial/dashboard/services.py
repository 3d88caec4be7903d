"""What the dashboard writes: its cache of study reports, computed in the request or by a task."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from kombu.exceptions import OperationalError as BrokerError

from braintrial.analysis.rules import ExclusionRules
from braintrial.analysis.selectors import study_report
from braintrial.analysis.types import StudyReport
from braintrial.studies.models import Study

logger = logging.getLogger(__name__)

# The report is recomputed only when its data version changes; the timeout only bounds how long
# keys of old versions linger in the cache. A day: the paper's analyses (leave-one-out team fits)
# take seconds on a study the size of the published one, whose data never changes.
REPORT_CACHE_SECONDS = 24 * 3600
# One background computation per study at a time. One not done within this time (no worker
# consumes the reports queue, or it crashed) is given up: the next request computes it itself,
# so a stale report is never served for longer. The model fits of a study of 100,000 trials
# take about 45 s on a 2-core machine.
REFRESH_WAIT_SECONDS = 300


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
    from braintrial.dashboard.selectors import (
        report_cache_key,
        report_latest_key,
        study_data_version,
    )

    version = version or study_data_version(study=study)
    report = study_report(
        study=study, rules=rules, science=rules is None if science is None else science
    )
    entries: dict[str, Any] = {
        report_cache_key(study_id=study.pk, rules=rules, version=version): report
    }
    if rules is None:
        entries[report_latest_key(study_id=study.pk)] = version
    cache.set_many(entries, REPORT_CACHE_SECONDS)
    return report


def study_report_background(*, study: Study, rules: ExclusionRules | None = None) -> None:
    """What the background task computes. Under other rules, the report without the model fits
    (``study_report_refresh``'s default). Under the study's own rules, the whole report; where
    nothing of the study is cached yet, first the report without the fits, which the page shows
    at once (half a second at 100,000 trials, against about 45 s for the fits)."""
    from braintrial.dashboard.selectors import report_latest_key, study_data_version

    if rules is not None:
        study_report_refresh(study=study, rules=rules)
        return
    version = study_data_version(study=study)
    if cache.get(report_latest_key(study_id=study.pk)) is None:
        study_report_refresh(study=study, version=version, science=False)
    study_report_refresh(study=study, version=version, science=True)


def study_report_refresh_enqueue(*, study_id: int, rules: ExclusionRules | None = None) -> bool:
    """Hand the study's report under ``rules`` (None: its own) to the background task (once at
    a time per study and rules); False when the queue cannot take it (the caller then computes
    it itself)."""
    from braintrial.dashboard.tasks import study_report_compute

    if not settings.DASHBOARD_BACKGROUND_REPORTS:
        return False
    lock = _refresh_lock(study_id, rules)
    now = time.time()
    if not cache.add(lock, now, REFRESH_WAIT_SECONDS * 10):
        handed_at = cache.get(lock)
        if handed_at is not None and now - handed_at < REFRESH_WAIT_SECONDS:
            return True  # handed over already, and recently
        cache.delete(lock)
        return False
    arguments = [study_id] if rules is None else [study_id, rules.as_dict()]
    try:
        study_report_compute.apply_async(args=arguments, retry=False)
    except (BrokerError, OSError) as exc:
        logger.warning("Report of study %s not queued, computed in the request: %s", study_id, exc)
        cache.delete(lock)
        return False
    return True


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
    from braintrial.dashboard.selectors import report_latest_key

    if not settings.DASHBOARD_BACKGROUND_REPORTS:
        return 0
    recent = Study.objects.order_by("-updated_at").values_list("pk", flat=True)[:WARM_AT_START]
    missing = [pk for pk in recent if cache.get(report_latest_key(study_id=pk)) is None]
    return sum(study_report_refresh_enqueue(study_id=pk) for pk in missing)
