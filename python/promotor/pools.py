"""Code pools, assignment and wallets (DESIGN section 9; docs/codes.md).

A pool is the set of unique codes of one campaign, kept by a store: each code with its
normalised key (the core's one normalisation; lookups go by it, through an index), its display
form (what ``assign_code`` and the wallet return) and, once assigned, its customer. A key is in
at most one pool of a store, so a code names one campaign. Stores only keep rows; which code a
cart may use is decided by the core on the rows a lookup found (``state::pools``).

This module holds what every store shares: the public types, reading and writing pool files
(CSV or Parquet, streamed in chunks), and the checks around the backend primitives.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from promotor.errors import InputError, StoreError

if TYPE_CHECKING:
    from promotor.engine import Engine
    from promotor.stores.base import Store

__all__ = ["Batch", "Pool", "PoolRow", "Wallet", "WalletCode"]

#: Codes read, normalised and written per step of a bulk insert, import or export.
CHUNK = 100_000

#: Problems listed in one InputError of a bulk insert (the count of the rest follows).
MAX_LISTED = 100

#: ``(campaign id, display code, customer id or None)``: a pool row as a lookup finds it.
PoolRow = tuple[str, str, "str | None"]

Status = Literal["available", "used", "expired"]


@dataclass(frozen=True, slots=True)
class Pool:
    """How many codes a campaign's pool holds, how many are assigned and how many are free."""

    campaign_id: str
    codes: int
    assigned: int

    @property
    def free(self) -> int:
        """Codes of the pool not assigned to anyone yet."""
        return self.codes - self.assigned


@dataclass(frozen=True, slots=True)
class WalletCode:
    """One code of a wallet: its display form, campaign, ``status`` (``"available"``,
    ``"used"``, ``"expired"``), the campaign's end (``expires_at``) and ``value``: what it takes
    off the wallet's cart now (``Decimal("0.00")`` when it does not apply; ``None`` without a
    cart)."""

    code: str
    campaign_id: str
    status: Status
    expires_at: datetime | None
    value: Decimal | None


@dataclass(frozen=True, slots=True)
class Wallet:
    """What a customer holds: iterate it for their codes (:class:`WalletCode`, in the order
    they were assigned). ``points`` (balances by programme) and ``gift_cards`` are filled by
    loyalty programmes (DESIGN section 10) and are empty without them."""

    customer_id: str
    codes: tuple[WalletCode, ...] = ()
    points: dict[str, Any] = field(default_factory=dict)
    gift_cards: tuple[Any, ...] = ()

    def __iter__(self) -> Iterator[WalletCode]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)


@dataclass(frozen=True, slots=True)
class Batch:
    """Codes to add, read and normalised: ``offset`` is the position of the first one in the
    whole call (so problems name the code or file row)."""

    offset: int
    keys: list[str]
    codes: list[str]
    customers: list[str | None]


# -- checks ----------------------------------------------------------------------------------


def check_campaign_id(campaign_id: Any) -> str:
    if not isinstance(campaign_id, str) or not campaign_id.strip():
        raise InputError(
            [{"type": "invalid", "loc": ("campaign_id",), "msg": "expected a campaign id"}]
        )
    return campaign_id


def customer_id_of(customer: Any, loc: str = "customer") -> str:
    """A customer as an id or a customer dict / model with an ``id``."""
    value = customer
    if not isinstance(customer, str):
        getter = getattr(customer, "get", None)
        value = getter("id") if callable(getter) else getattr(customer, "id", None)
    if not isinstance(value, str) or not value:
        raise InputError(
            [
                {
                    "type": "invalid",
                    "loc": (loc,),
                    "msg": "expected a customer id (a non-empty str) or a customer with an id",
                }
            ]
        )
    return value


def batch(codes: Sequence[Any], customers: Sequence[Any] | None, offset: int, loc: str) -> Batch:
    """Normalise one chunk in the core; bad codes and customers raise :class:`InputError`
    located at ``(loc, offset + i)``; repeats within the chunk are left to the caller."""
    from promotor import _native

    keys, _ = _native.pool_keys(codes, loc, offset)
    if customers is None:
        people: list[str | None] = [None] * len(codes)
    else:
        people = []
        bad = []
        for i, c in enumerate(customers):
            if c is None or (isinstance(c, str) and c == ""):
                people.append(None)
            elif isinstance(c, str):
                people.append(c)
            else:
                bad.append(
                    {
                        "type": "type_mismatch",
                        "loc": ("customers", offset + i),
                        "msg": f"expected a customer id (str) or None, got {type(c).__name__}",
                    }
                )
        if bad:
            raise InputError(bad)
    return Batch(offset, keys, list(codes), people)


