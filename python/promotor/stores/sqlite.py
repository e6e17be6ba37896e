"""``sqlite:///relative.db`` or ``sqlite:////absolute/path.db``: the embedded store for one
machine. WAL journal (readers never wait for the writer), ``BEGIN IMMEDIATE`` write
transactions (one writer at a time, across processes), a busy timeout instead of errors under
contention, ``synchronous=NORMAL`` (durable across crashes of the program; a power loss may
lose the last transactions, never corrupt them: ``?synchronous=full`` for that too).

Query options: ``busy_timeout`` (seconds, default 30), ``synchronous`` (``normal`` or
``full``). One connection per thread and process: it is safe to share between threads and
reconnects after a fork.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

from promotor.errors import InputError, StoreError
from promotor.stores._sql import Busy, DuplicateKey, SqlStore, migrate

if TYPE_CHECKING:
    from promotor.pools import Batch

__all__ = ["SQLiteStore"]


def _path(url: str) -> tuple[str, dict[str, str]]:
    rest = url.split("://", 1)[1]
    path, _, query = rest.partition("?")
    if not path.startswith("/") or len(path) < 2:
        raise InputError(
            [
                {
                    "loc": ("url",),
                    "msg": f"expected sqlite:///relative.db or sqlite:////absolute.db, got {url!r}",
                }
            ]
        )
    options = {k: v[-1] for k, v in parse_qs(query).items()}
    return unquote(path[1:]), options


class _Locked(Exception):
    """The database was locked during a step that is retried as a whole."""

    def __init__(self, err: sqlite3.Error) -> None:
        super().__init__(str(err))
        self.err = err


class SQLiteStore(SqlStore):
    placeholder = "?"
    _contiguous_ids = True  # BEGIN IMMEDIATE: one writer

    def __init__(self, url: str) -> None:
        self.url = url
        self.path, options = _path(url)
        unknown = set(options) - {"busy_timeout", "synchronous"}
        if unknown:
            raise InputError([{"loc": ("url",), "msg": f"unknown option(s) {sorted(unknown)}"}])
        try:
            self._timeout = float(options.get("busy_timeout", "30"))
        except ValueError:
            raise InputError(
                [{"loc": ("url",), "msg": "busy_timeout must be a number of seconds"}]
            ) from None
        self._synchronous = options.get("synchronous", "normal").upper()
        if self._synchronous not in ("NORMAL", "FULL"):
            raise InputError([{"loc": ("url",), "msg": "synchronous must be normal or full"}])
        self._lock_ = threading.Lock()
        self._pid = -1
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._migrated = False

    # -- connections -----------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        pid = os.getpid()
        if pid != self._pid:
            # A forked child never touches its parent's connections.
            with self._lock_:
                if pid != self._pid:
                    self._local = threading.local()
                    self._all = []
                    self._migrated = False
                    self._pid = pid
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(
                    self.path, timeout=self._timeout, isolation_level=None,
                    check_same_thread=False,
                )  # fmt: skip
                conn.execute(f"PRAGMA synchronous = {self._synchronous}")
                conn.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
            except sqlite3.Error as err:
                raise StoreError(f"cannot open SQLite database {self.path!r}: {err}") from None
            self._local.conn = conn
            with self._lock_:
                self._all.append(conn)
            if not self._migrated:
                self._migrate(conn)
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        # Several processes opening a new file at once race to switch it to WAL and create the
        # schema; SQLite answers some of those steps with "database is locked" at once, without
        # waiting on the busy handler, so the whole step is retried until the store's timeout.
        deadline = time.monotonic() + self._timeout
        delay = 0.001
        while True:
            try:
                self._migrate_once(conn)
                return
            except _Locked as locked:
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"cannot create the schema in {self.path!r}: {locked.err}"
                    ) from None
                time.sleep(random.uniform(0, delay))
                delay = min(delay * 2, 0.05)

    def _migrate_once(self, conn: sqlite3.Connection) -> None:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("BEGIN IMMEDIATE")
            try:
                migrate(
                    conn,
                    "?",
                    {
                        "big": "INTEGER",
                        "serial": "INTEGER PRIMARY KEY AUTOINCREMENT",
                        "without_rowid": " WITHOUT ROWID",
                    },
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as err:
            if "locked" in str(err) or "busy" in str(err):
                raise _Locked(err) from None
            raise StoreError(f"cannot create the schema in {self.path!r}: {err}") from None
        except sqlite3.Error as err:
            raise StoreError(f"cannot create the schema in {self.path!r}: {err}") from None
        self._migrated = True

    @contextmanager
    def _write(self) -> Iterator[Any]:
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            if "locked" in str(err) or "busy" in str(err):
                raise Busy() from None
            raise StoreError(f"SQLite: {err}") from None
        try:
            yield conn.cursor()
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as err:
            conn.execute("ROLLBACK")
            raise StoreError(f"SQLite: {err}") from None

    @contextmanager
    def _read_only(self) -> Iterator[Any]:
        try:
            yield self._conn().cursor()
        except sqlite3.Error as err:
            raise StoreError(f"SQLite: {err}") from None

    def _lock(self, cur: Any, keys: Sequence[str]) -> dict[str, int]:
        # BEGIN IMMEDIATE already holds the database's one write lock.
        clause, params = self._in(keys)
        rows = self._x(
            cur, f"SELECT key, value FROM promotor_counters WHERE key IN {clause}", params
        ).fetchall()
        return {k: int(v) for k, v in rows}

    def _bulk_insert(self, cur: Any, campaign_id: str, batch: Batch) -> None:
        try:
            cur.executemany(
                "INSERT INTO promotor_codes (key, campaign_id, code, customer_id) "
                "VALUES (?, ?, ?, ?)",
                zip(batch.keys, repeat(campaign_id), batch.codes, batch.customers),
            )
        except sqlite3.IntegrityError:
            raise DuplicateKey() from None

    def close(self) -> None:
        with self._lock_:
            for conn in self._all:
                conn.close()
            self._all = []
            self._local = threading.local()
