"""Migrating a points programme: ``engine.import_points`` and ``engine.award_retroactive``.

Both stream a CSV file in batches (memory does not grow with the file), decide each row in
the core (``import`` operations: a row sees the rows before it) and commit a batch as ledger
entries in one transaction. Every row's entry has the idempotency key ``import:<programme>:
<sha256 of the file>:<mode>:<row>``, so running the same file again skips every row, and a run
interrupted half-way imports the rest when run again.

Customers are matched by ``customer_id``, or by email through the store's identity records
(emails compared by :func:`promotor.identity.normalize_email`). An unknown customer is a
rejected row unless ``create_missing=True``, which records a customer whose id is the
normalised email.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promotor.errors import ConflictError, InputError
from promotor.identity import normalize_email
from promotor.programs import ImportReport
from promotor.programs.operations import _pending, program_id
from promotor.redemption import MAX_ATTEMPTS, _backoff, call_now, new_id

if TYPE_CHECKING:
    from promotor.engine import Engine
    from promotor.stores.base import Entry

__all__ = ["award_retroactive", "import_points"]

BATCH = 5000


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:32]


class _Progress:
    """tqdm when installed and wanted, over the file's bytes."""

    def __init__(self, path: Path, wanted: bool) -> None:
        self.bar: Any = None
        if wanted:
            try:
                from tqdm.auto import tqdm  # type: ignore[import-untyped,unused-ignore]
            except ImportError:  # pragma: no cover - the optional `progress` extra
                return  # no bar: the import itself needs nothing more
            self.bar = tqdm(total=path.stat().st_size, unit="B", unit_scale=True,
                            desc=f"importing {path.name}")  # fmt: skip

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _rows(path: Path, value_column: str) -> Iterator[tuple[int, str, str, str, int]]:
    """``(row, key column, key, value, bytes read)``; rows numbered from 1 after the header."""
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            return
        names = [h.strip().lower() for h in header]
        key = next((k for k in ("customer_id", "email") if k in names), None)
        if key is None or value_column not in names:
            raise InputError(
                [{"loc": ("path",), "msg": f"expected a header 'email,{value_column}' or "
                  f"'customer_id,{value_column}', got {','.join(header)!r}"}]
            )  # fmt: skip
        ki, vi = names.index(key), names.index(value_column)
        width = max(ki, vi)
        for n, row in enumerate(reader, start=1):
            size = sum(len(c) for c in row) + len(row)
            if len(row) <= width:
                yield n, key, "", "", size
                continue
            yield n, key, row[ki].strip(), row[vi].strip(), size


def _run(
    engine: Engine,
    program: str,
    path: str | os.PathLike[str],
    *,
    mode: str,
    value_column: str,
    points_of: Any,
    create_missing: bool,
    now: datetime | None,
    progress: bool,
) -> ImportReport:
    p = program_id(engine, program)
    file = Path(path)
    if not file.is_file():
        raise InputError([{"loc": ("path",), "msg": f"no such file: {str(file)!r}"}])
    at = call_now(now)
    digest = _digest(file)
    bar = _Progress(file, progress)
    total = imported = skipped = 0
    errors: list[tuple[int, str]] = []
    batch: list[tuple[int, str, str, int]] = []  # (row, key column, key, points)

    def flush() -> None:
        nonlocal imported, skipped
        if batch:
            done, again = _commit(engine, p.id, digest, mode, batch, create_missing, at, errors)
            imported += done
            skipped += again
            batch.clear()

    try:
        for n, key_column, key, value, size in _rows(file, value_column):
            total += 1
            bar.update(size)
            if not key:
                errors.append((n, f"missing {key_column}"))
                continue
            try:
                points = points_of(value)
            except ValueError as err:
                errors.append((n, str(err)))
                continue
            if key_column == "email":
                try:
                    key = normalize_email(key)
                except ValueError as err:
                    errors.append((n, str(err)))
                    continue
            batch.append((n, key_column, key, points))
            if len(batch) >= BATCH:
                flush()
        flush()
    finally:
        bar.close()
    errors.sort()
    return ImportReport(rows=total, imported=imported, skipped=skipped, errors=errors)


