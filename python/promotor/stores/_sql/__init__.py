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

The parts: ``schema`` (migrations), ``core`` (the backend's hooks, statement helpers, rows),
``store`` (redemptions and reservations: :class:`SqlStore`), ``pools`` (code pools) and
``programs`` (programme state: entries, families, events, identities).
"""

from __future__ import annotations

from promotor.stores._sql.core import Busy, DuplicateKey
from promotor.stores._sql.schema import MIGRATIONS, SCHEMA_VERSION, migrate, pending_steps
from promotor.stores._sql.store import SqlStore

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Busy",
    "DuplicateKey",
    "SqlStore",
    "migrate",
    "pending_steps",
]
