"""Writes of drafts: an author submits and resubmits, a second expert accepts, edits or returns.

Every decision is one audit entry (``draft.submit``, ``draft.resubmit``, ``draft.edit``,
``draft.return``, ``draft.accept``) in the transaction of what it records, and every refusal
stores nothing. The callers have passed ``access.drafts_bank_get``; the services check the
role again, and the database refuses a review by the author whatever path writes it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from braintrial.audit.services import audit_event_record
from braintrial.items.models import Item
from braintrial.items.services.diff import differences_compute
from braintrial.workbench.authoring import (
    AuthoringError,
    Passage,
    altered_clean,
    draft_checks,
    passage_check,
)
from braintrial.workbench.models import BankRole, Candidate, Draft, Role
from braintrial.workbench.roles import length_change_percent

# Where an accepted draft's item says it came from (Item.source_file); its row is the draft's id.
ITEM_SOURCE_FILE = "workbench"
MAX_COMMENT = 5000


class DraftError(AuthoringError):
    """The decision was refused; nothing was stored. ``messages`` say why."""


def role_require(*, user: User, bank_id: int, role: str) -> None:
    if not BankRole.objects.filter(bank_id=bank_id, user=user, role=role).exists():
        article = "an" if role == Role.AUTHOR else "a"
        raise DraftError([f"You are not {article} {role} of this bank."])


def _checked(*, candidate: Candidate, start: object, end: object, altered: str) -> Draft:
    """An unsaved draft of ``candidate`` that passes every guideline, or DraftError."""
    try:
        passage = passage_check(abstract=candidate.abstract, start=start, end=end)
        text = altered_clean(altered)
    except AuthoringError as exc:
        raise DraftError(exc.messages) from exc
    failed = draft_checks(
        original=candidate.abstract,
        passage=passage,
        altered=text,
        max_length_change_percent=length_change_percent(bank=candidate.bank),
    )
    if failed:
        raise DraftError(failed)
    return Draft(passage_start=passage.start, passage_end=passage.end, altered=text)


def draft_failed_checks(*, draft: Draft) -> list[str]:
    """What the draft's text fails now (the bank's rule may have changed since it was saved)."""
    if not draft.altered:
        return []
    return draft_checks(
        original=draft.candidate.abstract,
        passage=Passage(draft.passage_start, draft.passage_end),
        altered=draft.altered,
        max_length_change_percent=length_change_percent(bank=draft.candidate.bank),
    )


def draft_record(*, event: str, draft: Draft, actor: User, **details: Any) -> None:
    audit_event_record(
        event=event,
        instance=draft,
        actor=actor,
        details={
            "bank": draft.candidate.bank.name,
            "doi": draft.candidate.doi,
            "draft": draft.pk,
            "source": draft.source,
            "passage": [draft.passage_start, draft.passage_end],
            **details,
        },
    )


def draft_submit(
    *, author: User, candidate: Candidate, start: object, end: object, altered: str
) -> Draft:
    """An author's altered version of ``candidate``, checked and submitted for review."""
    role_require(user=author, bank_id=candidate.bank_id, role=Role.AUTHOR)
    draft = _checked(candidate=candidate, start=start, end=end, altered=altered)
    draft.candidate, draft.author = candidate, author
    draft.source, draft.status = Item.Source.HUMAN, Draft.Status.SUBMITTED
    with transaction.atomic():
        draft.save()
        draft_record(event="draft.submit", draft=draft, actor=author, altered=draft.altered)
    return draft


def _locked(draft: Draft, *, statuses: tuple[str, ...], doing: str) -> Draft:
    """The draft's row, locked for the decision; DraftError when its status forbids it (two
    reviewers at once: the second sees the first's decision)."""
    row = Draft.objects.select_for_update().select_related("candidate__bank").get(pk=draft.pk)
    if row.status not in statuses:
        raise DraftError(
            [f"This draft is {row.get_status_display().lower()}: it cannot be {doing}."]
        )
    return row


def draft_resubmit(
    *, author: User, draft: Draft, start: object, end: object, altered: str
) -> Draft:
    """The author's fixed version of a returned draft (or of a model's draft that failed a
    check), checked and submitted for review again."""
    if draft.author_id != author.pk:
        raise DraftError(["Only the draft's author may resubmit it."])
    role_require(user=author, bank_id=draft.candidate.bank_id, role=Role.AUTHOR)
    fixed = _checked(candidate=draft.candidate, start=start, end=end, altered=altered)
    with transaction.atomic():
        row = _locked(
            draft, statuses=(Draft.Status.RETURNED, Draft.Status.DRAFTED), doing="resubmitted"
        )
        event = "draft.resubmit" if row.status == Draft.Status.RETURNED else "draft.submit"
        row.passage_start, row.passage_end = fixed.passage_start, fixed.passage_end
        row.altered, row.failed_checks = fixed.altered, []
        row.status, row.updated_at = Draft.Status.SUBMITTED, timezone.now()
        row.save(
            update_fields=[
                "passage_start", "passage_end", "altered", "failed_checks", "status", "updated_at"
            ]
        )  # fmt: skip
        draft_record(event=event, draft=row, actor=author, altered=row.altered)
    return row


