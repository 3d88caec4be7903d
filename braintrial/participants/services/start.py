"""Starting (or resuming) a participant from the landing page."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from braintrial.participants.models import Participant
from braintrial.participants.selectors import participant_get_by_recruitment_id, token_hash
from braintrial.studies.models import Study

IN_PROGRESS = (Participant.Status.CONSENT, Participant.Status.ACTIVE)


class StudyClosed(Exception):
    """The study accepts no new participants."""


@dataclass(frozen=True)
class Recruitment:
    """Where a participant came from; ``recruitment_id`` is PROLIFIC_PID or ``pid``."""

    source: str = ""
    recruitment_id: str = ""
    prolific_study_id: str = ""
    prolific_session_id: str = ""


@dataclass(frozen=True)
class StartResult:
    participant: Participant
    # None when the recruitment id has already finished (completed, declined, expired): no new
    # session is handed out and the caller shows the participant's terminal page.
    token: str | None


def participant_token_issue(*, participant: Participant) -> str:
    """A fresh session token for the participant; any earlier token stops working."""
    token = secrets.token_urlsafe(32)
    Participant.objects.filter(pk=participant.pk).update(token_hash=token_hash(token=token))
    return token


def _resume(participant: Participant) -> StartResult:
    if participant.status in IN_PROGRESS:
        return StartResult(
            participant=participant, token=participant_token_issue(participant=participant)
        )
    return StartResult(participant=participant, token=None)


def participant_start(*, study: Study, recruitment: Recruitment, user_agent: str) -> StartResult:
    """Create a participant, or resume the one holding this recruitment id.

    The same recruitment id never takes a study twice: the unique constraint on (study,
    recruitment_id) decides between two simultaneous starts, and the loser resumes the winner.
    """
    existing = participant_get_by_recruitment_id(
        study=study, recruitment_id=recruitment.recruitment_id
    )
    if existing is not None:
        return _resume(existing)
    if not study.is_open:
        raise StudyClosed("This study is closed and accepts no new participants.")
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            participant = Participant.objects.create(
                study=study,
                token_hash=token_hash(token=token),
                recruitment_source=recruitment.source,
                recruitment_id=recruitment.recruitment_id,
                prolific_study_id=recruitment.prolific_study_id,
                prolific_session_id=recruitment.prolific_session_id,
                user_agent=user_agent[:300],
            )
    except IntegrityError:
        existing = participant_get_by_recruitment_id(
            study=study, recruitment_id=recruitment.recruitment_id
        )
        if existing is None:
            raise
        return _resume(existing)
    return StartResult(participant=participant, token=token)
