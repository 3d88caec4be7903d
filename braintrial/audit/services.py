"""Writes of the audit trail. Entries are only ever added: no code path changes or deletes one.

Model changes to studies, item banks and scorers are recorded by django-auditlog itself (see
apps.py). What is not a model change is recorded here as a django-auditlog ``LogEntry`` too, so
that one table, one admin page and one command show everything: ``additional_data`` holds
``event`` (what happened, e.g. ``participant.withdraw``), ``study_id`` where the event belongs to
a study, and ``details``.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from typing import Any

from auditlog.models import LogEntry
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Model
from django.http import HttpRequest

from braintrial.audit.middleware import request_actor
from braintrial.logins import login_username_locked

Actor = User | AbstractBaseUser | AnonymousUser | None


def _context_actor() -> User | None:
    """The user of the request in progress (braintrial.audit.middleware), if any."""
    return request_actor.get()


def _operator() -> str:
    """Who runs a management command: the account at the server's terminal."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (a container)
        return "unknown"


def entry_prepare(sender: Any, instance: LogEntry, **_: Any) -> None:
    """``pre_save`` of every entry, django-auditlog's own included: what an entry keeps.

    * Who acted: the researcher given, else the request's (braintrial.audit.middleware), and
      their user name as it is now, in ``additional_data["actor"]``: renaming or deleting the
      account later changes nothing the entry says.
    * Nothing a client sent: no address, port or correlation id, whatever the caller passed.
      The log is kept for good, beyond every purge, and must hold no participant's address.
    """
    if not instance._state.adding:
        return  # an existing entry is never saved again (the database refuses it)
    instance.remote_addr = None
    instance.remote_port = None
    instance.cid = None
    if instance.actor_id is None:
        user = _context_actor()
        if user is not None:
            instance.actor = user
            instance.actor_email = user.email or None
    if instance.actor_id is not None:
        data = instance.additional_data if isinstance(instance.additional_data, dict) else {}
        instance.additional_data = {**data, "actor": instance.actor.get_username()}


def audit_event_record(
    *,
    event: str,
    instance: Model,
    actor: Actor = None,
    study_id: int | None = None,
    details: dict[str, Any] | None = None,
    action: int = LogEntry.Action.UPDATE,
    by_participant: bool = False,
) -> LogEntry:
    """Add one entry about ``instance``. ``actor``: the researcher who did it, else the user of
    the request in progress; with neither, the entry names the participant (``by_participant``)
    or the operating-system account that ran the command.

    Call it inside the transaction of what it records, so that both are stored or neither.
    """
    user = actor if isinstance(actor, User) else _context_actor()
    data: dict[str, Any] = {"event": event, "details": details or {}}
    if study_id is not None:
        data["study_id"] = study_id
    if user is None:
        data["by"] = "participant" if by_participant else f"command:{_operator()}"
    entry: LogEntry = LogEntry.objects.log_create(
        instance,
        force_log=True,
        action=action,
        changes=None,
        actor=user,
        actor_email=(user.email or None) if user else None,
        additional_data=data,
    )
    return entry


def login_lockout_record(
    sender: Any, request: HttpRequest | None, username: str | None, **_: Any
) -> None:
    """django-axes' ``user_locked_out``: one entry when an account's lockout begins.

    Axes sends the signal again for every guess refused during the lockout (those leave
    ``axes_failures_since_start`` unset); they write nothing, or a guesser could grow the log
    at will. A lockout of an address alone, or of a user name that is no account, is not
    entered either: it is in axes' failure log with its address, and anybody can cause one
    from as many addresses as they hold. An account's lockouts are few (each lasts twice as
    long as the one before), so what anyone outside can add to the log is bounded.
    """
    if request is None or getattr(request, "axes_failures_since_start", None) is None:
        return
    name = (username or "")[:150]
    account = User.objects.filter(username=name).first() if name else None
    if account is None or not login_username_locked(username=name):
        return
    LogEntry.objects.log_create(
        account,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        changes=None,
        actor=None,  # nobody is logged in
        additional_data={
            "event": "login.lockout",
            "details": {"username": name},
            "by": "anonymous",
        },
    )


def audit_download_record(
    *, actor: Actor, studies: Iterable[Model], what: str, options: dict[str, Any]
) -> int:
    """One ``data.download`` entry per study whose data a download (a CSV, an API page)
    carries: who, which study, which file or endpoint, with which rules and options."""
    n = 0
    for study in studies:
        audit_event_record(
            event="data.download",
            instance=study,
            actor=actor,
            study_id=int(study.pk),
            action=LogEntry.Action.ACCESS,
            details={"what": what, **options},
        )
        n += 1
    return n
