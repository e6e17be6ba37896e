"""The framework-free half of a partitioned simulation (``promotor.integrations.dask.simulate``):
split a piece of history into the orders a shared limit can decide and the rest, replay a
piece with :func:`promotor.simulate`, and merge the pieces' reports into the one report a
single ordered replay of the whole history gives.

Why it is exact (docs/architecture.md, "Stateful simulation on a cluster"): a counter is
either one customer's (its key has a ``customer=`` part: ``per: customer`` limits) or shared
by all (totals, budgets, per-code and per-period limits). Whether an order's campaigns pass
their rules reads no counter, and a campaign's limits are read only once it has passed, so
:func:`promotor._native.shared_orders` finds, without any state, the orders whose decision a
shared counter can change (a campaign whose rules read the discounted cart reads what the
campaigns before it took, which their limits decide: it counts as passing whenever its code
and activity admit the order). A customer with such an order is *involved*: every order of every
involved customer is replayed in one ordered pass from the whole starting state. Every other
customer reads and writes only their own counters, so their orders are replayed per partition
of customers, in any number of pieces, from their own counters. Each order is then decided on
exactly the counter values the single replay gives it; the report's tallies are sums over
orders except a few firsts, lasts and budget values, which only the involved pass can move.

Programmes (DESIGN section 10): loyalty lots and tiers are one customer's (their keys name
the customer), so they stay with the customer's piece. Codes and gift cards are not: a pool
code, an issued code or an advocate's code is found by whoever types it, a gift card pays for
whoever holds it, and a referral ties a friend to an advocate (whose reward may be points).
So an order giving a code no campaign defines (when the engine reads such codes) or paying
with a gift card is shared too (``shared_orders``), and so is every order of the advocates
and friends of the starting state (:func:`referral_people`): their referral state, and the
points it rewards, move in the ordered pass. Points and balances at the end are read from
the merged counters (``_native.standing``), not added up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import _native
from .._batch import _pyarrow, c_stream
from ._replay import simulate
from ._report import Report, Run

if TYPE_CHECKING:
    from ..engine import Engine

#: Columns the partitioned simulation adds to the orders (and lines) while it works.
POS = "__promotor_position"
PART = "__promotor_part"


def is_local(key: str) -> bool:
    """Whether a counter key is one customer's (a ``customer=`` part): ``|`` inside values
    is escaped, so splitting on it is exact."""
    return any(part.startswith("customer=") for part in key.split("|"))


def local_state(state: Mapping[str, int]) -> dict[str, int]:
    return {k: v for k, v in state.items() if is_local(k)}


def referral_people(state: Mapping[str, int]) -> list[str]:
    """The advocates and referred friends of referral programmes in ``state``: their orders
    move referral state shared with another customer."""
    from ..programs.keys import unescape

    out = set()
    for key in state:
        if not key.startswith("referral|"):
            continue
        for part in key.partition("#")[0].split("|"):
            name, _, value = part.partition("=")
            if name in ("advocate", "friend"):
                out.add(unescape(value))
    return sorted(out)


@dataclass(frozen=True, slots=True)
class Piece:
    """One replayed piece: each order's ``created_at`` and global position (in the order of
    its rows: time order), the runs of its report, the cost of its orders and the counters it
    started from."""

    times: Any
    positions: Any
    runs: dict[str, Run]
    cost_minor: int | None
    state: dict[str, int]


def split(
    engines: Sequence[Engine], orders: Any, lines: Any, people: Sequence[str] = ()
) -> tuple[Any, Any, Any, Any]:
    """``(rest, rest_lines, involved, involved_lines)``: the orders of customers some shared
    counter can decide (and orders without a customer that one can), of ``people`` (the
    starting state's advocates and friends), and the others, with their lines (``None``
    without a lines table). ``orders`` holds whole customers."""
    pa = _pyarrow()
    import pyarrow.compute as pc  # type: ignore[import-untyped,unused-ignore]

    work = orders.drop_columns([c for c in (POS, PART) if c in orders.column_names])
    stream = None if lines is None else c_stream(_bare(lines))
    flags = pa.array(
        _native.shared_orders([e._program for e in engines], c_stream(work), stream),
        pa.bool_(),
    )
    if "customer_id" in orders.column_names:
        customer = orders.column("customer_id")
        touched = pc.unique(pc.filter(customer, flags)).drop_null()
        involved = pc.or_(
            pc.fill_null(pc.is_in(customer, value_set=touched), False),
            pc.and_(pc.is_null(customer), flags),
        )
        if people:
            text = pc.cast(customer, pa.string())
            mentioned = pc.is_in(text, value_set=pa.array(people, pa.string()))
            involved = pc.or_(involved, pc.fill_null(mentioned, False))
    else:
        involved = flags
    rest = pc.invert(involved)
    mine, others = orders.filter(involved), orders.filter(rest)
    if lines is None:
        return others, None, mine, None
    ids = mine.column("order_id")
    of_mine = pc.is_in(lines.column("order_id"), value_set=ids)
    return others, lines.filter(pc.invert(of_mine)), mine, lines.filter(of_mine)


def _bare(table: Any) -> Any:
    return table.drop_columns([c for c in (POS, PART) if c in table.column_names])


def replay(
    engines: dict[str, Engine],
    orders: Sequence[Any],
    lines: Sequence[Any] | None,
    customers: Any,
    state: Mapping[str, int],
    timezone: str,
    keep_orders: bool,
    pools: list[tuple[str, str, str, str | None]] | None = None,
) -> Piece:
    """Replays the concatenated ``orders`` (each with the position column) in time order,
    ties by position, through :func:`promotor.simulate` from ``state``."""
    pa = _pyarrow()
    import pyarrow.compute as pc

    table = pa.concat_tables(orders, promote_options="permissive")
    if "created_at" in table.column_names and table.num_rows > 1:
        table = table.take(
            pc.sort_indices(table, [("created_at", "ascending"), (POS, "ascending")])
        )
    positions = table.column(POS)
    times = table.column("created_at").cast(pa.timestamp("us")).cast(pa.int64())
    lines_table = None
    if lines is not None:
        lines_table = pa.concat_tables(lines, promote_options="permissive")
        lines_table = _bare(lines_table.take(pc.sort_indices(lines_table, [(POS, "ascending")])))
    names = list(engines)
    report = simulate(
        engines[names[0]],
        _bare(table),
        lines_table,
        customers=customers,
        variants={n: engines[n] for n in names[1:]},
        state=dict(state),
        timezone=timezone,
        progress=False,
        keep_orders=keep_orders,
        pools=pools,
        final_counters=True,
    )
    return Piece(times, positions, report._runs, report._cost_minor, dict(state))


def merge(
    pieces: Sequence[Piece],
    start: Mapping[str, int],
    engines: Mapping[str, Engine],
    *,
    kind: str,
    currency: str,
    exponent: int,
    timezone: str,
) -> Report:
    """The report of one ordered replay of every piece's orders from ``start``."""
    names = list(pieces[0].runs)
    runs = {n: _merge_run(n, [p.runs[n] for p in pieces], pieces, start, engines[n]) for n in names}
    costs = [p.cost_minor for p in pieces if p.cost_minor is not None]
    return Report(
        runs,
        kind=kind,
        currency=currency,
        exponent=exponent,
        timezone=timezone,
        cost_minor=sum(costs) if costs else None,
    )


