"""The SQL stores' programme state: entries applied with their deltas, families read as key
ranges, rollbacks of entries, the event outbox and its cursors, customer identities."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from promotor.events import Event, Pending
from promotor.redemption import Delta, from_micros
from promotor.stores._sql.core import (
    _ENTRY,
    Busy,
    SqlCore,
    _Rollback,
)
from promotor.stores.records import (
    Conflict,
    Entry,
    StoredRow,
    deltas_from_json,
    deltas_json,
    holds,
)

if TYPE_CHECKING:
    from promotor.stores.records import Rollback


class SqlPrograms(SqlCore):
    """Programme state on the shared transactions."""

    #: One writer at a time (SQLite): a transaction's events get consecutive ids.
    _contiguous_ids = False

    def _events_lock(self, cur: Any) -> None:
        """Called before appending events: a backend whose ids could become visible out of
        order (PostgreSQL's sequences) serialises appenders here."""

    def _append(self, cur: Any, pending: Sequence[Pending], now: int) -> list[int]:
        if not pending:
            return []
        self._events_lock(cur)
        if self._contiguous_ids:
            self._many(
                cur,
                "INSERT INTO promotor_events (type, customer_id, payload, created_at) "
                "VALUES (?, ?, ?, ?)",
                [(t, c, p, now) for t, c, p in pending],
            )
            last = int(self._x(cur, "SELECT max(id) FROM promotor_events").fetchone()[0])
            return list(range(last - len(pending) + 1, last + 1))
        ids = []
        for t, c, p in pending:
            row = self._x(
                cur,
                "INSERT INTO promotor_events (type, customer_id, payload, created_at) "
                "VALUES (?, ?, ?, ?) RETURNING id",
                (t, c, p, now),
            ).fetchone()
            ids.append(int(row[0]))
        return ids

    def _identities(self, cur: Any, identities: Sequence[tuple[str, str] | None]) -> None:
        rows = [i for i in identities if i is not None]
        self._many(
            cur,
            "INSERT INTO promotor_customers (id, email) VALUES (?, ?) ON CONFLICT DO NOTHING",
            rows,
        )

    def _entry_of(self, row: Sequence[Any]) -> Entry:
        id, kind, customer_id, created_at, key, deltas, detail = row
        return Entry(
            id=id, kind=kind, customer_id=customer_id, created_at=int(created_at),
            idempotency_key=key, deltas=deltas_from_json(deltas), detail=detail,
        )  # fmt: skip

    #: ``key`` compared byte by byte (a backend whose default collation is not binary says
    #: how, with an index that serves it).
    _bytewise = "key"

    def _range(self, families: Sequence[str]) -> tuple[str, list[Any]]:
        """A condition on ``key`` selecting every member of ``families``."""
        k = self._bytewise
        clause = " OR ".join(f"({k} >= ? AND {k} < ?)" for _ in families)
        params: list[Any] = []
        for f in families:
            params += [f + "#", f + "$"]  # "$" sorts right after "#"
        return clause, params

    def _read_families(
        self, keys: Sequence[str], families: Sequence[str], now: int
    ) -> dict[str, int]:
        with self._read_only() as cur:
            out = {k: v for k, v in self._values(cur, keys, now).items() if v}
            # In parts: an import reads thousands of families, more than one statement takes.
            for i in range(0, len(families), 100):
                clause, params = self._range(families[i : i + 100])
                sql = (
                    f"SELECT key, value FROM promotor_counters WHERE {clause} UNION ALL "
                    f"SELECT key, n FROM promotor_holds WHERE ({clause}) AND expires_at > ?"
                )
                for key, value in self._x(cur, sql, [*params, *params, now]).fetchall():
                    out[key] = out.get(key, 0) + int(value)
            return {k: v for k, v in out.items() if v}

    def _check(self, cur: Any, deltas: Sequence[Delta], now: int) -> bool:
        """Whether every delta holds, in order, on the locked latest values."""
        keys = sorted({d[0] for d in deltas})
        if not keys:
            return True
        committed = self._lock(cur, keys)
        held = self._values(cur, keys, now, committed=False)
        seen: dict[str, int] = {}
        for d in deltas:
            value = seen.get(d[0], committed.get(d[0], 0) + held.get(d[0], 0))
            if not holds(value, d):
                return False
            seen[d[0]] = value + d[1]
        return True

    def _apply(self, entries: Sequence[Entry]) -> list[bool] | Conflict:
        try:
            with self._write() as cur:
                keys = [e.idempotency_key for e in entries if e.idempotency_key is not None]
                taken: set[str] = set()
                for i in range(0, len(keys), 500):
                    part = keys[i : i + 500]
                    clause, params = self._in(part)
                    taken.update(
                        r[0]
                        for r in self._x(
                            cur,
                            "SELECT idempotency_key FROM promotor_entries "
                            f"WHERE idempotency_key IN {clause}",
                            params,
                        ).fetchall()
                    )
                applied = []
                fresh: list[Entry] = []
                for e in entries:
                    ok = e.idempotency_key is None or e.idempotency_key not in taken
                    if ok and e.idempotency_key is not None:
                        taken.add(e.idempotency_key)
                    applied.append(ok)
                    if ok:
                        fresh.append(e)
                now = max((e.created_at for e in fresh), default=0)
                if not self._check(cur, [d for e in fresh for d in e.deltas], now):
                    raise _Rollback("conflict")
                totals: dict[str, int] = {}
                for e in fresh:
                    for k, n, _, _ in e.deltas:
                        totals[k] = totals.get(k, 0) + n
                self._add_to_counters(cur, list(totals.items()))
                self._many(
                    cur,
                    f"INSERT INTO promotor_entries ({_ENTRY}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (e.id, e.kind, e.customer_id, e.created_at, e.idempotency_key,
                         deltas_json(e.deltas), e.detail)
                        for e in fresh
                    ],
                )  # fmt: skip
                self._identities(cur, [e.identity for e in fresh])
                ids = self._append(cur, [x for e in fresh for x in e.events], now)
                for e in fresh:
                    e.event_ids, ids = ids[: len(e.events)], ids[len(e.events) :]
                return applied
        except _Rollback as stop:
            return stop.answer  # type: ignore[no-any-return]
        except Busy:
            return "conflict"

    def _entry(self, idempotency_key: str) -> Entry | None:
        with self._read_only() as cur:
            row = self._x(
                cur, f"SELECT {_ENTRY} FROM promotor_entries WHERE idempotency_key = ?",
                (idempotency_key,),
            ).fetchone()  # fmt: skip
            return None if row is None else self._entry_of(row)

    def _entries_of(self, customer_id: str | None = None, kind: str | None = None) -> list[Entry]:
        sql = f"SELECT {_ENTRY} FROM promotor_entries WHERE 1 = 1"
        params: list[Any] = []
        if customer_id is not None:
            sql += " AND customer_id = ?"
            params.append(customer_id)
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
        with self._read_only() as cur:
            rows = self._x(cur, sql + " ORDER BY created_at, id", params).fetchall()
            return [self._entry_of(r) for r in rows]

    def _rollback_with(self, rollback: Rollback) -> tuple[StoredRow, list[int]] | Conflict:
        rid, reason, now, deltas = (
            rollback.redemption_id, rollback.reason, rollback.now, rollback.deltas
        )  # fmt: skip
        try:
            with self._write() as cur:
                row = self._redemption_for_update(cur, rid)
                if row.status != "redeemed":
                    return row, []
                if not self._check(cur, deltas, now):
                    raise _Rollback("conflict")
                totals: dict[str, int] = {}
                for k, n, _, _ in deltas:
                    totals[k] = totals.get(k, 0) + n
                self._add_to_counters(cur, list(totals.items()))
                self._x(
                    cur,
                    "UPDATE promotor_redemptions SET status = 'rolled_back', rolled_back_at = ?, "
                    "reason = ?, rollback_deltas = ? WHERE id = ?",
                    (now, reason, deltas_json(deltas), rid),
                )
                detail = json.dumps({"reason": reason})
                self._audit_insert(cur, now, "rollback", rid, row.engine_version, detail)
                ids = self._append(cur, rollback.events, now)
                row.status, row.rolled_back_at, row.reason = "rolled_back", now, reason
                row.rollback_deltas = list(deltas)
                return row, ids
        except _Rollback as stop:
            return stop.answer  # type: ignore[no-any-return]
        except Busy:
            return "conflict"

    def _events(self, after: int | None, limit: int) -> list[Event]:
        with self._read_only() as cur:
            rows = self._x(
                cur,
                "SELECT id, type, customer_id, payload, created_at FROM promotor_events "
                "WHERE id > ? ORDER BY id LIMIT ?",
                (after or 0, limit),
            ).fetchall()
            return [
                Event(id=int(i), type=t, customer_id=c, payload=json.loads(p),
                      created_at=from_micros(int(at)))
                for i, t, c, p, at in rows
            ]  # fmt: skip

    def _cursor(self, consumer: str) -> int | None:
        with self._read_only() as cur:
            row = self._x(
                cur, "SELECT event_id FROM promotor_cursors WHERE consumer = ?", (consumer,)
            ).fetchone()
            return None if row is None else int(row[0])

    def _set_cursor(self, consumer: str, event_id: int) -> None:
        with self._write() as cur:
            self._x(
                cur,
                "INSERT INTO promotor_cursors (consumer, event_id) VALUES (?, ?) "
                "ON CONFLICT (consumer) DO UPDATE SET event_id = excluded.event_id "
                "WHERE excluded.event_id > promotor_cursors.event_id",
                (consumer, event_id),
            )

    def _customer_ids(self, emails: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        with self._read_only() as cur:
            for i in range(0, len(emails), 500):
                clause, params = self._in(emails[i : i + 500])
                for cid, email in self._x(
                    cur, f"SELECT id, email FROM promotor_customers WHERE email IN {clause}",
                    params,
                ).fetchall():  # fmt: skip
                    out[email] = cid
        return out

    def _family_names(self, prefix: str) -> list[str]:
        with self._read_only() as cur:
            rows = self._x(
                cur,
                f"SELECT key FROM promotor_counters WHERE {self._bytewise} >= ? "
                f"AND {self._bytewise} < ?",
                (prefix, prefix + "\U0010ffff"),
            ).fetchall()
        return sorted({k.partition("#")[0] for (k,) in rows if "#" in k})
