"""Participant access: the one gatekeeper every participant-facing view goes through; and the
researcher's reads of participants, trials and the items the studies use.

A participant is identified only by the token in their study cookie; the database holds its
SHA-256. Trials are never fetched by primary key from outside input, only by position through
their participant, so one participant can never reach another's trial.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from braintrial.items.models import Item
from braintrial.participants.models import Challenge, ExposureCounter, Participant, Trial
from braintrial.studies.banks import banks_for_user
from braintrial.studies.models import Study
from braintrial.studies.selectors import studies_for_researcher, study_at_version


def token_hash(*, token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def participant_get_by_token(*, study: Study, token: str) -> Participant:
    """The participant of ``study`` holding ``token``.

    Raises PermissionDenied for an unknown token (forged, or from another study): the caller
    sends the visitor back to the landing page without storing anything.
    """
    if not token or len(token) > 200:
        raise PermissionDenied("This link or session is not valid for this study.")
    try:
        return Participant.objects.select_related("study").get(
            study=study, token_hash=token_hash(token=token)
        )
    except Participant.DoesNotExist as exc:
        raise PermissionDenied("This link or session is not valid for this study.") from exc


def participant_get_by_study_token(*, slug: str, token: str) -> Participant:
    """``participant_get_by_token`` for the study with this slug: the participant read with the
    version of its study, the study from this process's copy of that version
    (``study_at_version``). Raises PermissionDenied as that one does, also when there is no such
    study."""
    if not token or len(token) > 200:
        raise PermissionDenied("This link or session is not valid for this study.")
    try:
        participant = Participant.objects.annotate(study_saved_at=F("study__updated_at")).get(
            study__slug=slug, token_hash=token_hash(token=token)
        )
    except Participant.DoesNotExist as exc:
        raise PermissionDenied("This link or session is not valid for this study.") from exc
    participant.study = study_at_version(
        pk=participant.study_id, updated_at=participant.study_saved_at
    )
    return participant


def participant_trials(*, participant: Participant) -> list[Trial]:
    """The participant's trials in position order (practice first at 0), without their items:
    the abstracts are read only for the trial shown (``trial_versions_get``)."""
    return list(participant.trials.order_by("position"))  # each trial's participant cached


def trial_next_unanswered(*, trials: Iterable[Trial]) -> Trial | None:
    """The first of ``trials`` (in position order) without an answer: the one the participant is
    on. Answered means ``correct`` is set, not ``choice``: imported published trials carry
    correctness without the choice."""
    return next((t for t in trials if t.correct is None), None)


def trial_at_position(*, trials: Iterable[Trial], position: int) -> Trial:
    """The trial at ``position`` among a participant's trials; Http404 when there is none."""
    trial = next((t for t in trials if t.position == position), None)
    if trial is None:
        raise Http404("There is no such trial in your session.")
    return trial


def trial_versions_get(*, trial: Trial) -> tuple[str, str]:
    """The original and the altered abstract of the trial's item."""
    versions: tuple[str, str] = Item.objects.values_list("original", "altered").get(
        pk=trial.item_id
    )
    return versions


def study_get_open(*, slug: str) -> Study:
    try:
        return Study.objects.get(slug=slug)
    except Study.DoesNotExist as exc:
        raise Http404("No such study.") from exc


def participant_get_by_recruitment_id(*, study: Study, recruitment_id: str) -> Participant | None:
    if not recruitment_id:
        return None
    return Participant.objects.filter(study=study, recruitment_id=recruitment_id).first()


def exposure_counts(*, study: Study) -> dict[int, int]:
    """Test-item id -> participants of this study who hold the item, from the stored counters.

    Participants whose items were released (abandoned) no longer count. Items of the study's
    bank that nobody holds (or that have no counter yet) are present with 0.
    """
    counts = dict.fromkeys(
        Item.objects.filter(bank=study.bank, kind=Item.Kind.TEST).values_list("pk", flat=True), 0
    )
    counts.update(
        ExposureCounter.objects.filter(study=study, item_id__in=counts).values_list("item_id", "n")
    )
    return counts


def trial_held_q(*, prefix: str = "") -> Q:
    """Trials whose item their participant holds: those of participants whose items were not
    released (an abandoned participant gives theirs back; the trials stay). The exposure
    counters count these per item, and so does the analysis (``Trials.assigned``). ``prefix``:
    the field path from the queryset's rows to the trial."""
    return Q(**{f"{prefix}participant__released_at__isnull": True})


