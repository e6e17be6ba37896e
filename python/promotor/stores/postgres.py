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

import json
import os
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from promotor.errors import InputError, StoreError
from promotor.stores._sql import Busy, DuplicateKey, SqlStore, migrate
from promotor.stores.records import (
    Conflict,
    Record,
    StoredRow,
    applied_json,
    audit_detail,
    deltas_json,
)

if TYPE_CHECKING:
    from promotor.pools import Batch, PoolRow

__all__ = ["PostgresStore"]

#: ``SqlStore._commit_in`` in one server-side function (one round trip per commit). Each of its
#: statements reads the latest committed rows (READ COMMITTED), so the bounds are checked on
#: the values the row locks protect. Answers ``ok``, ``conflict`` or ``existing:<id>``.
_COMMIT_FUNCTION = """
CREATE OR REPLACE FUNCTION promotor_commit_v2(r jsonb) RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
  d jsonb;
  cur bigint;
  held bigint;
  after bigint;
  found_id text;
  st text;
  now_us bigint := (r->>'now')::bigint;
  keys text[];
  ev jsonb;
  ids text := '';
  new_id bigint;
BEGIN
  IF r->>'idempotency_key' IS NOT NULL THEN
    SELECT id INTO found_id FROM promotor_redemptions
      WHERE idempotency_key = r->>'idempotency_key';
    IF found_id IS NOT NULL THEN RETURN 'existing:' || found_id; END IF;
  END IF;
  IF r->>'confirms' IS NOT NULL THEN
    SELECT status, redemption_id INTO st, found_id FROM promotor_reservations
      WHERE id = r->>'confirms';
    IF st = 'confirmed' THEN RETURN 'existing:' || found_id; END IF;
  END IF;
  SELECT array_agg(k ORDER BY k) INTO keys
    FROM (SELECT DISTINCT e->>0 AS k FROM jsonb_array_elements(r->'deltas') e) s;
  IF keys IS NOT NULL THEN
    INSERT INTO promotor_counters (key, value) SELECT k, 0 FROM unnest(keys) AS k
      ON CONFLICT (key) DO NOTHING;
    PERFORM 1 FROM promotor_counters WHERE key = ANY(keys) ORDER BY key FOR UPDATE;
    FOR d IN SELECT e FROM jsonb_array_elements(r->'deltas') e LOOP
      SELECT value INTO cur FROM promotor_counters WHERE key = d->>0;
      SELECT COALESCE(SUM(n), 0) INTO held FROM promotor_holds
        WHERE key = d->>0 AND expires_at > now_us;
      after := cur + held + (d->>1)::bigint;
      IF (jsonb_typeof(d->2) = 'number' AND after > (d->>2)::bigint)
         OR (jsonb_typeof(d->3) = 'number' AND after < (d->>3)::bigint) THEN
        RETURN 'conflict';
      END IF;
    END LOOP;
  END IF;
  IF r->>'kind' = 'redemption' THEN
    INSERT INTO promotor_redemptions (id, order_id, customer_id, status, created_at,
        engine_version, currency, result, applied, deltas, idempotency_key, request_hash,
        reservation_id)
      VALUES (r->>'id', r->>'order_id', r->>'customer_id', 'redeemed', now_us,
        r->>'engine_version', r->>'currency', r->>'result', r->>'applied', r->>'deltas_json',
        r->>'idempotency_key', r->>'request_hash', r->>'confirms')
      ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
      -- A concurrent call with the same key (or confirming the same reservation) won.
      SELECT id INTO found_id FROM promotor_redemptions
        WHERE idempotency_key = r->>'idempotency_key' OR reservation_id = r->>'confirms';
      RETURN 'existing:' || COALESCE(found_id, '');
    END IF;
    UPDATE promotor_counters c SET value = c.value + x.n
      FROM (SELECT e->>0 AS key, SUM((e->>1)::bigint) AS n
            FROM jsonb_array_elements(r->'deltas') e GROUP BY 1) x
      WHERE c.key = x.key;
    IF r->>'confirms' IS NOT NULL THEN
      UPDATE promotor_reservations SET status = 'confirmed', redemption_id = r->>'id'
        WHERE id = r->>'confirms';
      DELETE FROM promotor_holds WHERE reservation_id = r->>'confirms';
    END IF;
  ELSE
    DELETE FROM promotor_holds WHERE expires_at <= now_us;
    UPDATE promotor_reservations SET status = 'expired'
      WHERE status = 'held' AND expires_at <= now_us;
    INSERT INTO promotor_holds (reservation_id, key, n, expires_at)
      SELECT r->>'id', e->>0, (e->>1)::bigint, (r->>'expires_at')::bigint
      FROM jsonb_array_elements(r->'deltas') e;
    INSERT INTO promotor_reservations (id, status, order_id, customer_id, created_at,
        expires_at, engine_version, currency, request, result, applied, deltas)
      VALUES (r->>'id', 'held', r->>'order_id', r->>'customer_id', now_us,
        (r->>'expires_at')::bigint, r->>'engine_version', r->>'currency', r->>'request',
        r->>'result', r->>'applied', r->>'deltas_json');
  END IF;
  INSERT INTO promotor_audit (at, action, id, engine_version, detail)
    VALUES (now_us, r->>'action', r->>'id', r->>'engine_version', r->>'audit');
  IF jsonb_array_length(COALESCE(r->'events', '[]'::jsonb)) > 0 THEN
    -- Ids must become visible in order: appenders take turns until they commit.
    PERFORM pg_advisory_xact_lock(hashtext('promotor_events'));
    FOR ev IN SELECT e FROM jsonb_array_elements(r->'events') e LOOP
      INSERT INTO promotor_events (type, customer_id, payload, created_at)
        VALUES (ev->>0, ev->>1, ev->>2, now_us) RETURNING id INTO new_id;
      ids := ids || ',' || new_id;
    END LOOP;
  END IF;
  IF r->'identity' IS NOT NULL AND jsonb_typeof(r->'identity') = 'array' THEN
    INSERT INTO promotor_customers (id, email) VALUES (r->'identity'->>0, r->'identity'->>1)
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN 'ok' || ids;
END
$fn$
"""

