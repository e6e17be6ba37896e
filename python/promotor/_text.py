"""Text forms shared by the definition, input and result sides: decimals, instants, spans,
hints, JSON-safe data and escaped ids.

>>> decimal_text(0.1 + 0.2)
'0.3'
>>> decimal_text(Decimal("12.50"))
'12.50'
>>> from datetime import timezone
>>> rfc3339(datetime(2026, 11, 27, 1, tzinfo=timezone(timedelta(hours=1))))
'2026-11-27T00:00:00Z'
>>> duration_text(timedelta(hours=36)), duration_text(timedelta(milliseconds=1500))
('129600s', '1500000us')
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

__all__ = [
    "MAX_MAGNITUDE",
    "decimal_text",
    "did_you_mean",
    "duration_text",
    "float_decimal",
    "json_safe",
    "rfc3339",
    "shown",
    "suggest",
]

#: Every number's magnitude stays below 10^14 (docs/semantics.md, "Values and types").
MAX_MAGNITUDE = Decimal(10) ** 14


def float_decimal(value: float) -> Decimal:
    """A float as the decimal it was written as, rounded half-even to 6 places.

    ``repr`` gives the shortest text that reads back as the same float, so ``19.99`` means
    19.99 and not the binary neighbour 19.989999999999998436...

    >>> float_decimal(19.99), float_decimal(1 / 3), float_decimal(1e3)
    (Decimal('19.99'), Decimal('0.333333'), Decimal('1000'))
    """
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{value} is not a finite number")
    result = exact_decimal(Decimal(repr(value)), places=6)
    if result == result.to_integral_value():
        return result.quantize(Decimal(1))
    return result.normalize()


def exact_decimal(value: Decimal, places: int = 12) -> Decimal:
    """``value`` without an exponent, rounded half-even to at most ``places`` places.

    Raises ``ValueError`` for NaN, infinities and magnitudes of 10^14 or more.

    >>> exact_decimal(Decimal("1E+3")), exact_decimal(Decimal("0.1234567890123456"))
    (Decimal('1000'), Decimal('0.123456789012'))
    """
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    if abs(value) >= MAX_MAGNITUDE:
        raise ValueError(f"{value} is too large: numbers must stay below 10^14")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent < -places:
        value = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN)
    elif exponent > 0:
        value = value.quantize(Decimal(1))
    return value


def decimal_text(value: int | float | Decimal) -> str:
    """The IR text of a number: no exponent; floats rounded to 6 places, trailing zeros cut.

    Ints and Decimals keep their scale (``12.50`` stays ``12.50``) up to 12 places.

    >>> decimal_text(100), decimal_text(2.50), decimal_text(-0.0), decimal_text(Decimal("1E+3"))
    ('100', '2.5', '0', '1000')
    >>> decimal_text(10**14)
    Traceback (most recent call last):
    ...
    ValueError: 100000000000000 is too large: numbers must stay below 10^14
    """
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    if isinstance(value, float):
        text = format(float_decimal(value), "f")
    else:
        text = format(exact_decimal(Decimal(value)), "f")
    if text.startswith("-") and Decimal(text) == 0:
        text = text[1:]
    return text


def rfc3339(value: datetime) -> str:
    """An aware datetime as RFC 3339 in UTC with ``Z``; naive datetimes are refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a naive datetime is ambiguous: give it a timezone, e.g. tzinfo=UTC")
    text = value.astimezone(UTC).replace(tzinfo=None).isoformat()
    return text + "Z"


def duration_text(value: timedelta) -> str:
    """A timedelta as a duration literal: whole seconds, or microseconds when needed."""
    micros = value // timedelta(microseconds=1)
    if micros % 1_000_000 == 0:
        return f"{micros // 1_000_000}s"
    return f"{micros}us"


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``name`` looks like a misspelling of, if any: the core's one
    did-you-mean (``promotor_core::compile::did_you_mean``).

    >>> suggest("prority", ["priority", "group"])
    'priority'
    >>> suggest("zzz", ["priority"]) is None
    True
    """
    from promotor import _native

    return _native.did_you_mean(name, list(candidates))


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` when ``name`` looks like a misspelling of a candidate.

    >>> did_you_mean("prority", ["priority", "group"])
    "; did you mean 'priority'?"
    >>> did_you_mean("zzz", ["priority"])
    ''
    """
    close = suggest(name, candidates)
    return f"; did you mean '{close}'?" if close else ""


def shown(text: str | None) -> str:
    """Text from the input or a definition (an id, a sku, a code) as an explanation prints it:
    as is when printable, else with its control, format and line-breaking characters escaped,
    so that a newline or an escape code in a sku cannot forge a line of the explanation.

    >>> shown("MUG-1"), shown("A\\n  + forged: -100 USD"), shown("\\x1b[31mred")
    ('MUG-1', 'A\\\\n  + forged: -100 USD', '\\\\x1b[31mred')
    """
    if text is None:
        return ""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def json_safe(value: Any) -> Any:
    """Plain data as JSON can carry it: decimals as strings (exactly), times in RFC 3339,
    durations as duration literals (``"90s"``), mapping keys as strings.

    >>> json_safe({0: Decimal("1.50"), "at": datetime(2026, 1, 1, tzinfo=UTC)})
    {'0': '1.50', 'at': '2026-01-01T00:00:00Z'}
    """
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, timedelta):
        return duration_text(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return str(value)
