"""What every part of the SQL stores uses: the backend's hooks (connections, placeholder,
locks), statement helpers, counter values with live holds, and rows decoded to records."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from promotor.stores.base import Store
from promotor.stores.records import (
    Record,
    StoredRow,
    applied_from_json,
    applied_json,
    deltas_from_json,
    deltas_json,
    not_found,
)

if TYPE_CHECKING:
    pass


_REDEMPTION = (
    "id, order_id, customer_id, status, created_at, engine_version, currency, result, applied,"
    " deltas, idempotency_key, request_hash, reservation_id, rolled_back_at, reason"
)
_REDEMPTION_READ = _REDEMPTION + ", rollback_deltas"
_ENTRY = "id, kind, customer_id, created_at, idempotency_key, deltas, detail"
_INSERT_REDEMPTION = (
    f"INSERT INTO promotor_redemptions ({_REDEMPTION}) VALUES "
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_RESERVATION = (
    "id, status, order_id, customer_id, created_at, expires_at, engine_version, currency,"
    " request, result, applied, deltas, redemption_id"
)


class Busy(Exception):
    """A write met a lock or a serialisation failure: decide again."""


class SqlCore(Store):
    """The shared transactions. ``_write()`` yields a cursor inside one write transaction that
    commits on success and rolls back on any exception (a backend error becomes
    :class:`StoreError`, :class:`Busy` a conflict); ``_read_only()`` a cursor for reads."""

    placeholder = "?"

    # -- backend ---------------------------------------------------------------------------

    def _write(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _read_only(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _lock(self, cur: Any, keys: Sequence[str]) -> dict[str, int]:
        """The committed values of ``keys`` inside a write transaction, locked against
        concurrent writers until it ends."""
        raise NotImplementedError

    def _insert_redemption(self, cur: Any, record: Record) -> StoredRow | None:
        """Insert the redemption row; the existing row when ``record.idempotency_key`` is
        taken by a concurrent call."""
        values = (
            record.id, record.order_id, record.customer_id, "redeemed", record.created_at,
            record.engine_version, record.currency, record.result, applied_json(record.applied),
            deltas_json(record.deltas), record.idempotency_key, record.request_hash,
            record.confirms, None, None,
        )  # fmt: skip
        self._x(cur, _INSERT_REDEMPTION, values)
        return None

    # -- helpers ---------------------------------------------------------------------------

    def _sql(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    def _x(self, cur: Any, sql: str, params: Sequence[Any] = ()) -> Any:
        cur.execute(self._sql(sql), params)
        return cur

    def _many(self, cur: Any, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            cur.executemany(self._sql(sql), rows)

    def _in(self, keys: Sequence[str]) -> tuple[str, list[Any]]:
        return "(" + ", ".join("?" * len(keys)) + ")", list(keys)

    def _values(
        self, cur: Any, keys: Sequence[str], now: int, committed: bool = True
    ) -> dict[str, int]:
        """Committed values plus live holds of ``keys``."""
        if not keys:
            return {}
        clause, params = self._in(keys)
        if committed:
            sql = (
                f"SELECT key, value FROM promotor_counters WHERE key IN {clause} UNION ALL "
                f"SELECT key, n FROM promotor_holds WHERE key IN {clause} AND expires_at > ?"
            )
            rows = self._x(cur, sql, [*params, *params, now]).fetchall()
        else:
            sql = f"SELECT key, n FROM promotor_holds WHERE key IN {clause} AND expires_at > ?"
            rows = self._x(cur, sql, [*params, now]).fetchall()
        out: dict[str, int] = {}
        for key, value in rows:
            out[key] = out.get(key, 0) + int(value)
        return out

    def _redemption_row(self, row: Sequence[Any]) -> StoredRow:
        (id, order_id, customer_id, status, created_at, version, currency, result, applied,
         deltas, idem, request_hash, reservation_id, rolled_back_at, reason,
         rollback_deltas) = row  # fmt: skip
        return StoredRow(
            id=id, kind="redemption", status=status, order_id=order_id,
            customer_id=customer_id, created_at=int(created_at), engine_version=version,
            currency=currency, result=result, deltas=deltas_from_json(deltas),
            applied=applied_from_json(applied),
            idempotency_key=idem, request_hash=request_hash, reservation_id=reservation_id,
            rolled_back_at=None if rolled_back_at is None else int(rolled_back_at),
            reason=reason,
            rollback_deltas=None if rollback_deltas is None else deltas_from_json(rollback_deltas),
        )  # fmt: skip

    def _reservation_row_of(self, row: Sequence[Any]) -> StoredRow:
        (id, status, order_id, customer_id, created_at, expires_at, version, currency,
         request, result, applied, deltas, redemption_id) = row  # fmt: skip
        return StoredRow(
            id=id, kind="reservation", status=status, order_id=order_id,
            customer_id=customer_id, created_at=int(created_at), engine_version=version,
            currency=currency, result=result, deltas=deltas_from_json(deltas),
            applied=applied_from_json(applied), request=request,
            expires_at=int(expires_at), redemption_id=redemption_id,
        )  # fmt: skip

    def _redemption_by(self, cur: Any, column: str, value: str) -> StoredRow | None:
        row = self._x(
            cur, f"SELECT {_REDEMPTION_READ} FROM promotor_redemptions WHERE {column} = ?", (value,)
        ).fetchone()
        return None if row is None else self._redemption_row(row)

    def _audit_insert(
        self, cur: Any, at: int, action: str, id: str, version: str, detail: str
    ) -> None:
        self._x(
            cur,
            "INSERT INTO promotor_audit (at, action, id, engine_version, detail) "
            "VALUES (?, ?, ?, ?, ?)",
            (at, action, id, version, detail),
        )

    def _sweep(self, cur: Any, now: int) -> None:
        """Expired reservations give their holds up (they already count for nothing)."""
        self._x(cur, "DELETE FROM promotor_holds WHERE expires_at <= ?", (now,))
        self._x(
            cur,
            "UPDATE promotor_reservations SET status = 'expired' "
            "WHERE status = 'held' AND expires_at <= ?",
            (now,),
        )

    def _for_update(self) -> str:
        return ""

    def _add_to_counters(self, cur: Any, rows: Sequence[tuple[str, int]]) -> None:
        """Add ``(key, n)`` to the committed counters, creating the missing ones."""
        self._many(
            cur,
            "INSERT INTO promotor_counters (key, value) VALUES (?, ?) ON CONFLICT (key) "
            "DO UPDATE SET value = promotor_counters.value + excluded.value",
            rows,
        )

    def _redemption_for_update(self, cur: Any, redemption_id: str) -> StoredRow:
        """The redemption ``redemption_id``, locked for this write transaction."""
        found = self._x(
            cur,
            "SELECT status FROM promotor_redemptions WHERE id = ?" + self._for_update(),
            (redemption_id,),
        ).fetchone()
        if found is None:
            raise not_found("redemption", redemption_id)
        row = self._redemption_by(cur, "id", redemption_id)
        assert row is not None
        return row


class DuplicateKey(Exception):
    """A bulk insert met a code key already taken: the transaction rolls back."""


class _Rollback(Exception):
    """Ends a write transaction without writing, carrying the answer."""

    def __init__(self, answer: Any) -> None:
        super().__init__()
        self.answer = answer
