"""``redis://host:6379/0``: Redis through redis-py (``pip install promotor[redis]``).

Every call is one Lua script, which Redis runs alone: it checks every delta's bound on the
counters (committed value plus live holds) and applies all of them with the records, or
nothing. Keys live under a prefix (``?prefix=name``, default ``promotor``):

``P:c`` (hash: counter key -> committed value), ``P:h:<counter>`` (zset: reservation id ->
expiry) with ``P:hn:<counter>`` (hash: reservation id -> amount held), ``P:r:<id>`` /
``P:rs`` (a redemption's fields; ids by time), ``P:v:<id>`` / ``P:vs`` / ``P:vx``
(reservations; by time; held ones by expiry), ``P:i:<key>`` (idempotency key -> redemption),
``P:a`` (the audit log, JSON lines), ``P:meta`` (schema version). Amounts are integers
(``HINCRBY``); times are microseconds. For one Redis server (the scripts name their keys
from the prefix, which a cluster would not allow); persistence is the server's (AOF with
``appendfsync everysec`` or ``always`` for durability).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from promotor.errors import InputError, StoreError
from promotor.events import Event
from promotor.redemption import from_micros
from promotor.stores._redis_scripts import (
    _APPLY,
    _COMMIT,
    _CONFIRM,
    _POOL_ADD,
    _POOL_ASSIGN,
    _READ,
    _READ_FAMILIES,
    _RELEASE,
    _ROLLBACK,
    _ROLLBACK_WITH,
)
from promotor.stores.base import Store
from promotor.stores.records import (
    Conflict,
    Dump,
    Entry,
    Record,
    StoredRow,
    applied_from_json,
    applied_json,
    audit_detail,
    deltas_from_json,
    deltas_json,
    not_found,
)

if TYPE_CHECKING:
    from promotor.pools import Batch, PoolRow
    from promotor.stores.records import Rollback

__all__ = ["RedisStore"]

SCHEMA_VERSION = "2"

_INT_FIELDS = ("created_at", "expires_at", "rolled_back_at")


def _glob(text: str) -> str:
    """``text`` matched literally by a ``SCAN MATCH`` pattern."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def _split(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((v for k, v in query if k == "prefix"), "promotor")
    rest = [(k, v) for k, v in query if k != "prefix"]
    return urlunsplit(parts._replace(query=urlencode(rest))), prefix


