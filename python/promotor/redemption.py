"""Redemptions: ``engine.redeem``, ``reserve``, ``confirm``, ``release``, ``rollback``.

Every call follows DESIGN section 8: read a snapshot of the counters the request needs, let
the Rust core decide on it (the outcome, and the deltas that commit it, each with its bound),
then have the store apply the deltas and write the records atomically if every bound still
holds; if one does not (a concurrent call took the capacity), nothing is written and the call
reads and decides again, up to :data:`MAX_ATTEMPTS` times before :class:`ConflictError`.
Stores never interpret rules; they only apply deltas (see :mod:`promotor.stores`).

Time is each call's ``now`` (default: the current time in UTC): periods, reservation expiry
and the records' times all read it.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .errors import ConflictError, IdempotencyError, InputError
from .result import Result

if TYPE_CHECKING:
    from . import _native
    from .engine import Engine
    from .stores.base import Record, Store, StoredRow

__all__ = [
    "MAX_ATTEMPTS",
    "AuditEntry",
    "Delta",
    "Redemption",
    "Reservation",
    "Usage",
]

#: Reads and decisions one call makes before it gives up with :class:`ConflictError`. A
#: conflict means another call took capacity near a bound, so each retry follows progress.
MAX_ATTEMPTS = 64

#: ``(key, add, max, min)``: ``counter[key] += add`` if afterwards ``min <= value <= max``.
Delta = tuple[str, int, "int | None", "int | None"]


@dataclass(frozen=True, slots=True)
class Redemption:
    """A committed redemption: ``result`` is exactly what was committed.

    ``status`` is ``"redeemed"`` or ``"rolled_back"``; ``engine_version`` identifies the
    definitions that decided it (equal for equal definitions).
    """

    id: str
    order_id: str | None
    customer_id: str | None
    result: Result
    status: str
    created_at: datetime
    engine_version: str
    idempotency_key: str | None = None
    reservation_id: str | None = None
    rolled_back_at: datetime | None = None
    reason: str | None = None
    deltas: tuple[Delta, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class Reservation:
    """Capacity held until ``expires_at``: it counts now, and comes back by itself unless
    confirmed (``status``: ``"held"``, ``"confirmed"``, ``"released"``, ``"expired"``)."""

    id: str
    result: Result
    expires_at: datetime
    status: str = "held"
    customer_id: str | None = None
    order_id: str | None = None
    created_at: datetime | None = None
    engine_version: str = ""
    redemption_id: str | None = None
    deltas: tuple[Delta, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class Usage:
    """A campaign's all-time redemptions and discount (rolled-back ones excluded), and the
    reservations that hold it now."""

    redemptions: int
    discount: Decimal
    reserved: int


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change to a store: ``action`` (``redeem``, ``reserve``, ``confirm``, ``release``,
    ``rollback``) on record ``id`` at ``at``, by the definitions ``engine_version``."""

    at: datetime
    action: str
    id: str
    engine_version: str
    detail: dict[str, Any]


# -- time ------------------------------------------------------------------------------------


def micros(at: datetime) -> int:
    """An aware datetime as microseconds since the epoch."""
    delta = at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def call_now(now: datetime | None, loc: str = "now") -> int:
    """The time of a call, in microseconds (a naive or non-datetime ``now`` is an error)."""
    if now is None:
        return micros(datetime.now(UTC))
    if not isinstance(now, datetime):
        raise InputError([{"loc": (loc,), "msg": "expected a timezone-aware datetime"}])
    if now.tzinfo is None or now.utcoffset() is None:
        raise InputError(
            [{"loc": (loc,), "msg": "a naive datetime is ambiguous: give it a timezone"}]
        )
    return micros(now)


def new_id(prefix: str) -> str:
    """A unique id that sorts by creation time (so database rows append in order)."""
    return f"{prefix}_{time.time_ns():016x}{secrets.token_hex(6)}"


def request_hash(request: _native.Request, order_id: str | None) -> str:
    """What makes two redeem calls the same request: cart, customer, codes, context and
    order id (not ``now``, since retries come later)."""
    h = hashlib.sha256(request.fingerprint().encode())
    h.update(b"\x00" + (order_id or "").encode())
    return h.hexdigest()


def _check_id(value: Any, loc: str) -> str:
    if not isinstance(value, str) or not value:
        raise InputError([{"loc": (loc,), "msg": "expected a non-empty string id"}])
    return value


def _check_optional_str(value: Any, loc: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InputError([{"loc": (loc,), "msg": f"expected a string, got {type(value).__name__}"}])
    return value


def _backoff(attempt: int) -> None:
    """A short randomised pause before deciding again, growing with contention."""
    time.sleep(random.uniform(0, min(0.002 * (attempt + 1), 0.05)))


# -- the calls -------------------------------------------------------------------------------


def _event(kind: str, customer: str | None, payload: dict[str, Any]) -> tuple[str, str | None, str]:
    return (kind, customer, json.dumps(payload, separators=(",", ":"), sort_keys=True))


def _core_events(events: list[dict[str, Any]]) -> list[tuple[str, str | None, str]]:
    """The core's events as a store appends them: ``(type, customer id, payload JSON)``."""
    return [(e["type"], e["customer_id"], _payload(e["payload"])) for e in events]


def _payload(payload: Any) -> str:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)


