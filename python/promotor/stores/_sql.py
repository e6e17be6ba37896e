"""What the SQL stores (SQLite, PostgreSQL) share: the schema, its migrations, and every
transaction, written once with ``?`` placeholders. A backend supplies connections, the
placeholder, how a write transaction begins and how it locks the counters it checks.

Tables (prefix ``promotor_``): ``meta`` (schema version), ``counters`` (committed values),
``holds`` (what live reservations hold, per counter, until ``expires_at``), ``redemptions``
(the ledger: each with its result, its applied campaigns and its deltas as JSON; the counters
are the sum of the deltas of redemptions not rolled back, which ``verify`` checks),
``reservations`` and ``audit``. Times are microseconds since the epoch (UTC). A redemption
writes one row, its counters and one audit row, so a commit touches few pages (ids are
time-ordered, so rows append).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from promotor.errors import NotFoundError, StoreError
from promotor.events import Event, Pending
from promotor.redemption import Delta, from_micros
from promotor.stores.base import (
    Conflict,
    Dump,
    Entry,
    Record,
    Store,
    StoredRow,
    applied_from_json,
    applied_json,
    audit_detail,
    deltas_from_json,
    deltas_json,
    holds,
)

if TYPE_CHECKING:
    from promotor.pools import Batch, PoolRow

#: Migrations by the version they bring the schema to; ``{serial}``, ``{big}`` and
#: ``{without_rowid}`` are the backend's auto-increment key, 64-bit integer type and clustered
#: table option (SQLite keeps such a table in its primary key's B-tree alone).
MIGRATIONS: dict[int, list[str]] = {
    1: [
        "CREATE TABLE promotor_counters (key TEXT PRIMARY KEY, value {big} NOT NULL)"
        "{without_rowid}",
        "CREATE TABLE promotor_holds (reservation_id TEXT NOT NULL, key TEXT NOT NULL,"
        " n {big} NOT NULL, expires_at {big} NOT NULL, PRIMARY KEY (reservation_id, key))",
        "CREATE INDEX promotor_holds_key ON promotor_holds (key, expires_at)",
        "CREATE INDEX promotor_holds_expiry ON promotor_holds (expires_at)",
        "CREATE TABLE promotor_redemptions (id TEXT PRIMARY KEY, order_id TEXT,"
        " customer_id TEXT, status TEXT NOT NULL, created_at {big} NOT NULL,"
        " engine_version TEXT NOT NULL, currency TEXT NOT NULL, result TEXT NOT NULL,"
        " applied TEXT NOT NULL, deltas TEXT NOT NULL, idempotency_key TEXT,"
        " request_hash TEXT, reservation_id TEXT, rolled_back_at {big}, reason TEXT)"
        "{without_rowid}",
        # Partial: most redemptions have neither, and need not be in these indexes.
        "CREATE UNIQUE INDEX promotor_redemptions_key ON promotor_redemptions (idempotency_key)"
        " WHERE idempotency_key IS NOT NULL",
        "CREATE UNIQUE INDEX promotor_redemptions_reservation ON promotor_redemptions"
        " (reservation_id) WHERE reservation_id IS NOT NULL",
        "CREATE TABLE promotor_reservations (id TEXT PRIMARY KEY, status TEXT NOT NULL,"
        " order_id TEXT, customer_id TEXT, created_at {big} NOT NULL,"
        " expires_at {big} NOT NULL, engine_version TEXT NOT NULL, currency TEXT NOT NULL,"
        " request TEXT NOT NULL, result TEXT NOT NULL, applied TEXT NOT NULL,"
        " deltas TEXT NOT NULL, redemption_id TEXT)",
        "CREATE INDEX promotor_reservations_expiry ON promotor_reservations (status, expires_at)",
        "CREATE TABLE promotor_audit (seq {serial}, at {big} NOT NULL, action TEXT NOT NULL,"
        " id TEXT NOT NULL, engine_version TEXT NOT NULL, detail TEXT NOT NULL)",
    ],
    # Programmes and events (DESIGN section 10): what a rollback applied, ledger entries
    # that are not redemptions, the outbox, identities and webhook cursors.
    2: [
        "ALTER TABLE promotor_redemptions ADD COLUMN rollback_deltas TEXT",
        "CREATE TABLE promotor_entries (id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
        " customer_id TEXT, created_at {big} NOT NULL, idempotency_key TEXT,"
        " deltas TEXT NOT NULL, detail TEXT NOT NULL){without_rowid}",
        "CREATE UNIQUE INDEX promotor_entries_key ON promotor_entries (idempotency_key)"
        " WHERE idempotency_key IS NOT NULL",
        "CREATE INDEX promotor_entries_customer ON promotor_entries (customer_id)",
        "CREATE TABLE promotor_events (id {serial}, type TEXT NOT NULL, customer_id TEXT,"
        " payload TEXT NOT NULL, created_at {big} NOT NULL)",
        "CREATE TABLE promotor_customers (id TEXT PRIMARY KEY, email TEXT NOT NULL){without_rowid}",
        "CREATE UNIQUE INDEX promotor_customers_email ON promotor_customers (email)",
        "CREATE TABLE promotor_cursors (consumer TEXT PRIMARY KEY, event_id {big} NOT NULL)",
    ],
    # Code pools (DESIGN section 9): one row per code, found by its normalised key; codes of a
    # campaign in the order added; free ones by the same order (what assign_code takes);
    # a customer's; and each pool's counts, kept with the rows (verify compares them).
    3: [
        "CREATE TABLE promotor_codes (seq {serial}, key TEXT NOT NULL, campaign_id TEXT NOT NULL,"
        " code TEXT NOT NULL, customer_id TEXT, assigned_at {big})",
        "CREATE UNIQUE INDEX promotor_codes_key ON promotor_codes (key)",
        "CREATE INDEX promotor_codes_campaign ON promotor_codes (campaign_id, seq)",
        "CREATE INDEX promotor_codes_free ON promotor_codes (campaign_id, seq)"
        " WHERE customer_id IS NULL",
        "CREATE INDEX promotor_codes_customer ON promotor_codes (customer_id, seq)"
        " WHERE customer_id IS NOT NULL",
        "CREATE TABLE promotor_pools (campaign_id TEXT PRIMARY KEY, codes {big} NOT NULL,"
        " assigned {big} NOT NULL)",
    ],
}

#: The newest step this promotor knows.
SCHEMA_VERSION = max(MIGRATIONS)


def pending_steps(meta: dict[str, str]) -> tuple[set[int], list[int]]:
    """The migration steps a database has applied (``promotor_meta`` rows ``step:N``; a
    database from before steps were recorded has applied 1 to its ``schema_version``) and
    those still to apply, in order. Steps are recorded one by one, so steps numbered apart by
    separate features apply in any order of landing. Raises :class:`StoreError` for a step this
    promotor does not know."""
    done = {int(name[5:]) for name in meta if name.startswith("step:")}
    if not done and "schema_version" in meta:
        done = set(range(1, int(meta["schema_version"]) + 1))
    unknown = sorted(done - set(MIGRATIONS))
    if unknown:
        raise StoreError(
            f"the database has schema step(s) {unknown}, newer than this promotor's "
            f"{sorted(MIGRATIONS)}: upgrade promotor"
        )
    return done, [n for n in sorted(MIGRATIONS) if n not in done]


def migrate(conn: Any, placeholder: str, formats: dict[str, str]) -> None:
    """Apply the pending steps on ``conn`` (inside the caller's transaction and lock)."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS promotor_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
    )
    meta = dict(conn.execute("SELECT name, value FROM promotor_meta").fetchall())
    done, todo = pending_steps(meta)
    upsert = (
        "INSERT INTO promotor_meta (name, value) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
    ).replace("?", placeholder)
    for step in todo:
        for statement in MIGRATIONS[step]:
            conn.execute(statement.format(**formats))
        done.add(step)
    if todo or not any(n.startswith("step:") for n in meta):
        for step in sorted(done):
            conn.execute(upsert, (f"step:{step}", "1"))
        conn.execute(upsert, ("schema_version", str(max(done))))


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


