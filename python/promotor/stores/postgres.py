"""``postgresql://user@host:5432/db``: PostgreSQL through psycopg 3 and a connection pool
(``pip install promotor[postgres]``).

One transaction per call. The counters a decision moves are locked in key order
(``SELECT ... FOR UPDATE``), so concurrent calls on one counter queue there and each checks
its bounds on the latest committed values and holds; calls on other counters never wait for
each other. Idempotency keys and confirmations are unique columns, so two concurrent calls
with one key make one redemption.

Query options (removed before connecting): ``schema`` (created if missing; default the
connection's ``search_path``), ``pool_min`` (default 1), ``pool_max`` (default 10),
``timeout`` (seconds to wait for a connection, default 30). The pool is per process, created
again after a fork.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from promotor.errors import InputError, StoreError
from promotor.stores._sql import (
    _REDEMPTION,
    MIGRATIONS,
    SCHEMA_VERSION,
    Busy,
    SqlStore,
    _Rollback,
)
from promotor.stores.base import Record, StoredRow, applied_json

__all__ = ["PostgresStore"]

_OPTIONS = ("schema", "pool_min", "pool_max", "timeout")


def _split(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    ours = {k: v for k, v in query if k in _OPTIONS}
    rest = [(k, v) for k, v in query if k not in _OPTIONS]
    return urlunsplit(parts._replace(query=urlencode(rest))), ours


class PostgresStore(SqlStore):
    placeholder = "%s"

    def __init__(self, url: str) -> None:
        try:
            import psycopg  # noqa: F401
            import psycopg_pool  # noqa: F401
        except ImportError:
            raise StoreError(
                "the PostgreSQL store needs psycopg 3 and psycopg_pool: "
                "pip install 'promotor[postgres]'"
            ) from None
        self.url = url
        self._conninfo, options = _split(url)
        schema = options.get("schema")
        if schema is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", schema):
            raise InputError([{"loc": ("url",), "msg": f"invalid schema name {schema!r}"}])
        self._schema = schema
        try:
            self._min = int(options.get("pool_min", "1"))
            self._max = int(options.get("pool_max", "10"))
            self._timeout = float(options.get("timeout", "30"))
        except ValueError:
            raise InputError(
                [{"loc": ("url",), "msg": "pool_min, pool_max and timeout must be numbers"}]
            ) from None
        self._lock_ = threading.Lock()
        self._pool: Any = None
        self._pid = -1

    # -- connections -----------------------------------------------------------------------

    def _configure(self, conn: Any) -> None:
        if self._schema is not None:
            conn.execute(f'SET search_path TO "{self._schema}"')
        conn.commit()

    def _pool_(self) -> Any:
        pid = os.getpid()
        if self._pool is not None and self._pid == pid:
            return self._pool
        with self._lock_:
            if self._pool is not None and self._pid == pid:
                return self._pool
            import psycopg_pool

            # After a fork the parent's pool is left alone (its sockets belong to the parent).
            pool = psycopg_pool.ConnectionPool(
                self._conninfo,
                min_size=self._min,
                max_size=max(self._max, self._min),
                timeout=self._timeout,
                configure=self._configure,
                open=False,
                name="promotor",
            )
            try:
                pool.open(wait=True, timeout=self._timeout)
            except Exception as err:
                pool.close()
                raise StoreError(
                    f"cannot connect to PostgreSQL at {self._safe_url()}: {err}"
                ) from None
            self._migrate(pool)
            self._pool, self._pid = pool, pid
            return pool

    def _safe_url(self) -> str:
        parts = urlsplit(self._conninfo)
        host = parts.hostname or ""
        return f"{parts.scheme}://{host}{':' + str(parts.port) if parts.port else ''}{parts.path}"

    def _migrate(self, pool: Any) -> None:
        import psycopg

        try:
            with pool.connection() as conn:
                if self._schema is not None:
                    conn.execute("SELECT pg_advisory_xact_lock(hashtext('promotor_schema'))")
                    conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self._schema}"')
                conn.execute("SELECT pg_advisory_xact_lock(hashtext('promotor_migrate'))")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS promotor_meta "
                    "(name TEXT PRIMARY KEY, value TEXT NOT NULL)"
                )
                row = conn.execute(
                    "SELECT value FROM promotor_meta WHERE name = 'schema_version'"
                ).fetchone()
                version = 0 if row is None else int(row[0])
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"the database's schema is version {version}, newer than this "
                        f"promotor's {SCHEMA_VERSION}: upgrade promotor"
                    )
                for target in range(version + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[target]:
                        conn.execute(statement.format(big="BIGINT", serial="BIGSERIAL PRIMARY KEY"))
                    conn.execute(
                        "INSERT INTO promotor_meta (name, value) VALUES ('schema_version', %s) "
                        "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                        (str(target),),
                    )
        except psycopg.Error as err:
            raise StoreError(f"cannot create the schema: {err}") from None

    @contextmanager
    def _write(self) -> Iterator[Any]:
        import psycopg
        from psycopg import errors

        pool = self._pool_()
        try:
            with pool.connection() as conn, conn.cursor() as cur:
                yield cur
        except (errors.DeadlockDetected, errors.SerializationFailure, errors.LockNotAvailable):
            raise Busy() from None
        except psycopg.Error as err:
            raise StoreError(f"PostgreSQL: {err}") from None

    @contextmanager
    def _read_only(self) -> Iterator[Any]:
        import psycopg

        pool = self._pool_()
        try:
            with pool.connection() as conn:
                conn.autocommit = True
                try:
                    with conn.cursor() as cur:
                        yield cur
                finally:
                    conn.autocommit = False
        except psycopg.Error as err:
            raise StoreError(f"PostgreSQL: {err}") from None

    def _in(self, keys: Sequence[str]) -> tuple[str, list[Any]]:
        return "(" + ", ".join("?" * len(keys)) + ")", list(keys)

    def _for_update(self) -> str:
        return " FOR UPDATE"

    def _lock(self, cur: Any, keys: Sequence[str]) -> dict[str, int]:
        # Rows exist before they are locked; locking in key order keeps two calls that share
        # counters from waiting on each other in a cycle.
        self._x(
            cur,
            "INSERT INTO promotor_counters (key, value) SELECT k, 0 FROM unnest(?::text[]) AS k "
            "ON CONFLICT (key) DO NOTHING",
            (list(keys),),
        )
        rows = self._x(
            cur,
            "SELECT key, value FROM promotor_counters WHERE key = ANY(?) ORDER BY key FOR UPDATE",
            (list(keys),),
        ).fetchall()
        return {k: int(v) for k, v in rows}

    def _insert_redemption(self, cur: Any, record: Record) -> StoredRow | None:
        # A concurrent call with the same idempotency key (or confirming the same
        # reservation) commits first: this insert then waits for it and inserts nothing.
        values = (
            record.id, record.order_id, record.customer_id, "redeemed", record.created_at,
            record.engine_version, record.currency, record.result,
            applied_json(record.applied), record.idempotency_key, record.request_hash,
            record.confirms, None, None,
        )  # fmt: skip
        inserted = self._x(
            cur,
            f"INSERT INTO promotor_redemptions ({_REDEMPTION}) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            values,
        ).fetchone()
        if inserted is not None:
            return None
        existing = None
        if record.idempotency_key is not None:
            existing = self._redemption_by(cur, "idempotency_key", record.idempotency_key)
        if existing is None and record.confirms is not None:
            existing = self._redemption_by(cur, "reservation_id", record.confirms)
        if existing is None:
            raise StoreError(f"redemption id {record.id} already exists")
        raise _Rollback(existing)

    def close(self) -> None:
        with self._lock_:
            if self._pool is not None and self._pid == os.getpid():
                self._pool.close()
            self._pool = None
