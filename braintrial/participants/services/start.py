"""Starting (or resuming) a participant from the landing page.

Who may have a session, and which one:

* A session is handed back only to what its owner alone holds: the browser's mark (a
  long-lived cookie set at the first start) or, for Prolific, the matching ``SESSION_ID``. A
  bare recruitment id never takes over a session in progress (``SessionElsewhere``).
* One recruitment id takes a study once (a unique constraint); a browser whose mark already
  took part is refused (``AlreadyTaken``) or, under the study's ``flag`` policy, flagged.
* A browser holds at most one session in progress per study (a unique index on the mark
  among participants in progress): simultaneous Start clicks make one participant, and the
  others resume it. Under ``flag``, another person's start in a browser whose session is
  still in progress is refused until that one ends (``BrowserBusy``).
* A withdrawal erases the recruitment id but keeps its keyed hash (``recruitment_key``) and the
  browser mark's hash on the tombstone: under ``refuse`` the same id or browser is refused
  after a withdrawal as before it, under ``flag`` it is flagged.
* New participants per client network and hour are limited by the study (``TooManyStarts``);
  that is what stops starts with made-up ids or from fresh cookies. The network is the
  address for IPv4 and the /64 for IPv6 (braintrial.net); exempt networks skip the limit but
  their repeats are flagged all the same.
* The completion code of a finished recruitment id is shown only to its owner (the browser
  that finished, or the matching Prolific ``SESSION_ID``); anyone else learns only that it
  has finished.

The browser mark is issued by the server (a random value in a signed cookie, see the landing
view); both it and the client network are stored only as keyed hashes (HMAC with SECRET_KEY,
per study), so a database dump links no rows to a browser or an address.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from braintrial.net import address_is_limited, address_network
from braintrial.participants.models import Participant
from braintrial.participants.selectors import participant_get_by_recruitment_id, token_hash
from braintrial.studies.models import Study
from braintrial.studies.readiness import study_readiness

IN_PROGRESS = (Participant.Status.CONSENT, Participant.Status.ACTIVE)
START_WINDOW = timedelta(hours=1)


class StartRefused(Exception):
    """No session for this start; the subclass says why (and the landing view which page)."""


class StudyClosed(StartRefused):
    """The study accepts no new participants."""


class StudyNotReady(StartRefused):
    """The study is open but cannot serve a participant (studies.readiness): refused before
    consent, so nobody agrees to a study that then cannot start."""


class SessionElsewhere(StartRefused):
    """The recruitment id has a session in progress that this browser cannot prove it owns."""


class AlreadyTaken(StartRefused):
    """This browser already took part in the study, and the study refuses a second time."""


class TooManyStarts(StartRefused):
    """Too many new participants from this client network within the last hour."""


class BrowserBusy(StartRefused):
    """This browser has another recruitment id's session of the study in progress."""


@dataclass(frozen=True)
class Recruitment:
    """Where a participant came from; ``recruitment_id`` is PROLIFIC_PID or ``pid``."""

    source: str = ""
    recruitment_id: str = ""
    prolific_study_id: str = ""
    prolific_session_id: str = ""


@dataclass(frozen=True)
class Visitor:
    """What the landing page knows of the browser: its mark (the long-lived cookie, or a new
    random one for a first visit), its client address (braintrial.net) and user agent."""

    browser_mark: str
    address: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class StartResult:
    participant: Participant
    # None when the recruitment id has already finished (completed, declined, expired): no new
    # session is handed out and the caller shows the participant's terminal page.
    token: str | None
    # For a finished id: whether this visitor is its owner, who alone sees the completion code.
    owner: bool = True


def browser_mark_hash(*, study: Study, mark: str) -> str:
    """Keyed with SECRET_KEY like the address: a stored hash cannot be matched to a mark."""
    return salted_hmac(
        "braintrial.participants.mark", f"{study.pk}:{mark}", algorithm="sha256"
    ).hexdigest()


def address_hash(*, study: Study, address: str) -> str:
    """The client's network (braintrial.net.address_network), keyed with SECRET_KEY: the few
    billion addresses cannot be hashed through to undo it. Empty for a missing or unparsable
    address. Exempt networks get their hash too: they skip the limit, not the repeat flag."""
    network = address_network(address)
    if network is None:
        return ""
    return salted_hmac(
        "braintrial.participants.address", f"{study.pk}:{network}", algorithm="sha256"
    ).hexdigest()


def recruitment_key(*, study: Study, recruitment_id: str) -> str:
    """The keyed hash a withdrawn participant's tombstone keeps of the recruitment id: HMAC with
    SECRET_KEY, per study, so it answers "did this id take part here?" and nothing else (no
    list of candidate ids can be hashed through without the key, and no two studies link)."""
    return salted_hmac(
        "braintrial.participants.recruitment", f"{study.pk}:{recruitment_id}", algorithm="sha256"
    ).hexdigest()


def _withdrew_before(study: Study, recruitment: Recruitment) -> bool:
    if not recruitment.recruitment_id:
        return False
    key = recruitment_key(study=study, recruitment_id=recruitment.recruitment_id)
    return Participant.objects.filter(study=study, recruitment_key=key).exists()


def participant_token_issue(*, participant: Participant) -> str:
    """A fresh session token for the participant; any earlier token stops working."""
    token = secrets.token_urlsafe(32)
    Participant.objects.filter(pk=participant.pk).update(token_hash=token_hash(token=token))
    return token


