"""Publication dates as labs and PubMed write them, read as the range of days they may mean."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_abbr) if name}
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# PubMed's MedlineDate: "2024 Dec-2025 Jan", "2025 Mar-Apr", "2025 Spring", "2024-2025".
_MEDLINE = re.compile(
    r"^(\d{4})(?:\s+([A-Za-z]+))?(?:\s+\d{1,2})?"
    r"(?:\s*-\s*(?:(\d{4})\s*)?([A-Za-z]+)?(?:\s+\d{1,2})?)?$"
)
EARLIEST_YEAR = 1800


class DateError(ValueError):
    """A publication date that cannot be read; the message says what is wrong."""


@dataclass(frozen=True)
class PublicationDate:
    first: dt.date
    last: dt.date
    precision: str  # Candidate.Precision: day, month, year or range

    def __str__(self) -> str:
        if self.precision == "day":
            return self.first.isoformat()
        if self.precision == "month":
            return self.first.strftime("%Y-%m")
        if self.precision == "year":
            return str(self.first.year)
        return f"{self.first.isoformat()} to {self.last.isoformat()}"


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _year(text: str) -> int:
    year = int(text)
    if not EARLIEST_YEAR <= year <= dt.datetime.now(tz=dt.UTC).year + 1:
        raise DateError(f"year {year} is not a plausible publication year")
    return year


def date_from_parts(*, year: str, month: str = "", day: str = "") -> PublicationDate:
    """A date from its parts (PubMed's Year/Month/Day; a month as 1-12 or Jan-Dec)."""
    if not (year.isascii() and year.isdigit() and len(year) == 4):
        raise DateError(f"year {year!r} is not a four-digit year")
    y = _year(year)
    if not month:
        if day:
            raise DateError("a day without a month")
        return PublicationDate(dt.date(y, 1, 1), dt.date(y, 12, 31), "year")
    m = _month_number(month)
    if not day:
        return PublicationDate(dt.date(y, m, 1), _month_end(y, m), "month")
    if not (day.isascii() and day.isdigit()):
        raise DateError(f"day {day!r} is not a number")
    try:
        exact = dt.date(y, m, int(day))
    except ValueError as exc:
        raise DateError(f"{y}-{m:02d}-{day} is not a date in the calendar") from exc
    return PublicationDate(exact, exact, "day")


def _month_number(month: str) -> int:
    if month.isascii() and month.isdigit():
        number = int(month)
        if 1 <= number <= 12:
            return number
        raise DateError(f"month {month!r} is not between 1 and 12")
    number = _MONTHS.get(month[:3].lower(), 0) if len(month) >= 3 else 0
    if not number:
        raise DateError(f"month {month!r} is not a month")
    return number


def date_parse(text: str) -> PublicationDate:
    """A date written as YYYY, YYYY-MM or YYYY-MM-DD (CSV files and the paste form)."""
    found = _ISO.match(text.strip())
    if not found:
        raise DateError(f"{text.strip()!r} is not a date (write 2025, 2025-03 or 2025-03-14)")
    year, month, day = found.groups()
    return date_from_parts(year=year, month=month or "", day=day or "")


def medline_date_parse(text: str) -> PublicationDate:
    """PubMed's free-text MedlineDate, read as the widest range it may mean: a season or a
    word we do not know as a month widens to the whole year, never narrows it."""
    found = _MEDLINE.match(" ".join(text.split()))
    if not found:
        raise DateError(f"MedlineDate {text!r} is not a date")
    year1, month1, year2, month2 = found.groups()
    y1 = _year(year1)
    y2 = _year(year2) if year2 else y1
    m1 = _MONTHS.get((month1 or "")[:3].lower())
    m2 = _MONTHS.get((month2 or "")[:3].lower()) if month2 else m1
    first = dt.date(y1, m1 or 1, 1)
    last = _month_end(y2, m2) if m2 and (m1 or year2) else dt.date(y2, 12, 31)
    if last < first:
        raise DateError(f"MedlineDate {text!r} ends before it starts")
    return PublicationDate(first, last, "range")


def date_range_parse(text: str) -> PublicationDate:
    """A date as ``date_parse`` reads it, or a range of two joined by `` to `` or ``/`` (ISO
    8601's interval), from the first day of the first to the last day of the second."""
    cleaned = text.strip()
    for separator in (" to ", "/"):
        if separator in cleaned:
            start_text, end_text = cleaned.split(separator, 1)
            start, end = date_parse(start_text), date_parse(end_text)
            if end.last < start.first:
                raise DateError(f"{cleaned!r} ends before it starts")
            return PublicationDate(start.first, end.last, "range")
    return date_parse(cleaned)


def published_after(*, first: dt.date, cutoff: dt.date) -> bool:
    """Whether a publication whose range of days starts on ``first`` is after ``cutoff``: every
    day it may mean is later, so a vague date never lets an old paper pass for a new one."""
    return first > cutoff


def published_before(*, last: dt.date, cutoff: dt.date) -> bool:
    """Whether a publication whose range of days ends on ``last`` is on or before ``cutoff``:
    every day it may mean is."""
    return last <= cutoff


def month_range(text: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a month written YYYY-MM (``Scorer.released``)."""
    found = date_parse(text)
    if found.precision != "month":
        raise DateError(f"{text!r} is not a month (write 2023-07)")
    return found.first, found.last


@dataclass(frozen=True)
class SourcedDate:
    """A publication date and where it comes from, in words (``Item.published_source``)."""

    date: PublicationDate
    source: str
