"""Writes of studies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from braintrial.items.models import ItemBank
from braintrial.studies.banks import bank_readable
from braintrial.studies.models import ConsentVersion, Study, StudyInvitation
from braintrial.studies.readiness import study_open_check
from braintrial.studies.selectors import (
    consent_digest,
    consent_text_for_participants,
    study_invitations_pending,
)


def consent_version_get_or_create(*, text: str) -> ConsentVersion:
    """The version of this exact consent text, stored once (the SHA-256 of its UTF-8 is unique:
    two participants agreeing to a new text at once create one row)."""
    digest = consent_digest(text=text)
    version, _ = ConsentVersion.objects.get_or_create(sha256=digest, defaults={"text": text})
    return version


def study_closed_at_follow(*, study: Study, was_open: bool, now: datetime) -> None:
    """Set ``closed_at`` when the study closes and clear it when it opens again: the retention
    of identifiers counts from the last closing (precondition: ``study`` not yet saved)."""
    if was_open and not study.is_open:
        study.closed_at = now
    elif study.is_open:
        study.closed_at = None


def item_bank_claim(*, user: User, name: str) -> ItemBank:
    """The bank ``name`` for a study ``user`` creates or changes: a new name becomes a bank
    owned by them; an existing bank must be one they may read.

    Raises ValidationError on the ``bank`` field otherwise. The unique name makes two concurrent
    claims of a new name end with one owner.
    """
    bank, created = ItemBank.objects.get_or_create(name=name)
    if created:
        bank.owners.add(user)
    elif not bank_readable(user=user, name=name):
        raise ValidationError(
            {"bank": f"The item bank {name!r} belongs to another team; choose another name."}
        )
    return bank


def study_create(*, slug: str, title: str, **settings: Any) -> Study:
    """Create a study after validating every field (the same checks as the admin). An open
    study must be ready (``studies.readiness``); a new one is closed unless told otherwise."""
    study = Study(slug=slug, title=title, **settings)
    study.full_clean()
    study_open_check(study=study)
    # A study created closed never closed: closed_at stays empty until it opens and closes,
    # so its landing page says it is not open yet rather than that it admits no one any more.
    study_closed_at_follow(study=study, was_open=False, now=timezone.now())
    study.save()
    consent_version_get_or_create(text=consent_text_for_participants(study=study))
    return study


def study_create_with_researcher(*, creator: User, fields: dict[str, Any]) -> Study:
    """Create a study and name its creator as one of its researchers: both or neither.

    The study's bank must be one the creator may read; a new bank name becomes theirs.
    Raises ValidationError naming the field at fault (the bank of another team), the slug too
    when a concurrent create took it between the check and the insert.
    """
    try:
        with transaction.atomic():
            study = study_create(**fields)
            item_bank_claim(user=creator, name=study.bank)
            study.researchers.add(creator)
    except IntegrityError as exc:
        message = f"A study with slug {fields.get('slug')!r} exists already."
        raise ValidationError({"slug": message}) from exc
    return study


def study_update(*, study: Study, editor: User, fields: dict[str, Any]) -> Study:
    """Change a study's settings after validating every field; nothing is saved if one fails.

    A new bank follows the rule of ``study_create_with_researcher``, for ``editor``. An open
    study must be ready with its new settings (``studies.readiness``). A changed consent text is
    stored as a new version (participants keep the version they agreed to); django-auditlog
    records the change with its old and new values.
    """
    # From the database: a ModelForm has already written its cleaned values onto ``study``.
    before = Study.objects.get(pk=study.pk)
    for name, value in fields.items():
        setattr(study, name, value)
    study.full_clean()
    study_open_check(study=study)
    study_closed_at_follow(study=study, was_open=before.is_open, now=timezone.now())
    with transaction.atomic():
        if study.bank != before.bank:
            item_bank_claim(user=editor, name=study.bank)
        study.save()
        consent_version_get_or_create(text=consent_text_for_participants(study=study))
    return study


def study_invitation_create(*, study: Study, inviter: User, username: str) -> StudyInvitation:
    """Record an invitation of ``username`` to ``study`` (once per name; again renews it).

    Nobody is added here, and the same happens whether or not an account has that name: the
    invited user accepts on their study list (``study_invitation_answer``).
    """
    name = username.strip()
    invitation, created = StudyInvitation.objects.get_or_create(
        study=study, username=name, defaults={"invited_by": inviter}
    )
    if not created:  # a second invitation starts the waiting time again
        invitation.invited_by = inviter
        invitation.created_at = timezone.now()
        invitation.save(update_fields=["invited_by", "created_at"])
    return invitation


def study_invitation_answer(*, user: User, invitation_id: int, accept: bool) -> Study | None:
    """The invited user's answer: accept (they become a researcher of the study) or decline.
    Either way the invitation is used up. Returns the study on acceptance, else None; raises
    StudyInvitation.DoesNotExist for an invitation that is not this user's or has expired."""
    with transaction.atomic():
        invitation = (
            study_invitations_pending(user=user)
            .select_for_update()
            .select_related("study")
            .get(pk=invitation_id)
        )
        invitation.delete()
        if not accept:
            return None
        invitation.study.researchers.add(user)
        return invitation.study