def redemption_event(record: Record, priced: _native.Priced) -> tuple[str, str | None, str]:
    """The ``redemption`` event of a record: what was committed, in short."""
    currency, subtotal, shipping, discount, _, total = priced.totals()
    payments, due = priced.payments()
    return _event(
        "redemption",
        record.customer_id,
        {
            "redemption_id": record.id,
            "order_id": record.order_id,
            "currency": currency,
            "subtotal": str(subtotal),
            "shipping": str(shipping),
            "discount": str(discount),
            "total": str(total),
            "amount_due": str(due),
            "applied": [a[0] for a in record.applied],
            "payments": [
                {"kind": k, "ref": r, "amount": str(a), "points": n} for k, r, a, n in payments
            ],
        },
    )


def _record(
    engine: Engine,
    request: _native.Request,
    priced: _native.Priced,
    deltas: list[Delta],
    *,
    kind: str,
    order_id: str | None,
    idempotency_key: str | None,
    fingerprint: str | None,
    expires_at: int | None = None,
    confirms: str | None = None,
) -> Record:
    from .stores.base import Record

    result, currency, applied = priced.record()
    return Record(
        id=new_id("rd" if kind == "redemption" else "rs"),
        kind=kind,
        order_id=order_id,
        customer_id=request.customer_id(),
        created_at=request.now(),
        engine_version=engine.version,
        idempotency_key=idempotency_key,
        request_hash=fingerprint,
        currency=currency,
        result=result,
        request=request.input_json() if kind == "reservation" else None,
        deltas=[tuple(d) for d in deltas],  # type: ignore[misc]
        applied=applied,
        expires_at=expires_at,
        confirms=confirms,
    )


def _same(store: Store, row: StoredRow, fingerprint: str | None, key: str | None) -> Redemption:
    if row.request_hash != fingerprint:
        raise IdempotencyError(
            [
                {
                    "loc": ("idempotency_key",),
                    "msg": f"idempotency key {key!r} was used with a different request "
                    f"(redemption {row.id})",
                }
            ]
        )
    return store._redemption(row)


def redeem(
    engine: Engine,
    request: _native.Request,
    *,
    order_id: str | None = None,
    idempotency_key: str | None = None,
    confirms: str | None = None,
    pay: str | None = None,
    identity: tuple[str, str] | None = None,
) -> Redemption:
    """Decide and commit one redemption (see the module docs). ``pay`` (JSON of the core's
    ``programs::Pay``) is given when the engine has programmes or the call pays with points
    or gift cards: the core then also decides payments and points earned."""
    order_id = _check_optional_str(order_id, "order_id")
    idempotency_key = _check_optional_str(idempotency_key, "idempotency_key")
    store = engine.store
    lookups = request.pool_lookups()
    families = request.checkout_families(pay) if pay is not None else request.families()
    now = request.now()
    fingerprint = request_hash(request, order_id) if idempotency_key is not None else None
    if fingerprint is not None and pay is not None:
        # Fresh reward codes differ on every call: the request is the rest.
        paid = {k: v for k, v in json.loads(pay).items() if k != "codes"}
        text = fingerprint + json.dumps(paid, sort_keys=True)
        fingerprint = hashlib.sha256(text.encode()).hexdigest()
    for attempt in range(MAX_ATTEMPTS):
        # Pool codes first: which campaign each given code belongs to, and to whom.
        pools = store._lookup_codes(lookups) if lookups else None
        keys = request.keys(pools)
        # Nothing limited and no key to look up: no read (it would find nothing).
        if keys or idempotency_key is not None:
            snapshot, existing = store._read(keys, now, idempotency_key)
        else:
            snapshot, existing = {}, None
        if existing is not None:
            return _same(store, existing, fingerprint, idempotency_key)
        if families:
            snapshot = store._read_families(keys, families, now)
        if pay is not None and engine._program.has_programs():
            # A referred friend: their advocate's families, found by the first read.
            more = request.checkout_more(pay, snapshot)
            if more:
                snapshot.update(store._read_families([], more, now))
        events: list[tuple[str, str | None, str]] = []
        if pay is not None:
            priced, deltas, core_events = request.checkout(snapshot, pay, pools)
            events = _core_events(json.loads(core_events))
        else:
            priced, deltas = request.decide(snapshot, pools)
        record = _record(
            engine,
            request,
            priced,
            deltas,
            kind="redemption",
            order_id=order_id,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            confirms=confirms,
        )
        record.events = [redemption_event(record, priced), *events]
        record.identity = identity
        outcome = store._commit(record)
        if outcome is None:
            store._notify(record.event_ids, record.events, now)
            return Redemption(
                id=record.id,
                order_id=order_id,
                customer_id=record.customer_id,
                result=Result._from_native(priced, engine._describe()),
                status="redeemed",
                created_at=from_micros(now),
                engine_version=engine.version,
                idempotency_key=idempotency_key,
                reservation_id=confirms,
                deltas=tuple(record.deltas),
            )
        if outcome == "conflict":
            _backoff(attempt)
            continue
        if confirms is not None:  # confirmed meanwhile by another call
            return store._redemption(outcome)
        return _same(store, outcome, fingerprint, idempotency_key)
    raise ConflictError(
        f"gave up after {MAX_ATTEMPTS} attempts: concurrent redemptions kept taking the "
        "capacity this one decided on"
    )


