"""Stores: where usage limits, budgets, redemptions and their records live (DESIGN section 8).

One protocol, four backends, one module each: ``memory://`` (this process), SQLite (the
embedded default for one machine), PostgreSQL (psycopg 3 with a pool) and Redis (one Lua
script per call). Every store only reads snapshots of counters and applies the deltas the
Rust core decided, atomically; none interprets a rule. See docs/state.md.

>>> import promotor as pm
>>> pm.store("memory://")
<MemoryStore memory://>
>>> pm.store("ftp://example")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
promotor.errors.InputError: url: unknown store URL 'ftp://example'; ...
"""

from __future__ import annotations

from promotor.errors import InputError
from promotor.stores.base import Store

__all__ = ["Store", "store"]


def store(url: str) -> Store:
    """Open the store at ``url``: ``"memory://"``, ``"sqlite:///relative.db"``,
    ``"sqlite:////absolute/path.db"``, ``"postgresql://user@host/db"`` or
    ``"redis://host:6379/0"``. The schema is created on first use."""
    if not isinstance(url, str):
        raise InputError([{"loc": ("url",), "msg": "expected a store URL string"}])
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "memory":
        from promotor.stores.memory import MemoryStore

        return MemoryStore(url)
    if scheme == "sqlite":
        from promotor.stores.sqlite import SQLiteStore

        return SQLiteStore(url)
    if scheme in ("postgresql", "postgres"):
        from promotor.stores.postgres import PostgresStore

        return PostgresStore(url)
    if scheme in ("redis", "rediss", "unix"):
        from promotor.stores.redis import RedisStore

        return RedisStore(url)
    raise InputError(
        [
            {
                "loc": ("url",),
                "msg": f"unknown store URL {url!r}; expected memory://, sqlite:///path.db, "
                "postgresql://... or redis://...",
            }
        ]
    )