_OPTIONS = ("schema", "pool_min", "pool_max", "timeout")


def _split(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    ours = {k: v for k, v in query if k in _OPTIONS}
    rest = [(k, v) for k, v in query if k not in _OPTIONS]
    return urlunsplit(parts._replace(query=urlencode(rest))), ours


class PostgresStore(SqlStore):
    placeholder = "%s"
    _bytewise = 'key COLLATE "C"'

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
                migrate(
                    conn,
                    "%s",
                    {"big": "BIGINT", "serial": "BIGSERIAL PRIMARY KEY", "without_rowid": ""},
                )
                # Families are read by key ranges, which need byte order (whatever the
                # database's collation).
                conn.execute(
                    "CREATE INDEX IF NOT EXISTS promotor_counters_bytes ON promotor_counters "
                    '(key COLLATE "C")'
                )
                conn.execute(
                    "CREATE INDEX IF NOT EXISTS promotor_holds_bytes ON promotor_holds "
                    '(key COLLATE "C", expires_at)'
                )
                conn.execute(_COMMIT_FUNCTION)
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

    def _events_lock(self, cur: Any) -> None:
        # Sequence values are taken before commit: without turns, a reader could see id 8
        # committed before id 7 and a webhook cursor would skip 7.
        self._x(cur, "SELECT pg_advisory_xact_lock(hashtext('promotor_events'))")

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

    def _commit(self, record: Record) -> StoredRow | Conflict | None:
        # One statement, so one round trip: the function locks the counters in key order,
        # checks every bound on the latest values and holds, and writes everything or nothing.
        import psycopg
        from psycopg import errors

        payload = {
            "kind": record.kind,
            "id": record.id,
            "now": record.created_at,
            "order_id": record.order_id,
            "customer_id": record.customer_id,
            "engine_version": record.engine_version,
            "currency": record.currency,
            "result": record.result,
            "applied": applied_json(record.applied),
            "deltas_json": deltas_json(record.deltas),
            "deltas": [list(d) for d in record.deltas],
            "idempotency_key": record.idempotency_key,
            "request_hash": record.request_hash,
            "request": record.request,
            "expires_at": record.expires_at,
            "confirms": record.confirms,
            "action": "confirm" if record.confirms else
                      ("redeem" if record.kind == "redemption" else "reserve"),
            "audit": audit_detail(record),
            "events": [list(e) for e in record.events],
            "identity": None if record.identity is None else list(record.identity),
        }  # fmt: skip
        pool = self._pool_()
        try:
            with pool.connection() as conn:
                conn.autocommit = True
                try:
                    row = conn.execute(
                        "SELECT promotor_commit_v2(%s::jsonb)", (json.dumps(payload),)
                    ).fetchone()
                finally:
                    conn.autocommit = False
        except (errors.DeadlockDetected, errors.SerializationFailure, errors.LockNotAvailable):
            return "conflict"
        except psycopg.Error as err:
            raise StoreError(f"PostgreSQL: {err}") from None
        answer: str = row[0]
        if answer.startswith("ok"):
            record.event_ids = [int(i) for i in answer[2:].split(",") if i]
            return None
        if answer == "conflict":
            return "conflict"
        existing = self._row("redemption", answer.split(":", 1)[1])
        if existing is None:
            raise StoreError(f"PostgreSQL: {answer} is missing")
        return existing

    def _bulk_insert(self, cur: Any, campaign_id: str, batch: Batch) -> None:
        from psycopg import errors

        try:
            with cur.copy(
                "COPY promotor_codes (key, campaign_id, code, customer_id) FROM STDIN"
            ) as copy:
                for row in zip(batch.keys, repeat(campaign_id), batch.codes, batch.customers):
                    copy.write_row(row)
        except errors.UniqueViolation:
            raise DuplicateKey() from None

    def _assign_lock(self, cur: Any, campaign_id: str, customer_id: str) -> None:
        # Two calls for one customer must not both take a free code.
        self._x(
            cur,
            "SELECT pg_advisory_xact_lock(hashtextextended(? || chr(31) || ?, 0))",
            (campaign_id, customer_id),
        )

    def _skip_locked(self) -> str:
        # Concurrent calls for different customers take different free codes without waiting.
        return " FOR UPDATE SKIP LOCKED"

    def _lookup_codes(self, keys: Sequence[str]) -> dict[str, PoolRow]:
        if not keys:
            return {}
        with self._read_only() as cur:
            rows = self._x(
                cur,
                "SELECT key, campaign_id, code, customer_id FROM promotor_codes WHERE key = ANY(?)",
                (list(keys),),
            ).fetchall()
        return {k: (c, code, w) for k, c, code, w in rows}

    def close(self) -> None:
        with self._lock_:
            if self._pool is not None and self._pid == os.getpid():
                self._pool.close()
            self._pool = None
