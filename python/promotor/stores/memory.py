"""``memory://``: a store in this process's memory (what an engine without a store uses).

Safe across threads (one lock); a fresh one is empty, and it unpickles empty.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from promotor.events import Event, Pending
from promotor.redemption import Delta, from_micros
from promotor.stores.base import Store
from promotor.stores.records import (
    Conflict,
    Dump,
    Entry,
    Record,
    StoredRow,
    audit_detail,
    holds,
    not_found,
)

if TYPE_CHECKING:
    from promotor.pools import Batch, PoolRow
    from promotor.stores.records import Rollback

__all__ = ["MemoryStore"]


class MemoryStore(Store):
    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        self._lock = threading.RLock()
        self._counters: dict[str, int] = {}
        # reservation id -> {key: (n, expires_at)}
        self._holds: dict[str, dict[str, tuple[int, int]]] = {}
        self._redemptions: dict[str, StoredRow] = {}
        self._reservations: dict[str, StoredRow] = {}
        self._idempotency: dict[str, str] = {}
        self._audit: list[tuple[int, str, str, str, str]] = []
        # Pools: key -> [campaign, code, customer, assigned_at, seq]; per campaign its keys in the
        # order added and its free keys; (campaign, customer) -> first code assigned.
        self._codes: dict[str, list[str | int | None]] = {}
        self._pool_order: dict[str, list[str]] = {}
        self._free: dict[str, deque[str]] = {}
        self._holder: dict[tuple[str, str], str] = {}
        self._held_by: dict[str, list[str]] = {}
        self._counts: dict[str, list[int]] = {}
        # Programmes: family -> its keys; ledger entries; the outbox; identities; cursors.
        self._families: dict[str, set[str]] = {}
        self._entries: list[Entry] = []
        self._entry_keys: dict[str, Entry] = {}
        self._events_: list[tuple[str, str | None, str, int]] = []
        self._emails: dict[str, str] = {}
        self._cursors: dict[str, int] = {}

    def _bump(self, key: str, add: int) -> None:
        self._counters[key] = self._counters.get(key, 0) + add
        family, sep, _ = key.partition("#")
        if sep:
            self._families.setdefault(family, set()).add(key)

    def _append(self, pending: list[Pending], now: int) -> list[int]:
        ids = []
        for t, c, p in pending:
            self._events_.append((t, c, p, now))
            ids.append(len(self._events_))
        return ids

    def _identity(self, identity: tuple[str, str] | None) -> None:
        if identity is not None:
            self._emails.setdefault(identity[1], identity[0])

    def _value(self, key: str, now: int) -> int:
        held = sum(
            n
            for hs in self._holds.values()
            for k, (n, expires_at) in hs.items()
            if k == key and expires_at > now
        )
        return self._counters.get(key, 0) + held

    def _read(
        self, keys: Sequence[str], now: int, idempotency_key: str | None
    ) -> tuple[dict[str, int], StoredRow | None]:
        with self._lock:
            snapshot = {k: v for k in keys if (v := self._value(k, now))}
            existing = None
            if idempotency_key is not None and idempotency_key in self._idempotency:
                existing = self._redemptions[self._idempotency[idempotency_key]]
            return snapshot, existing

    def _sweep(self, now: int) -> None:
        for rid, row in self._reservations.items():
            if row.status == "held" and row.expires_at is not None and row.expires_at <= now:
                row.status = "expired"
                self._holds.pop(rid, None)

    def _commit(self, record: Record) -> StoredRow | Conflict | None:
        with self._lock:
            now = record.created_at
            if record.idempotency_key is not None and record.idempotency_key in self._idempotency:
                return self._redemptions[self._idempotency[record.idempotency_key]]
            if record.confirms is not None:
                reservation = self._reservations[record.confirms]
                if reservation.status == "confirmed":
                    assert reservation.redemption_id is not None
                    return self._redemptions[reservation.redemption_id]
            for d in record.deltas:
                if not holds(self._value(d[0], now), d):
                    return "conflict"
            if record.kind == "redemption":
                for key, add, _, _ in record.deltas:
                    self._bump(key, add)
                self._redemptions[record.id] = StoredRow.of(record, "redeemed")
                record.event_ids = self._append(record.events, now)
                self._identity(record.identity)
                if record.idempotency_key is not None:
                    self._idempotency[record.idempotency_key] = record.id
                if record.confirms is not None:
                    reservation = self._reservations[record.confirms]
                    reservation.status = "confirmed"
                    reservation.redemption_id = record.id
                    self._holds.pop(record.confirms, None)
                action = "confirm" if record.confirms else "redeem"
            else:
                assert record.expires_at is not None
                self._sweep(now)
                self._holds[record.id] = {k: (n, record.expires_at) for k, n, _, _ in record.deltas}
                self._reservations[record.id] = StoredRow.of(record, "held")
                action = "reserve"
            self._audit.append(
                (now, action, record.id, record.engine_version, audit_detail(record))
            )
            return None

    def _confirm(
        self, reservation_id: str, order_id: str | None, now: int, redemption_id: str
    ) -> StoredRow | None:
        with self._lock:
            row = self._reservations.get(reservation_id)
            if row is None:
                raise not_found("reservation", reservation_id)
            if row.status == "confirmed":
                assert row.redemption_id is not None
                return self._redemptions[row.redemption_id]
            if row.status != "held" or row.expires_at is None or row.expires_at <= now:
                return None
            for key, add, _, _ in row.deltas:
                self._bump(key, add)
            self._holds.pop(reservation_id, None)
            redemption = StoredRow(
                id=redemption_id,
                kind="redemption",
                status="redeemed",
                order_id=order_id,
                customer_id=row.customer_id,
                created_at=now,
                engine_version=row.engine_version,
                currency=row.currency,
                result=row.result,
                deltas=list(row.deltas),
                applied=list(row.applied),
                reservation_id=reservation_id,
            )
            self._redemptions[redemption_id] = redemption
            row.status = "confirmed"
            row.redemption_id = redemption_id
            detail = json.dumps({"order_id": order_id, "reservation_id": reservation_id})
            self._audit.append((now, "confirm", redemption_id, row.engine_version, detail))
            return redemption

    def _release(self, reservation_id: str, now: int) -> None:
        with self._lock:
            row = self._reservations.get(reservation_id)
            if row is None:
                raise not_found("reservation", reservation_id)
            if row.status != "held":
                return
            assert row.expires_at is not None
            self._holds.pop(reservation_id, None)
            row.status = "released" if row.expires_at > now else "expired"
            if row.status == "released":
                self._audit.append((now, "release", reservation_id, row.engine_version, "{}"))

    def _rollback(self, redemption_id: str, reason: str | None, now: int) -> StoredRow:
        with self._lock:
            row = self._redemptions.get(redemption_id)
            if row is None:
                raise not_found("redemption", redemption_id)
            if row.status == "redeemed":
                for key, add, _, _ in row.deltas:
                    self._counters[key] = self._counters.get(key, 0) - add
                row.status = "rolled_back"
                row.rolled_back_at = now
                row.reason = reason
                detail = json.dumps({"reason": reason})
                self._audit.append((now, "rollback", redemption_id, row.engine_version, detail))
            return row

    def _row(self, kind: str, id: str) -> StoredRow | None:
        with self._lock:
            table = self._redemptions if kind == "redemption" else self._reservations
            return table.get(id)

    def _rows(self, kind: str) -> list[StoredRow]:
        with self._lock:
            table = self._redemptions if kind == "redemption" else self._reservations
            return sorted(table.values(), key=lambda r: (r.created_at, r.id))

    def _audit_rows(self, since: int | None) -> list[tuple[int, str, str, str, str]]:
        with self._lock:
            return [a for a in self._audit if since is None or a[0] >= since]

    def _dump(self) -> Dump:
        with self._lock:
            return Dump(
                counters={k: v for k, v in self._counters.items() if v},
                redemptions=list(self._redemptions.values()),
                reservations=list(self._reservations.values()),
                entries=list(self._entries),
                event_ids=list(range(1, len(self._events_) + 1)),
                holds=[
                    (rid, k, n, expires_at)
                    for rid, hs in self._holds.items()
                    for k, (n, expires_at) in hs.items()
                ],
            )

    # -- pools -----------------------------------------------------------------------------

    def _lookup_codes(self, keys: Sequence[str]) -> dict[str, PoolRow]:
        with self._lock:
            out: dict[str, PoolRow] = {}
            for k in keys:
                row = self._codes.get(k)
                if row is not None:
                    out[k] = (str(row[0]), str(row[1]), None if row[2] is None else str(row[2]))
            return out

    def _insert_codes(self, campaign_id: str, batches: Iterator[Batch]) -> int | None:
        staged: dict[str, tuple[str, str | None]] = {}
        for b in batches:
            for key, code, who in zip(b.keys, b.codes, b.customers, strict=True):
                if key in staged:
                    return None
                staged[key] = (code, who)
        with self._lock:
            if any(k in self._codes for k in staged):
                return None
            order = self._pool_order.setdefault(campaign_id, [])
            free = self._free.setdefault(campaign_id, deque())
            counts = self._counts.setdefault(campaign_id, [0, 0])
            for key, (code, who) in staged.items():
                self._codes[key] = [campaign_id, code, who, None, len(self._codes)]
                order.append(key)
                counts[0] += 1
                if who is None:
                    free.append(key)
                else:
                    counts[1] += 1
                    self._holder.setdefault((campaign_id, who), key)
                    self._held_by.setdefault(who, []).append(key)
            return len(staged)

    def _pool_keys(self, campaign_id: str) -> list[str]:
        with self._lock:
            return list(self._pool_order.get(campaign_id, []))

    def _pool_rows(self, campaign_id: str) -> Iterator[list[tuple[str, str | None, int | None]]]:
        from promotor.pools import CHUNK

        with self._lock:
            rows = [
                (
                    str(r[1]),
                    None if r[2] is None else str(r[2]),
                    None if r[3] is None else int(r[3]),
                )
                for r in (self._codes[k] for k in self._pool_order.get(campaign_id, []))
            ]
        for at in range(0, len(rows), CHUNK):
            yield rows[at : at + CHUNK]

    def _pool_counts(self, campaign_ids: Sequence[str] | None) -> dict[str, tuple[int, int]]:
        with self._lock:
            ids = self._counts if campaign_ids is None else campaign_ids
            return {c: (self._counts[c][0], self._counts[c][1]) for c in ids if c in self._counts}

    def _assign(self, campaign_id: str, customer_id: str, now: int) -> tuple[str, bool] | None:
        with self._lock:
            held = self._holder.get((campaign_id, customer_id))
            if held is not None:
                return str(self._codes[held][1]), False
            free = self._free.get(campaign_id)
            if not free:
                return None
            key = free.popleft()
            row = self._codes[key]
            row[2], row[3] = customer_id, now
            self._holder[(campaign_id, customer_id)] = key
            self._held_by.setdefault(customer_id, []).append(key)
            self._counts[campaign_id][1] += 1
            detail = json.dumps({"campaign_id": campaign_id, "customer_id": customer_id})
            self._audit.append((now, "assign", str(row[1]), "", detail))
            return str(row[1]), True

    def _codes_of(self, customer_id: str) -> list[tuple[str, str, str]]:
        with self._lock:
            keys = sorted(self._held_by.get(customer_id, []), key=lambda k: self._codes[k][4] or 0)
            return [(str(self._codes[k][0]), k, str(self._codes[k][1])) for k in keys]

    def _pool_problems(self) -> list[str]:
        with self._lock:  # counts and rows of one moment
            return super()._pool_problems()

    # -- programmes and events -------------------------------------------------------------

    def _read_families(
        self, keys: Sequence[str], families: Sequence[str], now: int
    ) -> dict[str, int]:
        with self._lock:
            wanted = list(keys)
            for f in families:
                wanted.extend(self._families.get(f, ()))
                wanted.extend(
                    k for hs in self._holds.values() for k in hs if k.partition("#")[0] == f
                )
            return {k: v for k in dict.fromkeys(wanted) if (v := self._value(k, now))}

    def _check(self, deltas: Sequence[Delta], now: int, seen: dict[str, int]) -> bool:
        for d in deltas:
            value = seen.get(d[0], self._value(d[0], now))
            if not holds(value, d):
                return False
            seen[d[0]] = value + d[1]
        return True

    def _apply(self, entries: Sequence[Entry]) -> list[bool] | Conflict:
        with self._lock:
            seen: dict[str, int] = {}
            keys: set[str] = set()
            applied = []
            for e in entries:
                fresh = e.idempotency_key is None or (
                    e.idempotency_key not in self._entry_keys and e.idempotency_key not in keys
                )
                if fresh and not self._check(e.deltas, e.created_at, seen):
                    return "conflict"
                if fresh and e.idempotency_key is not None:
                    keys.add(e.idempotency_key)
                applied.append(fresh)
            for e, fresh in zip(entries, applied, strict=True):
                if not fresh:
                    continue
                for key, add, _, _ in e.deltas:
                    self._bump(key, add)
                e.event_ids = self._append(e.events, e.created_at)
                self._identity(e.identity)
                self._entries.append(e)
                if e.idempotency_key is not None:
                    self._entry_keys[e.idempotency_key] = e
            return applied

    def _entry(self, idempotency_key: str) -> Entry | None:
        with self._lock:
            return self._entry_keys.get(idempotency_key)

    def _entries_of(self, customer_id: str | None = None, kind: str | None = None) -> list[Entry]:
        with self._lock:
            return [
                e
                for e in self._entries
                if (customer_id is None or e.customer_id == customer_id)
                and (kind is None or e.kind == kind)
            ]

    def _rollback_with(self, rollback: Rollback) -> tuple[StoredRow, list[int]] | Conflict:
        rid, now, deltas = rollback.redemption_id, rollback.now, rollback.deltas
        with self._lock:
            row = self._redemptions.get(rid)
            if row is None:
                raise not_found("redemption", rid)
            if row.status != "redeemed":
                return row, []
            if not self._check(deltas, now, {}):
                return "conflict"
            for key, add, _, _ in deltas:
                self._bump(key, add)
            row.status = "rolled_back"
            row.rolled_back_at = now
            row.reason = rollback.reason
            row.rollback_deltas = list(deltas)
            ids = self._append(list(rollback.events), now)
            detail = json.dumps({"reason": rollback.reason})
            self._audit.append((now, "rollback", rid, row.engine_version, detail))
            return row, ids

    def _events(self, after: int | None, limit: int) -> list[Event]:
        with self._lock:
            start = after or 0
            out = []
            for i in range(max(start, 0), min(start + limit, len(self._events_))):
                t, c, p, at = self._events_[i]
                out.append(
                    Event(id=i + 1, type=t, customer_id=c, payload=json.loads(p),
                          created_at=from_micros(at))
                )  # fmt: skip
            return out

    def _cursor(self, consumer: str) -> int | None:
        with self._lock:
            return self._cursors.get(consumer)

    def _set_cursor(self, consumer: str, event_id: int) -> None:
        with self._lock:
            self._cursors[consumer] = max(self._cursors.get(consumer, 0), event_id)

    def _customer_ids(self, emails: Sequence[str]) -> dict[str, str]:
        with self._lock:
            return {e: self._emails[e] for e in emails if e in self._emails}

    def _family_names(self, prefix: str) -> list[str]:
        with self._lock:
            return sorted(f for f in self._families if f.startswith(prefix))
