"""The participant pages' copy of a study (studies.selectors.study_at_version): one read per
saved version and process, and a saved change is seen by the very next request."""

from __future__ import annotations

import importlib
import sqlite3

import pytest
from django.db import connection

from braintrial.participants.selectors import participant_get_by_study_token
from braintrial.studies.models import Study
from braintrial.studies.selectors import study_at_version
from tests.factories import study_make

pytestmark = pytest.mark.django_db


def test_a_version_is_read_once_and_each_caller_gets_its_own_instance(
    django_assert_num_queries,
) -> None:
    study = study_make("copies", n_people=0, scored=False).study
    first = study_at_version(pk=study.pk, updated_at=study.updated_at)
    with django_assert_num_queries(0):
        second = study_at_version(pk=study.pk, updated_at=study.updated_at)
    assert second is not first
    fields = [f.attname for f in Study._meta.concrete_fields]
    assert [getattr(second, f) for f in fields] == [getattr(study, f) for f in fields]
    second.title = "changed in one request only"
    assert study_at_version(pk=study.pk, updated_at=study.updated_at).title == study.title


def test_the_participant_sees_the_study_as_last_saved(django_assert_num_queries) -> None:
    made = study_make("saved", n_people=1, scored=False)
    participant = made.participants[0]
    token = made.tokens[participant.pk]
    assert participant_get_by_study_token(slug="saved", token=token).study.is_open is False
    with django_assert_num_queries(1):  # the participant and its study's version
        participant_get_by_study_token(slug="saved", token=token)

    study = Study.objects.get(pk=made.study.pk)
    study.is_open, study.language, study.min_rt_ms = True, "de", 1234
    study.save()
    seen = participant_get_by_study_token(slug="saved", token=token).study
    assert (seen.is_open, seen.language, seen.min_rt_ms) == (True, "de", 1234)


def _token_and_study(slug: str) -> tuple[str, Study]:
    made = study_make(slug, n_people=1, scored=False)
    participant = made.participants[0]
    token = made.tokens[participant.pk]
    assert participant_get_by_study_token(slug=slug, token=token).study.title == f"Study {slug}"
    return token, made.study


def test_a_change_made_with_queryset_update_is_seen_at_once() -> None:
    """Before: the copy was keyed by ``updated_at``, which only save() moved; every web process
    served the old study until it restarted."""
    token, study = _token_and_study("updated")
    Study.objects.filter(pk=study.pk).update(title="changed by update()")
    assert participant_get_by_study_token(slug="updated", token=token).study.title == (
        "changed by update()"
    )
    study.title, study.is_open = "saved with update_fields", True
    study.save(update_fields=["title"])  # updated_at not among them
    assert participant_get_by_study_token(slug="updated", token=token).study.title == (
        "saved with update_fields"
    )


def test_a_change_made_in_sql_is_seen_at_once() -> None:
    token, study = _token_and_study("raw")
    for n in range(3):  # one after the other, in the same transaction and second
        with connection.cursor() as cursor:
            cursor.execute("UPDATE studies_study SET min_rt_ms = %s WHERE id = %s", [n, study.pk])
        assert participant_get_by_study_token(slug="raw", token=token).study.min_rt_ms == n


def test_save_keeps_the_time_it_sets() -> None:
    study = study_make("kept", n_people=0, scored=False).study
    study.title = "saved"
    study.save()
    assert Study.objects.get(pk=study.pk).updated_at == study.updated_at


def test_the_embedded_databases_trigger_moves_the_version_too() -> None:
    """The SQLite trigger of the same migration, on a table of the same name and columns."""
    migration = importlib.import_module(
        "braintrial.studies.migrations.0011_study_updated_at_on_every_write"
    )
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE studies_study (id integer primary key, title text, updated_at text)")
    db.execute("INSERT INTO studies_study VALUES (1, 'a', '2026-01-01 00:00:00.000001')")
    db.executescript(migration.SQLITE)
    seen = {"2026-01-01 00:00:00.000001"}
    for title in ("b", "c", "d"):
        db.execute("UPDATE studies_study SET title = ? WHERE id = 1", [title])
        (value,) = db.execute("SELECT updated_at FROM studies_study").fetchone()
        assert value not in seen and len(value) == 26  # microseconds, as Django writes them
        seen.add(value)
    db.execute("UPDATE studies_study SET updated_at = '2027-01-01 00:00:00' WHERE id = 1")
    assert db.execute("SELECT updated_at FROM studies_study").fetchone() == ("2027-01-01 00:00:00",)