def duplicates_error(problems: list[dict[str, Any]], total: int) -> InputError:
    shown = problems[:MAX_LISTED]
    if total > len(shown):
        last = dict(shown[-1])
        last["msg"] += f" (and {total - len(shown)} more duplicates; nothing was added)"
        shown = [*shown[:-1], last]
    return InputError(shown)


def add(store: Store, campaign_id: str, batches: Any, where: str) -> int:
    """Insert every batch of ``batches()`` (a function giving a fresh iterator, so the check
    for duplicates can read them again) all or nothing; raises :class:`InputError` listing the
    duplicates (by normalised key: within the call, or a code already in a pool)."""
    count = store._insert_codes(campaign_id, batches())
    if count is not None:
        return count
    problems: list[dict[str, Any]] = []
    first: dict[str, int] = {}
    for b in batches():
        found = store._lookup_codes(b.keys)
        for i, (key, code) in enumerate(zip(b.keys, b.codes, strict=True)):
            at = b.offset + i
            ctx: dict[str, Any]
            if key in first:
                why = f"the same code as {where}[{first[key]}] once normalised"
                ctx = {"first": first[key]}
            elif key in found:
                why = f"already in the pool of campaign {found[key][0]!r}"
                ctx = {"campaign_id": found[key][0]}
            else:
                first[key] = at
                continue
            problems.append(
                {
                    "type": "duplicate",
                    "loc": (where, at),
                    "msg": f"duplicate code {code!r}: {why}",
                    "ctx": {"value": code, **ctx},
                }
            )
    if not problems:  # a concurrent add took them and went away again: try once more
        count = store._insert_codes(campaign_id, batches())
        if count is not None:
            return count
        raise StoreError("adding codes kept failing on duplicates that are not there any more")
    raise duplicates_error(problems, len(problems))


# -- files -----------------------------------------------------------------------------------


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InputError(
            [
                {
                    "type": "invalid",
                    "loc": ("path",),
                    "msg": "expected a path ending in .csv or .parquet",
                }
            ]
        )
    return suffix


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
        import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - pyarrow is a dev dependency
        raise StoreError("Parquet needs pyarrow (pip install 'promotor[arrow]')") from None
    return pa, pq


def read_file(path: str | Path) -> Iterator[Batch]:
    """Batches of a pool file: CSV with a header (a ``code`` column and optionally
    ``customer_id``) or Parquet with those columns. Rows are numbered from 1 after the header
    (``("rows", n)`` in errors)."""
    target = Path(path)
    suffix = _suffix(target)
    if not target.is_file():
        raise InputError([{"type": "invalid", "loc": ("path",), "msg": f"no file {str(target)!r}"}])
    offset = 1
    if suffix == ".csv":
        with target.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None or "code" not in header:
                raise InputError(
                    [{"type": "invalid", "loc": ("path",),
                      "msg": "a pool CSV needs a header with a 'code' column "
                             "(and optionally 'customer_id')"}]
                )  # fmt: skip
            ci = header.index("code")
            ki = header.index("customer_id") if "customer_id" in header else None
            codes: list[str] = []
            people: list[str | None] = []
            for row in reader:
                if not row:
                    continue
                codes.append(row[ci] if ci < len(row) else "")
                people.append(row[ki] or None if ki is not None and ki < len(row) else None)
                if len(codes) == CHUNK:
                    yield batch(codes, people, offset, "rows")
                    offset += len(codes)
                    codes, people = [], []
            if codes:
                yield batch(codes, people, offset, "rows")
        return
    _, pq = _pyarrow()
    file = pq.ParquetFile(target)
    names = file.schema_arrow.names
    if "code" not in names:
        raise InputError(
            [
                {
                    "type": "invalid",
                    "loc": ("path",),
                    "msg": "a pool Parquet file needs a 'code' column",
                }
            ]
        )
    columns = ["code", *(["customer_id"] if "customer_id" in names else [])]
    for record_batch in file.iter_batches(batch_size=CHUNK, columns=columns):
        column: list[Any] = record_batch.column(0).to_pylist()
        owners: list[Any] | None = record_batch.column(1).to_pylist() if len(columns) == 2 else None
        if any(c is None for c in column):
            i = column.index(None)
            raise InputError(
                [{"type": "required", "loc": ("rows", offset + i), "msg": "a code is required"}]
            )
        yield batch(column, owners, offset, "rows")
        offset += len(column)