def reserve(engine: Engine, request: _native.Request, *, ttl: timedelta) -> Reservation:
    """Decide and hold capacity until ``now + ttl``."""
    if not isinstance(ttl, timedelta):
        raise InputError([{"loc": ("ttl",), "msg": "expected a timedelta"}])
    if ttl <= timedelta(0):
        raise InputError([{"loc": ("ttl",), "msg": f"ttl must be positive, got {ttl}"}])
    store = engine.store
    lookups = request.pool_lookups()
    now = request.now()
    expires_at = now + micros(_EPOCH + ttl)
    for attempt in range(MAX_ATTEMPTS):
        pools = store._lookup_codes(lookups) if lookups else None
        keys = request.keys(pools)
        snapshot = store._read(keys, now, None)[0] if keys else {}
        priced, deltas = request.decide(snapshot, pools)
        record = _record(
            engine,
            request,
            priced,
            deltas,
            kind="reservation",
            order_id=None,
            idempotency_key=None,
            fingerprint=None,
            expires_at=expires_at,
        )
        if store._commit(record) == "conflict":
            _backoff(attempt)
            continue
        return Reservation(
            id=record.id,
            result=Result._from_native(priced, engine._describe()),
            expires_at=from_micros(expires_at),
            status="held",
            customer_id=record.customer_id,
            created_at=from_micros(now),
            engine_version=engine.version,
            deltas=tuple(record.deltas),
        )
    raise ConflictError(
        f"gave up after {MAX_ATTEMPTS} attempts: concurrent calls kept taking the capacity"
    )


def confirm(
    engine: Engine, reservation_id: str, *, order_id: str | None, now: datetime | None
) -> Redemption:
    """Turn a held reservation into a redemption; an expired or released one is decided
    again at ``now`` (it may get less). Confirming twice returns the same redemption."""
    reservation_id = _check_id(reservation_id, "reservation_id")
    order_id = _check_optional_str(order_id, "order_id")
    store = engine.store
    at = call_now(now)
    done = store._confirm(reservation_id, order_id, at, new_id("rd"))
    if done is not None:
        return store._redemption(done)
    # No longer held: decide again, marking the reservation confirmed in the same commit.
    reservation = store._reservation_row(reservation_id)
    assert reservation.request is not None
    request = engine._program.request_json(reservation.request).at(at)
    return redeem(engine, request, order_id=order_id, confirms=reservation_id)


def release(engine: Engine, reservation_id: str, *, now: datetime | None) -> None:
    """Give a held reservation's capacity back (nothing for an expired, released or
    confirmed one)."""
    reservation_id = _check_id(reservation_id, "reservation_id")
    engine.store._release(reservation_id, call_now(now))


def rollback(
    engine: Engine, redemption_id: str, *, reason: str | None, now: datetime | None
) -> Redemption:
    """Undo a redemption (idempotent): its usage, budget and gift-card payments come back,
    the points it spent return to their lots, and the points it earned are taken back as the
    core decides on the latest state (docs/loyalty.md, "Rollback")."""
    from .stores.records import Rollback

    redemption_id = _check_id(redemption_id, "redemption_id")
    reason = _check_optional_str(reason, "reason")
    store = engine.store
    at = call_now(now)
    row = store._stored_redemption(redemption_id)
    if row.status != "redeemed":
        return store._redemption(row)
    op = json.dumps({"op": "rollback", "deltas": [list(d) for d in row.deltas], "now": at})
    program = engine._program
    keys, families = program.program_reads(op)
    for attempt in range(MAX_ATTEMPTS):
        snapshot = store._read_families(keys, families, at) if keys or families else {}
        (decision,) = json.loads(program.program_op(op, snapshot))
        events = [
            _event(
                "rollback",
                row.customer_id,
                {
                    "redemption_id": row.id,
                    "order_id": row.order_id,
                    "reason": reason,
                    "taken_back": decision["answer"]["taken_back"],
                },
            ),
            *_core_events(decision["events"]),
        ]
        deltas: list[Delta] = [(k, n, hi, lo) for k, n, hi, lo in decision["deltas"]]
        out = store._rollback_with(Rollback(redemption_id, reason, at, deltas, events))
        if out == "conflict":
            _backoff(attempt)
            continue
        done, ids = out
        store._notify(ids, events[: len(ids)], at)
        return store._redemption(done)
    raise ConflictError(
        f"gave up after {MAX_ATTEMPTS} attempts: concurrent calls kept changing the points "
        "this rollback takes back"
    )
