"""What the dashboard writes: its cache of study reports, computed in the request or by a task."""

from __future__ import annotations

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
# so a stale report is never served for longer.
REFRESH_WAIT_SECONDS = 60


def study_report_refresh(
    *, study: Study, rules: ExclusionRules | None = None, version: str | None = None
) -> StudyReport:
    """Compute the study's report under ``rules`` (None: its own) and cache it for its data
    ``version`` (None: the current one); under its own rules, also as the study's latest."""
    from braintrial.dashboard.selectors import (
        report_cache_key,
        report_latest_key,
        study_data_version,
    )

    version = version or study_data_version(study=study)
    report = study_report(study=study, rules=rules)
    entries: dict[str, Any] = {
        report_cache_key(study_id=study.pk, rules=rules, version=version): report
    }
    if rules is None:
        entries[report_latest_key(study_id=study.pk)] = version
    cache.set_many(entries, REPORT_CACHE_SECONDS)
    return report


def study_report_refresh_enqueue(*, study_id: int) -> bool:
    """Hand the study's report to the background task (once at a time per study); False when
    the queue cannot take it (the caller then computes it itself)."""
    from braintrial.dashboard.tasks import study_report_compute

    if not settings.DASHBOARD_BACKGROUND_REPORTS:
        return False
    lock = _refresh_lock(study_id)
    now = time.time()
    if not cache.add(lock, now, REFRESH_WAIT_SECONDS * 10):
        handed_at = cache.get(lock)
        if handed_at is not None and now - handed_at < REFRESH_WAIT_SECONDS:
            return True  # handed over already, and recently
        cache.delete(lock)
        return False
    try:
        study_report_compute.apply_async(args=[study_id], retry=False)
    except (BrokerError, OSError) as exc:
        logger.warning("Report of study %s not queued, computed in the request: %s", study_id, exc)
        cache.delete(lock)
        return False
    return True


def study_report_refresh_done(*, study_id: int) -> None:
    cache.delete(_refresh_lock(study_id))


def _refresh_lock(study_id: int) -> str:
    return f"dashboard:report-refreshing:{study_id}"


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
