"""braintrial.prepared: a read whose SQL is written once gives what the ORM gives, in one query."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from braintrial.participants.models import Participant, Trial
from braintrial.participants.selectors import token_hash
from braintrial.prepared import PreparedSelect
from tests.factories import study_make

pytestmark = pytest.mark.django_db

BY_STUDY_TOKEN = PreparedSelect(Participant, related="study", filters=("study__slug", "token_hash"))
TRIALS = PreparedSelect(Trial, filters=("participant",), order_by="position")


def _values(obj: Model) -> dict[str, Any]:
    """Every column's value with its Python type, as the instance holds it."""
    return {
        f.attname: (type(getattr(obj, f.attname)), getattr(obj, f.attname))
        for f in obj._meta.concrete_fields
    }


def test_the_participant_and_its_study_are_those_of_the_orm_in_one_query() -> None:
    made = study_make("prep")
    participant = made.participants[1]
    token = made.tokens[participant.pk]
    expected = Participant.objects.select_related("study").get(pk=participant.pk)

    with CaptureQueriesContext(connection) as queries:
        (found,) = BY_STUDY_TOKEN.fetch("prep", token_hash(token=token))
        study = found.study  # cached, as select_related caches it

    assert len(queries) == 1
    assert _values(found) == _values(expected)
    assert _values(study) == _values(expected.study)
    assert found.completed_at is not None and found.completed_at.tzinfo is not None
    assert found._state.adding is False and found._state.db == "default"


def test_no_row_for_another_studys_slug_or_an_unknown_token() -> None:
    made = study_make("prep")
    study_make("other")
    token = made.tokens[made.participants[0].pk]

    assert BY_STUDY_TOKEN.fetch("other", token_hash(token=token)) == []
    assert BY_STUDY_TOKEN.fetch("prep", token_hash(token="not-a-token")) == []


def test_trials_come_in_position_order_with_the_orms_values() -> None:
    made = study_make("prep")
    participant = made.participants[0]
    Trial.objects.filter(participant=participant, position=1).update(position=9)
    expected = list(Trial.objects.filter(participant=participant).order_by("position"))

    trials = TRIALS.fetch(participant.pk)

    assert [t.position for t in trials] == [2, 3, 9]
    assert [_values(t) for t in trials] == [_values(t) for t in expected]


def test_only_a_required_foreign_key_is_joined() -> None:
    with pytest.raises(ValueError, match="required foreign key"):
        PreparedSelect(Trial, related="position", filters=("position",)).fetch(1)