def _owns(participant: Participant, recruitment: Recruitment, mark_hash: str) -> bool:
    """Whether the visitor holds what only the participant's owner has."""
    if participant.browser_mark_hash and constant_time_compare(
        participant.browser_mark_hash, mark_hash
    ):
        return True
    session_id = recruitment.prolific_session_id
    return bool(
        participant.recruitment_source == Participant.RecruitmentSource.PROLIFIC
        and session_id
        and constant_time_compare(participant.prolific_session_id, session_id)
    )


def _resume(participant: Participant, recruitment: Recruitment, mark_hash: str) -> StartResult:
    if participant.status not in IN_PROGRESS:
        owner = _owns(participant, recruitment, mark_hash)
        return StartResult(participant=participant, token=None, owner=owner)
    if not _owns(participant, recruitment, mark_hash):
        raise SessionElsewhere("This id has a session in progress in another browser.")
    return StartResult(
        participant=participant, token=participant_token_issue(participant=participant)
    )


def _starts_limit_check(*, study: Study, address: str, address_key: str, now: datetime) -> None:
    limit = study.starts_per_address_per_hour
    if not limit or not address_key or not address_is_limited(address):
        return
    recent = Participant.objects.filter(
        study=study, address_hash=address_key, started_at__gte=now - START_WINDOW
    )
    # A soft limit: two starts at the same instant may both pass, which a rate limit allows.
    if recent.count() >= limit:
        raise TooManyStarts("Too many new sessions from this network; try again in an hour.")


def _earlier_from_browser(study: Study, recruitment: Recruitment, mark_hash: str) -> StartResult:
    """The same browser started before: resume its session if it is the same person's in
    progress, else refuse (study policy ``refuse``). Raises LookupError when there is none."""
    earlier = list(
        Participant.objects.filter(study=study, browser_mark_hash=mark_hash).order_by(
            "-started_at"
        )[:20]
    )
    for participant in earlier:
        same_id = participant.recruitment_id == recruitment.recruitment_id
        if same_id and participant.status in IN_PROGRESS:
            return _resume(participant, recruitment, mark_hash)
    if earlier and study.repeat_policy == Study.RepeatPolicy.REFUSE:
        raise AlreadyTaken("This browser has already taken part in this study.")
    if any(participant.status in IN_PROGRESS for participant in earlier):
        raise BrowserBusy("This browser has another session of this study in progress.")
    raise LookupError


def participant_start_resumes(*, study: Study, recruitment: Recruitment, visitor: Visitor) -> bool:
    """Whether Start would resume a session rather than create one (the link's recruitment id
    has one, or this browser has one in progress under the same id; ``participant_start``
    decides): what a closed study's landing page offers, since it admits no one new. A read."""
    if recruitment.recruitment_id and participant_get_by_recruitment_id(
        study=study, recruitment_id=recruitment.recruitment_id
    ):
        return True
    mark_hash = browser_mark_hash(study=study, mark=visitor.browser_mark)
    return Participant.objects.filter(
        study=study,
        browser_mark_hash=mark_hash,
        recruitment_id=recruitment.recruitment_id,
        status__in=IN_PROGRESS,
    ).exists()


def participant_start(
    *, study: Study, recruitment: Recruitment, visitor: Visitor, now: datetime
) -> StartResult:
    """Create a participant, or resume the one this visitor owns (see the module docstring).

    The unique constraints on (study, recruitment_id) and on the browser mark among sessions
    in progress decide between simultaneous starts; the loser is then treated as any later
    start with that id or from that browser.
    """
    mark_hash = browser_mark_hash(study=study, mark=visitor.browser_mark)
    existing = participant_get_by_recruitment_id(
        study=study, recruitment_id=recruitment.recruitment_id
    )
    if existing is not None:
        return _resume(existing, recruitment, mark_hash)
    try:
        return _earlier_from_browser(study, recruitment, mark_hash)
    except LookupError:
        pass
    withdrew = _withdrew_before(study, recruitment)
    if withdrew and study.repeat_policy == Study.RepeatPolicy.REFUSE:
        raise AlreadyTaken("This recruitment id has already taken part in this study.")
    if not study.is_open:
        raise StudyClosed("This study is closed and accepts no new participants.")
    if not study_readiness(study=study).can_open:
        raise StudyNotReady("This study is not ready for participants yet.")
    address_key = address_hash(study=study, address=visitor.address)
    _starts_limit_check(study=study, address=visitor.address, address_key=address_key, now=now)
    return _create(study, recruitment, visitor, mark_hash, address_key, withdrew=withdrew)


def _create(
    study: Study,
    recruitment: Recruitment,
    visitor: Visitor,
    mark_hash: str,
    address_key: str,
    *,
    withdrew: bool = False,
) -> StartResult:
    seen = Participant.objects.filter(study=study)
    suspected = (
        withdrew
        or seen.filter(browser_mark_hash=mark_hash).exists()
        or bool(address_key and seen.filter(address_hash=address_key).exists())
    )
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
                user_agent=visitor.user_agent[:300],
                browser_mark_hash=mark_hash,
                address_hash=address_key,
                repeat_suspected=suspected,
            )
    except IntegrityError:
        # A simultaneous start won: with the same recruitment id, or from the same browser.
        existing = participant_get_by_recruitment_id(
            study=study, recruitment_id=recruitment.recruitment_id
        )
        if existing is not None:
            return _resume(existing, recruitment, mark_hash)
        try:
            return _earlier_from_browser(study, recruitment, mark_hash)
        except LookupError:
            raise IntegrityError("the start conflicted with a row that is gone") from None
    return StartResult(participant=participant, token=token)