def _commit(
    engine: Engine,
    program: str,
    digest: str,
    mode: str,
    batch: list[tuple[int, str, str, int]],
    create_missing: bool,
    at: int,
    errors: list[tuple[int, str]],
) -> tuple[int, int]:
    from promotor.stores.base import Entry

    store = engine.store
    emails = [k for _, column, k, _ in batch if column == "email"]
    known = store._customer_ids(emails) if emails else {}
    rows: list[tuple[int, str, int, tuple[str, str] | None]] = []
    for n, column, key, points in batch:
        if column == "customer_id":
            rows.append((n, key, points, None))
        elif key in known:
            rows.append((n, known[key], points, None))
        elif create_missing:
            rows.append((n, key, points, (key, key)))
        else:
            errors.append((n, f"unknown customer {key!r}"))
    if not rows:
        return 0, 0
    op = json.dumps(
        {"op": "import", "program": program, "now": at,
         "rows": [{"customer": c, "points": pts, "mode": mode} for _, c, pts, _ in rows]},
        separators=(",", ":"),
    )  # fmt: skip
    program_ = engine._program
    keys, families = program_.program_reads(op)
    for attempt in range(MAX_ATTEMPTS):
        snapshot = store._read_families(keys, families, at) if families else {}
        decisions = json.loads(program_.program_op(op, snapshot))
        entries: list[Entry] = []
        for (n, customer, _, ident), d in zip(rows, decisions, strict=True):
            entries.append(
                Entry(
                    id=new_id("le"),
                    kind="import" if mode != "retroactive" else "retroactive",
                    customer_id=customer,
                    created_at=at,
                    idempotency_key=f"import:{program}:{digest}:{mode}:{n}",
                    deltas=[(k, n, hi, lo) for k, n, hi, lo in d["deltas"]],
                    events=_pending(d["events"]),
                    detail=json.dumps({"answer": d["answer"], "row": n}),
                    identity=ident,
                )
            )
        out = store._apply(entries)
        if out == "conflict":
            _backoff(attempt)
            continue
        done = [e for e, ok in zip(entries, out, strict=True) if ok]
        for e in done:
            store._notify(e.event_ids, e.events, at)
        return len(done), len(entries) - len(done)
    raise ConflictError(f"gave up after {MAX_ATTEMPTS} attempts: concurrent calls kept conflicting")


def _whole_points(value: str) -> int:
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"points must be a whole number, got {value!r}") from None
    if not d.is_finite() or d != d.to_integral_value():
        raise ValueError(f"points must be a whole number, got {value!r}")
    if d < 0:
        raise ValueError(f"points must not be negative, got {value}")
    return int(d)


def import_points(
    engine: Engine,
    program: str,
    path: str | os.PathLike[str],
    *,
    mode: str = "add",
    create_missing: bool = False,
    now: datetime | None = None,
    progress: bool = False,
) -> ImportReport:
    """:meth:`Engine.import_points`: balances from a CSV file, all rows or none."""
    if mode not in ("add", "replace"):
        raise InputError([{"loc": ("mode",), "msg": "expected 'add' or 'replace'"}])
    return _run(engine, program, path, mode=mode, value_column="points",
                points_of=_whole_points, create_missing=create_missing, now=now,
                progress=progress)  # fmt: skip


def award_retroactive(
    engine: Engine,
    program: str,
    path: str | os.PathLike[str],
    *,
    per: Any = 1,
    create_missing: bool = False,
    now: datetime | None = None,
    progress: bool = False,
) -> ImportReport:
    """:meth:`Engine.award_retroactive`: points for past orders from a CSV file, all rows or
    none."""
    try:
        step = Decimal(str(per))
    except InvalidOperation:
        raise InputError([{"loc": ("per",), "msg": f"expected a number, got {per!r}"}]) from None
    if not step.is_finite() or step <= 0:
        raise InputError([{"loc": ("per",), "msg": f"per must be above zero, got {per}"}])

    def points_of(value: str) -> int:
        try:
            spent = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"total_spent must be a decimal amount, got {value!r}") from None
        if not spent.is_finite():
            raise ValueError(f"total_spent must be a decimal amount, got {value!r}")
        if spent < 0:
            raise ValueError(f"total_spent must not be negative, got {value}")
        return int(spent // step)

    return _run(engine, program, path, mode="retroactive", value_column="total_spent",
                points_of=points_of, create_missing=create_missing, now=now,
                progress=progress)  # fmt: skip


_ = new_id
