"""The audit log against its own database roles: the application's role cannot alter, empty
or rewrite it, and what the tables' owner changes anyway is named by ``audit_log --verify``.

Real Postgres: the roles are made in the test database's cluster inside the test's
transaction, so they are gone when it rolls back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import DatabaseError, connection, transaction
from django.test import Client

from braintrial.audit.models import EntrySeal
from braintrial.audit.roles import RoleError, app_role_grant
from braintrial.audit.services import audit_event_record
from braintrial.studies.models import Study
from tests.participants.test_withdrawal import complete, researcher_of

pytestmark = pytest.mark.django_db
SUFFIX = settings.DATABASES["default"]["TEST"]["NAME"].removeprefix("test_braintrial")


def verify(capsys: Any) -> str:
    capsys.readouterr()
    call_command("audit_log", "--verify")
    return str(capsys.readouterr().out)


def named(capsys: Any) -> str:
    with pytest.raises(CommandError) as failed:
        call_command("audit_log", "--verify")
    return str(failed.value)


def sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def log(study: Study) -> list[int]:
    """A log as a study writes it: a settings change, downloads, a withdrawal."""
    # Only this log's entries: earlier tests' committed ones may stand before them.
    before = LogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    researcher = researcher_of(study)
    complete(Client(), study, pid="CHAIN-1")
    study.title = "Pilot study, second wave"
    study.save()
    for kind in ("trials", "participants"):
        assert researcher.get(f"/exports/{study.slug}/{kind}.csv").status_code == 200
    withdraw = {"recruitment_id": "CHAIN-1", "reason": "asked", "confirm": "on"}
    assert (
        researcher.post(f"/dashboard/{study.slug}/participants/withdraw/", withdraw).status_code
        == 302
    )
    ids = list(LogEntry.objects.filter(id__gt=before).order_by("id").values_list("id", flat=True))
    assert len(ids) >= 5
    return ids


@contextmanager
def as_owner() -> Iterator[None]:
    """What the tables' owner may do: switch the log's trigger off, change, switch it on."""
    sql("SET CONSTRAINTS ALL IMMEDIATE")  # the test's pending foreign-key checks, now
    sql("ALTER TABLE auditlog_logentry DISABLE TRIGGER USER")
    sql("ALTER TABLE audit_entryseal DISABLE TRIGGER USER")
    yield
    sql("ALTER TABLE auditlog_logentry ENABLE TRIGGER USER")
    sql("ALTER TABLE audit_entryseal ENABLE TRIGGER USER")


def test_an_untouched_log_verifies_and_every_entry_is_sealed(log: list[int], capsys: Any) -> None:
    out = verify(capsys)
    everything = LogEntry.objects.count()  # this log's entries and any an earlier test committed
    assert f"verifies: {everything} entries" in out
    assert set(log) <= set(EntrySeal.objects.values_list("entry_id", flat=True))
    assert EntrySeal.objects.count() == everything
    assert list(EntrySeal.objects.values_list("seq", flat=True)) == list(range(1, everything + 1))


def test_deleting_an_account_keeps_the_log_verifying(log: list[int], capsys: Any) -> None:
    actor = User.objects.get(username__startswith="res-")
    actor.delete()
    assert LogEntry.objects.filter(actor_id__isnull=False).count() == 0
    assert "verifies" in verify(capsys)


def test_an_entry_changed_by_the_owner_is_named(log: list[int], capsys: Any) -> None:
    with as_owner():
        sql("UPDATE auditlog_logentry SET object_repr = 'nothing to see' WHERE id = %s", [log[2]])
    assert f"Entry {log[2]} does not verify: it was changed" in named(capsys)


def test_actors_emptied_while_their_accounts_exist_are_named(log: list[int], capsys: Any) -> None:
    # The one update the trigger lets through, on every entry at once.
    sql("UPDATE auditlog_logentry SET actor_id = NULL")
    first_with_actor = EntrySeal.objects.filter(actor_id__isnull=False).order_by("entry_id")[0]
    assert f"Entry {first_with_actor.entry_id} does not verify: its actor" in named(capsys)


def test_an_entry_deleted_by_the_owner_is_named(log: list[int], capsys: Any) -> None:
    with as_owner():
        sql("DELETE FROM auditlog_logentry WHERE id = %s", [log[1]])
    assert f"Entry {log[1]} does not verify: it was deleted" in named(capsys)
    with as_owner():  # and its seal too: the chain breaks at the next one
        sql("DELETE FROM audit_entryseal WHERE entry_id = %s", [log[1]])
    assert f"Entry {log[2]} does not verify" in named(capsys)


def test_a_back_dated_entry_inserted_by_the_owner_is_named(log: list[int], capsys: Any) -> None:
    other = User.objects.create_user(username="someone-else")
    sql(
        "INSERT INTO auditlog_logentry (content_type_id, object_pk, object_repr, action, "
        "actor_id, timestamp, additional_data, changes_text) SELECT content_type_id, object_pk, "
        "object_repr, action, %s, '2020-01-01T00:00:00Z', additional_data, '' "
        "FROM auditlog_logentry WHERE id = %s",
        [other.pk, log[0]],
    )
    forged = LogEntry.objects.order_by("-id")[0].pk
    assert f"Entry {forged} does not verify: it has no seal" in named(capsys)


def test_the_log_emptied_and_filled_again_by_the_owner_is_named(
    log: list[int], capsys: Any
) -> None:
    sql("CREATE TEMPORARY TABLE kept AS SELECT * FROM auditlog_logentry")
    sql("UPDATE kept SET additional_data = additional_data - 'actor' WHERE id = %s", [log[3]])
    sql("SET CONSTRAINTS ALL IMMEDIATE")
    sql("TRUNCATE auditlog_logentry")
    sql("INSERT INTO auditlog_logentry SELECT * FROM kept")
    assert f"Entry {log[3]} does not verify: it was changed" in named(capsys)


@contextmanager
def acting_as(role: str) -> Iterator[None]:
    """The connection as ``role``, inside a savepoint: a refused statement rolls back to it,
    and so does the role."""
    with transaction.atomic():
        sql(f'SET LOCAL ROLE "{role}"')
        yield
        sql("RESET ROLE")


@pytest.fixture
def app_role() -> str:
    role = f"bt_app{SUFFIX}"[:63]
    sql(f'CREATE ROLE "{role}" NOLOGIN')
    app_role_grant(role=role)
    return role


REFUSED = [
    "TRUNCATE auditlog_logentry",
    "TRUNCATE audit_entryseal",
    "ALTER TABLE auditlog_logentry DISABLE TRIGGER audit_log_append_only",
    "ALTER TABLE auditlog_logentry DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_log_append_only ON auditlog_logentry",
    "ALTER TABLE auditlog_logentry ADD COLUMN note text",
    "CREATE OR REPLACE FUNCTION braintrial_audit_append_only() RETURNS trigger AS "
    "$$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql",
    "UPDATE auditlog_logentry SET object_repr = 'forged'",
    "UPDATE auditlog_logentry SET actor_id = (SELECT max(id) FROM auth_user)",
    "DELETE FROM auditlog_logentry",
    "UPDATE audit_entryseal SET mac = 'forged'",
    "DELETE FROM audit_entryseal",
]


@pytest.mark.parametrize("statement", REFUSED)
def test_the_app_role_cannot_alter_empty_or_rewrite_the_log(
    log: list[int], app_role: str, statement: str
) -> None:
    with pytest.raises(DatabaseError), acting_as(app_role):
        sql(statement)
    assert LogEntry.objects.filter(id__gte=log[0]).count() == len(log)


def test_the_app_role_adds_to_the_log_and_an_account_can_still_be_deleted(
    log: list[int], app_role: str, study: Study, capsys: Any
) -> None:
    with acting_as(app_role):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == app_role
        leaving = User.objects.create_user(username="leaving", email="l@example.org")
        audit_event_record(event="data.download", instance=study, actor=leaving)
        leaving.delete()
        researcher = Client()
        researcher.force_login(User.objects.get(username__startswith="res-"))
        items = researcher.get(f"/exports/{study.slug}/items.csv")
        assert items.status_code == 200 and b"".join(items.streaming_content)
    assert LogEntry.objects.filter(id__gte=log[0]).count() == len(log) + 2
    assert "verifies" in verify(capsys)


def test_a_role_that_owns_the_tables_or_is_a_superuser_is_refused() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(RoleError, match=r"superuser|owns"):
        app_role_grant(role=owner)
    with pytest.raises(RoleError, match="no database role"):
        app_role_grant(role=f"bt_missing{SUFFIX}")


def test_migrate_grants_the_app_role_when_settings_name_it(settings: Any) -> None:
    role = f"bt_app2{SUFFIX}"[:63]
    sql(f'CREATE ROLE "{role}" NOLOGIN')
    settings.DATABASE_APP_ROLE = role
    # What ``migrate`` sends when it has applied the migrations.
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege(%(r)s, 'participants_trial', 'INSERT, UPDATE, DELETE'), "
            "has_table_privilege(%(r)s, 'auditlog_logentry', 'INSERT'), "
            "has_table_privilege(%(r)s, 'auditlog_logentry', 'UPDATE'), "
            "has_table_privilege(%(r)s, 'auditlog_logentry', 'TRUNCATE'), "
            "has_table_privilege(%(r)s, 'audit_entryseal', 'DELETE')",
            {"r": role},
        )
        assert cursor.fetchone() == (True, True, False, False, False)
