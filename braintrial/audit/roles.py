"""The database role of the web and worker processes: it owns nothing, so it cannot alter,
disable the triggers of, or empty any table, and it may only add to the audit log.

The tables' owner runs the migrations and then grants this role what the application needs
(docs/operations.md); a table owner could otherwise change or empty the log whatever the
triggers say, since it may drop them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connections

# Added to, never changed: no UPDATE, DELETE or TRUNCATE for the application's role.
APPEND_ONLY_TABLES = (
    "auditlog_logentry",
    "audit_entryseal",
    # A study's releases (braintrial.public): frozen once written.
    "public_release",
    "public_releaseitem",
    "public_releasefile",
)


class RoleError(Exception):
    """The role is missing, or could change what it must not; the message says how."""


def _check_owns_nothing(cursor: Any, role: str) -> None:
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
    found = cursor.fetchone()
    if found is None:
        raise RoleError(f"There is no database role {role!r}: create it first.")
    if found[0]:
        raise RoleError(f"{role!r} is a superuser; the application's role must not be one.")
    # Owning a table, or being able to act as its owner, is owning it.
    cursor.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND pg_has_role(%s, c.relowner, 'MEMBER')",
        [role],
    )
    owned = int(cursor.fetchone()[0])
    if owned:
        raise RoleError(
            f"{role!r} owns (or may act as the owner of) {owned} tables, sequences or indexes; "
            "the application's role must own nothing. Run the migrations as the owner."
        )


def app_role_grant(*, role: str, using: str = "default") -> None:
    """Grant ``role`` the use of every table of the schema, the audit log's tables only to
    read and add to. Run as the tables' owner, after each migration (a new table needs it)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise RoleError("Database roles apply to Postgres only.")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        _check_owns_nothing(cursor, role)
        cursor.execute("SELECT current_schema()")
        schema, grantee = quote(cursor.fetchone()[0]), quote(role)
        log_tables = ", ".join(quote(t) for t in APPEND_ONLY_TABLES)
        for statement in (
            f"GRANT USAGE ON SCHEMA {schema} TO {grantee}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {grantee}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {grantee}",
            f"REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {log_tables} FROM {grantee}",
            # Deleting an account empties the actor of its entries (the foreign key's SET
            # NULL); the log's trigger lets that one change through and nothing else.
            f"GRANT UPDATE (actor_id) ON auditlog_logentry TO {grantee}",
        ):
            cursor.execute(statement)


def app_role_grant_after_migrate(sender: Any, using: str = "default", **_: Any) -> None:
    """``post_migrate``: with ``settings.DATABASE_APP_ROLE`` set, the grants follow every
    migration, so a new table is never out of the application's reach."""
    role = getattr(settings, "DATABASE_APP_ROLE", "")
    if role and getattr(sender, "label", None) == "audit":
        app_role_grant(role=role, using=using)
