"""braintrial.prepared: a read or an update whose SQL is written once gives what the ORM gives,
in one query."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from braintrial.participants.models import Participant, Trial
from braintrial.participants.selectors import token_hash
from braintrial.prepared import _PREPARED, PreparedSelect, PreparedUpdate
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
    BY_STUDY_TOKEN.fetch("prep", "")  # the session's first run prepares the statement

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


SHOW = PreparedUpdate(Trial, fields=("shown_at",), filters=("id", "shown_at__isnull"))
ANSWER = PreparedUpdate(
    Trial,
    fields=("choice", "correct", "confidence", "rt_client_ms", "answered_at"),
    filters=("id", "correct__isnull", "participant__status"),
)
WHEN = datetime(2026, 11, 30, 9, 15, 30, 123456, tzinfo=UTC)


def _open_trial() -> Trial:
    made = study_make("prep")
    participant = made.participants[0]
    Participant.objects.filter(pk=participant.pk).update(status=Participant.Status.ACTIVE)
    trial = Trial.objects.filter(participant=participant).order_by("position").first()
    assert trial is not None
    Trial.objects.filter(pk=trial.pk).update(
        choice="", correct=None, confidence=None, answered_at=None, shown_at=None
    )
    return trial


def test_an_update_stores_what_the_orms_update_stores_in_one_query() -> None:
    trial = _open_trial()
    twin = Trial.objects.filter(participant__study__slug="prep").exclude(pk=trial.pk).first()
    assert twin is not None
    values = {"choice": "B", "correct": False, "confidence": 73, "rt_client_ms": None}
    Trial.objects.filter(pk=twin.pk).update(**values, answered_at=WHEN)
    ANSWER.run({**values, "answered_at": WHEN}, -1, "active")  # prepares the statement

    with CaptureQueriesContext(connection) as queries:
        changed = ANSWER.run({**values, "answered_at": WHEN}, trial.pk, Participant.Status.ACTIVE)

    assert (changed, len(queries)) == (1, 1)
    mine, orms = Trial.objects.get(pk=trial.pk), Trial.objects.get(pk=twin.pk)
    for name in ("choice", "correct", "confidence", "rt_client_ms", "answered_at"):
        assert (type(getattr(mine, name)), getattr(mine, name)) == (
            type(getattr(orms, name)),
            getattr(orms, name),
        ), name
    assert mine.answered_at == WHEN


def test_an_update_changes_nothing_where_a_condition_fails() -> None:
    trial = _open_trial()
    values = {"choice": "A", "correct": True, "confidence": 50, "rt_client_ms": 900}

    # The participant is not active: the condition on the row the foreign key points to.
    assert ANSWER.run({**values, "answered_at": WHEN}, trial.pk, Participant.Status.COMPLETED) == 0
    assert ANSWER.run({**values, "answered_at": WHEN}, trial.pk, Participant.Status.ACTIVE) == 1
    # Answered now: the is-null condition holds no more, and the first answer stays.
    assert ANSWER.run({**values, "choice": "B", "answered_at": WHEN}, trial.pk, "active") == 0
    assert Trial.objects.get(pk=trial.pk).choice == "A"
    assert SHOW.run({"shown_at": WHEN}, trial.pk) == 1
    assert SHOW.run({"shown_at": datetime(2027, 1, 1, tzinfo=UTC)}, trial.pk) == 0
    assert Trial.objects.get(pk=trial.pk).shown_at == WHEN
    assert SHOW.run({"shown_at": WHEN}, -1) == 0


def test_an_update_needs_a_value_for_each_field_and_each_filter() -> None:
    trial = _open_trial()

    with pytest.raises(ValueError, match="values for exactly"):
        SHOW.run({"shown_at": WHEN, "choice": "A"}, trial.pk)
    with pytest.raises(ValueError):
        SHOW.run({"shown_at": WHEN})  # no value for the id
    with pytest.raises(ValueError, match="required foreign key"):
        PreparedUpdate(Trial, fields=("choice",), filters=("position__x",)).run({"choice": "A"}, 1)
    assert Trial.objects.get(pk=trial.pk).shown_at is None


@pytest.fixture
def new_session() -> None:
    """As if the connection had just been opened: no statement prepared on it."""
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    _PREPARED.pop(connection.connection, None)


def _prepared_on_server() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.usefixtures("new_session")
def test_a_statement_is_prepared_once_per_session_and_then_executed() -> None:
    participant = study_make("prep").participants[0]

    with CaptureQueriesContext(connection) as queries:
        first = TRIALS.fetch(participant.pk)
        again = TRIALS.fetch(participant.pk)

    sqls = [q["sql"] for q in queries]
    assert sqls[0].startswith("PREPARE bt_")
    assert sqls[1] == sqls[2] == f"EXECUTE {sqls[0].split()[1]}({participant.pk})"
    assert len(sqls) == 3
    (server,) = _prepared_on_server()
    assert server == sqls[0]  # the statement the session keeps
    assert 'T0."participant_id" = $1 ORDER BY T0."position"' in server
    assert [_values(t) for t in first] == [_values(t) for t in again]
    assert [t.pk for t in first] == list(
        Trial.objects.filter(participant=participant)
        .order_by("position")
        .values_list("pk", flat=True)
    )


@pytest.mark.usefixtures("new_session")
def test_without_persistent_connections_nothing_is_prepared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    participant = study_make("prep").participants[0]
    Trial.objects.filter(participant=participant).update(shown_at=None)

    with CaptureQueriesContext(connection) as queries:
        trials = TRIALS.fetch(participant.pk)
        shown = SHOW.run({"shown_at": WHEN}, trials[0].pk)

    assert [q["sql"].split()[0] for q in queries] == ["SELECT", "UPDATE"]
    assert _prepared_on_server() == []
    assert (shown, Trial.objects.get(pk=trials[0].pk).shown_at) == (1, WHEN)
