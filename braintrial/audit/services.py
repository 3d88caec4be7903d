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
from braintrial.net import client_address

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


def audit_event_record(
    *,
    event: str,
    instance: Model,
    actor: Actor = None,
    study_id: int | None = None,
    details: dict[str, Any] | None = None,
    action: int = LogEntry.Action.UPDATE,
    by_participant: bool = False,
    remote_addr: str | None = None,
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
        remote_addr=remote_addr,
    )
    return entry


def login_lockout_record(
    sender: Any, request: HttpRequest | None, username: str | None, ip_address: str | None, **_: Any
) -> None:
    """django-axes' ``user_locked_out``: an address or user name has too many failed logins.

    The entry's object is the account when one has that user name, else the user model with
    the name tried (its repr), so that locked-out guesses are visible too.
    """
    name = (username or "")[:150]
    account = User.objects.filter(username=name).first()
    instance = account or User(username=name)
    address = ip_address or (client_address(request) if request is not None else None)
    entry_actor = None  # a lockout has no actor: nobody is logged in
    LogEntry.objects.log_create(
        instance,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        changes=None,
        actor=entry_actor,
        object_pk=str(account.pk) if account else "",
        object_repr=name or "(no user name)",
        additional_data={
            "event": "login.lockout",
            "details": {"username": name, "address": address or ""},
            "by": "anonymous",
        },
        remote_addr=address or None,
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
