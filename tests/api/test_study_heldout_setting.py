"""The held-out share through the API: shown with the study, validated on create."""

from __future__ import annotations

import pytest

from braintrial.studies.models import Study
from tests.api.conftest import token_client
from tests.factories import study_editor_grant, user_make

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("share", [-0.1, 0.6, "half", "NaN", "Infinity", "0.25\x00"])
def test_a_share_outside_0_to_half_is_a_400_and_stores_nothing(share):
    creator = user_make("creator")
    study_editor_grant(creator)
    payload = {"slug": "held", "title": "Held", "bank": "bank-held", "held_out_share": share}
    response = token_client(creator).post("/api/studies/create/", payload, format="json")
    assert response.status_code == 400
    assert "held_out_share" in response.json()
    assert not Study.objects.filter(slug="held").exists()


def test_the_share_is_stored_and_shown_but_never_the_key():
    creator = user_make("creator")
    study_editor_grant(creator)
    payload = {"slug": "held", "title": "Held", "bank": "bank-held", "held_out_share": 0.25}
    client = token_client(creator)
    response = client.post("/api/studies/create/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["held_out_share"] == 0.25
    study = Study.objects.get(slug="held")
    assert study.held_out_key not in response.content.decode()
    shown = client.get("/api/studies/held/").content.decode()
    assert study.held_out_key not in shown
