"""The part of every store that does not depend on its backend: the records, the public
queries (``redemptions``, ``usage``, ``audit``, ``export``, ``verify``) and pickling.

A backend implements the few primitives marked *backend* below. Each one is one transaction
(SQL) or one script (Redis): ``_commit`` applies a decision's deltas and writes its records if
and only if every delta's bound holds on the counters (committed value plus live holds);
otherwise it writes nothing and answers ``"conflict"``.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from promotor.errors import InputError, NotFoundError, StoreError
from promotor.events import Event, Pending
from promotor.redemption import (
    AuditEntry,
    Delta,
    Redemption,
    Reservation,
    Usage,
    call_now,
    from_micros,
)
from promotor.stores.codec import decode_result, normalize_code

__all__ = ["Entry", "Record", "Store", "StoredRow"]

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


class Store:
    """Where limits, budgets, redemptions and their records live. Open one with
    :func:`promotor.store`; share it between threads; it reconnects after a fork and pickles
    as its URL.
    """

    url: str

    # -- backend ---------------------------------------------------------------------------

    def _read(
        self, keys: Sequence[str], now: int, idempotency_key: str | None
    ) -> tuple[dict[str, int], StoredRow | None]:
        """The counters ``keys`` (committed plus live holds at ``now``), and the redemption
        already made with ``idempotency_key``."""
        raise NotImplementedError

    def _commit(self, record: Record) -> StoredRow | Conflict | None:
        """Apply ``record.deltas`` (as counters for a redemption, as holds until
        ``expires_at`` for a reservation) and write the record, all or nothing. ``None``:
        done. ``"conflict"``: a bound no longer holds, nothing written. A row: the redemption
        that already has the idempotency key, or that already confirmed ``record.confirms``
        (nothing written)."""
        raise NotImplementedError

    def _confirm(
        self, reservation_id: str, order_id: str | None, now: int, redemption_id: str
    ) -> StoredRow | None:
        """Turn a reservation held at ``now`` into redemption ``redemption_id`` (its holds
        become counters), or return the redemption that already confirmed it; ``None`` when it
        is no longer held (released or expired). Raises :class:`NotFoundError`."""
        raise NotImplementedError

    def _release(self, reservation_id: str, now: int) -> None:
        raise NotImplementedError

    def _rollback(self, redemption_id: str, reason: str | None, now: int) -> StoredRow:
        raise NotImplementedError

    def _row(self, kind: str, id: str) -> StoredRow | None:
        raise NotImplementedError

    def _rows(self, kind: str) -> list[StoredRow]:
        """Every redemption or reservation, oldest first."""
        raise NotImplementedError

    def _audit_rows(self, since: int | None) -> list[tuple[int, str, str, str, str]]:
        raise NotImplementedError

    def _dump(self) -> Dump:
        raise NotImplementedError

    # Programmes and events (DESIGN section 10).

    def _read_families(
        self, keys: Sequence[str], families: Sequence[str], now: int
    ) -> dict[str, int]:
        """``keys`` and every member of ``families`` (keys starting ``family#``), committed
        plus live holds; zeros left out."""
        raise NotImplementedError

    def _apply(self, entries: Sequence[Entry]) -> list[bool] | Conflict:
        """Apply the entries in order (each delta's bound checked on the value the entries
        before it left), append their events and identities, all or nothing. Returns, per
        entry, whether it was applied (``False``: its idempotency key was already stored);
        ``"conflict"`` when a bound fails (nothing written)."""
        raise NotImplementedError

    def _entry(self, idempotency_key: str) -> Entry | None:
        raise NotImplementedError

    def _entries_of(self, customer_id: str | None = None, kind: str | None = None) -> list[Entry]:
        raise NotImplementedError

    def _rollback_with(
        self,
        redemption_id: str,
        reason: str | None,
        now: int,
        deltas: Sequence[Delta],
        events: Sequence[Pending],
    ) -> tuple[StoredRow, list[int]] | Conflict:
        """Roll a redemption back by ``deltas`` (decided by the core on the latest state),
        bounds checked, with ``events``: the row and the events' ids; a redemption already
        rolled back is returned as it is (no ids). ``"conflict"``: a bound failed, nothing
        written."""
        raise NotImplementedError

    def _events(self, after: int | None, limit: int) -> list[Event]:
        raise NotImplementedError

    def _cursor(self, consumer: str) -> int | None:
        raise NotImplementedError

    def _set_cursor(self, consumer: str, event_id: int) -> None:
        raise NotImplementedError

    def _customer_ids(self, emails: Sequence[str]) -> dict[str, str]:
        """Normalised email -> customer id, for those known."""
        raise NotImplementedError

    def _family_names(self, prefix: str) -> list[str]:
        """Every family whose name starts with ``prefix``."""
        raise NotImplementedError

    def close(self) -> None:
        """Close the connections (a closed store reopens on next use)."""

    # -- shared ----------------------------------------------------------------------------

    def _redemption(self, row: StoredRow) -> Redemption:
        return Redemption(
            id=row.id,
            order_id=row.order_id,
            customer_id=row.customer_id,
            result=decode_result(row.result),
            status=row.status,
            created_at=from_micros(row.created_at),
            engine_version=row.engine_version,
            idempotency_key=row.idempotency_key,
            reservation_id=row.reservation_id,
            rolled_back_at=None if row.rolled_back_at is None else from_micros(row.rolled_back_at),
            reason=row.reason,
            deltas=tuple(row.deltas),
        )

    def _reservation(self, row: StoredRow) -> Reservation:
        assert row.expires_at is not None
        return Reservation(
            id=row.id,
            result=decode_result(row.result),
            expires_at=from_micros(row.expires_at),
            status=row.status,
            customer_id=row.customer_id,
            order_id=row.order_id,
            created_at=from_micros(row.created_at),
            engine_version=row.engine_version,
            redemption_id=row.redemption_id,
            deltas=tuple(row.deltas),
        )

    def _reservation_row(self, reservation_id: str) -> StoredRow:
        row = self._row("reservation", reservation_id)
        if row is None:
            raise NotFoundError(
                [{"loc": ("reservation_id",), "msg": f"no reservation {reservation_id!r}"}]
            )
        return row

    # -- events ----------------------------------------------------------------------------

    def events(self, after: int | None = None, limit: int = 100) -> list[Event]:
        """Events with ``id > after``, oldest first, at most ``limit`` (see
        :mod:`promotor.events`)."""
        if after is not None and (not isinstance(after, int) or isinstance(after, bool)):
            raise InputError([{"loc": ("after",), "msg": "expected an event id (int) or None"}])
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise InputError([{"loc": ("limit",), "msg": "expected a positive int"}])
        return self._events(after, limit)

    def subscribe(self, fn: Callable[[Event], object]) -> Callable[[], None]:
        """Call ``fn(event)`` after every commit of this store object in this process, once
        per event, in id order; returns a function that unsubscribes. ``fn`` runs after the
        commit (never for a change that did not commit); an exception in it propagates to
        the caller whose change has committed."""
        subscribers = self.__dict__.setdefault("_subscribers", [])
        subscribers.append(fn)

        def unsubscribe() -> None:
            if fn in subscribers:
                subscribers.remove(fn)

        return unsubscribe

    def _notify(self, ids: Sequence[int], pending: Sequence[Pending], at: int) -> None:
        subscribers = self.__dict__.get("_subscribers")
        if not subscribers or not ids:
            return
        events = [
            Event(id=i, type=t, customer_id=c, payload=json.loads(p), created_at=from_micros(at))
            for i, (t, c, p) in zip(ids, pending, strict=True)
        ]
        for fn in list(subscribers):
            for event in events:
                fn(event)

    def customer_id(self, email: str) -> str | None:
        """The id of the customer recorded with this email (normalised), if any."""
        from promotor.identity import normalize_email

        try:
            norm = normalize_email(email)
        except ValueError as err:
            raise InputError([{"loc": ("email",), "msg": str(err)}]) from None
        return self._customer_ids([norm]).get(norm)

    def snapshot(self, keys: Sequence[str], now: datetime | None = None) -> dict[str, int]:
        """The values of counters ``keys`` at ``now`` (what is committed plus what live
        reservations hold); absent counters are left out."""
        return self._read(list(keys), call_now(now), None)[0]

    def redemption(self, redemption_id: str) -> Redemption:
        """One redemption by id; :class:`NotFoundError` if there is none."""
        row = self._row("redemption", redemption_id)
        if row is None:
            raise NotFoundError(
                [{"loc": ("redemption_id",), "msg": f"no redemption {redemption_id!r}"}]
            )
        return self._redemption(row)

    def reservation(self, reservation_id: str) -> Reservation:
        """One reservation by id; :class:`NotFoundError` if there is none."""
        return self._reservation(self._reservation_row(reservation_id))

    def redemptions(
        self,
        campaign_id: str | None = None,
        customer_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Redemption]:
        """Redemptions oldest first, rolled-back ones included with their status;
        ``campaign_id`` keeps those where it applied; ``since <= created_at < until``."""
        lo = None if since is None else call_now(since, "since")
        hi = None if until is None else call_now(until, "until")
        out = []
        for row in self._rows("redemption"):
            if customer_id is not None and row.customer_id != customer_id:
                continue
            if campaign_id is not None and all(c != campaign_id for c, _, _ in row.applied):
                continue
            if (lo is not None and row.created_at < lo) or (
                hi is not None and row.created_at >= hi
            ):
                continue
            out.append(self._redemption(row))
        return out

    def reservations(self) -> list[Reservation]:
        """Every reservation, oldest first, with its status."""
        return [self._reservation(r) for r in self._rows("reservation")]

    def usage(
        self,
        campaign_id: str,
        customer_id: str | None = None,
        code: str | None = None,
        now: datetime | None = None,
    ) -> Usage:
        """All-time redemptions and discount of a campaign (rolled-back ones excluded),
        optionally of one customer or code, and the reservations holding it at ``now``."""
        if not isinstance(campaign_id, str):
            raise InputError([{"loc": ("campaign_id",), "msg": "expected a campaign id"}])
        at = call_now(now)
        want = None if code is None else normalize_code(code)

        def mine(row: StoredRow) -> list[Decimal]:
            if customer_id is not None and row.customer_id != customer_id:
                return []
            return [
                Decimal(amount)
                for c, k, amount in row.applied
                if c == campaign_id and (want is None or (k and normalize_code(k) == want))
            ]

        count, discount = 0, Decimal(0)
        for row in self._rows("redemption"):
            if row.status != "redeemed":
                continue
            for amount in mine(row):
                count += 1
                discount += amount
        reserved = sum(
            len(mine(row))
            for row in self._rows("reservation")
            if row.status == "held" and row.expires_at is not None and row.expires_at > at
        )
        return Usage(redemptions=count, discount=discount, reserved=reserved)

    def audit(self, since: datetime | None = None) -> list[AuditEntry]:
        """Every change, oldest first: who did what, when, with which definitions."""
        lo = None if since is None else call_now(since, "since")
        return [
            AuditEntry(
                at=from_micros(at),
                action=action,
                id=id,
                engine_version=version,
                detail=json.loads(detail),
            )
            for at, action, id, version, detail in self._audit_rows(lo)
        ]

    def export(self, what: Literal["redemptions", "audit"], path: str | Path) -> None:
        """Write the redemptions or the audit log to ``path``: CSV (with a header) or Parquet,
        by its suffix."""
        if what == "redemptions":
            columns = [
                "id", "order_id", "customer_id", "status", "created_at", "engine_version",
                "currency", "discount", "total", "applied", "idempotency_key",
                "reservation_id", "rolled_back_at", "reason",
            ]  # fmt: skip
            rows: list[list[Any]] = []
            for r in self.redemptions():
                rows.append(
                    [
                        r.id, r.order_id, r.customer_id, r.status, r.created_at.isoformat(),
                        r.engine_version, r.result.currency, str(r.result.discount),
                        str(r.result.total), ",".join(a.campaign_id for a in r.result.applied),
                        r.idempotency_key, r.reservation_id,
                        None if r.rolled_back_at is None else r.rolled_back_at.isoformat(),
                        r.reason,
                    ]
                )  # fmt: skip
        elif what == "audit":
            columns = ["at", "action", "id", "engine_version", "detail"]
            rows = [
                [e.at.isoformat(), e.action, e.id, e.engine_version, json.dumps(e.detail)]
                for e in self.audit()
            ]
        else:
            raise InputError(
                [{"loc": ("what",), "msg": "expected 'redemptions' or 'audit'", "input": what}]
            )
        target = Path(path)
        if target.suffix == ".parquet":
            try:
                import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
                import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]
            except ImportError:  # pragma: no cover - pyarrow is a dev dependency
                raise StoreError("writing Parquet needs pyarrow (pip install pyarrow)") from None
            table = pa.table({c: [row[i] for row in rows] for i, c in enumerate(columns)})
            pq.write_table(table, target)
        elif target.suffix == ".csv":
            with target.open("w", newline="", encoding="utf-8") as f:
                writer = csv.writer(f)
                writer.writerow(columns)
                writer.writerows(rows)
        else:
            raise InputError(
                [{"loc": ("path",), "msg": "expected a path ending in .csv or .parquet"}]
            )

    def verify(self) -> None:
        """Check that every counter equals what the ledger implies (the deltas of redemptions
        not rolled back) and that every hold belongs to a held reservation with those deltas;
        raise :class:`StoreError` naming the first difference."""
        dump = self._dump()
        for problem in dump.extra:
            raise StoreError(problem)
        implied: dict[str, int] = {}
        for row in dump.redemptions:
            if row.status not in ("redeemed", "rolled_back"):
                raise StoreError(f"redemption {row.id} has an unknown status {row.status!r}")
            # A rollback of schema 1 was the plain reversal: the redemption then counts 0.
            if row.status == "redeemed" or row.rollback_deltas is not None:
                for key, add, _, _ in [*row.deltas, *(row.rollback_deltas or [])]:
                    implied[key] = implied.get(key, 0) + add
        for entry in dump.entries:
            for key, add, _, _ in entry.deltas:
                implied[key] = implied.get(key, 0) + add
        for key in sorted(set(implied) | set(dump.counters)):
            have, want = dump.counters.get(key, 0), implied.get(key, 0)
            if have != want:
                raise StoreError(
                    f"counter {key!r} is {have} but the ledger (redemptions, rollbacks and "
                    f"entries) implies {want}"
                )
            member = key.partition("#")[2]
            if have < 0 and (member.startswith("lot=") or member in ("balance", "debt")):
                raise StoreError(f"balance {key!r} is negative ({have})")
        ids = dump.event_ids
        if any(b <= a for a, b in itertools.pairwise(ids)):
            raise StoreError("event ids do not increase")
        held = {r.id: r for r in dump.reservations if r.status == "held"}
        by_reservation: dict[str, dict[str, int]] = {}
        for reservation_id, key, n, _ in dump.holds:
            if reservation_id not in held:
                raise StoreError(
                    f"counter {key!r} has a hold of {n} by reservation {reservation_id!r}, "
                    "which is not held"
                )
            by_reservation.setdefault(reservation_id, {})[key] = n
        for rid, row in held.items():
            want_holds = {k: n for k, n, _, _ in row.deltas}
            if by_reservation.get(rid, {}) != want_holds:
                raise StoreError(
                    f"reservation {rid} holds {by_reservation.get(rid, {})} "
                    f"but decided {want_holds}"
                )

    # -- lifetime --------------------------------------------------------------------------

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce__(self) -> tuple[Any, ...]:
        from promotor.stores import store

        return (store, (self.url,))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"


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
