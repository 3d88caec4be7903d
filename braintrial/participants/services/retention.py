"""Retention: identifiers erased a study's ``identifier_retention_days`` after it closed.

Identifiers are what ties a row to a person or a browser: the recruitment id (PROLIFIC_PID or
pid), the Prolific study and session ids, the session token's hash, the address and browser-mark
hashes, the user agent, and a withdrawn participant's keyed recruitment hash (kept until now for
the repeat policy: a study past its retention is closed). Answers, demographics, flags and
every analysis stay. Participants imported from the published data keep their published pid: it
is public, and the published files join on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet

from braintrial.audit.services import audit_event_record
from braintrial.participants.models import Participant
from braintrial.studies.models import Study

_CLEARED: dict[str, object] = {
    "recruitment_id": "",
    "prolific_study_id": "",
    "recruitment_key": "",
    "prolific_session_id": "",
    "token_hash": None,
    "address_hash": "",
    "browser_mark_hash": "",
    "user_agent": "",
}


@dataclass(frozen=True)
class PurgeResult:
    study: str
    due_since: datetime
    participants: int


def studies_purge_due(*, now: datetime) -> QuerySet[Study]:
    """Closed studies whose retention period has run out (computed per study)."""
    closed = Study.objects.filter(is_open=False, closed_at__isnull=False).order_by("slug")
    return Study.objects.filter(
        pk__in=[s.pk for s in closed if s.closed_at and _due(s) <= now]
    ).order_by("slug")


def _due(study: Study) -> datetime:
    if study.closed_at is None:  # open studies are never due
        raise ValueError(f"study {study.slug} has not closed")
    return study.closed_at + timedelta(days=study.identifier_retention_days)


def _holding_identifiers(study: Study) -> QuerySet[Participant]:
    held = (
        ~Q(recruitment_id="")
        | ~Q(prolific_study_id="")
        | ~Q(recruitment_key="")
        | ~Q(prolific_session_id="")
        | Q(token_hash__isnull=False)
        | ~Q(address_hash="")
        | ~Q(browser_mark_hash="")
        | ~Q(user_agent="")
    )
    return (
        Participant.objects.filter(study=study)
        .filter(held)
        .exclude(recruitment_source=Participant.RecruitmentSource.IMPORTED)
    )


def identifiers_purge(
    *, now: datetime, study: Study | None = None, dry_run: bool = False
) -> list[PurgeResult]:
    """Erase the identifiers that are due, study by study (only ``study`` when given); each
    study's purge is one transaction with its audit entry. ``dry_run`` counts and changes
    nothing. Returns what was (or would be) purged, for every due study."""
    due = studies_purge_due(now=now)
    if study is not None:
        due = due.filter(pk=study.pk)
    results = []
    for one in due:
        with transaction.atomic():
            rows = _holding_identifiers(one)
            n = rows.count() if dry_run else rows.update(**_CLEARED, identifiers_purged_at=now)
            if n and not dry_run:
                audit_event_record(
                    event="identifiers.purge",
                    instance=one,
                    study_id=one.pk,
                    details={
                        "participants": n,
                        "retention_days": one.identifier_retention_days,
                        "closed_at": one.closed_at.isoformat() if one.closed_at else "",
                    },
                )
        results.append(PurgeResult(study=one.slug, due_since=_due(one), participants=n))
    return results
