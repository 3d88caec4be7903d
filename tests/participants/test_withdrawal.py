"""Withdrawal: by the participant during and after the study, by a researcher from the
dashboard and from the command. Each leaves a tombstone and no trace of the answers in the
database, the CSVs or the API; the exposure counters stay equal to the trials; it is audited."""

from __future__ import annotations

import re
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.core.management import CommandError, call_command
from django.test import Client

from braintrial.participants.models import Participant, Trial
from braintrial.participants.selectors import exposure_counts, exposure_counts_from_trials
from braintrial.studies.models import Study
from tests.participants.conftest import (
    answer_all,
    flow_url,
    participant_of,
    walk_to_practice,
)

pytestmark = pytest.mark.django_db
FEEDBACK = "Lovely study, my cat says hi"
REFERENCE = re.compile(r'id="withdrawal-reference">([A-Z0-9-]+)<')


def researcher_of(study: Study, *, can_change: bool = True) -> Client:
    user = User.objects.create_user(username=f"res-{study.slug}-{can_change}")
    if can_change:
        user.user_permissions.add(Permission.objects.get(codename="change_study"))
    study.researchers.add(user)
    client = Client()
    client.force_login(user)
    return client


def complete(client: Client, study: Study, pid: str) -> str:
    """Walk ``pid`` through the whole study; the completion page's withdrawal reference."""
    walk_to_practice(client, study, pid=pid)
    answer_all(client, study)
    debrief = {"step": "debrief", "outside_help": "no", "feedback": f"{FEEDBACK} ({pid})"}
    assert client.post(flow_url(study), debrief).status_code == 302
    page = client.get(flow_url(study)).content.decode()
    match = REFERENCE.search(page)
    assert match, "the completion page shows no withdrawal reference"
    assert not study.completion_code or study.completion_code not in match.group(1)
    return match.group(1)


def assert_counters_match_trials(study: Study) -> None:
    assert exposure_counts(study=study) == exposure_counts_from_trials(study=study)
    call_command("exposure_rebuild", "--study", study.slug, "--check")


def assert_no_trace(study: Study, *, pk: int, public_id: str, pid: str, researcher: Client) -> None:
    """The tombstone, and nothing of the participant anywhere a researcher can read."""
    from braintrial.participants.services.start import recruitment_key

    tomb = Participant.objects.get(pk=pk)
    assert tomb.status == Participant.Status.WITHDRAWN and tomb.withdrawn_at is not None
    assert not Trial.objects.filter(participant_id=pk).exists()
    assert tomb.recruitment_id == "" and tomb.token_hash is None
    assert tomb.address_hash == "" and tomb.user_agent == "" and tomb.prolific_study_id == ""
    # Kept for the repeat policy, keyed per study: the browser mark's hash as it was, and the
    # recruitment id's hash in place of the id.
    assert tomb.recruitment_key == recruitment_key(study=study, recruitment_id=pid)
    assert tomb.age is None and tomb.gender == "" and tomb.country == "" and tomb.feedback == ""
    assert tomb.consented_at is None and tomb.completed_at is None
    assert tomb.consent_version_id is None and tomb.withdrawal_key == ""
    for kind in ("participants", "trials"):
        for query in ("", "?include_excluded=1", "?include_excluded=1&pseudonymise=1"):
            response = researcher.get(f"/exports/{study.slug}/{kind}.csv{query}")
            assert response.status_code == 200
            body = b"".join(response.streaming_content).decode()
            assert public_id not in body and f"{pid}," not in body and f"({pid})" not in body
    people = researcher.get(f"/api/participants/?study={study.slug}").json()["results"]
    (row,) = [p for p in people if p["public_id"] == public_id]
    assert row["status"] == "withdrawn" and row["recruitment_id"] == "" and row["age"] is None
    assert row["feedback"] == "" and row["consent_version"] is None
    assert all(pid not in str(p) for p in people)
    trials = researcher.get(f"/api/trials/?study={study.slug}").json()["results"]
    assert all(t["participant"] != pk for t in trials)
    entry = LogEntry.objects.get(additional_data__event="participant.withdraw", object_pk=str(pk))
    # The audit entry names the public id only: no recruitment id, no answer.
    assert pid not in str(entry.additional_data) and pid not in entry.object_repr
    assert_counters_match_trials(study)


