"""Writes of the workbench roles: a bank's owner grants and revokes author and reviewer, and
sets the bank's authoring rule. The caller has passed ``access.workbench_bank_get`` (owners)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from braintrial.audit.services import audit_event_record
from braintrial.items.models import ItemBank
from braintrial.workbench.models import (
    DEFAULT_LENGTH_CHANGE_PERCENT,
    MAX_LENGTH_CHANGE_PERCENT,
    AuthoringRules,
    BankRole,
    Role,
)


class RoleError(ValueError):
    """The role could not be granted or revoked; nothing was stored. The message says why."""


def bank_role_grant(*, actor: User, bank: ItemBank, username: str, role: str) -> BankRole:
    """Grant ``role`` on ``bank`` to the active account ``username``; audited (role.grant)."""
    if role not in Role.values:
        raise RoleError(f"{role[:20]!r} is not a role: choose author or reviewer.")
    user = User.objects.filter(username=username.strip()[:150], is_active=True).first()
    if user is None:
        raise RoleError(f"There is no active account named {username.strip()[:150]!r}.")
    try:
        with transaction.atomic():
            granted = BankRole.objects.create(bank=bank, user=user, role=role, granted_by=actor)
            audit_event_record(
                event="role.grant",
                instance=bank,
                actor=actor,
                details={"bank": bank.name, "user": user.get_username(), "role": role},
            )
    except IntegrityError as exc:  # the unique constraint: granted already, perhaps just now
        raise RoleError(f"{user.get_username()} is already a {role} of {bank.name}.") from exc
    return granted


def bank_role_revoke(*, actor: User, bank: ItemBank, role_id: int) -> None:
    """Revoke one granted role of ``bank``; audited (role.revoke). Their drafts stay."""
    with transaction.atomic():
        granted = (
            BankRole.objects.select_for_update()
            .select_related("user")
            .filter(pk=role_id, bank=bank)
            .first()
        )
        if granted is None:
            raise RoleError("That role is not granted on this bank (revoked already?).")
        details = {"bank": bank.name, "user": granted.user.get_username(), "role": granted.role}
        granted.delete()
        audit_event_record(event="role.revoke", instance=bank, actor=actor, details=details)


def length_change_percent(*, bank: ItemBank) -> int:
    """How much the two versions' lengths may differ on ``bank``, in percent."""
    rules = AuthoringRules.objects.filter(bank=bank).first()
    return rules.max_length_change_percent if rules else DEFAULT_LENGTH_CHANGE_PERCENT


def length_change_set(*, actor: User, bank: ItemBank, percent: int) -> AuthoringRules:
    """Set the bank's length rule (1 to MAX_LENGTH_CHANGE_PERCENT); audited (rules.change)."""
    if not 1 <= percent <= MAX_LENGTH_CHANGE_PERCENT:
        raise RoleError(f"The share must be between 1% and {MAX_LENGTH_CHANGE_PERCENT}%.")
    with transaction.atomic():
        before = length_change_percent(bank=bank)
        rules, _ = AuthoringRules.objects.update_or_create(
            bank=bank, defaults={"max_length_change_percent": percent}
        )
        audit_event_record(
            event="rules.change",
            instance=bank,
            actor=actor,
            details={"bank": bank.name, "max_length_change_percent": [before, percent]},
        )
    return rules