def _reviewer_require(*, reviewer: User, draft: Draft) -> None:
    if draft.author_id == reviewer.pk:
        raise DraftError(
            ["You wrote this draft (or asked a model for it): a second expert must review it."]
        )
    role_require(user=reviewer, bank_id=draft.candidate.bank_id, role=Role.REVIEWER)


def draft_edit(
    *, reviewer: User, draft: Draft, start: object, end: object, altered: str, comment: str = ""
) -> Draft:
    """The reviewer's own correction of a submitted draft, checked; it stays submitted for the
    reviewer to accept (or return). Audited with the text before and after."""
    _reviewer_require(reviewer=reviewer, draft=draft)
    fixed = _checked(candidate=draft.candidate, start=start, end=end, altered=altered)
    with transaction.atomic():
        row = _locked(draft, statuses=(Draft.Status.SUBMITTED,), doing="edited")
        before = row.altered
        row.passage_start, row.passage_end = fixed.passage_start, fixed.passage_end
        row.altered, row.reviewer = fixed.altered, reviewer
        row.comment, row.updated_at = comment.strip()[:MAX_COMMENT], timezone.now()
        row.save(
            update_fields=[
                "passage_start", "passage_end", "altered", "reviewer", "comment", "updated_at"
            ]
        )  # fmt: skip
        draft_record(
            event="draft.edit",
            draft=row,
            actor=reviewer,
            altered_before=before,
            altered=row.altered,
            comment=row.comment,
        )
    return row


def draft_return(*, reviewer: User, draft: Draft, comment: str) -> Draft:
    """Send a submitted draft back to its author with a comment saying what to fix."""
    _reviewer_require(reviewer=reviewer, draft=draft)
    text = comment.strip()
    if not text:
        raise DraftError(["Say in a comment what the author should fix."])
    if len(text) > MAX_COMMENT or "\x00" in text:
        raise DraftError([f"The comment must be text of at most {MAX_COMMENT:,} characters."])
    with transaction.atomic():
        row = _locked(draft, statuses=(Draft.Status.SUBMITTED,), doing="returned")
        row.status, row.reviewer, row.comment = Draft.Status.RETURNED, reviewer, text
        row.updated_at = timezone.now()
        row.save(update_fields=["status", "reviewer", "comment", "updated_at"])
        draft_record(event="draft.return", draft=row, actor=reviewer, comment=text)
    return row


def draft_accept(*, reviewer: User, draft: Draft, comment: str = "") -> Item:
    """Accept a submitted draft: it enters the bank as an Item (the candidate's DOI, section,
    journal and publication date), in one transaction with the draft's decision and its audit
    entry. The guidelines are checked once more."""
    _reviewer_require(reviewer=reviewer, draft=draft)
    try:
        with transaction.atomic():
            row = _locked(draft, statuses=(Draft.Status.SUBMITTED,), doing="accepted")
            failed = draft_failed_checks(draft=row)
            if failed:
                raise DraftError(failed)
            item = _item_create(row)
            row.status, row.reviewer, row.item = Draft.Status.ACCEPTED, reviewer, item
            row.comment, row.updated_at = comment.strip()[:MAX_COMMENT], timezone.now()
            row.save(update_fields=["status", "reviewer", "item", "comment", "updated_at"])
            draft_record(event="draft.accept", draft=row, actor=reviewer, item=item.pk)
    except IntegrityError as exc:  # draft_one_accepted_per_source
        raise DraftError(
            [f"The bank already holds an accepted {draft.get_source_display().lower()} item of "
             "this paper."]
        ) from exc  # fmt: skip
    return item


def _date_source(candidate: Candidate) -> str:
    """Where the item's publication date comes from: its candidate's record."""
    where = candidate.source_file or "a pasted abstract"
    record = f", record {candidate.row}" if candidate.source_file else ""
    return f"the item workbench's candidate ({candidate.get_origin_display()}: {where}{record})"[
        :300
    ]


def _item_create(draft: Draft) -> Item:
    candidate = draft.candidate
    return Item.objects.create(
        bank=candidate.bank.name,
        kind=Item.Kind.TEST,
        source=draft.source,
        source_file=ITEM_SOURCE_FILE,
        row=draft.pk,
        doi=candidate.doi,
        journal_section=candidate.section,
        journal=candidate.journal,
        published_first=candidate.published_from,
        published_last=candidate.published_until,
        published_precision=candidate.published_precision,
        published_source=_date_source(candidate),
        original=candidate.abstract,
        altered=draft.altered,
        differences=differences_compute(original=candidate.abstract, altered=draft.altered),
    )
