"""Calendar dates and anniversaries (the core's ``dates.rs``; docs/semantics.md, "Dates"). A
date is a timestamp at 00:00 UTC of that day; an anniversary keeps the month and day of a
timestamp's UTC date, February 29 falling on February 28 in a common year."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from promotor.testing.reference import time

__all__ = ["anniversary", "date", "days_between", "last_anniversary", "next_anniversary",
           "parse_date"]  # fmt: skip

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DAY_US = 86_400_000_000


def _midnight(year: int, month: int, day: int) -> datetime | None:
    if not 1 <= year <= 9999:
        return None
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


def parse_date(text: str) -> datetime | None:
    """A date written ``YYYY-MM-DD``."""
    if not _DATE.fullmatch(text):
        return None
    return time.parse_timestamp(f"{text}T00:00:00Z")


def date(instant: datetime, zone_name: str) -> datetime | None:
    """The date of ``instant`` in the zone (midnight UTC of that local day)."""
    local = time.local_time(instant, zone_name)
    return None if local is None else _midnight(local.year, local.month, local.day)


def anniversary(instant: datetime, year: int) -> datetime | None:
    """``instant``'s UTC month and day in ``year`` (February 29 on the 28th in common years)."""
    day = instant.astimezone(UTC)
    found = _midnight(year, day.month, day.day)
    if found is None and (day.month, day.day) == (2, 29):
        return _midnight(year, 2, 28)
    return found


def next_anniversary(instant: datetime, now: datetime, zone_name: str) -> datetime | None:
    return _nearest_anniversary(instant, now, zone_name, later=True)


def last_anniversary(instant: datetime, now: datetime, zone_name: str) -> datetime | None:
    return _nearest_anniversary(instant, now, zone_name, later=False)


def _nearest_anniversary(
    instant: datetime, now: datetime, zone_name: str, *, later: bool
) -> datetime | None:
    """``instant``'s anniversary in the year of ``now``'s date when it falls on the ``later``
    side of that date (or on it), else the one a year further that way."""
    today = date(now, zone_name)
    if today is None:
        return None
    this = anniversary(instant, today.year)
    if this is None:
        return None
    if this == today or (this > today) == later:
        return this
    return anniversary(instant, today.year + (1 if later else -1))


def days_between(a: datetime, b: datetime) -> int:
    """Whole days from ``a`` to ``b``, truncated towards zero."""
    us = time.to_microseconds(b - a)
    days = abs(us) // _DAY_US
    return days if us >= 0 else -days