def test_participant_withdraws_during_the_study(study: Study) -> None:
    browser = Client()
    walk_to_practice(browser, study, pid="DURING-1")
    answer_all(browser, study)  # every trial answered, debrief not yet
    participant = participant_of(browser, study)
    assert Trial.objects.filter(participant=participant).exists()
    page = browser.get(flow_url(study)).content.decode()
    assert f'href="/s/{study.slug}/withdraw/"' in page  # every page links to it
    form = browser.get(f"/s/{study.slug}/withdraw/")
    assert b'value="session"' in form.content
    done = browser.post(f"/s/{study.slug}/withdraw/", {"how": "session"})
    assert done.status_code == 200 and b"You have withdrawn" in done.content
    entry = LogEntry.objects.get(additional_data__event="participant.withdraw")
    assert entry.additional_data["by"] == "participant"
    assert entry.additional_data["details"]["requested_by"] == "participant"
    assert_no_trace(
        study,
        pk=participant.pk,
        public_id=str(participant.public_id),
        pid="DURING-1",
        researcher=researcher_of(study),
    )
    # The session is gone: the flow sends the browser back to the start.
    assert browser.get(flow_url(study)).status_code in (302, 403)


def test_participant_withdraws_after_the_study_with_the_reference_from_another_browser(
    study: Study,
) -> None:
    first = Client()
    reference = complete(first, study, pid="AFTER-1")
    participant = participant_of(first, study)
    other = Client()
    # Wrong reference: nothing happens, and the page says so.
    wrong = other.post(
        f"/s/{study.slug}/withdraw/", {"how": "reference", "reference": "AAAA-BBBB-CCCC"}
    )
    assert wrong.status_code == 400 and b"No participation" in wrong.content
    malformed = other.post(f"/s/{study.slug}/withdraw/", {"how": "reference", "reference": "x"})
    assert malformed.status_code == 400
    assert Participant.objects.get(pk=participant.pk).status == Participant.Status.COMPLETED
    typed = reference.lower().replace("-", " ")  # case, spaces and dashes do not matter
    done = other.post(f"/s/{study.slug}/withdraw/", {"how": "reference", "reference": typed})
    assert done.status_code == 200, done.content.decode()[:300]
    assert_no_trace(
        study,
        pk=participant.pk,
        public_id=str(participant.public_id),
        pid="AFTER-1",
        researcher=researcher_of(study),
    )
    again = other.post(f"/s/{study.slug}/withdraw/", {"how": "reference", "reference": reference})
    assert again.status_code == 400


def test_session_withdrawal_without_a_session_is_refused(study: Study) -> None:
    response = Client().post(f"/s/{study.slug}/withdraw/", {"how": "session"})
    assert response.status_code == 400 and b"no session" in response.content


