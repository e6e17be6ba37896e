"""The part of every store that does not depend on its backend: the public queries
(``redemptions``, ``usage``, ``audit``, ``export``, ``verify``) and pickling. The records
themselves (:class:`Record`, :class:`Entry`, :class:`StoredRow`, ...) are in
``promotor.stores.records``; they stay importable from here.

A backend implements the few primitives marked *backend* below. Each one is one transaction
(SQL) or one script (Redis): ``_commit`` applies a decision's deltas and writes its records if
and only if every delta's bound holds on the counters (committed value plus live holds);
otherwise it writes nothing and answers ``"conflict"``.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from promotor.errors import InputError, StoreError
from promotor.events import Event, Pending
from promotor.redemption import (
    AuditEntry,
    Redemption,
    Reservation,
    Usage,
    call_now,
    from_micros,
)
from promotor.stores.codec import decode_result, normalize_code
from promotor.stores.records import (
    Conflict,
    Dump,
    Entry,
    Record,
    StoredRow,
    not_found,
)

# Kept importable from here, where they were defined before records.py.
from promotor.stores.records import applied_from_json as applied_from_json
from promotor.stores.records import applied_json as applied_json
from promotor.stores.records import audit_detail as audit_detail
from promotor.stores.records import deltas_from_json as deltas_from_json
from promotor.stores.records import deltas_json as deltas_json
from promotor.stores.records import holds as holds

if TYPE_CHECKING:
    from promotor.pools import Batch, Pool, PoolRow
    from promotor.stores.records import Rollback

__all__ = ["Entry", "Record", "Store", "StoredRow"]


class Store:
    """Where limits, budgets, redemptions and their records live. Open one with
    :func:`promotor.store`; share it between threads; it reconnects after a fork and pickles
    as its URL.
    """

    url: str

    # -- backend ---------------------------------------------------------------------------

    def _read(
        self, keys: Sequence[str], now: int, idempotency_key: str | None
    ) -> tuple[dict[str, int], StoredRow | None]:
        """The counters ``keys`` (committed plus live holds at ``now``), and the redemption
        already made with ``idempotency_key``."""
        raise NotImplementedError

    def _commit(self, record: Record) -> StoredRow | Conflict | None:
        """Apply ``record.deltas`` (as counters for a redemption, as holds until
        ``expires_at`` for a reservation) and write the record, all or nothing. ``None``:
        done. ``"conflict"``: a bound no longer holds, nothing written. A row: the redemption
        that already has the idempotency key, or that already confirmed ``record.confirms``
        (nothing written)."""
        raise NotImplementedError

    def _confirm(
        self, reservation_id: str, order_id: str | None, now: int, redemption_id: str
    ) -> StoredRow | None:
        """Turn a reservation held at ``now`` into redemption ``redemption_id`` (its holds
        become counters), or return the redemption that already confirmed it; ``None`` when it
        is no longer held (released or expired). Raises :class:`NotFoundError`."""
        raise NotImplementedError

    def _release(self, reservation_id: str, now: int) -> None:
        raise NotImplementedError

    def _rollback(self, redemption_id: str, reason: str | None, now: int) -> StoredRow:
        raise NotImplementedError

    def _row(self, kind: str, id: str) -> StoredRow | None:
        raise NotImplementedError

    def _rows(self, kind: str) -> list[StoredRow]:
        """Every redemption or reservation, oldest first."""
        raise NotImplementedError

    def _audit_rows(self, since: int | None) -> list[tuple[int, str, str, str, str]]:
        raise NotImplementedError

    def _dump(self) -> Dump:
        raise NotImplementedError

    # Code pools (DESIGN section 9; promotor.pools). Each is one transaction or script.

    def _lookup_codes(self, keys: Sequence[str]) -> dict[str, PoolRow]:
        """The pool rows of these normalised keys (absent ones left out): one index lookup
        each, whatever codes exist."""
        raise NotImplementedError

    def _insert_codes(self, campaign_id: str, batches: Iterator[Batch]) -> int | None:
        """Add every code of ``batches`` to the pool (assigned to its customer, if any), all
        or nothing: ``None`` when a key is already in a pool or repeats (nothing written),
        else how many were added."""
        raise NotImplementedError

    def _pool_keys(self, campaign_id: str) -> list[str]:
        """Every normalised key of the pool."""
        raise NotImplementedError

    def _pool_rows(self, campaign_id: str) -> Iterator[list[tuple[str, str | None, int | None]]]:
        """The pool's ``(code, customer id, assigned_at)`` in the order they were added, in
        chunks."""
        raise NotImplementedError

    def _pool_counts(self, campaign_ids: Sequence[str] | None) -> dict[str, tuple[int, int]]:
        """``(codes, assigned)`` of these pools (every pool with ``None``)."""
        raise NotImplementedError

    def _assign(self, campaign_id: str, customer_id: str, now: int) -> tuple[str, bool] | None:
        """The customer's first code of the pool ``(code, False)``, or else a free code now
        assigned to them ``(code, True)``; ``None`` when no code is free. Atomic: no code is
        ever given to two customers, nor two codes to one customer by concurrent calls."""
        raise NotImplementedError

    def _codes_of(self, customer_id: str) -> list[tuple[str, str, str]]:
        """Every pool code assigned to the customer as ``(campaign id, key, code)``, in the
        order they were assigned."""
        raise NotImplementedError

    def _pool_holdings(self, campaign_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """``(codes, assigned)`` as the rows of these pools hold them, counted row by row (a
        store that can count in its database does, and may add pools it finds there)."""
        out = {}
        for campaign_id in campaign_ids:
            rows = [r for chunk in self._pool_rows(campaign_id) for r in chunk]
            out[campaign_id] = (len(rows), sum(who is not None for _, who, _ in rows))
        return out

    def _pool_problems(self) -> list[str]:
        """Differences between the pools' counts and their rows (for :meth:`verify`)."""
        counts = self._pool_counts(None)
        have = self._pool_holdings(list(counts))
        return [
            f"pool {c!r} counts {counts.get(c, (0, 0))} (codes, assigned) but holds "
            f"{have.get(c, (0, 0))}"
            for c in sorted(set(have) | set(counts))
            if have.get(c, (0, 0)) != counts.get(c, (0, 0))
        ]

    # Programmes and events (DESIGN section 10).

    def _read_families(
        self, keys: Sequence[str], families: Sequence[str], now: int
    ) -> dict[str, int]:
        """``keys`` and every member of ``families`` (keys starting ``family#``), committed
        plus live holds; zeros left out."""
        raise NotImplementedError

    def _apply(self, entries: Sequence[Entry]) -> list[bool] | Conflict:
        """Apply the entries in order (each delta's bound checked on the value the entries
        before it left), append their events and identities, all or nothing. Returns, per
        entry, whether it was applied (``False``: its idempotency key was already stored);
        ``"conflict"`` when a bound fails (nothing written)."""
        raise NotImplementedError

    def _entry(self, idempotency_key: str) -> Entry | None:
        raise NotImplementedError

    def _entries_of(self, customer_id: str | None = None, kind: str | None = None) -> list[Entry]:
        raise NotImplementedError

    def _rollback_with(self, rollback: Rollback) -> tuple[StoredRow, list[int]] | Conflict:
        """Roll a redemption back by its ``deltas`` (decided by the core on the latest state),
        bounds checked, with its ``events``: the row and the events' ids; a redemption already
        rolled back is returned as it is (no ids). ``"conflict"``: a bound failed, nothing
        written."""
        raise NotImplementedError

    def _events(self, after: int | None, limit: int) -> list[Event]:
        raise NotImplementedError

    def _cursor(self, consumer: str) -> int | None:
        raise NotImplementedError

    def _set_cursor(self, consumer: str, event_id: int) -> None:
        raise NotImplementedError

    def _customer_ids(self, emails: Sequence[str]) -> dict[str, str]:
        """Normalised email -> customer id, for those known."""
        raise NotImplementedError

    def _family_names(self, prefix: str) -> list[str]:
        """Every family whose name starts with ``prefix``."""
        raise NotImplementedError

    def close(self) -> None:
        """Close the connections (a closed store reopens on next use)."""

    # -- shared ----------------------------------------------------------------------------

    def _redemption(self, row: StoredRow) -> Redemption:
        return Redemption(
            id=row.id,
            order_id=row.order_id,
            customer_id=row.customer_id,
            result=decode_result(row.result),
            status=row.status,
            created_at=from_micros(row.created_at),
            engine_version=row.engine_version,
            idempotency_key=row.idempotency_key,
            reservation_id=row.reservation_id,
            rolled_back_at=None if row.rolled_back_at is None else from_micros(row.rolled_back_at),
            reason=row.reason,
            deltas=tuple(row.deltas),
        )

    def _reservation(self, row: StoredRow) -> Reservation:
        assert row.expires_at is not None
        return Reservation(
            id=row.id,
            result=decode_result(row.result),
            expires_at=from_micros(row.expires_at),
            status=row.status,
            customer_id=row.customer_id,
            order_id=row.order_id,
            created_at=from_micros(row.created_at),
            engine_version=row.engine_version,
            redemption_id=row.redemption_id,
            deltas=tuple(row.deltas),
        )

    def _stored_redemption(self, redemption_id: str) -> StoredRow:
        row = self._row("redemption", redemption_id)
        if row is None:
            raise not_found("redemption", redemption_id)
        return row

    def _reservation_row(self, reservation_id: str) -> StoredRow:
        row = self._row("reservation", reservation_id)
        if row is None:
            raise not_found("reservation", reservation_id)
        return row

    # -- pools -----------------------------------------------------------------------------

    def add_codes(
        self,
        campaign_id: str,
        codes: Sequence[str] | Any,
        customers: Sequence[str | None] | None = None,
    ) -> int:
        """Add ``codes`` (a list of str, or a pyarrow string array) to the campaign's pool in
        one bulk insert; ``customers``, a list parallel to ``codes`` (an id or ``None`` each),
        assigns them. A duplicate by normalised key (within the call, or a code already in a
        pool of this store) raises :class:`InputError` listing them, and nothing is added.
        Returns how many were added."""
        from promotor import _native
        from promotor.pools import CHUNK, add, batch, check_campaign_id, duplicates_error

        campaign_id = check_campaign_id(campaign_id)
        if hasattr(codes, "to_pylist"):
            codes = codes.to_pylist()
        if isinstance(codes, str) or not isinstance(codes, Sequence):
            raise InputError(
                [{"type": "type_mismatch", "loc": ("codes",), "msg": "expected a list of codes"}]
            )
        if customers is not None:
            if hasattr(customers, "to_pylist"):
                customers = customers.to_pylist()
            if isinstance(customers, str) or not isinstance(customers, Sequence):
                raise InputError(
                    [{"type": "type_mismatch", "loc": ("customers",),
                      "msg": "expected a list of customer ids (or None), parallel to codes"}]
                )  # fmt: skip
            if len(customers) != len(codes):
                raise InputError(
                    [{"type": "invalid", "loc": ("customers",),
                      "msg": f"expected {len(codes)} customers (one per code), "
                             f"got {len(customers)}"}]
                )  # fmt: skip
        _, repeats = _native.pool_keys(codes, "codes", 0)
        if repeats:
            raise duplicates_error(
                [
                    {
                        "type": "duplicate",
                        "loc": ("codes", i),
                        "msg": f"duplicate code {codes[i]!r}: the same code as codes[{j}] once "
                        "normalised",
                        "ctx": {"value": codes[i], "first": j},
                    }
                    for i, j in repeats[:100]
                ],
                len(repeats),
            )

        def batches() -> Iterator[Batch]:
            for at in range(0, len(codes), CHUNK):
                people = None if customers is None else customers[at : at + CHUNK]
                yield batch(codes[at : at + CHUNK], people, at, "codes")

        return add(self, campaign_id, batches, "codes")

    def generate_codes(
        self, campaign_id: str, pattern: str, count: int, **generate_kw: Any
    ) -> list[str]:
        """Generate ``count`` codes of ``pattern`` into the campaign's pool (in Rust, against
        the pool's keys, so none repeats one) and return them. ``generate_kw`` are
        :func:`promotor.codes.generate`'s (``charset``, ``prefix``, ``suffix``, ``seed``,
        ``min_guess_bits``); the guessability check counts the pool's size after the
        generation. A generated code that another campaign's pool holds is drawn again."""
        from promotor import codes as codes_
        from promotor.pools import CHUNK, batch, check_campaign_id

        campaign_id = check_campaign_id(campaign_id)
        for bad in ("existing", "arrow", "count"):
            if bad in generate_kw:
                raise InputError(
                    [{"type": "invalid", "loc": (bad,),
                      "msg": f"{bad} is set by generate_codes"}]
                )  # fmt: skip
        existing = self._pool_keys(campaign_id)
        made: list[str] = codes_.generate(pattern, count, existing=existing, **generate_kw)
        for _ in range(16):

            def batches() -> Iterator[Batch]:
                for at in range(0, len(made), CHUNK):
                    yield batch(made[at : at + CHUNK], None, at, "codes")

            if self._insert_codes(campaign_id, batches()) is not None:
                return made
            # Some are in another campaign's pool: draw those again.
            taken = []
            for b in batches():
                found = self._lookup_codes(b.keys)
                taken += [i for i, key in enumerate(b.keys, b.offset) if key in found]
            again = codes_.generate(pattern, len(taken), existing=[*existing, *made], **generate_kw)
            for i, code in zip(taken, again, strict=True):
                made[i] = code
        raise StoreError("generated codes kept meeting codes of other pools; use a longer pattern")

    def import_codes(self, campaign_id: str, path: str | Path) -> int:
        """Add the codes of a CSV (with a header: ``code`` and optionally ``customer_id``)
        or Parquet file (those columns), by the path's suffix, read in chunks: all or nothing,
        duplicates listed as with :meth:`add_codes` (located ``("rows", n)``, rows numbered
        from 1 after the header). Returns how many were added."""
        from promotor.pools import add, check_campaign_id, read_file

        campaign_id = check_campaign_id(campaign_id)
        return add(self, campaign_id, lambda: read_file(path), "rows")

    def export_codes(self, campaign_id: str, path: str | Path) -> int:
        """Write the campaign's pool as CSV or Parquet (by the suffix; columns ``code``,
        ``customer_id``, ``assigned_at``), in the order the codes were added, streaming.
        Returns how many were written."""
        from promotor.pools import check_campaign_id, write_file

        campaign_id = check_campaign_id(campaign_id)
        return write_file(self._pool_rows(campaign_id), path)

    def pool(self, campaign_id: str) -> Pool:
        """How many codes the campaign's pool holds, assigned and free."""
        from promotor.pools import Pool, check_campaign_id

        campaign_id = check_campaign_id(campaign_id)
        codes, assigned = self._pool_counts([campaign_id]).get(campaign_id, (0, 0))
        return Pool(campaign_id, codes, assigned)

    def pools(self) -> list[Pool]:
        """Every pool of the store, by campaign id."""
        from promotor.pools import Pool

        return [Pool(c, n, a) for c, (n, a) in sorted(self._pool_counts(None).items())]

    def lookup_code(self, code: str) -> PoolRow | None:
        """``(campaign id, code as added, customer id or None)`` of a pool code, found by its
        normalised key (any spelling), or ``None``."""
        key = normalize_code(code)
        return self._lookup_codes([key]).get(key) if key else None

    # -- events ----------------------------------------------------------------------------

    def events(self, after: int | None = None, limit: int = 100) -> list[Event]:
        """Events with ``id > after``, oldest first, at most ``limit`` (see
        :mod:`promotor.events`)."""
        if after is not None and (not isinstance(after, int) or isinstance(after, bool)):
            raise InputError([{"loc": ("after",), "msg": "expected an event id (int) or None"}])
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise InputError([{"loc": ("limit",), "msg": "expected a positive int"}])
        return self._events(after, limit)

    def subscribe(self, fn: Callable[[Event], object]) -> Callable[[], None]:
        """Call ``fn(event)`` after every commit of this store object in this process, once
        per event, in id order; returns a function that unsubscribes. ``fn`` runs after the
        commit (never for a change that did not commit); an exception in it propagates to
        the caller whose change has committed."""
        subscribers = self.__dict__.setdefault("_subscribers", [])
        subscribers.append(fn)

        def unsubscribe() -> None:
            if fn in subscribers:
                subscribers.remove(fn)

        return unsubscribe

    def _notify(self, ids: Sequence[int], pending: Sequence[Pending], at: int) -> None:
        subscribers = self.__dict__.get("_subscribers")
        if not subscribers or not ids:
            return
        events = [
            Event(id=i, type=t, customer_id=c, payload=json.loads(p), created_at=from_micros(at))
            for i, (t, c, p) in zip(ids, pending, strict=True)
        ]
        for fn in list(subscribers):
            for event in events:
                fn(event)

    def customer_id(self, email: str) -> str | None:
        """The id of the customer recorded with this email (normalised), if any."""
        from promotor.identity import normalize_email

        try:
            norm = normalize_email(email)
        except ValueError as err:
            raise InputError([{"loc": ("email",), "msg": str(err)}]) from None
        return self._customer_ids([norm]).get(norm)

    def snapshot(self, keys: Sequence[str], now: datetime | None = None) -> dict[str, int]:
        """The values of counters ``keys`` at ``now`` (what is committed plus what live
        reservations hold); absent counters are left out."""
        return self._read(list(keys), call_now(now), None)[0]

    def redemption(self, redemption_id: str) -> Redemption:
        """One redemption by id; :class:`NotFoundError` if there is none."""
        return self._redemption(self._stored_redemption(redemption_id))

    def reservation(self, reservation_id: str) -> Reservation:
        """One reservation by id; :class:`NotFoundError` if there is none."""
        return self._reservation(self._reservation_row(reservation_id))

    def redemptions(
        self,
        campaign_id: str | None = None,
        customer_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Redemption]:
        """Redemptions oldest first, rolled-back ones included with their status;
        ``campaign_id`` keeps those where it applied; ``since <= created_at < until``."""
        lo = None if since is None else call_now(since, "since")
        hi = None if until is None else call_now(until, "until")
        out = []
        for row in self._rows("redemption"):
            if customer_id is not None and row.customer_id != customer_id:
                continue
            if campaign_id is not None and all(c != campaign_id for c, _, _ in row.applied):
                continue
            if (lo is not None and row.created_at < lo) or (
                hi is not None and row.created_at >= hi
            ):
                continue
            out.append(self._redemption(row))
        return out

    def reservations(self) -> list[Reservation]:
        """Every reservation, oldest first, with its status."""
        return [self._reservation(r) for r in self._rows("reservation")]

    def usage(
        self,
        campaign_id: str,
        customer_id: str | None = None,
        code: str | None = None,
        now: datetime | None = None,
    ) -> Usage:
        """All-time redemptions and discount of a campaign (rolled-back ones excluded),
        optionally of one customer or code, and the reservations holding it at ``now``."""
        if not isinstance(campaign_id, str):
            raise InputError([{"loc": ("campaign_id",), "msg": "expected a campaign id"}])
        at = call_now(now)
        want = None if code is None else normalize_code(code)

        def mine(row: StoredRow) -> list[Decimal]:
            if customer_id is not None and row.customer_id != customer_id:
                return []
            return [
                Decimal(amount)
                for c, k, amount in row.applied
                if c == campaign_id and (want is None or (k and normalize_code(k) == want))
            ]

        count, discount = 0, Decimal(0)
        for row in self._rows("redemption"):
            if row.status != "redeemed":
                continue
            for amount in mine(row):
                count += 1
                discount += amount
        reserved = sum(
            len(mine(row))
            for row in self._rows("reservation")
            if row.status == "held" and row.expires_at is not None and row.expires_at > at
        )
        return Usage(redemptions=count, discount=discount, reserved=reserved)

    def audit(self, since: datetime | None = None) -> list[AuditEntry]:
        """Every change, oldest first: who did what, when, with which definitions."""
        lo = None if since is None else call_now(since, "since")
        return [
            AuditEntry(
                at=from_micros(at),
                action=action,
                id=id,
                engine_version=version,
                detail=json.loads(detail),
            )
            for at, action, id, version, detail in self._audit_rows(lo)
        ]

    def export(self, what: Literal["redemptions", "audit"], path: str | Path) -> None:
        """Write the redemptions or the audit log to ``path``: CSV (with a header) or Parquet,
        by its suffix."""
        if what == "redemptions":
            columns = [
                "id", "order_id", "customer_id", "status", "created_at", "engine_version",
                "currency", "discount", "total", "applied", "idempotency_key",
                "reservation_id", "rolled_back_at", "reason",
            ]  # fmt: skip
            rows: list[list[Any]] = []
            for r in self.redemptions():
                rows.append(
                    [
                        r.id, r.order_id, r.customer_id, r.status, r.created_at.isoformat(),
                        r.engine_version, r.result.currency, str(r.result.discount),
                        str(r.result.total), ",".join(a.campaign_id for a in r.result.applied),
                        r.idempotency_key, r.reservation_id,
                        None if r.rolled_back_at is None else r.rolled_back_at.isoformat(),
                        r.reason,
                    ]
                )  # fmt: skip
        elif what == "audit":
            columns = ["at", "action", "id", "engine_version", "detail"]
            rows = [
                [e.at.isoformat(), e.action, e.id, e.engine_version, json.dumps(e.detail)]
                for e in self.audit()
            ]
        else:
            raise InputError(
                [{"loc": ("what",), "msg": "expected 'redemptions' or 'audit'", "input": what}]
            )
        target = Path(path)
        if target.suffix == ".parquet":
            try:
                import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
                import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]
            except ImportError:  # pragma: no cover - pyarrow is a dev dependency
                raise StoreError("writing Parquet needs pyarrow (pip install pyarrow)") from None
            table = pa.table({c: [row[i] for row in rows] for i, c in enumerate(columns)})
            pq.write_table(table, target)
        elif target.suffix == ".csv":
            with target.open("w", newline="", encoding="utf-8") as f:
                writer = csv.writer(f)
                writer.writerow(columns)
                writer.writerows(rows)
        else:
            raise InputError(
                [{"loc": ("path",), "msg": "expected a path ending in .csv or .parquet"}]
            )

    def verify(self) -> None:
        """Check that every counter equals what the ledger implies (the deltas of redemptions
        not rolled back), that every hold belongs to a held reservation with those deltas and
        that every pool's counts equal its rows; raise :class:`StoreError` naming the first
        difference."""
        dump = self._dump()
        for problem in [*dump.extra, *self._pool_problems()]:
            raise StoreError(problem)
        implied: dict[str, int] = {}
        for row in dump.redemptions:
            if row.status not in ("redeemed", "rolled_back"):
                raise StoreError(f"redemption {row.id} has an unknown status {row.status!r}")
            # A rollback of schema 1 was the plain reversal: the redemption then counts 0.
            if row.status == "redeemed" or row.rollback_deltas is not None:
                for key, add, _, _ in [*row.deltas, *(row.rollback_deltas or [])]:
                    implied[key] = implied.get(key, 0) + add
        for entry in dump.entries:
            for key, add, _, _ in entry.deltas:
                implied[key] = implied.get(key, 0) + add
        for key in sorted(set(implied) | set(dump.counters)):
            have, want = dump.counters.get(key, 0), implied.get(key, 0)
            if have != want:
                raise StoreError(
                    f"counter {key!r} is {have} but the ledger (redemptions, rollbacks and "
                    f"entries) implies {want}"
                )
            member = key.partition("#")[2]
            if have < 0 and (member.startswith("lot=") or member in ("balance", "debt")):
                raise StoreError(f"balance {key!r} is negative ({have})")
        ids = dump.event_ids
        if any(b <= a for a, b in itertools.pairwise(ids)):
            raise StoreError("event ids do not increase")
        held = {r.id: r for r in dump.reservations if r.status == "held"}
        by_reservation: dict[str, dict[str, int]] = {}
        for reservation_id, key, n, _ in dump.holds:
            if reservation_id not in held:
                raise StoreError(
                    f"counter {key!r} has a hold of {n} by reservation {reservation_id!r}, "
                    "which is not held"
                )
            by_reservation.setdefault(reservation_id, {})[key] = n
        for rid, row in held.items():
            want_holds = {k: n for k, n, _, _ in row.deltas}
            if by_reservation.get(rid, {}) != want_holds:
                raise StoreError(
                    f"reservation {rid} holds {by_reservation.get(rid, {})} "
                    f"but decided {want_holds}"
                )

    # -- lifetime --------------------------------------------------------------------------

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce__(self) -> tuple[Any, ...]:
        from promotor.stores import store

        return (store, (self.url,))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"
