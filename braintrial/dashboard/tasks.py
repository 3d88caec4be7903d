"""Background work of the dashboard: study reports computed before anyone asks for them.

On the ``reports`` queue, which the app's worker consumes beside ``scoring``. Idempotent: a
second computation of the same data version writes the same report.
"""

from __future__ import annotations

from celery import shared_task

from braintrial.dashboard import services
from braintrial.studies.models import Study


@shared_task(name="braintrial.dashboard.tasks.study_report_compute", ignore_result=True)
def study_report_compute(study_id: int) -> None:
    try:
        study = Study.objects.filter(pk=study_id).first()
        if study is not None:
            services.study_report_refresh(study=study)
    finally:
        services.study_report_refresh_done(study_id=study_id)
