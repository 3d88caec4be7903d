"""Writes of the participant flow. Every write is a conditional UPDATE or an INSERT guarded by a
unique constraint, so a repeated request (double click, reload, retry) changes nothing."""

from __future__ import annotations

from braintrial.participants.services.answers import (
    AnswerConflict,
    StepNotCurrent,
    TrialAnswer,
    trial_answer_submit,
    trial_show,
)
from braintrial.participants.services.assignment import (
    AssignmentError,
    participants_release_abandoned,
    trials_assign,
)
from braintrial.participants.services.start import (
    AlreadyTaken,
    BrowserBusy,
    Recruitment,
    SessionElsewhere,
    StartRefused,
    StartResult,
    StudyClosed,
    StudyNotReady,
    TooManyStarts,
    Visitor,
    participant_start,
    participant_start_resumes,
    participant_token_issue,
)
from braintrial.participants.services.steps import (
    participant_complete,
    participant_consent_record,
    participant_demographics_record,
    participant_instructions_done,
    participant_practice_over,
    participant_touch,
)
from braintrial.participants.services.withdrawal import (
    NotWithdrawable,
    Withdrawal,
    participant_withdraw,
    withdrawal_reference,
)

__all__ = [
    "AlreadyTaken",
    "AnswerConflict",
    "AssignmentError",
    "BrowserBusy",
    "NotWithdrawable",
    "Recruitment",
    "SessionElsewhere",
    "StartRefused",
    "StartResult",
    "StepNotCurrent",
    "StudyClosed",
    "StudyNotReady",
    "TooManyStarts",
    "TrialAnswer",
    "Visitor",
    "Withdrawal",
    "participant_complete",
    "participant_consent_record",
    "participant_demographics_record",
    "participant_instructions_done",
    "participant_practice_over",
    "participant_start",
    "participant_start_resumes",
    "participant_token_issue",
    "participant_touch",
    "participant_withdraw",
    "participants_release_abandoned",
    "trial_answer_submit",
    "trial_show",
    "trials_assign",
    "withdrawal_reference",
]
