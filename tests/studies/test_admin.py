"""Study admin: every setting editable, counts in the list; participant data read-only."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client

from braintrial.participants.models import Participant, Trial
from braintrial.studies.models import Study
from braintrial.studies.services import study_create

pytestmark = pytest.mark.django_db

SETTINGS = [
    "title", "slug", "description", "is_open", "researchers", "bank", "n_human_trials",
    "n_gpt4_trials", "practice_enabled", "catch_trials_enabled", "abandon_after_minutes",
    "consent_text", "instructions_text", "prolific_mode", "completion_code", "completion_url",
    "exclude_failed_catch", "exclude_no_slider", "exclude_outside_help", "exclude_recognised",
    "exclude_fast", "min_rt_ms",
]  # fmt: skip


@pytest.fixture
def admin_client(db: Any) -> Client:
    user = get_user_model().objects.create_superuser("boss", "boss@example.org", "pw-123-long")
    client = Client()
    client.force_login(user)
    return client


def test_every_study_setting_is_editable_in_the_admin(admin_client: Client) -> None:
    study = study_create(slug="s1", title="S1")
    page = admin_client.get(f"/admin/studies/study/{study.pk}/change/").content.decode()
    for field in SETTINGS:
        assert f'name="{field}"' in page, field
    assert "selectfilter" in page.lower()  # researchers use filter_horizontal


def test_study_list_shows_participant_counts(admin_client: Client) -> None:
    study = study_create(slug="s2", title="Counted study")
    Participant.objects.create(study=study, status=Participant.Status.COMPLETED)
    Participant.objects.create(study=study, status=Participant.Status.ACTIVE)
    page = admin_client.get("/admin/studies/study/").content.decode()
    assert "Counted study" in page
    assert 'class="field-n_participants">2<' in page
    assert 'class="field-n_completed">1<' in page


def test_participants_and_trials_are_read_only_in_the_admin(admin_client: Client) -> None:
    study = study_create(slug="s3", title="S3")
    participant = Participant.objects.create(study=study)
    assert admin_client.get("/admin/participants/participant/add/").status_code == 403
    assert admin_client.get("/admin/participants/trial/add/").status_code == 403
    url = f"/admin/participants/participant/{participant.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b'name="status"' not in page.content  # shown, not editable
    assert b"token_hash" not in page.content
    response = admin_client.post(url, {"status": "completed"})
    assert response.status_code == 403
    participant.refresh_from_db()
    assert participant.status == Participant.Status.CONSENT
    delete = f"/admin/participants/participant/{participant.pk}/delete/"
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Participant.objects.filter(pk=participant.pk).exists()
    assert Trial.objects.count() == 0


def test_study_create_validates_settings(db: Any) -> None:
    with pytest.raises(ValidationError):
        study_create(slug="bad slug!", title="x")
    with pytest.raises(ValidationError):
        study_create(slug="few", title="x", abandon_after_minutes=1)
    assert not Study.objects.filter(slug="few").exists()
