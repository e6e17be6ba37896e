"""The SQL stores' code pools (``promotor.pools``): bulk inserts, lookups, assignment."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from promotor.errors import StoreError
from promotor.stores._sql.core import (
    Busy,
    DuplicateKey,
    SqlCore,
)

if TYPE_CHECKING:
    from promotor.pools import Batch, PoolRow


class SqlPools(SqlCore):
    """Code pools on the shared transactions."""

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

    def _pool_holdings(self, campaign_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        # Every pool with rows, counted in one query (rows without counts are a problem too).
        with self._read_only() as cur:
            rows = self._x(
                cur,
                "SELECT campaign_id, COUNT(*), COUNT(customer_id) FROM promotor_codes "
                "GROUP BY campaign_id",
            ).fetchall()
        return {c: (int(n), int(a)) for c, n, a in rows}
