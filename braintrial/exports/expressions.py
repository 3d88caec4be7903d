"""Database expressions that turn stored values into CSV cells.

Every cell is formatted by the database: the writer (Python's csv module over ``values_list``)
only joins the texts, so no Python object is made per value beyond the row's tuple. Where Django
has no function that every database understands (a timestamp's text, SHA-256 without pgcrypto),
the expression compiles to each database's own SQL; the rest is plain ORM.
"""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Case,
    CharField,
    Expression,
    F,
    Func,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import SHA256, Cast, Concat, Left, NullIf, Ord, Substr
from django.db.models.lookups import In
from django.utils.crypto import salted_hmac

from braintrial.analysis.rules import reasons_any

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Compared as code points (ASCII() / UNICODE() of the first character): no substring is built,
# which makes the check about twice as cheap per cell.
FORMULA_CODE_POINTS = [ord(prefix) for prefix in FORMULA_PREFIXES]


def as_expression(value: str | Combinable) -> Combinable:
    return F(value) if isinstance(value, str) else value


def text_cell(value: str | Combinable) -> Expression:
    """A text cell: empty strings become empty cells, formula starts get a leading quote.

    Only text goes through here: numeric columns keep their minus sign and stay numeric.
    """
    expr = as_expression(value)
    return Case(
        When(In(Ord(expr), FORMULA_CODE_POINTS), then=Concat(Value("'"), expr)),
        default=NullIf(expr, Value("")),
        output_field=CharField(),
    )


def choice_cell(value: str | Combinable) -> Expression:
    """A coded text cell (a model field's choices, never free text): empty strings become
    empty cells; no formula check needed, which saves time per row."""
    return NullIf(as_expression(value), Value(""))


def bool_cell(value: str | Combinable) -> Expression:
    """1 / 0, empty for null: the published data's coding of yes/no answers."""
    return Cast(as_expression(value), IntegerField())


def float_cell(value: str | Combinable) -> Expression:
    """A float as the database writes it (shortest text that reads back exactly): 2, where
    Python would write 2.0, as the published files have it."""
    return Cast(as_expression(value), CharField())


def flag_cell(condition: Q) -> Expression:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


SQLITE_ISO_FORMAT = "%Y-%m-%dT%H:%M:%fZ"


class IsoUtc(Func):
    """ISO 8601 in UTC, e.g. ``2026-05-01T09:30:00.125Z`` (fraction only when there is one).

    On Postgres the timestamp's JSON text, which is ISO 8601 whatever the session's DateStyle,
    with ``Z``.
    """

    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="btrim(to_json(%(expressions)s AT TIME ZONE 'UTC')::text, '\"') || 'Z'",
            **extra,
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # SQLite stores Django datetimes as UTC text; %f is seconds with milliseconds. The format
        # travels as a parameter: a literal % in the SQL text would break Django's query logging
        # (DEBUG) and its placeholder rewriting.
        sql, params = self.as_sql(
            compiler, connection, template="strftime(%%s, %(expressions)s)", **extra
        )
        return sql, (SQLITE_ISO_FORMAT, *params)


def time_cell(value: str | Combinable) -> Expression:
    return IsoUtc(as_expression(value))


def _joined_reasons(reasons: list[tuple[str, Q]]) -> Expression:
    """The names of the conditions that hold, joined by ';'; NULL (an empty cell) when none does:
    ``';name'`` per reason that holds, the first ';' cut off."""
    pieces = [
        Case(When(condition, then=Value(";" + name)), default=Value(""), output_field=CharField())
        for name, condition in reasons
    ]
    joined = Concat(*pieces, output_field=CharField()) if len(pieces) > 1 else pieces[0]
    return NullIf(Substr(joined, 2), Value(""))


def reasons_cell(reasons: list[tuple[str, Q]]) -> Expression:
    # Rules switched off can leave no reason at all: an empty cell.
    return _joined_reasons(reasons) if reasons else Value(None, output_field=CharField())


def any_reason(reasons: list[tuple[str, Q]]) -> Q:
    """True where any of the named conditions holds: the row is excluded by default; no row
    where there is no reason (Q() would mean every row)."""
    return reasons_any(reasons)


# Pseudonyms: 16 hex digits (64 bits) of a keyed hash, enough that two participants of a study
# never share one, short enough to read.
PSEUDONYM_HEX_DIGITS = 16


def pseudonym_key() -> str:
    """The key of the pseudonyms, derived from SECRET_KEY: without it a pseudonym cannot be
    traced back to its recruitment id by hashing candidate ids. (Rotating SECRET_KEY changes
    every pseudonym; files exported before then keep the old ones.)"""
    return salted_hmac("braintrial.exports.pseudonym", "v1", algorithm="sha256").hexdigest()


class Sha256Hex(SHA256):
    """SHA-256 as 64 hex digits. On Postgres through its built-in sha256() (11 and later):
    Django's own SHA256 calls pgcrypto's digest(), an extension a server may not have."""

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="ENCODE(SHA256(CONVERT_TO(%(expressions)s, 'UTF8')), 'hex')",
            **extra_context,
        )


def pseudonym_cell(path: str, *, study_path: str) -> Expression:
    """The keyed hash of the text at ``path``, per study: SHA-256(key:study:SHA-256(key:study:
    value)), first PSEUDONYM_HEX_DIGITS hex digits; empty for an empty value. The study's id is
    hashed in, so that one person's ids in two studies do not link up; the same id within a
    study always gives the same pseudonym, so the files still join on it. Computed by the
    database (Postgres and SQLite alike), as every other cell."""
    salt = Concat(Value(pseudonym_key() + ":"), Cast(F(study_path), CharField()), Value(":"))
    inner = Sha256Hex(Concat(salt, F(path), output_field=CharField()))
    outer = Sha256Hex(Concat(salt, inner, output_field=CharField()))
    return Case(
        When(**{path: ""}, then=Value(None, output_field=CharField())),
        default=Left(outer, PSEUDONYM_HEX_DIGITS),
        output_field=CharField(),
    )
