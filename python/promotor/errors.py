"""The exceptions promotor raises.

Every error carries structured details: ``errors()`` returns a list of dicts, each with a
``type`` (a stable snake_case name of the problem, such as ``"unknown_field"``), a ``loc`` (a
tuple path into what you passed, such as ``("campaigns", 3, "rules")``), a ``msg`` for people
and a ``ctx`` dict of context values; errors inside rule text add ``line`` and ``column``.
Errors in a definition file add ``file``, and then ``line`` and ``column`` are positions in that
file, rendered ``file:line:column: loc: msg``.

>>> from promotor.errors import RuleError
>>> err = RuleError([detail("unknown_field", ("campaigns", 0, "rules"), name="subtotl")])
>>> str(err)
"campaigns.0.rules: unknown field 'subtotl'"
>>> err.errors()[0]["type"], err.errors()[0]["ctx"]
('unknown_field', {'name': 'subtotl'})
>>> isinstance(err, ValueError)
True

The types and what they mean are listed in docs/errors.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "ConflictError",
    "IdempotencyError",
    "InputError",
    "NotEligibleError",
    "NotFoundError",
    "PoolExhaustedError",
    "PromotorError",
    "RuleError",
    "StoreError",
    "detail",
]


def _render_loc(loc: Iterable[Any]) -> str:
    return ".".join(str(part) for part in loc)


class PromotorError(Exception):
    """Base class of every error promotor raises on purpose."""

    def __init__(self, errors: Iterable[Mapping[str, Any]] | str) -> None:
        if isinstance(errors, str):
            errors = [{"loc": (), "msg": errors}]
        self._errors: list[dict[str, Any]] = []
        for error in errors:
            item = dict(error)
            item["loc"] = tuple(item.get("loc", ()))
            self._errors.append(item)
        super().__init__(self._render())

    def errors(self) -> list[dict[str, Any]]:
        """Each problem as ``{"type", "loc", "msg", "ctx"}`` (plus ``line`` and ``column``
        inside rule text), in the order found."""
        return [dict(error) for error in self._errors]

    def _render(self) -> str:
        lines = []
        for error in self._errors:
            where = _render_loc(error["loc"])
            if "file" in error:
                # In a file, line and column are the file's: file:line:column, as editors read.
                at = ":".join(str(error[k]) for k in ("file", "line", "column") if k in error)
                lines.append(f"{at}: {where}: {error['msg']}" if where else f"{at}: {error['msg']}")
                continue
            if "line" in error:
                position = f"line {error['line']}, column {error['column']}"
                where = f"{where} ({position})" if where else position
            lines.append(f"{where}: {error['msg']}" if where else str(error["msg"]))
        return "\n".join(lines)


def detail(kind: str, loc: Iterable[Any] = (), **ctx: Any) -> dict[str, Any]:
    """One problem as ``{"type", "loc", "msg", "ctx"}``, worded by the core (where every
    message of promotor is worded once): ``kind`` names the problem (``"required"``,
    ``"too_large"``, ``"unknown_field"``, ...), ``ctx`` its context values.

    >>> detail("too_large", ("percent",), max=100)["msg"]
    'must be at most 100'
    """
    from promotor import _native

    values = {k: v for k, v in ctx.items() if v is not None}
    found = _native.error(kind, values)
    if found is None:
        raise ValueError(f"no such kind of error: {kind!r} with {values!r}")
    found["loc"] = tuple(loc)
    return found


class RuleError(PromotorError, ValueError):
    """A campaign, rule, effect or engine definition is invalid."""


class InputError(PromotorError, ValueError):
    """A cart, customer, context, code list or time given for evaluation is invalid."""


class StoreError(PromotorError):
    """A store cannot be reached or used: a connection, schema or consistency problem. Nothing
    of the call that raised it was written."""


class ConflictError(PromotorError):
    """A redemption kept meeting concurrent changes that broke its bounds and gave up after
    its retries; nothing was written."""


class IdempotencyError(PromotorError):
    """An idempotency key was used again with a different request."""


class NotFoundError(PromotorError):
    """No redemption or reservation has the given id."""


class NotEligibleError(InputError):
    """A customer may not take part as asked: an advocate whose referral programme's
    ``advocate_rules`` do not hold (type ``not_eligible``)."""


class PoolExhaustedError(PromotorError):
    """A campaign's pool of unique codes has no free code left."""
