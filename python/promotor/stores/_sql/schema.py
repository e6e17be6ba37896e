"""The SQL stores' schema: the migration steps and how a database is brought up to date."""

from __future__ import annotations

from typing import Any

from promotor.errors import StoreError

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
