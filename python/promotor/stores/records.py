"""The records every store writes and reads back, whatever its backend: a decision to write
(:class:`Record`), a programme entry (:class:`Entry`), a stored redemption or reservation
(:class:`StoredRow`), everything :meth:`Store.verify` compares (:class:`Dump`), and how deltas
and applied campaigns are kept as JSON. ``promotor.stores.base`` re-exports them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from promotor.errors import NotFoundError
from promotor.events import Pending
from promotor.redemption import Delta

__all__ = [
    "Conflict",
    "Dump",
    "Entry",
    "Record",
    "Rollback",
    "StoredRow",
    "applied_from_json",
    "applied_json",
    "audit_detail",
    "deltas_from_json",
    "deltas_json",
    "holds",
    "not_found",
]

Conflict = Literal["conflict"]


@dataclass
class Record:
    """A decision to write: a redemption or a reservation, with its deltas."""

    id: str
    kind: str  # "redemption" | "reservation"
    order_id: str | None
    customer_id: str | None
    created_at: int  # microseconds
    engine_version: str
    idempotency_key: str | None
    request_hash: str | None
    currency: str
    result: str  # stores.codec JSON
    request: str | None  # reservations: the input, to decide again when confirmed late
    deltas: list[Delta]
    applied: list[tuple[str, str | None, str]]  # (campaign id, code, amount)
    expires_at: int | None = None
    confirms: str | None = None  # the reservation this redemption confirms
    #: Events to append in the same commit: ``(type, customer id, payload JSON)``.
    events: list[Pending] = field(default_factory=list)
    #: ``(customer id, normalised email)`` to record as the customer's identity.
    identity: tuple[str, str] | None = None
    #: The ids the store gave ``events`` (set by a successful commit).
    event_ids: list[int] = field(default_factory=list)


@dataclass
class Entry:
    """A change to the ledger that is not a redemption (points earned on an event, an import
    row, a reward, a gift card issued or topped up, an announcement): its deltas and events,
    applied all or nothing with the other entries of one call. An ``idempotency_key`` that
    is already stored makes the entry a no-op (``skipped``)."""

    id: str
    kind: str
    customer_id: str | None
    created_at: int
    idempotency_key: str | None
    deltas: list[Delta]
    events: list[Pending] = field(default_factory=list)
    detail: str = "{}"  # JSON
    identity: tuple[str, str] | None = None
    event_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Rollback:
    """A rollback to write: the redemption, why and when, the deltas the core decided on the
    latest state (their bounds checked as they are written) and the events to append."""

    redemption_id: str
    reason: str | None
    now: int
    deltas: Sequence[Delta]
    events: Sequence[Pending]


@dataclass
class StoredRow:
    """A redemption or reservation as a store keeps it."""

    id: str
    kind: str
    status: str
    order_id: str | None
    customer_id: str | None
    created_at: int
    engine_version: str
    currency: str
    result: str
    deltas: list[Delta]
    applied: list[tuple[str, str | None, str]]
    idempotency_key: str | None = None
    request_hash: str | None = None
    request: str | None = None
    expires_at: int | None = None
    reservation_id: str | None = None  # redemptions: the reservation confirmed
    redemption_id: str | None = None  # reservations: the redemption that confirmed it
    rolled_back_at: int | None = None
    reason: str | None = None
    #: What the rollback applied (``None`` for a rollback of schema 1: the plain reversal).
    rollback_deltas: list[Delta] | None = None

    @staticmethod
    def of(record: Record, status: str) -> StoredRow:
        return StoredRow(
            id=record.id,
            kind=record.kind,
            status=status,
            order_id=record.order_id,
            customer_id=record.customer_id,
            created_at=record.created_at,
            engine_version=record.engine_version,
            currency=record.currency,
            result=record.result,
            deltas=list(record.deltas),
            applied=list(record.applied),
            idempotency_key=record.idempotency_key,
            request_hash=record.request_hash,
            request=record.request,
            expires_at=record.expires_at,
            reservation_id=record.confirms,
        )


@dataclass
class Dump:
    """Everything :meth:`Store.verify` compares."""

    counters: dict[str, int]
    redemptions: list[StoredRow]
    reservations: list[StoredRow]
    holds: list[tuple[str, str, int, int]]  # (reservation id, key, n, expires_at)
    extra: list[str] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    event_ids: list[int] = field(default_factory=list)


def deltas_json(deltas: Iterable[Delta]) -> str:
    return json.dumps([list(d) for d in deltas], separators=(",", ":"))


def deltas_from_json(text: str) -> list[Delta]:
    return [(k, int(n), hi, lo) for k, n, hi, lo in json.loads(text)]


def applied_json(applied: Iterable[tuple[str, str | None, str]]) -> str:
    return json.dumps([list(a) for a in applied], separators=(",", ":"))


def applied_from_json(text: str) -> list[tuple[str, str | None, str]]:
    return [(c, code, amount) for c, code, amount in json.loads(text)]


def holds(value: int, delta: Delta) -> bool:
    """Whether ``delta`` may apply to a counter holding ``value``."""
    _, add, most, least = delta
    after = value + add
    return (most is None or after <= most) and (least is None or after >= least)


def audit_detail(record: Record) -> str:
    return json.dumps(
        {
            "order_id": record.order_id,
            "customer_id": record.customer_id,
            "applied": [c for c, _, _ in record.applied],
            **({"confirms": record.confirms} if record.confirms else {}),
        },
        separators=(",", ":"),
    )


def not_found(kind: Literal["redemption", "reservation"], ident: str) -> NotFoundError:
    """The error for an id that no stored redemption or reservation has."""
    return NotFoundError([{"loc": (f"{kind}_id",), "msg": f"no {kind} {ident!r}"}])