def write_file(rows: Iterable[list[tuple[str, str | None, int | None]]], path: str | Path) -> int:
    """Write ``code, customer_id, assigned_at`` rows (chunks of them) as CSV or Parquet by the
    path's suffix, streaming; returns the number written."""
    from promotor.redemption import from_micros

    target = Path(path)
    suffix = _suffix(target)
    n = 0
    if suffix == ".csv":
        with target.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["code", "customer_id", "assigned_at"])
            for chunk in rows:
                writer.writerows(
                    (code, who or "", "" if at is None else from_micros(at).isoformat())
                    for code, who, at in chunk
                )
                n += len(chunk)
        return n
    pa, pq = _pyarrow()
    schema = pa.schema(
        [("code", pa.string()), ("customer_id", pa.string()),
         ("assigned_at", pa.timestamp("us", tz="UTC"))]
    )  # fmt: skip
    with pq.ParquetWriter(target, schema) as writer:
        for chunk in rows:
            writer.write_table(
                pa.table(
                    {
                        "code": [c for c, _, _ in chunk],
                        "customer_id": [w for _, w, _ in chunk],
                        "assigned_at": pa.array([a for _, _, a in chunk], pa.int64()).cast(
                            pa.timestamp("us", tz="UTC")
                        ),
                    },
                    schema=schema,
                )
            )
            n += len(chunk)
    return n


# -- events ----------------------------------------------------------------------------------


def code_assigned_event(campaign_id: str, customer_id: str, code: str) -> tuple[str, str, str]:
    """The ``code_assigned`` event of DESIGN section 10, as the outbox takes events:
    ``(type, customer id, payload JSON)``."""
    payload = json.dumps({"campaign_id": campaign_id, "code": code}, separators=(",", ":"))
    return ("code_assigned", customer_id, payload)


# -- the engine's calls ----------------------------------------------------------------------


def _pooled(engine: Engine) -> set[str]:
    return {c.id for c in engine.campaigns if c.unique_codes}


def assign_code(engine: Engine, campaign_id: Any, customer: Any, now: datetime | None) -> str:
    """``engine.assign_code``: see there."""
    from promotor.errors import PoolExhaustedError
    from promotor.redemption import call_now

    campaign_id = check_campaign_id(campaign_id)
    if campaign_id not in _pooled(engine):
        raise InputError(
            [
                {
                    "type": "invalid",
                    "loc": ("campaign_id",),
                    "msg": f"no campaign {campaign_id!r} with unique_codes=True in this engine",
                }
            ]
        )
    who = customer_id_of(customer)
    at = call_now(now)
    got = engine.store._assign(campaign_id, who, at)
    if got is None:
        raise PoolExhaustedError(
            [
                {
                    "type": "pool_exhausted",
                    "loc": ("campaign_id",),
                    "msg": f"the pool of campaign {campaign_id!r} has no free code left",
                    "ctx": {"campaign_id": campaign_id},
                }
            ]
        )
    code, new = got
    if new:
        # OUTBOX: the one call site of the `code_assigned` event (DESIGN section 10). The
        # outbox is not on main yet; when it lands, `_assign` takes this event and appends it
        # in the same transaction as the assignment.
        _ = code_assigned_event(campaign_id, who, code)
    return code


def wallet(engine: Engine, customer: Any, cart: Any, now: datetime | None) -> Wallet:
    """``engine.wallet``: see there."""
    from promotor.redemption import from_micros

    who = customer_id_of(customer)
    person = customer if not isinstance(customer, str) else {"id": who}
    pooled = _pooled(engine)
    held = [row for row in engine.store._codes_of(who) if row[0] in pooled]
    codes = [code for _, _, code in held]
    request = engine._request(cart if cart is not None else {"items": []}, person, codes, now, None)
    rows: dict[str, PoolRow] = {key: (campaign, code, who) for campaign, key, code in held}
    keys = request.wallet_keys(rows)
    snapshot = engine.store._read(keys, request.now(), None)[0] if keys else {}
    out = [
        WalletCode(
            code=codes[index],
            campaign_id=campaign,
            status=status,  # type: ignore[arg-type]
            expires_at=None if expires is None else from_micros(expires),
            value=value,
        )
        for index, campaign, status, expires, value in request.wallet(
            snapshot, rows, cart is not None
        )
    ]
    return Wallet(customer_id=who, codes=tuple(out))