def exposure_counts_from_trials(
    *, study: Study, item_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """The same counts as ``exposure_counts`` (or for ``item_ids`` only), aggregated from the
    trials: what the counters are checked against. Reads every trial of the study."""
    trials = Trial.objects.filter(trial_held_q(), participant__study=study, kind=Item.Kind.TEST)
    if item_ids is None:
        items = Item.objects.filter(bank=study.bank, kind=Item.Kind.TEST)
    else:
        items = Item.objects.filter(pk__in=list(item_ids))
        trials = trials.filter(item_id__in=list(item_ids))
    counts = dict.fromkeys(items.values_list("pk", flat=True), 0)
    held: QuerySet = trials.values("item_id").annotate(n=Count("pk"))
    for row in held:
        counts[row["item_id"]] = row["n"]
    return counts


def participants_for_studies(
    *, studies: QuerySet[Study], since: datetime | None = None
) -> QuerySet[Participant]:
    """The studies' participants by id; ``since`` compares with updated_at (every change to
    the row moves it)."""
    people = (
        Participant.objects.filter(study__in=studies)
        .select_related("study", "consent_version")
        .order_by("id")
    )
    return people.filter(updated_at__gte=since) if since else people


def trials_for_studies(
    *, studies: QuerySet[Study], since: datetime | None = None
) -> QuerySet[Trial]:
    """The studies' trials by id; ``since`` compares with answered_at (shown_at while
    unanswered)."""
    trials = (
        Trial.objects.filter(participant__study__in=studies)
        .select_related("participant__study")
        .order_by("id")
    )
    if since:
        trials = trials.filter(
            Q(answered_at__gte=since) | Q(answered_at__isnull=True, shown_at__gte=since)
        )
    return trials


# A study's items are its bank's and the built-in ones its participants were shown: known
# only here, where trials are.
def items_of_studies_q(*, studies: QuerySet[Study]) -> Q:
    """Items of the studies' banks, and the built-in practice and catch items they showed."""
    shown = Trial.objects.filter(participant__study__in=studies).values("item_id")
    return Q(bank__in=studies.values("bank")) | Q(id__in=shown)


def items_for_studies(*, studies: QuerySet[Study], since: datetime | None = None) -> QuerySet[Item]:
    """The studies' items (see items_of_studies_q) by id; ``since`` compares with updated_at."""
    items = Item.objects.filter(items_of_studies_q(studies=studies)).order_by("id")
    return items.filter(updated_at__gte=since) if since else items


def items_for_researcher(
    *,
    user: AbstractBaseUser | AnonymousUser,
    studies: QuerySet[Study],
    since: datetime | None = None,
) -> QuerySet[Item]:
    """``items_for_studies`` narrowed to the banks the user may read (studies.banks): a study
    on another team's bank (made before banks had owners) shows none of its originals. The
    built-in practice and catch items are in a public bank."""
    readable = banks_for_user(user=user).values("name")
    return items_for_studies(studies=studies, since=since).filter(bank__in=readable)


def studies_of_item(*, studies: QuerySet[Study], item: Item) -> QuerySet[Study]:
    """Those of ``studies`` whose items (items_of_studies_q) include ``item``."""
    shown = Trial.objects.filter(item=item).values("participant__study_id")
    return studies.filter(Q(bank=item.bank) | Q(pk__in=shown))


def item_get_for_researcher(*, user: AbstractBaseUser | AnonymousUser, item_id: int) -> Item:
    """One item of a study the user may read, from a bank they may read; Http404 otherwise."""
    studies = studies_for_researcher(user=user)
    try:
        return items_for_researcher(user=user, studies=studies).get(pk=item_id)
    except Item.DoesNotExist as exc:
        raise Http404("No such item.") from exc


@dataclass(frozen=True)
class PrivacyNotice:
    """What the privacy notice states, read from the study's settings at every request, so
    that the notice cannot say anything the study does not do."""

    prolific: bool
    retention_days: int
    # When the identifiers of a closed study are erased (None while the study is open).
    identifiers_erased_on: date | None
    n_researchers: int
    institution: str
    contact_email: str
    outside_help_per_trial: bool
    limits_starts_per_address: bool
    shows_comparison: bool


def privacy_notice_facts(*, study: Study) -> PrivacyNotice:
    erased_on = None
    if not study.is_open and study.closed_at is not None:
        erased_on = (study.closed_at + timedelta(days=study.identifier_retention_days)).date()
    return PrivacyNotice(
        prolific=study.prolific_mode,
        retention_days=study.identifier_retention_days,
        identifiers_erased_on=erased_on,
        n_researchers=study.researchers.count(),
        institution=study.institution,
        contact_email=study.contact_email,
        outside_help_per_trial=study.outside_help_per_trial,
        limits_starts_per_address=study.starts_per_address_per_hour > 0,
        shows_comparison=study.show_model_comparison,
    )


def consent_versions_of_study(*, study: Study) -> list[tuple[str, int]]:
    """(first 12 hex digits, participants) of each consent version the study's participants
    answered, oldest first."""
    rows = (
        Participant.objects.filter(study=study, consent_version__isnull=False)
        .values("consent_version__sha256", "consent_version__created_at")
        .annotate(n=Count("pk"))
        .order_by("consent_version__created_at")
    )
    return [(row["consent_version__sha256"][:12], row["n"]) for row in rows]


def participants_for_researcher_list(*, study: Study) -> QuerySet[Participant]:
    """The study's participants as the dashboard lists them, newest first."""
    return (
        Participant.objects.filter(study=study)
        .select_related("consent_version")
        .annotate(n_answered=Count("trials", filter=Q(trials__correct__isnull=False)))
        .order_by("-started_at", "-pk")
    )


def challenge_get_for_study(*, study: Study, pk: int) -> Challenge:
    """A challenge made by a participant of ``study`` (which passed the researcher gatekeeper);
    Http404 for any other."""
    challenge = Challenge.objects.filter(pk=pk, participant__study=study).first()
    if challenge is None:
        raise Http404("No such challenge in this study.")
    return challenge


def challenges_for_items(*, study: Study, item_ids: list[int]) -> list[Challenge]:
    """The challenges participants of ``study`` made of these items, oldest first."""
    return list(
        Challenge.objects.filter(participant__study=study, item_id__in=item_ids)
        .select_related("trial", "item", "decided_by", "new_item")
        .order_by("created_at", "pk")
    )


def challenge_counts(*, study: Study) -> dict[int, dict[str, int]]:
    """Per item id: how many challenges participants of ``study`` made of it, open and upheld."""
    rows = (
        Challenge.objects.filter(participant__study=study)
        .values("item_id")
        .annotate(
            n=Count("id"),
            open=Count("id", filter=Q(status=Challenge.Status.OPEN)),
            upheld=Count("id", filter=Q(status=Challenge.Status.UPHELD)),
        )
    )
    return {
        row["item_id"]: {"n": row["n"], "open": row["open"], "upheld": row["upheld"]}
        for row in rows
    }
