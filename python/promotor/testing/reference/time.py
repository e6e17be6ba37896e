"""Time literals and timezones (docs/semantics.md, "Time" and "Exact grammar of time literals").

The grammars are implemented with explicit regular expressions over ASCII digits rather than
``datetime.fromisoformat``, which accepts more forms than the spec allows.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "MAX_DURATION_US",
    "bounded_duration",
    "local_time",
    "parse_duration",
    "parse_timestamp",
    "to_microseconds",
]

MAX_DURATION_US = 10**17
"""A duration of more than this many microseconds in magnitude is invalid / ``null``."""

_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,9}))?"
    r"(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))"
)

_NUMBER_UNIT = r"[0-9]+(?:\.[0-9]+)?(?:ms|us|d|h|m|s)"  # `ms` is tried before `m`
_DURATION = re.compile(rf"-?(?:{_NUMBER_UNIT})+")
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|us|d|h|m|s)")

_UNIT_US = {
    "d": 86_400_000_000,
    "h": 3_600_000_000,
    "m": 60_000_000,
    "s": 1_000_000,
    "ms": 1_000,
    "us": 1,
}


def parse_timestamp(text: str) -> datetime | None:
    """RFC 3339 with an offset, as the spec's grammar allows; ``None`` when invalid.

    Fraction digits past the 6th are dropped (not rounded). The result is an aware UTC
    datetime; a UTC instant outside years 0001..9999 is invalid.
    """
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction, sign, offset_hours, offset_minutes = match.group(7, 8, 9, 10)
    microsecond = int((fraction or "")[:6].ljust(6, "0"))
    offset = timedelta(0)
    if sign is not None:
        hours, minutes = int(offset_hours), int(offset_minutes)
        if hours > 23 or minutes > 59:
            return None
        offset = timedelta(hours=hours, minutes=minutes)
        if sign == "-":
            offset = -offset
    try:
        local = datetime(
            year, month, day, hour, minute, second, microsecond, tzinfo=timezone(offset)
        )
        return local.astimezone(UTC)
    except (ValueError, OverflowError):  # day 31 of a 30-day month, second 60, year 0 ...
        return None


def parse_duration(text: str) -> timedelta | None:
    """``-?(<number><unit>)+``, summed exactly and truncated towards zero to microseconds.

    ``Decimal(text)`` and ``Fraction`` are exact for any length of digits, so the truncation
    is of the true total. More than 10^17 microseconds in magnitude is invalid.
    """
    if _DURATION.fullmatch(text) is None:
        return None
    negative = text.startswith("-")
    total = Fraction(0)
    for number, unit in _DURATION_PART.findall(text):
        total += Fraction(Decimal(number)) * _UNIT_US[unit]
    micros = int(total)  # truncates towards zero; total >= 0 here
    if micros > MAX_DURATION_US:
        return None
    return timedelta(microseconds=-micros if negative else micros)


def to_microseconds(span: timedelta) -> int:
    """A duration as a signed integer number of microseconds."""
    return (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds


def bounded_duration(span: timedelta) -> timedelta | None:
    """The duration, or ``None`` when it is over 10^17 microseconds in magnitude."""
    return span if abs(to_microseconds(span)) <= MAX_DURATION_US else None


def zone(name: str) -> ZoneInfo | None:
    """The IANA timezone of that name, or ``None`` when unknown or malformed."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def local_time(instant: datetime, name: str) -> datetime | None:
    """``instant`` as wall-clock time in the IANA zone ``name``; ``None`` for an unknown zone
    or a local time outside years 0001..9999."""
    tz = zone(name)
    if tz is None:
        return None
    try:
        return instant.astimezone(tz)
    except (OverflowError, ValueError):
        return None