class SqlStore(Store):
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
            self._many(
                cur,
                "INSERT INTO promotor_counters (key, value) VALUES (?, ?) ON CONFLICT (key) "
                "DO UPDATE SET value = promotor_counters.value + excluded.value",
                [(k, n) for k, n, _, _ in record.deltas],
            )
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
            raise NotFoundError(
                [{"loc": ("reservation_id",), "msg": f"no reservation {reservation_id!r}"}]
            )
        return self._reservation_row_of(row)

    def _for_update(self) -> str:
        return ""

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
            self._many(
                cur,
                "INSERT INTO promotor_counters (key, value) VALUES (?, ?) ON CONFLICT (key) "
                "DO UPDATE SET value = promotor_counters.value + excluded.value",
                [(k, n) for k, n, _, _ in row.deltas],
            )
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
            found = self._x(
                cur,
                "SELECT status FROM promotor_redemptions WHERE id = ?" + self._for_update(),
                (redemption_id,),
            ).fetchone()
            if found is None:
                raise NotFoundError(
                    [{"loc": ("redemption_id",), "msg": f"no redemption {redemption_id!r}"}]
                )
            row = self._redemption_by(cur, "id", redemption_id)
            assert row is not None
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

    # -- pools (promotor.pools) -------------------------------------------------------------

    def _bulk_insert(self, cur: Any, campaign_id: str, batch: Batch) -> None:
        """Insert one batch of codes; :class:`DuplicateKey` when a key is taken."""
        raise NotImplementedError

    def _assign_lock(self, cur: Any, campaign_id: str, customer_id: str) -> None:
        """Serialises assignments to one customer of one pool (SQLite's one writer already
        does)."""

    def _skip_locked(self) -> str:
        return ""

    def _lookup_codes(self, keys: Sequence[str]) -> dict[str, PoolRow]:
        out: dict[str, PoolRow] = {}
        if not keys:
            return out
        with self._read_only() as cur:
            for at in range(0, len(keys), 500):
                clause, params = self._in(keys[at : at + 500])
                rows = self._x(
                    cur,
                    "SELECT key, campaign_id, code, customer_id FROM promotor_codes "
                    f"WHERE key IN {clause}",
                    params,
                ).fetchall()
                for key, campaign_id, code, customer_id in rows:
                    out[key] = (campaign_id, code, customer_id)
        return out

    def _insert_codes(self, campaign_id: str, batches: Iterator[Batch]) -> int | None:
        try:
            with self._write() as cur:
                n = assigned = 0
                for b in batches:
                    self._bulk_insert(cur, campaign_id, b)
                    n += len(b.keys)
                    assigned += sum(c is not None for c in b.customers)
                self._x(
                    cur,
                    "INSERT INTO promotor_pools (campaign_id, codes, assigned) VALUES (?, ?, ?) "
                    "ON CONFLICT (campaign_id) DO UPDATE SET codes = promotor_pools.codes + "
                    "excluded.codes, assigned = promotor_pools.assigned + excluded.assigned",
                    (campaign_id, n, assigned),
                )
                return n
        except DuplicateKey:
            return None

    def _pool_keys(self, campaign_id: str) -> list[str]:
        with self._read_only() as cur:
            rows = self._x(
                cur, "SELECT key FROM promotor_codes WHERE campaign_id = ?", (campaign_id,)
            ).fetchall()
        return [k for (k,) in rows]

    def _pool_rows(self, campaign_id: str) -> Iterator[list[tuple[str, str | None, int | None]]]:
        from promotor.pools import CHUNK

        after = -1
        while True:
            with self._read_only() as cur:
                rows = self._x(
                    cur,
                    "SELECT seq, code, customer_id, assigned_at FROM promotor_codes "
                    f"WHERE campaign_id = ? AND seq > ? ORDER BY seq LIMIT {CHUNK}",
                    (campaign_id, after),
                ).fetchall()
            if not rows:
                return
            after = rows[-1][0]
            yield [(c, w, None if a is None else int(a)) for _, c, w, a in rows]

    def _pool_counts(self, campaign_ids: Sequence[str] | None) -> dict[str, tuple[int, int]]:
        with self._read_only() as cur:
            sql = "SELECT campaign_id, codes, assigned FROM promotor_pools"
            params: list[Any] = []
            if campaign_ids is not None:
                if not campaign_ids:
                    return {}
                clause, params = self._in(campaign_ids)
                sql += f" WHERE campaign_id IN {clause}"
            rows = self._x(cur, sql, params).fetchall()
        return {c: (int(n), int(a)) for c, n, a in rows}

    def _assign(self, campaign_id: str, customer_id: str, now: int) -> tuple[str, bool] | None:
        for _ in range(64):
            try:
                with self._write() as cur:
                    return self._assign_in(cur, campaign_id, customer_id, now)
            except Busy:
                continue
        raise StoreError("assign_code kept meeting locks; try again")

    def _assign_in(
        self, cur: Any, campaign_id: str, customer_id: str, now: int
    ) -> tuple[str, bool] | None:
        self._assign_lock(cur, campaign_id, customer_id)
        held = self._x(
            cur,
            "SELECT code FROM promotor_codes WHERE customer_id = ? AND campaign_id = ? "
            "ORDER BY seq LIMIT 1",
            (customer_id, campaign_id),
        ).fetchone()
        if held is not None:
            return str(held[0]), False
        free = self._x(
            cur,
            "SELECT seq, code FROM promotor_codes WHERE campaign_id = ? AND customer_id IS NULL "
            "ORDER BY seq LIMIT 1" + self._skip_locked(),
            (campaign_id,),
        ).fetchone()
        if free is None:
            return None
        seq, code = free
        self._x(
            cur,
            "UPDATE promotor_codes SET customer_id = ?, assigned_at = ? WHERE seq = ?",
            (customer_id, now, seq),
        )
        self._x(
            cur,
            "UPDATE promotor_pools SET assigned = assigned + 1 WHERE campaign_id = ?",
            (campaign_id,),
        )
        detail = json.dumps({"campaign_id": campaign_id, "customer_id": customer_id})
        self._audit_insert(cur, now, "assign", code, "", detail)
        return str(code), True

    def _codes_of(self, customer_id: str) -> list[tuple[str, str, str]]:
        with self._read_only() as cur:
            rows = self._x(
                cur,
                "SELECT campaign_id, key, code FROM promotor_codes WHERE customer_id = ? "
                "ORDER BY seq",
                (customer_id,),
            ).fetchall()
        return [(c, k, code) for c, k, code in rows]

    def _pool_problems(self) -> list[str]:
        with self._read_only() as cur:
            rows = self._x(
                cur,
                "SELECT campaign_id, COUNT(*), COUNT(customer_id) FROM promotor_codes "
                "GROUP BY campaign_id",
            ).fetchall()
            have = {c: (int(n), int(a)) for c, n, a in rows}
        counts = self._pool_counts(None)
        return [
            f"pool {c!r} counts {counts.get(c, (0, 0))} (codes, assigned) but holds "
            f"{have.get(c, (0, 0))}"
            for c in sorted(set(have) | set(counts))
            if have.get(c, (0, 0)) != counts.get(c, (0, 0))
        ]

    # -- programmes and events -------------------------------------------------------------

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
                self._many(
                    cur,
                    "INSERT INTO promotor_counters (key, value) VALUES (?, ?) ON CONFLICT (key) "
                    "DO UPDATE SET value = promotor_counters.value + excluded.value",
                    list(totals.items()),
                )
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

    def _rollback_with(
        self,
        redemption_id: str,
        reason: str | None,
        now: int,
        deltas: Sequence[Delta],
        events: Sequence[Pending],
    ) -> tuple[StoredRow, list[int]] | Conflict:
        try:
            with self._write() as cur:
                found = self._x(
                    cur,
                    "SELECT status FROM promotor_redemptions WHERE id = ?" + self._for_update(),
                    (redemption_id,),
                ).fetchone()
                if found is None:
                    raise NotFoundError(
                        [{"loc": ("redemption_id",), "msg": f"no redemption {redemption_id!r}"}]
                    )
                row = self._redemption_by(cur, "id", redemption_id)
                assert row is not None
                if row.status != "redeemed":
                    return row, []
                if not self._check(cur, deltas, now):
                    raise _Rollback("conflict")
                totals: dict[str, int] = {}
                for k, n, _, _ in deltas:
                    totals[k] = totals.get(k, 0) + n
                self._many(
                    cur,
                    "INSERT INTO promotor_counters (key, value) VALUES (?, ?) ON CONFLICT (key) "
                    "DO UPDATE SET value = promotor_counters.value + excluded.value",
                    list(totals.items()),
                )
                self._x(
                    cur,
                    "UPDATE promotor_redemptions SET status = 'rolled_back', rolled_back_at = ?, "
                    "reason = ?, rollback_deltas = ? WHERE id = ?",
                    (now, reason, deltas_json(deltas), redemption_id),
                )
                detail = json.dumps({"reason": reason})
                self._audit_insert(cur, now, "rollback", redemption_id, row.engine_version, detail)
                ids = self._append(cur, events, now)
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


class DuplicateKey(Exception):
    """A bulk insert met a code key already taken: the transaction rolls back."""


class _Rollback(Exception):
    """Ends a write transaction without writing, carrying the answer."""

    def __init__(self, answer: Any) -> None:
        super().__init__()
        self.answer = answer
