"""Background work of the dashboard: study reports computed before anyone asks for them.

On the ``reports`` queue, which a worker of its own consumes: a report never waits behind a
scoring chunk. Handed over by name (services.REPORT_TASK), so this module imports the services
and not the other way round. Idempotent: a second computation of the same data version writes
the same report.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.db import connections

from braintrial.analysis.rules import ExclusionRules
from braintrial.dashboard import services
from braintrial.studies.models import Study

logger = logging.getLogger(__name__)


@shared_task(name="braintrial.dashboard.tasks.study_report_compute", ignore_result=True)
def study_report_compute(study_id: int, rules: dict[str, Any] | None = None) -> None:
    """The study's report under ``rules`` (``ExclusionRules.as_dict``; None: its own)."""
    chosen = None if rules is None else ExclusionRules(**rules)
    try:
        study = Study.objects.filter(pk=study_id).first()
        if study is not None:
            services.study_report_background(study=study, rules=chosen)
    finally:
        services.study_report_refresh_done(study_id=study_id, rules=chosen)


@worker_ready.connect
def _reports_warm_on_worker_start(sender: Any = None, **kwargs: Any) -> None:
    """After a deploy or a cache flush nothing is cached: the worker computes the latest studies'
    reports before a researcher asks for them (the published study's takes seconds)."""
    try:
        handed = services.study_reports_refresh_recent()
    except Exception:  # a worker must start even when the database or cache is briefly away
        logger.exception("Could not queue the study reports at worker start")
        return
    finally:
        connections.close_all()  # the pool's children must not share this connection
    if handed:
        logger.info("Queued the reports of %d studies", handed)