def _merge_run(
    name: str, runs: list[Run], pieces: Sequence[Piece], start: Mapping[str, int], engine: Engine
) -> Run:
    pa = _pyarrow()
    import pyarrow.compute as pc

    tallies = [r.tally for r in runs]
    summary = detail = None
    if runs[0].summary is not None:
        import numpy as np

        # one replay gives the rows in time order, equal times by position
        pos = pa.chunked_array([p.positions for p in pieces], pa.int64()).to_numpy()
        times = pa.chunked_array([p.times for p in pieces], pa.int64()).to_numpy()
        order = np.lexsort((pos, times))
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        summary = pa.concat_tables([r.summary for r in runs]).take(pa.array(order))
        detail = pa.concat_tables([r.detail for r in runs])
        counts = pc.list_value_length(pa.concat_tables([r.summary for r in runs]).column("applied"))
        detail_rank = np.repeat(rank, counts.to_numpy(zero_copy_only=False))
        detail = detail.take(pa.array(np.argsort(detail_rank, kind="stable")))
    return Run(
        name=name,
        tally=merge_tallies(tallies, [p.state for p in pieces], start, engine),
        summary=summary,
        detail=detail,
    )


def _min(values: Sequence[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _max(values: Sequence[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def merge_tallies(
    tallies: Sequence[dict[str, Any]],
    starts: Sequence[Mapping[str, int]],
    start: Mapping[str, int],
    engine: Engine | None = None,
) -> dict[str, Any]:
    """One tally from the tallies of pieces whose orders share no counter that any two of
    them move, each replayed from ``starts[i]``, as one replay from ``start`` counts it.

    Sums, except: ``first_at`` and each campaign's ``exhausted_at`` (the earliest),
    ``last_at`` (the latest), the budget a campaign has used and a day's budget row (only a
    piece that redeems a budgeted campaign moves its shared counter: pieces other than the
    involved one start without shared counters, so theirs read 0), and the counters (the
    start plus what each piece moved)."""
    first = tallies[0]
    ids = [c[0] for c in first["campaigns"]]
    index = {cid: i for i, cid in enumerate(ids)}
    campaigns = []
    for ci, cid in enumerate(ids):
        rows = [t["campaigns"][ci] for t in tallies]
        used = [r[8] for r in rows]
        campaigns.append(
            (
                cid,
                sum(r[1] for r in rows),
                sum(r[2] for r in rows),
                sum(r[3] for r in rows),
                sum(r[4] for r in rows),
                sum(r[5] for r in rows),
                _min([r[6] for r in rows]),
                rows[0][7],
                None if used[0] is None else sum(u or 0 for u in used),
            )
        )
    days: dict[tuple[int, str], list[Any]] = {}
    for t in tallies:
        for day, cid, redemptions, discount, used in t["days"]:
            row = days.setdefault((day, cid), [0, 0, None])
            row[0] += redemptions
            row[1] += discount
            if used is not None:
                row[2] = used
    day_orders: dict[int, int] = {}
    for t in tallies:
        for day, n in t["day_orders"]:
            day_orders[day] = day_orders.get(day, 0) + n
    segments: dict[tuple[str, str | None], list[int]] = {}
    for t in tallies:
        for seg, cid, orders, redemptions, discount in t["segments"]:
            row = segments.setdefault((seg, cid), [0, 0, 0])
            row[0] += orders
            row[1] += redemptions
            row[2] += discount
    counters = dict(start)
    for t, given in zip(tallies, starts, strict=True):
        moved = t["counters"]
        for key in set(moved) | set(given):
            counters[key] = counters.get(key, 0) + moved.get(key, 0) - given.get(key, 0)
    merged = {k: v for k, v in counters.items() if v != 0}
    last_at = _max([t["last_at"] for t in tallies])
    return {
        **_merge_programmes(tallies, merged, last_at, engine),
        "exponent": first["exponent"],
        "orders": sum(t["orders"] for t in tallies),
        "totals": [sum(t["totals"][i] for t in tallies) for i in range(4)],
        "first_at": _min([t["first_at"] for t in tallies]),
        "last_at": _max([t["last_at"] for t in tallies]),
        "campaigns": campaigns,
        "days": [
            (day, cid, *days[(day, cid)])
            for day, cid in sorted(days, key=lambda k: (k[0], index[k[1]]))
        ],
        "day_orders": sorted(day_orders.items()),
        "segments": [
            (seg, cid, *segments[(seg, cid)])
            for seg, cid in sorted(
                segments, key=lambda k: (k[0].encode(), -1 if k[1] is None else index[k[1]])
            )
        ],
        "counters": merged,
    }


def _merge_programmes(
    tallies: Sequence[dict[str, Any]],
    counters: dict[str, int],
    last_at: int | None,
    engine: Engine | None,
) -> dict[str, Any]:
    """The programme tallies: flows (points earned and paid, tier changes, referrals, gift
    cards paying, codes) add up, each customer's in one piece; what is held at the end
    (balances, members per tier, cards) is read from the merged counters at ``last_at``."""
    first = tallies[0]
    standing: list[Any] = []
    cards: tuple[int, int] = (0, 0)
    if engine is not None:
        standing, cards = _native.standing(engine._program, counters, last_at or 0)
    loyalty = []
    for i, row in enumerate(first["loyalty"]):
        rows = [t["loyalty"][i] for t in tallies]
        changes: dict[tuple[int, str | None], list[int]] = {}
        for r in rows:
            for day, tier, up, down in r[9]:
                c = changes.setdefault((day, tier), [0, 0])
                c[0] += up
                c[1] += down
        order = [None, *(t for t, _ in row[8] if t is not None)]
        members, available, pending, tiers = standing[i] if standing else (0, 0, 0, row[8])
        loyalty.append(
            (
                row[0],
                *(sum(r[k] for r in rows) for k in (1, 2, 3, 4)),
                members,
                available,
                pending,
                tiers,
                [
                    (day, tier, *changes[(day, tier)])
                    for day, tier in sorted(changes, key=lambda k: (k[0], order.index(k[1])))
                ],
            )
        )
    referral = []
    for i, row in enumerate(first["referral"]):
        rows = [t["referral"][i] for t in tallies]
        kinds: dict[str, int] = {}
        for r in rows:
            for k, v in r[4].items():
                kinds[k] = kinds.get(k, 0) + v
        referral.append((row[0], *(sum(r[k] for r in rows) for k in (1, 2, 3)), kinds))
    flows = [sum(t["gift_cards"][k] for t in tallies) for k in range(4)]
    codes = [
        (c[0], sum(t["codes"][i][1] for t in tallies), sum(t["codes"][i][2] for t in tallies))
        for i, c in enumerate(first["codes"])
    ]
    return {
        "loyalty": loyalty,
        "referral": referral,
        "gift_cards": (*flows, *cards),
        "codes": codes,
    }
