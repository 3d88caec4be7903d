"""The participant flow end to end through HTTP: landing to completion code, consent, resume."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from time_machine import TimeMachineFixture

from braintrial.items.models import Item
from braintrial.participants.models import Gender, Participant, Position
from braintrial.participants.selectors import token_hash
from braintrial.studies.models import Study
from tests.participants.conftest import (
    DEMOGRAPHICS,
    answer_all,
    answer_data,
    cookie,
    current_position,
    flow_url,
    start,
    walk_to_practice,
)

pytestmark = pytest.mark.django_db


def test_full_flow_from_landing_to_completion_code(client: Client, study: Study) -> None:
    study.debrief_detail = Study.DebriefDetail.FULL  # the published protocol's debrief
    study.save()
    landing = client.get(f"/s/{study.slug}/")
    assert landing.status_code == 200
    assert b"Start" in landing.content
    walk_to_practice(client, study)
    answer_all(client, study)
    debrief = client.get(flow_url(study))
    assert b"One last question" in debrief.content
    response = client.post(flow_url(study), {"step": "debrief", "outside_help": "no"})
    assert response.status_code == 302
    done = client.get(flow_url(study))
    assert b"C0DE42" in done.content
    assert b"Of your 9 test trials, you picked the published version in 9." in done.content
    participant = Participant.objects.get()
    assert participant.status == Participant.Status.COMPLETED
    assert participant.completed_at is not None
    assert participant.gender == Gender.FEMALE
    assert participant.position == Position.POSTDOC
    assert participant.country == "Germany"
    assert participant.outside_help is False
    assert not (participant.flag_failed_catch or participant.flag_no_slider)
    trials = list(participant.trials.all())
    assert len(trials) == 12
    assert all(t.correct is True and t.answered_at is not None for t in trials)
    assert all(t.rt_server_ms is not None and t.rt_client_ms == 12000 for t in trials)


def test_assignment_gives_practice_six_human_three_gpt4_and_two_catch(
    client: Client, study: Study
) -> None:
    participant = walk_to_practice(client, study)
    trials = list(participant.trials.select_related("item").order_by("position"))
    assert [t.position for t in trials] == list(range(12))
    assert trials[0].kind == Item.Kind.PRACTICE
    main = trials[1:]
    tests = [t for t in main if t.kind == Item.Kind.TEST]
    assert sum(t.item.source == Item.Source.HUMAN for t in tests) == 6
    assert sum(t.item.source == Item.Source.GPT4 for t in tests) == 3
    assert sum(t.kind == Item.Kind.CATCH for t in main) == 2
    dois = [t.item.doi for t in tests]
    assert len(set(dois)) == len(dois)


def test_progress_counts_catch_trials(client: Client, study: Study) -> None:
    walk_to_practice(client, study)
    _, practice = current_position(client, study)
    assert b"Practice trial" in practice.content
    client.post(flow_url(study), answer_data(0, "practice"))
    _, first = current_position(client, study)
    assert b"Trial 1 of 11" in first.content


def test_reload_resumes_same_trial_with_same_ab_order(client: Client, study: Study) -> None:
    participant = walk_to_practice(client, study)
    current_position(client, study)
    assert client.post(flow_url(study), answer_data(0, "practice")).status_code == 302
    position, first = current_position(client, study)
    assert position == 1
    trial = participant.trials.get(position=position)
    shown_at = trial.shown_at
    assert shown_at is not None
    again_position, again = current_position(client, study)
    assert again_position == position
    trial.refresh_from_db()
    assert trial.shown_at == shown_at  # the clock does not restart on reload
    strip = [line for line in first.content.decode().splitlines() if "csrf" not in line]
    strip_again = [line for line in again.content.decode().splitlines() if "csrf" not in line]
    assert strip == strip_again


def test_new_browser_with_prolific_ids_and_session_id_resumes(client: Client, study: Study) -> None:
    walk_to_practice(client, study, PROLIFIC_PID="abc123", STUDY_ID="s1", SESSION_ID="x9")
    participant = Participant.objects.get()
    assert (participant.recruitment_source, participant.recruitment_id) == ("prolific", "abc123")
    assert (participant.prolific_study_id, participant.prolific_session_id) == ("s1", "x9")
    other = Client()
    response = start(other, study, PROLIFIC_PID="abc123", STUDY_ID="s1", SESSION_ID="x9")
    assert response.status_code == 302
    assert Participant.objects.count() == 1
    position, _ = current_position(other, study)
    assert position == 0
    # The old browser's token was replaced.
    assert client.get(flow_url(study)).status_code == 403


def test_completed_recruitment_id_is_told_it_has_completed(client: Client, study: Study) -> None:
    walk_to_practice(client, study, pid="lab-7")
    answer_all(client, study)
    client.post(flow_url(study), {"step": "debrief", "outside_help": "no"})
    other = Client()
    response = start(other, study, pid="lab-7")
    assert response.status_code == 200
    assert b"already completed" in response.content
    assert f"bt_{study.slug}" not in other.cookies
    assert Participant.objects.count() == 1


def test_declining_consent_ends_politely_and_assigns_nothing(client: Client, study: Study) -> None:
    start(client, study)
    response = client.post(flow_url(study), {"step": "consent", "consent": "decline"})
    assert response.status_code == 302
    page = client.get(flow_url(study))
    assert b"Thank you for your time" in page.content
    participant = Participant.objects.get()
    assert participant.status == Participant.Status.DECLINED
    assert participant.declined_at is not None
    assert participant.trials.count() == 0
    # Changing one's mind by re-posting the consent form does nothing.
    again = client.post(flow_url(study), {"step": "consent", "consent": "agree"})
    assert again.status_code == 409
    assert participant.trials.count() == 0


def test_completion_page_offers_the_return_to_prolific_after_everything_is_stored(
    client: Client, study: Study
) -> None:
    study.completion_url = "https://app.prolific.com/submissions/complete?cc=C0DE42"
    study.save()
    walk_to_practice(client, study)
    answer_all(client, study)
    response = client.post(flow_url(study), {"step": "debrief", "outside_help": "yes"})
    assert response.status_code == 302
    assert response["Location"] == flow_url(study)
    page = client.get(flow_url(study)).content.decode()
    # The link works without a script; complete.js follows it after the stated seconds.
    assert f'id="return-link" href="{escape(study.completion_url)}"' in page
    assert 'data-return-seconds="15"' in page
    assert 'id="copy-code"' in page
    participant = Participant.objects.get()
    assert participant.status == Participant.Status.COMPLETED
    assert participant.flag_outside_help is True


def test_session_cookie_is_httponly_lax_and_only_its_hash_is_stored(
    client: Client, study: Study
) -> None:
    start(client, study)
    morsel = client.cookies[f"bt_{study.slug}"]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert morsel["path"] == f"/s/{study.slug}/"
    token = cookie(client, study)
    assert len(token) >= 40
    participant = Participant.objects.get()
    assert participant.token_hash == token_hash(token=token)
    assert token not in participant.token_hash


def test_landing_with_cookie_goes_to_current_step(client: Client, study: Study) -> None:
    start(client, study)
    response = client.get(f"/s/{study.slug}/")
    assert response.status_code == 302
    assert response["Location"] == flow_url(study)


def test_prolific_mode_requires_the_three_ids(client: Client, study: Study) -> None:
    study.prolific_mode = True
    study.save()
    response = client.get(f"/s/{study.slug}/")
    assert response.status_code == 400
    assert b"Prolific" in response.content
    assert start(client, study, PROLIFIC_PID="p1").status_code == 400
    assert Participant.objects.count() == 0
    ok = start(client, study, PROLIFIC_PID="p1", STUDY_ID="s", SESSION_ID="q")
    assert ok.status_code == 302


def test_closed_study_accepts_no_new_participant(client: Client, study: Study) -> None:
    study.is_open = False
    study.save()
    assert start(client, study).status_code == 403
    assert Participant.objects.count() == 0


def test_flags_recognised_fast_failed_catch_and_no_slider(
    client: Client, study: Study, time_machine: TimeMachineFixture
) -> None:
    # The clock stands still: every answer comes 0 ms after its page, however slow the machine.
    time_machine.move_to(timezone.now(), tick=False)
    participant = walk_to_practice(client, study)
    for trial in participant.trials.order_by("position"):
        position, _ = current_position(client, study)
        wrong = "B" if trial.original_is_a else "A"
        step = "practice" if position == 0 else "trials"
        data = answer_data(
            position,
            step,
            choice=wrong,
            recognised="yes" if position == 1 else "no",
            confidence_moved="0",
            expertise_moved="0",
        )
        assert client.post(flow_url(study), data).status_code == 302
    client.post(flow_url(study), {"step": "debrief", "outside_help": "no"})
    participant.refresh_from_db()
    assert participant.flag_failed_catch is True
    assert participant.flag_no_slider is True
    assert participant.flag_outside_help is False
    first = participant.trials.get(position=1)
    assert first.flag_recognised is True and first.recognised is True
    assert first.flag_fast is True and first.rt_server_ms == 0  # under study.min_rt_ms
    assert participant.trials.filter(flag_recognised=True).count() == 1


def test_slow_answer_is_not_flagged_fast(client: Client, study: Study) -> None:
    from datetime import timedelta

    participant = walk_to_practice(client, study)
    position, _ = current_position(client, study)
    trial = participant.trials.get(position=position)
    type(trial).objects.filter(pk=trial.pk).update(shown_at=trial.shown_at - timedelta(seconds=9))
    client.post(flow_url(study), answer_data(position, "practice"))
    trial.refresh_from_db()
    assert trial.flag_fast is False
    assert trial.rt_server_ms >= 9000


def test_demographics_offer_the_published_options(client: Client, study: Study) -> None:
    start(client, study)
    client.post(flow_url(study), {"step": "consent", "consent": "agree"})
    page = client.get(flow_url(study)).content.decode()
    for option in [
        "Male", "Female", "Gender Variant/Non-Conforming", "Prefer Not to Answer",
        "Predoctoral student", "Doctoral student", "Postdoctoral researcher",
        "Faculty/Academic staff", "Research scientist", "Other",
        "Which country are you based in?", "United States",
    ]:  # fmt: skip
        assert option in page
    bad = dict(DEMOGRAPHICS, country="Atlantis")
    assert client.post(flow_url(study), bad).status_code == 400
    assert Participant.objects.get().age is None


def test_trial_page_works_without_javascript_and_labels_every_control(
    client: Client, study: Study
) -> None:
    walk_to_practice(client, study)
    _, response = current_position(client, study)
    html = response.content.decode()
    # Without the script the sliders stay hidden and required number boxes take the answers.
    for name in ("confidence", "expertise"):
        assert f'type="number" name="{name}" id="{name}" min="1" max="100"' in html
        assert f'<label for="{name}"' in html
    assert html.count('class="slider-row" hidden') == 2
    assert html.count('type="radio" name="choice"') == 2
    assert html.count('type="radio" name="recognised"') == 2
    assert html.count("<fieldset") == 2 and html.count("<legend>") == 2
    assert "Have you seen this study before?" in html
    assert 'src="/static/participants/trial.js"' in html
    assert "https://" not in html  # nothing from a CDN: works offline


def test_rejected_cookie_is_dropped_so_the_start_page_works_again(
    client: Client, study: Study
) -> None:
    client.cookies[f"bt_{study.slug}"] = "not-a-real-token"
    response = client.get(flow_url(study))
    assert response.status_code == 403
    assert response.cookies[f"bt_{study.slug}"]["max-age"] == 0
    assert client.get(f"/s/{study.slug}/").status_code == 200


def test_declined_recruitment_id_cannot_start_again(client: Client, study: Study) -> None:
    start(client, study, pid="no-thanks")
    client.post(flow_url(study), {"step": "consent", "consent": "decline"})
    again = start(Client(), study, pid="no-thanks")
    assert again.status_code == 200
    assert b"Thank you for your time" in again.content
    assert Participant.objects.count() == 1


def test_expired_recruitment_id_is_told_its_session_expired(client: Client, study: Study) -> None:
    walk_to_practice(client, study, pid="slow-1")
    Participant.objects.update(status=Participant.Status.ABANDONED)
    again = start(Client(), study, pid="slow-1")
    assert again.status_code == 200
    assert b"Your session has expired" in again.content


def test_closed_study_lets_started_participants_resume(client: Client, study: Study) -> None:
    walk_to_practice(client, study, pid="early")
    study.is_open, study.closed_at = False, timezone.now()
    study.save()
    assert b"has closed and admits no new participants" in Client().get(f"/s/{study.slug}/").content
    del client.cookies[f"bt_{study.slug}"]  # the session cookie lost, the browser the same
    assert start(client, study, pid="early").status_code == 302
    assert start(Client(), study, pid="late").status_code == 403