class RedisStore(Store):
    def __init__(self, url: str) -> None:
        try:
            import redis  # noqa: F401
        except ImportError:
            raise StoreError(
                "the Redis store needs redis-py: pip install 'promotor[redis]'"
            ) from None
        self.url = url
        self._conn_url, self._prefix = _split(url)
        if not self._prefix or any(c in self._prefix for c in " *?[]"):
            raise InputError([{"loc": ("url",), "msg": f"invalid prefix {self._prefix!r}"}])
        self._lock_ = threading.Lock()
        self._pid = -1
        self._client: Any = None
        self._scripts: dict[str, Any] = {}

    # -- connection ------------------------------------------------------------------------

    def _redis(self) -> Any:
        pid = os.getpid()
        if self._client is not None and self._pid == pid:
            return self._client
        with self._lock_:
            if self._client is None or self._pid != pid:
                import redis

                client = redis.Redis.from_url(self._conn_url, decode_responses=True)
                try:
                    meta = f"{self._prefix}:meta"
                    version = client.hget(meta, "schema_version")
                    if version is None:
                        client.hsetnx(meta, "schema_version", SCHEMA_VERSION)
                    elif int(version) > int(SCHEMA_VERSION):
                        raise StoreError(
                            f"the store's schema is version {version!s}, newer than this "
                            f"promotor's {SCHEMA_VERSION}: upgrade promotor"
                        )
                except redis.RedisError as err:
                    raise StoreError(f"cannot use Redis at {self._safe_url()}: {err}") from None
                self._scripts = {
                    name: client.register_script(src)
                    for name, src in (
                        ("read", _READ),
                        ("commit", _COMMIT),
                        ("confirm", _CONFIRM),
                        ("release", _RELEASE),
                        ("rollback", _ROLLBACK),
                        ("pool_add", _POOL_ADD),
                        ("pool_assign", _POOL_ASSIGN),
                        ("read_families", _READ_FAMILIES),
                        ("apply", _APPLY),
                        ("rollback_with", _ROLLBACK_WITH),
                    )
                }
                self._client, self._pid = client, pid
        return self._client

    def _safe_url(self) -> str:
        parts = urlsplit(self._conn_url)
        return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path}"

    def _run(self, name: str, args: Sequence[Any]) -> Any:
        import redis

        self._redis()
        try:
            return self._scripts[name](keys=[], args=[self._prefix, *args])
        except redis.RedisError as err:
            raise StoreError(f"Redis: {err}") from None

    # -- rows ------------------------------------------------------------------------------

    def _stored(self, kind: str, fields: dict[str, str]) -> StoredRow:
        def opt_int(name: str) -> int | None:
            value = fields.get(name)
            return None if value is None or value == "" else int(value)

        return StoredRow(
            id=fields["id"],
            kind=kind,
            status=fields["status"],
            order_id=fields.get("order_id"),
            customer_id=fields.get("customer_id"),
            created_at=int(fields["created_at"]),
            engine_version=fields["engine_version"],
            currency=fields["currency"],
            result=fields["result"],
            deltas=deltas_from_json(fields.get("deltas", "[]")),
            applied=applied_from_json(fields.get("applied", "[]")),
            idempotency_key=fields.get("idempotency_key"),
            request_hash=fields.get("request_hash"),
            request=fields.get("request"),
            expires_at=opt_int("expires_at"),
            reservation_id=fields.get("reservation_id"),
            redemption_id=fields.get("redemption_id"),
            rolled_back_at=opt_int("rolled_back_at"),
            reason=fields.get("reason"),
            rollback_deltas=(
                deltas_from_json(fields["rollback_deltas"]) if "rollback_deltas" in fields else None
            ),
        )

    def _fields(self, record: Record) -> list[str]:
        values: dict[str, Any] = {
            "id": record.id,
            "status": "redeemed" if record.kind == "redemption" else "held",
            "order_id": record.order_id,
            "customer_id": record.customer_id,
            "created_at": record.created_at,
            "engine_version": record.engine_version,
            "currency": record.currency,
            "result": record.result,
            "applied": applied_json(record.applied),
            "deltas": deltas_json(record.deltas),
            "idempotency_key": record.idempotency_key,
            "request_hash": record.request_hash,
            "request": record.request,
            "expires_at": record.expires_at,
            "reservation_id": record.confirms,
        }
        out: list[str] = []
        for k, v in values.items():
            if v is not None:
                out += [k, str(v)]
        return out

    # -- the primitives --------------------------------------------------------------------

    def _read(
        self, keys: Sequence[str], now: int, idempotency_key: str | None
    ) -> tuple[dict[str, int], StoredRow | None]:
        out = self._run("read", [now, idempotency_key or "", *keys])
        snapshot = {k: int(v) for k, v in zip(keys, out[:-1], strict=True) if int(v)}
        existing = self._row("redemption", out[-1]) if out[-1] else None
        return snapshot, existing

    def _commit(self, record: Record) -> StoredRow | Conflict | None:
        audit = json.dumps(
            [record.created_at, "confirm" if record.confirms else
             ("redeem" if record.kind == "redemption" else "reserve"),
             record.id, record.engine_version, audit_detail(record)]
        )  # fmt: skip
        out = self._run(
            "commit",
            [
                record.created_at,
                record.kind,
                record.id,
                record.idempotency_key or "",
                record.confirms or "",
                record.expires_at or 0,
                deltas_json(record.deltas),
                audit,
                json.dumps([list(e) for e in record.events]),
                json.dumps(None if record.identity is None else list(record.identity)),
                *self._fields(record),
            ],
        )
        if out[0] == "ok":
            record.event_ids = [int(i) for i in out[1:]]
            return None
        if out[0] == "conflict":
            return "conflict"
        row = self._row("redemption", out[1])
        if row is None:
            raise StoreError(f"redemption {out[1]} is missing")
        return row

    def _confirm(
        self, reservation_id: str, order_id: str | None, now: int, redemption_id: str
    ) -> StoredRow | None:
        out = self._run("confirm", [reservation_id, order_id or "", now, redemption_id])
        if out[0] == "notfound":
            raise not_found("reservation", reservation_id)
        if out[0] == "gone":
            return None
        return self._row("redemption", out[1])

    def _release(self, reservation_id: str, now: int) -> None:
        if self._run("release", [reservation_id, now]) == "notfound":
            raise not_found("reservation", reservation_id)

    def _rollback(self, redemption_id: str, reason: str | None, now: int) -> StoredRow:
        if self._run("rollback", [redemption_id, now, reason or ""]) == "notfound":
            raise not_found("redemption", redemption_id)
        row = self._row("redemption", redemption_id)
        assert row is not None
        return row

    def _row(self, kind: str, id: str) -> StoredRow | None:
        tag = "r" if kind == "redemption" else "v"
        fields = self._redis().hgetall(f"{self._prefix}:{tag}:{id}")
        return self._stored(kind, fields) if fields else None

    def _rows(self, kind: str) -> list[StoredRow]:
        client = self._redis()
        tag = "r" if kind == "redemption" else "v"
        ids = client.zrange(f"{self._prefix}:{tag}s", 0, -1)
        pipe = client.pipeline(transaction=False)
        for id in ids:
            pipe.hgetall(f"{self._prefix}:{tag}:{id}")
        rows = [self._stored(kind, f) for f in pipe.execute() if f]
        return sorted(rows, key=lambda r: (r.created_at, r.id))

    def _audit_rows(self, since: int | None) -> list[tuple[int, str, str, str, str]]:
        out = []
        for line in self._redis().lrange(f"{self._prefix}:a", 0, -1):
            at, action, id, version, detail = json.loads(line)
            if since is None or int(at) >= since:
                out.append((int(at), action, id, version, detail))
        return out

    def _dump(self) -> Dump:
        client = self._redis()
        p = self._prefix
        counters = {k: int(v) for k, v in client.hgetall(f"{p}:c").items() if int(v)}
        holds: list[tuple[str, str, int, int]] = []
        for zkey in client.scan_iter(match=f"{p}:h:*", count=1000):
            counter = zkey[len(p) + 3 :]
            amounts = client.hgetall(f"{p}:hn:{counter}")
            for rid, expires in client.zrange(zkey, 0, -1, withscores=True):
                holds.append((rid, counter, int(amounts.get(rid, 0)), int(expires)))
        return Dump(
            counters=counters,
            redemptions=self._rows("redemption"),
            reservations=self._rows("reservation"),
            holds=holds,
            entries=self._entries_of(),
            event_ids=list(range(1, int(client.llen(f"{p}:ev")) + 1)),
        )

    # -- pools -----------------------------------------------------------------------------

    def _rows_of(self, keys: Sequence[str]) -> list[list[Any] | None]:
        if not keys:
            return []
        try:
            values = self._redis().hmget(f"{self._prefix}:pk", list(keys))
        except Exception as err:
            raise StoreError(f"Redis: {err}") from None
        return [None if v is None else json.loads(v) for v in values]

    def _lookup_codes(self, keys: Sequence[str]) -> dict[str, PoolRow]:
        return {
            k: (row[0], row[1], row[2] or None)
            for k, row in zip(keys, self._rows_of(keys), strict=True)
            if row is not None
        }

    def _insert_codes(self, campaign_id: str, batches: Iterator[Batch]) -> int | None:
        # One script, so all or nothing (Redis runs it alone: about a second per million).
        args: list[str] = [campaign_id]
        for b in batches:
            for key, code, who in zip(b.keys, b.codes, b.customers, strict=True):
                args += [key, code, who or ""]
        n = int(self._run("pool_add", args))
        return None if n < 0 else n

    def _pool_keys(self, campaign_id: str) -> list[str]:
        return list(self._redis().lrange(f"{self._prefix}:pl:{campaign_id}", 0, -1))

    def _pool_rows(self, campaign_id: str) -> Iterator[list[tuple[str, str | None, int | None]]]:
        from promotor.pools import CHUNK

        at = 0
        while True:
            keys = self._redis().lrange(f"{self._prefix}:pl:{campaign_id}", at, at + CHUNK - 1)
            if not keys:
                return
            at += len(keys)
            yield [
                (row[1], row[2] or None, None if row[3] is False else int(row[3]))
                for row in self._rows_of(keys)
                if row is not None
            ]

    def _pool_counts(self, campaign_ids: Sequence[str] | None) -> dict[str, tuple[int, int]]:
        client = self._redis()
        p = self._prefix
        codes = client.hgetall(f"{p}:pn")
        assigned = client.hgetall(f"{p}:pna")
        ids = codes if campaign_ids is None else [c for c in campaign_ids if c in codes]
        return {c: (int(codes[c]), int(assigned.get(c, 0))) for c in ids}

    def _assign(self, campaign_id: str, customer_id: str, now: int) -> tuple[str, bool] | None:
        out = self._run("pool_assign", [campaign_id, customer_id, str(now)])
        if out[0] == "none":
            return None
        return str(out[1]), out[0] == "new"

    def _codes_of(self, customer_id: str) -> list[tuple[str, str, str]]:
        keys = self._redis().zrange(f"{self._prefix}:pc:{customer_id}", 0, -1)
        return [
            (row[0], k, row[1])
            for k, row in zip(keys, self._rows_of(keys), strict=True)
            if row is not None
        ]

    # -- programmes and events -------------------------------------------------------------

    def _read_families(
        self, keys: Sequence[str], families: Sequence[str], now: int
    ) -> dict[str, int]:
        out = self._run("read_families", [now, len(keys), *keys, *families])
        return {out[i]: int(out[i + 1]) for i in range(0, len(out), 2)}

    def _apply(self, entries: Sequence[Entry]) -> list[bool] | Conflict:
        payload = [
            [e.id, e.kind, e.customer_id, e.created_at, e.idempotency_key,
             [list(d) for d in e.deltas], [list(x) for x in e.events], e.detail,
             None if e.identity is None else list(e.identity)]
            for e in entries
        ]  # fmt: skip
        out = self._run("apply", [json.dumps(payload)])
        if out[0] == "conflict":
            return "conflict"
        flags = []
        for e, answer in zip(entries, out, strict=True):
            ok, _, ids = answer.partition(":")
            flags.append(ok == "1")
            e.event_ids = [int(i) for i in ids.split(",") if i]
        return flags

    def _entry_row(self, fields: dict[str, str]) -> Entry:
        return Entry(
            id=fields["id"], kind=fields["kind"], customer_id=fields.get("customer_id") or None,
            created_at=int(fields["created_at"]),
            idempotency_key=fields.get("idempotency_key") or None,
            deltas=deltas_from_json(fields["deltas"]), detail=fields["detail"],
        )  # fmt: skip

    def _entry(self, idempotency_key: str) -> Entry | None:
        client = self._redis()
        eid = client.get(f"{self._prefix}:lk:{idempotency_key}")
        if eid is None:
            return None
        fields = client.hgetall(f"{self._prefix}:le:{eid}")
        return self._entry_row(fields) if fields else None

    def _entries_of(self, customer_id: str | None = None, kind: str | None = None) -> list[Entry]:
        client = self._redis()
        ids = client.zrange(f"{self._prefix}:les", 0, -1)
        pipe = client.pipeline(transaction=False)
        for id in ids:
            pipe.hgetall(f"{self._prefix}:le:{id}")
        rows = [self._entry_row(f) for f in pipe.execute() if f]
        return [
            e
            for e in rows
            if (customer_id is None or e.customer_id == customer_id)
            and (kind is None or e.kind == kind)
        ]

    def _rollback_with(self, rollback: Rollback) -> tuple[StoredRow, list[int]] | Conflict:
        rid = rollback.redemption_id
        events = json.dumps([list(e) for e in rollback.events])
        out = self._run(
            "rollback_with",
            [rid, rollback.now, rollback.reason or "", deltas_json(rollback.deltas), events],
        )
        if out[0] == "notfound":
            raise not_found("redemption", rid)
        if out[0] == "conflict":
            return "conflict"
        row = self._row("redemption", rid)
        assert row is not None
        return row, [int(i) for i in out[1:]]

    def _events(self, after: int | None, limit: int) -> list[Event]:
        start = after or 0
        lines = self._redis().lrange(f"{self._prefix}:ev", start, start + limit - 1)
        out = []
        for i, line in enumerate(lines, start=start + 1):
            t, c, payload, at = json.loads(line)
            out.append(Event(id=i, type=t, customer_id=c, payload=json.loads(payload),
                             created_at=from_micros(int(at))))  # fmt: skip
        return out

    def _cursor(self, consumer: str) -> int | None:
        value = self._redis().hget(f"{self._prefix}:cur", consumer)
        return None if value is None else int(value)

    def _set_cursor(self, consumer: str, event_id: int) -> None:
        client = self._redis()
        key = f"{self._prefix}:cur"
        # Only forward: the larger of the stored and the new id.
        client.eval(
            "local v = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') "
            "if tonumber(ARGV[2]) > v then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end",
            1, key, consumer, event_id,
        )  # fmt: skip

    def _customer_ids(self, emails: Sequence[str]) -> dict[str, str]:
        if not emails:
            return {}
        ids = self._redis().hmget(f"{self._prefix}:cu", list(emails))
        return {e: i for e, i in zip(emails, ids, strict=True) if i is not None}

    def _family_names(self, prefix: str) -> list[str]:
        start = f"{self._prefix}:f:"
        names = {
            k[len(start) :]
            for k in self._redis().scan_iter(match=_glob(start + prefix) + "*", count=1000)
        }
        return sorted(n for n in names if n.startswith(prefix))

    def close(self) -> None:
        with self._lock_:
            if self._client is not None and self._pid == os.getpid():
                self._client.close()
            self._client = None
