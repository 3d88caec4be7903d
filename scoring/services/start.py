"""Starting a scoring run: the one entrance for every caller (the dashboard, the API, the admin
and the ``score`` command), which applies who may start which run and then creates it."""

from __future__ import annotations

from dataclasses import dataclass

from auditlog.models import LogEntry
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied

from braintrial.audit.services import audit_event_record
from braintrial.studies.banks import banks_for_user
from braintrial.studies.models import Study
from braintrial.studies.selectors import READ_ALL
from scoring.models import Scorer, ScoreRun
from scoring.services.queue import score_queue_check
from scoring.services.runs import score_run_create


@dataclass(frozen=True)
class ServerOperator:
    """Whoever runs ``manage.py score`` at the server's terminal.

    They hold the database credentials and the settings already, so no rule of the app can keep
    them from scoring anything; the command says so by starting its runs as SERVER_OPERATOR,
    which counts as staff and covers every bank, rather than by going around this service.
    """

    is_staff: bool = True


SERVER_OPERATOR = ServerOperator()
Starter = AbstractBaseUser | AnonymousUser | ServerOperator


def _reads_all(user: AbstractBaseUser | AnonymousUser) -> bool:
    return isinstance(user, User) and user.has_perm(READ_ALL)


def score_run_start(
    *,
    user: Starter,
    scorer: Scorer,
    study: Study | None = None,
    source: str | None = None,
    limit: int | None = None,
    enqueue: bool = True,
) -> ScoreRun:
    """Start a run of ``scorer`` over the study's test items, or over every test item.

    ``study`` has passed the researcher gatekeeper already. Scoring the whole item bank (no
    study) is for staff only: it costs hours of model time. It covers the banks the user may
    read (studies.banks.banks_for_user: every bank for superusers and holders of the
    permission to read every study) and every bank for the SERVER_OPERATOR; another team's
    private bank is never put through a model for someone who may not read it. Raises
    PermissionDenied for that, ValidationError for a run that cannot start (see
    score_run_create), QueueUnavailable when a run to enqueue could not be (nothing is
    created then).
    """
    if study is None and not getattr(user, "is_staff", False):
        raise PermissionDenied("Only staff may score the whole item bank; name a study.")
    banks = None
    if study is None and not isinstance(user, ServerOperator) and not _reads_all(user):
        banks = list(banks_for_user(user=user).values_list("name", flat=True))
    if enqueue:
        score_queue_check()
    run = score_run_create(
        scorer=scorer, study=study, source=source, limit=limit, enqueue=enqueue, banks=banks
    )
    audit_event_record(
        event="score_run.start",
        instance=run,
        actor=user if isinstance(user, User) else None,
        study_id=study.pk if study is not None else None,
        action=LogEntry.Action.CREATE,
        details={"scorer": scorer.name, "source": source or "all", "limit": limit},
    )
    return run
