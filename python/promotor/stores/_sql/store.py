"""The SQL stores' redemptions and reservations: read, commit, confirm, release, roll back,
and the rows queries and ``verify`` read. :class:`SqlStore` is the whole SQL store, with the
pools and programme parts mixed in."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from promotor.stores._sql.core import (
    _ENTRY,
    _INSERT_REDEMPTION,
    _REDEMPTION_READ,
    _RESERVATION,
    Busy,
    _Rollback,
)
from promotor.stores.records import (
    Conflict,
    Dump,
    Record,
    StoredRow,
    applied_json,
    audit_detail,
    deltas_json,
    holds,
    not_found,
)

if TYPE_CHECKING:
    pass

from promotor.stores._sql.pools import SqlPools
from promotor.stores._sql.programs import SqlPrograms


class SqlStore(SqlPools, SqlPrograms):
    """The shared transactions. ``_write()`` yields a cursor inside one write transaction that
    commits on success and rolls back on any exception (a backend error becomes
    :class:`StoreError`, :class:`Busy` a conflict); ``_read_only()`` a cursor for reads."""

    # -- the primitives --------------------------------------------------------------------

    def _read(
        self, keys: Sequence[str], now: int, idempotency_key: str | None
    ) -> tuple[dict[str, int], StoredRow | None]:
        with self._read_only() as cur:
            snapshot = {k: v for k, v in self._values(cur, keys, now).items() if v}
            existing = None
            if idempotency_key is not None:
                existing = self._redemption_by(cur, "idempotency_key", idempotency_key)
            return snapshot, existing

    def _commit(self, record: Record) -> StoredRow | Conflict | None:
        try:
            with self._write() as cur:
                return self._commit_in(cur, record)
        except _Rollback as stop:
            return stop.answer  # type: ignore[no-any-return]
        except Busy:
            return "conflict"

    def _commit_in(self, cur: Any, record: Record) -> StoredRow | Conflict | None:
        now = record.created_at
        if record.idempotency_key is not None:
            existing = self._redemption_by(cur, "idempotency_key", record.idempotency_key)
            if existing is not None:
                return existing
        if record.confirms is not None:
            row = self._x(
                cur,
                "SELECT status, redemption_id FROM promotor_reservations WHERE id = ?",
                (record.confirms,),
            ).fetchone()
            if row is not None and row[0] == "confirmed":
                return self._redemption_by(cur, "id", row[1])
        keys = sorted({d[0] for d in record.deltas})
        if keys:
            committed = self._lock(cur, keys)
            held = self._values(cur, keys, now, committed=False)
            for d in record.deltas:
                if not holds(committed.get(d[0], 0) + held.get(d[0], 0), d):
                    raise _Rollback("conflict")
        if record.kind == "redemption":
            self._add_to_counters(cur, [(k, n) for k, n, _, _ in record.deltas])
            existing = self._insert_redemption(cur, record)
            if existing is not None:
                raise _Rollback(existing)
            record.event_ids = self._append(cur, record.events, now)
            self._identities(cur, [record.identity])
            if record.confirms is not None:
                self._x(
                    cur,
                    "UPDATE promotor_reservations SET status = 'confirmed', redemption_id = ? "
                    "WHERE id = ?",
                    (record.id, record.confirms),
                )
                self._x(
                    cur, "DELETE FROM promotor_holds WHERE reservation_id = ?", (record.confirms,)
                )
            action = "confirm" if record.confirms else "redeem"
        else:
            assert record.expires_at is not None
            assert record.request is not None
            self._sweep(cur, now)
            self._many(
                cur,
                "INSERT INTO promotor_holds (reservation_id, key, n, expires_at) "
                "VALUES (?, ?, ?, ?)",
                [(record.id, k, n, record.expires_at) for k, n, _, _ in record.deltas],
            )
            self._x(cur, f"INSERT INTO promotor_reservations ({_RESERVATION}) VALUES "
                         "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (record.id, "held", record.order_id, record.customer_id, now,
                     record.expires_at, record.engine_version, record.currency,
                     record.request, record.result, applied_json(record.applied),
                     deltas_json(record.deltas), None))  # fmt: skip
            action = "reserve"
        self._audit_insert(cur, now, action, record.id, record.engine_version, audit_detail(record))
        return None

    def _reservation_for_update(self, cur: Any, reservation_id: str) -> StoredRow:
        row = self._x(
            cur, f"SELECT {_RESERVATION} FROM promotor_reservations WHERE id = ?"
            + self._for_update(), (reservation_id,)
        ).fetchone()  # fmt: skip
        if row is None:
            raise not_found("reservation", reservation_id)
        return self._reservation_row_of(row)

    def _confirm(
        self, reservation_id: str, order_id: str | None, now: int, redemption_id: str
    ) -> StoredRow | None:
        with self._write() as cur:
            row = self._reservation_for_update(cur, reservation_id)
            if row.status == "confirmed":
                assert row.redemption_id is not None
                return self._redemption_by(cur, "id", row.redemption_id)
            if row.status != "held" or row.expires_at is None or row.expires_at <= now:
                return None
            keys = sorted({d[0] for d in row.deltas})
            if keys:
                self._lock(cur, keys)
            self._x(cur, "DELETE FROM promotor_holds WHERE reservation_id = ?", (reservation_id,))
            self._add_to_counters(cur, [(k, n) for k, n, _, _ in row.deltas])
            values = (
                redemption_id, order_id, row.customer_id, "redeemed", now, row.engine_version,
                row.currency, row.result, applied_json(row.applied), deltas_json(row.deltas),
                None, None, reservation_id, None, None,
            )  # fmt: skip
            self._x(cur, _INSERT_REDEMPTION, values)
            self._x(
                cur,
                "UPDATE promotor_reservations SET status = 'confirmed', redemption_id = ? "
                "WHERE id = ?",
                (redemption_id, reservation_id),
            )
            detail = json.dumps({"order_id": order_id, "reservation_id": reservation_id})
            self._audit_insert(cur, now, "confirm", redemption_id, row.engine_version, detail)
            return self._redemption_by(cur, "id", redemption_id)

    def _release(self, reservation_id: str, now: int) -> None:
        with self._write() as cur:
            row = self._reservation_for_update(cur, reservation_id)
            if row.status != "held":
                return
            assert row.expires_at is not None
            status = "released" if row.expires_at > now else "expired"
            self._x(cur, "DELETE FROM promotor_holds WHERE reservation_id = ?", (reservation_id,))
            self._x(
                cur,
                "UPDATE promotor_reservations SET status = ? WHERE id = ?",
                (status, reservation_id),
            )
            if status == "released":
                self._audit_insert(cur, now, "release", reservation_id, row.engine_version, "{}")

    def _rollback(self, redemption_id: str, reason: str | None, now: int) -> StoredRow:
        with self._write() as cur:
            row = self._redemption_for_update(cur, redemption_id)
            if row.status != "redeemed":
                return row
            keys = sorted({d[0] for d in row.deltas})
            if keys:
                self._lock(cur, keys)
            self._many(
                cur,
                "UPDATE promotor_counters SET value = value - ? WHERE key = ?",
                [(n, k) for k, n, _, _ in row.deltas],
            )
            self._x(
                cur,
                "UPDATE promotor_redemptions SET status = 'rolled_back', rolled_back_at = ?, "
                "reason = ? WHERE id = ?",
                (now, reason, redemption_id),
            )
            detail = json.dumps({"reason": reason})
            self._audit_insert(cur, now, "rollback", redemption_id, row.engine_version, detail)
            row.status, row.rolled_back_at, row.reason = "rolled_back", now, reason
            return row

    def _row(self, kind: str, id: str) -> StoredRow | None:
        with self._read_only() as cur:
            if kind == "redemption":
                return self._redemption_by(cur, "id", id)
            row = self._x(
                cur, f"SELECT {_RESERVATION} FROM promotor_reservations WHERE id = ?", (id,)
            ).fetchone()
            return None if row is None else self._reservation_row_of(row)

    def _rows(self, kind: str) -> list[StoredRow]:
        with self._read_only() as cur:
            if kind == "redemption":
                rows = self._x(
                    cur,
                    f"SELECT {_REDEMPTION_READ} FROM promotor_redemptions ORDER BY created_at, id",
                ).fetchall()
                return [self._redemption_row(r) for r in rows]
            rows = self._x(
                cur, f"SELECT {_RESERVATION} FROM promotor_reservations ORDER BY created_at, id"
            ).fetchall()
            return [self._reservation_row_of(r) for r in rows]

    def _audit_rows(self, since: int | None) -> list[tuple[int, str, str, str, str]]:
        with self._read_only() as cur:
            sql = "SELECT at, action, id, engine_version, detail FROM promotor_audit"
            params: list[Any] = []
            if since is not None:
                sql += " WHERE at >= ?"
                params.append(since)
            rows = self._x(cur, sql + " ORDER BY seq", params).fetchall()
            return [(int(a), b, c, d, e) for a, b, c, d, e in rows]

    def _dump(self) -> Dump:
        with self._read_only() as cur:
            counters = {
                k: int(v)
                for k, v in self._x(cur, "SELECT key, value FROM promotor_counters").fetchall()
                if int(v)
            }
            holds_ = [
                (r, k, int(n), int(e))
                for r, k, n, e in self._x(
                    cur, "SELECT reservation_id, key, n, expires_at FROM promotor_holds"
                ).fetchall()
            ]
            entries = [
                self._entry_of(r)
                for r in self._x(
                    cur, f"SELECT {_ENTRY} FROM promotor_entries ORDER BY created_at, id"
                ).fetchall()
            ]
            ids = [
                int(r[0])
                for r in self._x(cur, "SELECT id FROM promotor_events ORDER BY id").fetchall()
            ]
        return Dump(
            counters=counters,
            redemptions=self._rows("redemption"),
            reservations=self._rows("reservation"),
            holds=holds_,
            entries=entries,
            event_ids=ids,
        )
