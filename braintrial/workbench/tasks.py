"""Celery tasks of the workbench: a model drafts an item on a scoring worker (where the models
are loaded); routed to the ``scoring`` queue by settings and by the task itself."""

from __future__ import annotations

from celery import shared_task

from braintrial.workbench.drafting import draft_model_process


@shared_task(
    name="braintrial.workbench.tasks.draft_generate",
    queue="scoring",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def draft_generate(draft_id: int) -> str:
    """Generate one model draft (idempotent: see ``draft_model_process``)."""
    return draft_model_process(draft_id=draft_id)
