"""Drafts written by a language model on the scoring workers, held to the same checks.

An author marks the results passage and asks a model (a scorer with a ``DraftPrompt``) for an
altered version. The task (``workbench.tasks.draft_generate``) renders the model's prompt with
the abstract and the passage, and the model's greedy continuation replaces the passage. A draft
that passes every check is submitted for review under its author's name; one that fails a check
is kept as drafted, the failing checks shown, for its author to fix: never accepted by itself.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from braintrial.items.models import Item
from braintrial.workbench.authoring import (
    AuthoringError,
    Passage,
    altered_clean,
    draft_checks,
    passage_check,
)
from braintrial.workbench.drafts import DraftError, draft_record, role_require
from braintrial.workbench.models import (
    PROMPT_ABSTRACT_SLOT,
    PROMPT_PASSAGE_SLOT,
    Candidate,
    Draft,
    DraftPrompt,
    Role,
)
from braintrial.workbench.roles import length_change_percent
from scoring.models import Scorer
from scoring.services import engines
from scoring.services.queue import QueueUnavailable, score_queue_check

logger = logging.getLogger(__name__)


def draft_prompt_render(*, template: str, abstract: str, passage: str) -> str:
    """The prompt the model reads: the template with the abstract and the passage put in."""
    return template.replace(PROMPT_ABSTRACT_SLOT, abstract).replace(PROMPT_PASSAGE_SLOT, passage)


def drafted_passage_clean(text: str) -> str:
    """The model's continuation as a passage: its first paragraph, white space collapsed (a
    model that goes on past the passage writes a new paragraph, not more of it)."""
    first = text.strip().split("\n\n", 1)[0]
    return " ".join(first.split())


def drafting_scorers() -> list[Scorer]:
    """The models a draft may be asked of: scorers that have a drafting prompt."""
    return list(Scorer.objects.filter(draft_prompt__isnull=False, is_published=False))


def draft_model_request(
    *, author: User, candidate: Candidate, start: object, end: object, scorer_id: int
) -> Draft:
    """Ask the model of ``scorer_id`` to alter the marked passage of ``candidate``; the draft
    is generated on a scoring worker after the commit. Audited (draft.request)."""
    role_require(user=author, bank_id=candidate.bank_id, role=Role.AUTHOR)
    try:
        passage = passage_check(abstract=candidate.abstract, start=start, end=end)
    except AuthoringError as exc:
        raise DraftError(exc.messages) from exc
    scorer = Scorer.objects.filter(pk=scorer_id, draft_prompt__isnull=False).first()
    if scorer is None:
        raise DraftError(["Choose a model that has a drafting prompt."])
    try:
        score_queue_check()
    except QueueUnavailable as exc:
        raise DraftError(
            [str(exc).replace("no run was started", "no draft was asked for")]
        ) from exc
    from braintrial.workbench.tasks import draft_generate

    with transaction.atomic():
        draft = Draft.objects.create(
            candidate=candidate,
            author=author,
            source=Item.Source.LLM,
            drafted_with=scorer,
            passage_start=passage.start,
            passage_end=passage.end,
            status=Draft.Status.DRAFTING,
        )
        draft_record(event="draft.request", draft=draft, actor=author, model=scorer.name)
        draft_id = draft.pk
        transaction.on_commit(lambda: draft_generate.delay(draft_id))
    return draft


def draft_model_process(*, draft_id: int) -> str:
    """Generate the draft ``draft_id`` and store it with its checks; its status afterwards.

    Idempotent: a draft no longer being drafted is left as it is, so a redelivered task writes
    nothing twice (greedy generation would write the same text anyway). The model runs outside
    any transaction; the result is written only if the draft is still being drafted then.
    """
    draft = (
        Draft.objects.select_related("candidate__bank", "drafted_with__draft_prompt")
        .filter(pk=draft_id)
        .first()
    )
    if draft is None or draft.status != Draft.Status.DRAFTING or draft.drafted_with is None:
        return draft.status if draft is not None else "missing"
    abstract = draft.candidate.abstract
    passage = Passage(draft.passage_start, draft.passage_end)
    prompt = DraftPrompt.objects.filter(scorer=draft.drafted_with).first()
    if prompt is None:  # removed in the admin since the draft was asked for
        error = f"The model {draft.drafted_with.name} has no drafting prompt any more."
        return _finish(draft, status=Draft.Status.FAILED, error=error)
    try:
        generated = engines.scorer_generate(
            scorer=draft.drafted_with,
            prompt=draft_prompt_render(
                template=prompt.template,
                abstract=abstract,
                passage=abstract[passage.start : passage.end],
            ),
            max_new_tokens=prompt.max_new_tokens,
        )
        altered = altered_clean(
            abstract[: passage.start] + drafted_passage_clean(generated) + abstract[passage.end :]
        )
    except AuthoringError as exc:
        return _finish(draft, status=Draft.Status.FAILED, error=" ".join(exc.messages))
    except Exception as exc:  # a model that cannot load or run: said on the draft's page
        logger.exception("Drafting %s failed", draft_id)
        return _finish(draft, status=Draft.Status.FAILED, error=f"{type(exc).__name__}: {exc}")
    failed = draft_checks(
        original=abstract,
        passage=passage,
        altered=altered,
        max_length_change_percent=length_change_percent(bank=draft.candidate.bank),
    )
    status = Draft.Status.DRAFTED if failed else Draft.Status.SUBMITTED
    return _finish(draft, status=status, altered=altered, failed=failed)


def _finish(
    draft: Draft,
    *,
    status: str,
    altered: str = "",
    failed: list[str] | None = None,
    error: str = "",
) -> str:
    with transaction.atomic():
        claimed = Draft.objects.filter(pk=draft.pk, status=Draft.Status.DRAFTING).update(
            status=status,
            altered=altered,
            failed_checks=failed or [],
            error=error[:2000],
            updated_at=timezone.now(),
        )
        if not claimed:  # another delivery finished it first
            return Draft.objects.get(pk=draft.pk).status
        draft.refresh_from_db()
        event = {
            Draft.Status.SUBMITTED: "draft.submit",
            Draft.Status.DRAFTED: "draft.drafted",
            Draft.Status.FAILED: "draft.failed",
        }[Draft.Status(status)]
        draft_record(
            event=event,
            draft=draft,
            actor=draft.author,
            model=draft.drafted_with.name if draft.drafted_with else "",
            altered=altered,
            failed_checks=failed or [],
            error=error[:2000],
        )
    return status