def test_researcher_withdraws_from_the_dashboard_by_recruitment_id(study: Study) -> None:
    browser = Client()
    complete(browser, study, pid="DASH-1")
    keep = Client()
    complete(keep, study, pid="DASH-KEEP")
    participant = participant_of(browser, study)
    researcher = researcher_of(study)
    listing = researcher.get(f"/dashboard/{study.slug}/participants/")
    assert listing.status_code == 200 and b"DASH-1" in listing.content
    url = f"/dashboard/{study.slug}/participants/withdraw/"
    # Without the confirmation, or with nobody matching: 400, nothing changed.
    assert researcher.post(url, {"recruitment_id": "DASH-1", "reason": "asked"}).status_code == 400
    missing = {"recruitment_id": "NOBODY", "reason": "asked", "confirm": "on"}
    assert researcher.post(url, missing).status_code == 400
    both = {
        "recruitment_id": "DASH-1",
        "reference": "AAAA-BBBB-CCCC",
        "reason": "x",
        "confirm": "on",
    }
    assert researcher.post(url, both).status_code == 400
    assert Participant.objects.get(pk=participant.pk).status == Participant.Status.COMPLETED
    # A researcher who may read but not change the study cannot withdraw anyone.
    reader = researcher_of(study, can_change=False)
    data = {"recruitment_id": "DASH-1", "reason": "e-mail of 3 May", "confirm": "on"}
    assert reader.post(url, data).status_code == 403
    assert researcher.post(url, data).status_code == 302
    entry = LogEntry.objects.get(additional_data__event="participant.withdraw")
    assert entry.actor is not None and entry.actor.username == f"res-{study.slug}-True"
    assert entry.additional_data["details"]["reason"] == "e-mail of 3 May"
    assert_no_trace(
        study,
        pk=participant.pk,
        public_id=str(participant.public_id),
        pid="DASH-1",
        researcher=researcher,
    )
    kept = Participant.objects.get(recruitment_id="DASH-KEEP")
    assert kept.status == Participant.Status.COMPLETED and kept.trials.count() > 0


def test_researcher_withdraws_by_reference_from_the_dashboard(study: Study) -> None:
    browser = Client()
    reference = complete(browser, study, pid="DASH-REF")
    participant = participant_of(browser, study)
    researcher = researcher_of(study)
    data = {"reference": reference, "reason": "wrote in with the reference", "confirm": "on"}
    url = f"/dashboard/{study.slug}/participants/withdraw/"
    assert researcher.post(url, data).status_code == 302
    assert_no_trace(
        study,
        pk=participant.pk,
        public_id=str(participant.public_id),
        pid="DASH-REF",
        researcher=researcher,
    )


def test_command_withdraws_by_recruitment_id_and_by_reference(study: Study, capsys: Any) -> None:
    first, second = Client(), Client()
    complete(first, study, pid="CMD-1")
    reference = complete(second, study, pid="CMD-2")
    one, two = participant_of(first, study), participant_of(second, study)
    call_command(
        "participant_withdraw", "--study", study.slug, "--recruitment-id", "CMD-1",
        "--reason", "ticket 17",
    )  # fmt: skip
    call_command(
        "participant_withdraw", "--study", study.slug, "--reference", reference,
        "--reason", "ticket 18",
    )  # fmt: skip
    assert "withdrawn" in capsys.readouterr().out.lower()
    researcher = researcher_of(study)
    for person, pid in ((one, "CMD-1"), (two, "CMD-2")):
        assert_no_trace(
            study, pk=person.pk, public_id=str(person.public_id), pid=pid, researcher=researcher
        )
    entries = LogEntry.objects.filter(additional_data__event="participant.withdraw")
    assert {e.additional_data["details"]["reason"] for e in entries} == {"ticket 17", "ticket 18"}
    assert all(e.additional_data["by"].startswith("command:") for e in entries)
    with pytest.raises(CommandError, match="No participant"):
        call_command(
            "participant_withdraw", "--study", study.slug, "--recruitment-id", "CMD-1",
            "--reason", "again",
        )  # fmt: skip
    with pytest.raises(CommandError, match="reason"):
        call_command(
            "participant_withdraw", "--study", study.slug, "--recruitment-id", "X", "--reason", " "
        )


def test_withdrawal_of_an_abandoned_participant_does_not_count_their_items_twice(
    study: Study,
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from braintrial.participants.services.assignment import participants_release_abandoned
    from braintrial.participants.services.withdrawal import participant_withdraw

    browser = Client()
    walk_to_practice(browser, study, pid="GONE-1")
    participant = participant_of(browser, study)
    later = timezone.now() + timedelta(minutes=study.abandon_after_minutes + 1)
    assert participants_release_abandoned(study=study, now=later) == 1
    assert_counters_match_trials(study)
    participant_withdraw(
        study=study, now=later, recruitment_id="GONE-1", requested_by="researcher", reason="r"
    )
    assert_counters_match_trials(study)
    assert not Trial.objects.filter(participant=participant).exists()
