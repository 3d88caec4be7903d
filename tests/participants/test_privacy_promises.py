"""The data-protection page's promises, each tried as a hostile tester would: a withdrawal does
not open the way to a second take, a completed participant's session cookie withdraws nobody,
the retention purge erases every identifier the notice names, the web server's access log keeps
no identifier, and the notice and withdrawal pages speak the study's language."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from braintrial.participants.models import Participant
from braintrial.participants.services.withdrawal import REFERENCE_SHOWN_MINUTES
from braintrial.studies.models import Study
from tests.participants.conftest import (
    answer_all,
    flow_url,
    participant_of,
    start,
    walk_to_practice,
)
from tests.participants.test_governance import close, csv_rows
from tests.participants.test_withdrawal import REFERENCE, complete, researcher_of

pytestmark = pytest.mark.django_db
# A public address: the test client's loopback is exempt from the start limits.
HOME = "203.0.113.41"
ROOT = Path(settings.BASE_DIR)
KINDS = ("participants", "trials")


def finish(client: Client, study: Study, **params: str) -> str:
    """Walk a participant with these link parameters to the end; their withdrawal reference."""
    walk_to_practice(client, study, **params)
    answer_all(client, study)
    debrief = {"step": "debrief", "outside_help": "no", "feedback": "fine"}
    assert client.post(flow_url(study), debrief).status_code == 302
    match = REFERENCE.search(client.get(flow_url(study)).content.decode())
    assert match
    return match.group(1)


def withdraw_by_reference(study: Study, reference: str) -> None:
    response = Client(REMOTE_ADDR="198.51.100.7").post(
        f"/s/{study.slug}/withdraw/", {"how": "reference", "reference": reference}
    )
    assert response.status_code == 200, response.content.decode()[:300]


# --- withdraw, then retake ------------------------------------------------------------------


def test_a_withdrawn_recruitment_id_cannot_take_a_refusing_study_again(study: Study) -> None:
    assert study.repeat_policy == Study.RepeatPolicy.REFUSE
    browser = Client(REMOTE_ADDR=HOME)
    reference = complete(browser, study, pid="RETAKER")
    assert start(browser, study, pid="RETAKER").status_code in (200, 302)  # its finished page
    withdraw_by_reference(study, reference)
    # The same browser and id, then the same id from a fresh browser: both refused.
    again = start(browser, study, pid="RETAKER")
    assert again.status_code == 403, again.status_code
    fresh = start(Client(REMOTE_ADDR="203.0.113.42"), study, pid="RETAKER")
    assert fresh.status_code == 403
    # The same browser with another id is refused as before the withdrawal.
    assert start(browser, study, pid="SOMEONE-ELSE").status_code == 403
    assert Participant.objects.filter(study=study).count() == 1
    tomb = Participant.objects.get(study=study)
    # What the tombstone keeps for it is keyed, per study: never the id itself.
    assert tomb.recruitment_id == "" and "RETAKER" not in tomb.recruitment_key
    assert len(tomb.recruitment_key) == 64
    # Another id from another browser still starts.
    assert start(Client(REMOTE_ADDR="203.0.113.43"), study, pid="NEWCOMER").status_code == 302


def test_a_withdrawn_recruitment_id_is_flagged_under_the_flag_policy(study: Study) -> None:
    Study.objects.filter(pk=study.pk).update(repeat_policy=Study.RepeatPolicy.FLAG)
    study.refresh_from_db()
    reference = complete(Client(REMOTE_ADDR=HOME), study, pid="RETAKER")
    withdraw_by_reference(study, reference)
    fresh = Client(REMOTE_ADDR="203.0.113.44")
    assert start(fresh, study, pid="RETAKER").status_code == 302
    assert participant_of(fresh, study).repeat_suspected is True


def test_the_repeat_key_differs_between_studies_and_the_purge_erases_it(study: Study) -> None:
    from braintrial.participants.services.start import recruitment_key
    from braintrial.studies.services import study_create

    other = study_create(slug="pilot-two", title="Second", bank=study.bank, is_open=True)
    assert recruitment_key(study=study, recruitment_id="X") != recruitment_key(
        study=other, recruitment_id="X"
    )
    reference = complete(Client(REMOTE_ADDR=HOME), study, pid="RETAKER")
    withdraw_by_reference(study, reference)
    close(study, days_ago=study.identifier_retention_days + 1)
    call_command("purge_identifiers")
    tomb = Participant.objects.get(study=study)
    assert tomb.recruitment_key == "" and tomb.browser_mark_hash == ""
    assert tomb.identifiers_purged_at is not None


# --- after completion, withdrawal needs the reference ---------------------------------------


def test_a_completed_participants_session_cookie_cannot_withdraw_them(study: Study) -> None:
    shared = Client()
    complete(shared, study, pid="SHARED-PC")
    page = shared.get(f"/s/{study.slug}/withdraw/")
    assert page.status_code == 200 and b'value="session"' not in page.content
    refused = shared.post(f"/s/{study.slug}/withdraw/", {"how": "session"})
    assert refused.status_code == 400 and b"reference" in refused.content
    assert Participant.objects.get(study=study).status == Participant.Status.COMPLETED


def test_the_completion_page_stops_showing_the_reference_to_the_next_user(study: Study) -> None:
    """The session cookie lives 14 days; the reference is shown for the first minutes only, so
    the next person at a shared computer can neither read it nor withdraw with the cookie."""
    shared = Client()
    reference = complete(shared, study, pid="SHARED-PC")
    assert reference in shared.get(flow_url(study)).content.decode()  # a reload shows it
    later = timezone.now() - timedelta(minutes=REFERENCE_SHOWN_MINUTES + 1)
    Participant.objects.filter(study=study).update(completed_at=later)
    page = shared.get(flow_url(study)).content.decode()
    assert reference not in page and 'id="withdrawal-reference"' not in page
    assert "was shown when you finished" in page
    assert shared.post(f"/s/{study.slug}/withdraw/", {"how": "session"}).status_code == 400
    assert Participant.objects.get(study=study).status == Participant.Status.COMPLETED
    # The participant, who kept it, still withdraws with it.
    withdraw_by_reference(study, reference)


def test_a_participant_in_progress_still_withdraws_with_the_session(study: Study) -> None:
    browser = Client()
    walk_to_practice(browser, study, pid="MIDWAY")
    assert b'value="session"' in browser.get(f"/s/{study.slug}/withdraw/").content
    done = browser.post(f"/s/{study.slug}/withdraw/", {"how": "session"})
    assert done.status_code == 200
    assert Participant.objects.get(study=study).status == Participant.Status.WITHDRAWN


# --- the retention purge --------------------------------------------------------------------


def test_the_purge_erases_the_prolific_study_and_session_ids(study: Study) -> None:
    Study.objects.filter(pk=study.pk).update(prolific_mode=True)
    study.refresh_from_db()
    ids = {"PROLIFIC_PID": "PPID0001", "STUDY_ID": "PSTUDY0001", "SESSION_ID": "PSESS0001"}
    reference = finish(Client(), study, **ids)
    person = Participant.objects.get(study=study)
    assert person.prolific_study_id == "PSTUDY0001"
    close(study, days_ago=study.identifier_retention_days + 1)
    call_command("purge_identifiers")
    person.refresh_from_db()
    assert person.recruitment_id == person.prolific_study_id == person.prolific_session_id == ""
    # The reference's hash outlives the purge, as the notice says: the participant can still
    # withdraw their answers with it, and the tombstone keeps no repeat key (no id is left).
    withdraw_by_reference(study, reference)
    person.refresh_from_db()
    assert person.status == Participant.Status.WITHDRAWN and person.recruitment_key == ""


# --- the web server's access log ------------------------------------------------------------


def _free_port() -> int:
    for port in range(18310, 18399):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 18310-18398")


def test_the_web_servers_access_log_keeps_no_identifier(tmp_path: Path) -> None:
    """gunicorn as the compose file runs it (its config module), serving a stand-in app: the
    access line of a participant's link has neither its ids, nor the address, nor the user
    agent, nor the referrer."""
    (tmp_path / "standin.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'ok']\n"
    )
    log = tmp_path / "access.log"
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "standin:app",
            "--chdir",
            str(tmp_path),
            "--config",
            "python:braintrial.gunicorn_config",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(log),
        ],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    try:
        path = "/s/pilot/?PROLIFIC_PID=PPID0001&STUDY_ID=PSTUDY0001&SESSION_ID=PSESS0001"
        request = (
            f"GET {path} HTTP/1.1\r\nHost: x\r\nUser-Agent: Mozilla/5.0 (UA-MARKER)\r\n"
            f"Referer: http://x/s/pilot/?pid=REFERRED\r\nConnection: close\r\n\r\n"
        ).encode()
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                    conn.sendall(request)
                    assert b"200 OK" in conn.recv(1024)
                break
            except ConnectionRefusedError:
                time.sleep(0.1)
        for _ in range(50):
            if log.exists() and log.read_text():
                break
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
    line = log.read_text()
    assert '"GET /s/pilot/ HTTP/1.1" 200' in line
    for secret in ("PPID0001", "PSTUDY0001", "PSESS0001", "REFERRED", "UA-MARKER", "127.0.0.1"):
        assert secret not in line


def test_the_compose_file_and_the_image_run_gunicorn_with_that_config() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert "--config python:braintrial.gunicorn_config" in compose["services"]["web"]["command"]
    assert "--config python:braintrial.gunicorn_config" in (ROOT / "Dockerfile").read_text()


# --- the study's language -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "notice", "withdraw", "withdrawn"),
    [
        ("de", "Datenschutzhinweise", "Mit Ihrer Nummer widerrufen", "Sie haben Ihre Teilnahme"),
        ("es", "Aviso de privacidad", "Retirarse con su referencia", "Se ha retirado"),
        ("zh-hans", "隐私声明", "使用编号退出", "您已退出"),
    ],
)
def test_privacy_notice_and_withdrawal_pages_speak_the_studys_language(
    study: Study, language: str, notice: str, withdraw: str, withdrawn: str
) -> None:
    Study.objects.filter(pk=study.pk).update(language=language)
    study.refresh_from_db()
    page = Client().get(f"/s/{study.slug}/privacy/").content.decode()
    assert notice in page and "What is stored" not in page
    browser = Client()
    walk_to_practice(browser, study, pid="LANG-1")
    form = browser.get(f"/s/{study.slug}/withdraw/").content.decode()
    assert withdraw in form and "Withdraw with your reference" not in form
    wrong = browser.post(f"/s/{study.slug}/withdraw/", {"how": "reference", "reference": "x"})
    assert wrong.status_code == 400 and "Type the 12 letters" not in wrong.content.decode()
    done = browser.post(f"/s/{study.slug}/withdraw/", {"how": "session"}).content.decode()
    assert withdrawn in done and "You have withdrawn" not in done
    assert browser.get(flow_url(study)).status_code in (302, 403)


# --- pseudonymised files --------------------------------------------------------------------


def test_a_pseudonymised_file_leads_to_no_row_of_the_plain_files_or_the_api(study: Study) -> None:
    from braintrial.exports.rows import EXPORT_KINDS

    for pid in ("PSEUDO-1", "PSEUDO-2"):
        complete(Client(), study, pid=pid)
    researcher = researcher_of(study)
    base = f"/exports/{study.slug}"
    plain = {k: csv_rows(researcher, f"{base}/{k}.csv?include_excluded=1") for k in KINDS}
    hidden = {
        k: csv_rows(researcher, f"{base}/{k}.csv?include_excluded=1&pseudonymise=1") for k in KINDS
    }
    api_people = researcher.get(f"/api/participants/?study={study.slug}").json()["results"]
    api_trials = researcher.get(f"/api/trials/?study={study.slug}").json()["results"]
    # Every value by which a plain output names a row.
    keys = {str(p[f]) for p in api_people for f in ("id", "public_id", "started_at")}
    keys |= {str(t["id"]) for t in api_trials}
    for kind, rows in plain.items():
        stamps = [c.name for c in EXPORT_KINDS[kind].columns if c.type == "timestamp"]
        for row in rows:
            named = ("pid", "participant", "trial_id", "recruitment_id", "feedback", *stamps)
            keys |= {row[name] for name in named if row.get(name)}
    for kind, rows in hidden.items():
        assert len(rows) == len(plain[kind])
        stamps = [c.name for c in EXPORT_KINDS[kind].columns if c.type == "timestamp"]
        for row in rows:
            # No cell holds a text key; no naming column holds a number key either (answers
            # like 9 of 9 correct may equal some row id by chance, and name nothing).
            naming = {"pid", "participant", "trial_id", "recruitment_id", *stamps}
            leaked = {
                name: value
                for name, value in row.items()
                if value in keys and (name in naming or not value.isdigit())
            }
            assert not leaked, (kind, leaked)
            assert len(row["pid"]) == 16
            for name in ("participant", "trial_id", "feedback", "prolific_study_id", "user_agent"):
                assert row.get(name, "") == ""
            assert all(len(row[name]) in (0, 10) for name in stamps)  # the UTC date only
    # The two files still join, person by person, and the pseudonyms differ between people.
    pids = {row["pid"] for row in hidden["participants"]}
    assert len(pids) == 2 and {row["pid"] for row in hidden["trials"]} == pids
    again = csv_rows(researcher, f"{base}/participants.csv?include_excluded=1&pseudonymise=1")
    assert {row["pid"] for row in again} == pids  # the same in every download of the study


def test_the_data_dictionary_says_which_identifiers_each_output_carries(study: Study) -> None:
    page = researcher_of(study).get("/exports/dictionary/").content.decode()
    assert 'id="identifiers"' in page and "Pseudonymised files" in page
    assert "UTC date only" in page and "keyed pseudonym" in page


def test_the_privacy_notice_says_what_a_withdrawal_keeps_and_what_the_logs_hold(
    study: Study,
) -> None:
    """The sentences the tests above hold the application to."""
    page = Client().get(f"/s/{study.slug}/privacy/").content.decode()
    assert "two one-way keyed codes also remain" in page  # the repeat keys of a tombstone
    assert "erased with the other identifiers" in page  # ... until the purge
    assert "not your network address, the ids in your link" in page  # the access log
    assert "only with the personal withdrawal reference" in page  # after completion
    assert "still withdraw with the reference later" in page  # the key outlives the purge
