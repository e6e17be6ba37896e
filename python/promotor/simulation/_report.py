"""The report of a simulation: tables in the caller's dataframe type, exact money
(``decimal128`` columns, ``Decimal`` values), a comparison of variants, a budget forecast,
figures and a self-contained HTML page."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from .._batch import _back, _pyarrow

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY0 = date(1970, 1, 1)

#: Days of history the forecast's "recent rate" reads.
FORECAST_WINDOW_DAYS = 7

#: The columns :meth:`Report.compare` adds on each variant's total row when an engine has
#: programmes, issued codes or orders paying with gift cards (null on campaign rows).
PROGRAMME_COLUMNS = (
    "points_earned",
    "points_redeemed",
    "points_outstanding",
    "tier_upgrades",
    "referral_conversions",
    "referral_rewards",
    "gift_card_redeemed",
    "codes_redeemed",
)


@dataclass(frozen=True, slots=True)
class Run:
    """One engine's replay: the Rust tally and, unless dropped, the per-order tables."""

    name: str
    tally: dict[str, Any]
    summary: Any
    detail: Any


@dataclass(frozen=True, slots=True)
class Forecast:
    """When a campaign's budget runs out at the recent rate.

    ``daily_rate``: discount per day over the last ``window_days`` days of the history;
    ``runs_out_at``: ``None`` when the budget is not used up at that rate in any finite time
    (no recent spending); equal to ``exhausted_at`` when it ran out within the history."""

    campaign_id: str
    budget: Decimal
    used: Decimal
    remaining: Decimal
    daily_rate: Decimal
    window_days: int
    exhausted_at: datetime | None
    runs_out_at: datetime | None


def _at(us: int | None) -> datetime | None:
    return None if us is None else _EPOCH + timedelta(microseconds=us)


class Report:
    """What :func:`promotor.simulate` returns. Tables come back in the type of the orders
    given (pyarrow, polars or pandas); money columns are exact decimals in the engine's
    currency. ``report.variants`` names the runs: ``"baseline"`` first."""

    def __init__(
        self,
        runs: dict[str, Run],
        *,
        kind: str,
        currency: str,
        exponent: int,
        timezone: str,
        cost_minor: int | None,
    ) -> None:
        self._runs = runs
        self._kind = kind
        self.currency = currency
        self.exponent = exponent
        self.timezone = timezone
        self._cost_minor = cost_minor

    # -- plumbing ------------------------------------------------------------------------

    @property
    def variants(self) -> list[str]:
        return list(self._runs)

    def _run(self, variant: str | None) -> Run:
        name = "baseline" if variant is None else variant
        if name not in self._runs:
            raise KeyError(f"no variant {name!r}; the report has {', '.join(self._runs)}")
        return self._runs[name]

    def _money(self, minor: int | None) -> Decimal | None:
        if minor is None:
            return None
        return Decimal(minor).scaleb(-self.exponent)

    def _money_type(self) -> Any:
        return _pyarrow().decimal128(18, self.exponent)

    def _out(self, table: Any) -> Any:
        return _back(table, self._kind)

    # -- tables (pyarrow; the public properties convert) ---------------------------------

    def _campaigns(self, variant: str | None = None) -> Any:
        pa = _pyarrow()
        rows = self._run(variant).tally["campaigns"]
        money = self._money_type()
        return pa.table(
            {
                "campaign_id": pa.array([r[0] for r in rows], pa.string()),
                "orders": pa.array([r[1] for r in rows], pa.int64()),
                "redemptions": pa.array([r[2] for r in rows], pa.int64()),
                "discount": pa.array([self._money(r[3]) for r in rows], money),
                "budget": pa.array([self._money(r[7]) for r in rows], money),
                "budget_used": pa.array([self._money(r[8]) for r in rows], money),
                "exhausted_at": pa.array([_at(r[6]) for r in rows], pa.timestamp("us", "UTC")),
                "limited_by_budget": pa.array([r[4] for r in rows], pa.int64()),
                "refused": pa.array([r[5] for r in rows], pa.int64()),
            }
        )

    def _daily(self, variant: str | None = None) -> Any:
        pa = _pyarrow()
        tally = self._run(variant).tally
        budgets = {r[0]: r[7] for r in tally["campaigns"]}
        rows = tally["days"]
        remaining = []
        last: dict[str, int | None] = {}
        for _day, cid, _, _, used in rows:
            if used is not None:
                last[cid] = used
            b = budgets.get(cid)
            u = last.get(cid)
            remaining.append(None if b is None or u is None else self._money(b - u))
        return pa.table(
            {
                "day": pa.array([_DAY0 + timedelta(days=r[0]) for r in rows], pa.date32()),
                "campaign_id": pa.array([r[1] for r in rows], pa.string()),
                "redemptions": pa.array([r[2] for r in rows], pa.int64()),
                "discount": pa.array([self._money(r[3]) for r in rows], self._money_type()),
                "budget_remaining": pa.array(remaining, self._money_type()),
            }
        )

    def _segments(self, variant: str | None = None) -> Any:
        pa = _pyarrow()
        rows = self._run(variant).tally["segments"]
        orders = {r[0]: r[2] for r in rows if r[1] is None}
        rows = [r for r in rows if r[1] is not None]
        return pa.table(
            {
                "segment": pa.array([r[0] for r in rows], pa.string()),
                "orders": pa.array([orders.get(r[0], 0) for r in rows], pa.int64()),
                "campaign_id": pa.array([r[1] for r in rows], pa.string()),
                "redemptions": pa.array([r[3] for r in rows], pa.int64()),
                "discount": pa.array([self._money(r[4]) for r in rows], self._money_type()),
            }
        )

    # Programmes (DESIGN section 10): tallies the Rust replay keeps while it runs.

    def _has_programmes(self) -> bool:
        """Whether any run has a programme, issued codes, or orders paid by gift cards."""
        return any(
            t["loyalty"] or t["referral"] or t["codes"] or any(t["gift_cards"])
            for t in (r.tally for r in self._runs.values())
        )

    def _loyalty(self, variant: str | None = None) -> Any:
        pa = _pyarrow()
        rows = self._run(variant).tally["loyalty"]
        return pa.table(
            {
                "program_id": pa.array([r[0] for r in rows], pa.string()),
                "points_earned": pa.array([r[1] for r in rows], pa.int64()),
                "earning_orders": pa.array([r[2] for r in rows], pa.int64()),
                "points_redeemed": pa.array([r[3] for r in rows], pa.int64()),
                "redeemed_value": pa.array([self._money(r[4]) for r in rows], self._money_type()),
                "points_outstanding": pa.array([r[6] + r[7] for r in rows], pa.int64()),
                "points_pending": pa.array([r[7] for r in rows], pa.int64()),
                "members": pa.array([r[5] for r in rows], pa.int64()),
                "upgrades": pa.array([sum(c[2] for c in r[9]) for r in rows], pa.int64()),
            }
        )

    def _tiers(self, variant: str | None = None) -> Any:
        pa = _pyarrow()
        out: dict[str, list[Any]] = {"program_id": [], "tier": [], "members": [], "upgrades": []}
        for r in self._run(variant).tally["loyalty"]:
            ups: dict[str | None, int] = {}
            for _day, tier, up, _down in r[9]:
                ups[tier] = ups.get(tier, 0) + up
            for tier, members in r[8]:
                for k, v in zip(out, (r[0], tier, members, ups.get(tier, 0)), strict=True):
                    out[k].append(v)
        types = {"program_id": pa.string(), "tier": pa.string()}
        return pa.table({k: pa.array(v, types.get(k, pa.int64())) for k, v in out.items()})

    def _tier_changes(self, variant: str | None = None) -> Any:
        pa = _pyarrow()
        rows = [
            (day, r[0], tier, up, down)
            for r in self._run(variant).tally["loyalty"]
            for day, tier, up, down in r[9]
        ]
        return pa.table(
            {
                "day": pa.array([_DAY0 + timedelta(days=r[0]) for r in rows], pa.date32()),
                "program_id": pa.array([r[1] for r in rows], pa.string()),
                "tier": pa.array([r[2] for r in rows], pa.string()),
                "upgrades": pa.array([r[3] for r in rows], pa.int64()),
                "downgrades": pa.array([r[4] for r in rows], pa.int64()),
            }
        )

    def _referrals(self, variant: str | None = None) -> Any:
        pa = _pyarrow()
        rows = self._run(variant).tally["referral"]
        kinds = ("code", "points", "gift_card")
        cols = {
            "program_id": pa.array([r[0] for r in rows], pa.string()),
            "referred": pa.array([r[1] for r in rows], pa.int64()),
            "conversions": pa.array([r[2] for r in rows], pa.int64()),
            "rewarded": pa.array([r[3] for r in rows], pa.int64()),
            "rewards_issued": pa.array([sum(r[4].values()) for r in rows], pa.int64()),
        }
        for k in kinds:
            cols[f"rewards_{k}"] = pa.array([r[4].get(k, 0) for r in rows], pa.int64())
        return pa.table(cols)

    def _gift_cards(self, variant: str | None = None) -> Any:
        pa = _pyarrow()
        payments, redeemed, issued, issued_value, cards, balance = self._run(variant).tally[
            "gift_cards"
        ]
        money = self._money_type()
        return pa.table(
            {
                "payments": pa.array([payments], pa.int64()),
                "redeemed": pa.array([self._money(redeemed)], money),
                "issued": pa.array([issued], pa.int64()),
                "issued_value": pa.array([self._money(issued_value)], money),
                "cards": pa.array([cards], pa.int64()),
                "balance": pa.array([self._money(balance)], money),
            }
        )

    def _codes(self, variant: str | None = None) -> Any:
        pa = _pyarrow()
        rows = self._run(variant).tally["codes"]
        return pa.table(
            {
                "campaign_id": pa.array([r[0] for r in rows], pa.string()),
                "issued": pa.array([r[1] for r in rows], pa.int64()),
                "redeemed": pa.array([r[2] for r in rows], pa.int64()),
            }
        )

    def _programme_totals(self, t: dict[str, Any]) -> tuple[Any, ...]:
        """A run's programme figures for its total row in :meth:`compare`."""
        loyalty, referral = t["loyalty"], t["referral"]
        return (
            sum(r[1] for r in loyalty),
            sum(r[3] for r in loyalty),
            sum(r[6] + r[7] for r in loyalty),
            sum(c[2] for r in loyalty for c in r[9]),
            sum(r[2] for r in referral),
            sum(sum(r[4].values()) for r in referral),
            self._money(t["gift_cards"][1]),
            sum(r[2] for r in t["codes"]),
        )

    def _compare(self) -> Any:
        pa = _pyarrow()
        cols: dict[str, list[Any]] = {
            k: []
            for k in (
                "variant",
                "campaign_id",
                "orders",
                "redemptions",
                "discount",
                "budget_used",
                "revenue",
                "margin",
            )
        }
        programmes = self._has_programmes()
        extra = PROGRAMME_COLUMNS if programmes else ()
        cols.update({k: [] for k in extra})
        for name, run in self._runs.items():
            t = run.tally
            for r in t["campaigns"]:
                row: tuple[Any, ...] = (
                    name, r[0], r[1], r[2], self._money(r[3]), self._money(r[8]), None, None
                )  # fmt: skip
                for k, v in zip(cols, row + (None,) * len(extra), strict=True):
                    cols[k].append(v)
            _subtotal, shipping, discount, total = t["totals"]
            margin = None
            if self._cost_minor is not None:
                margin = self._money(total - shipping - self._cost_minor)
            row = (
                name,
                None,
                t["orders"],
                sum(r[2] for r in t["campaigns"]),
                self._money(discount),
                None,
                self._money(total),
                margin,
            )
            if programmes:
                row += self._programme_totals(t)
            for k, v in zip(cols, row, strict=True):
                cols[k].append(v)
        money = self._money_type()
        types = {
            "variant": pa.string(),
            "campaign_id": pa.string(),
            "orders": pa.int64(),
            "redemptions": pa.int64(),
            "discount": money,
            "budget_used": money,
            "revenue": money,
            "margin": money,
            "gift_card_redeemed": money,
        }
        return pa.table({k: pa.array(v, types.get(k, pa.int64())) for k, v in cols.items()})

    # -- public tables -------------------------------------------------------------------

    @property
    def orders(self) -> Any:
        """Per order (baseline): ``order_id, subtotal, discount, shipping_discount, total,
        applied``, as :meth:`Engine.evaluate_batch` gives them, decided with state."""
        return self.orders_of(None)

    def orders_of(self, variant: str | None) -> Any:
        run = self._run(variant)
        if run.summary is None:
            raise ValueError("simulated with keep_orders=False: no per-order table")
        return self._out(run.summary)

    @property
    def applied(self) -> Any:
        """Per applied campaign (baseline): ``order_id, campaign_id, amount``."""
        run = self._run(None)
        if run.detail is None:
            raise ValueError("simulated with keep_orders=False: no per-order table")
        return self._out(run.detail)

    @property
    def campaigns(self) -> Any:
        """Per campaign (baseline): ``campaign_id, orders`` (orders whose rules it passed),
        ``redemptions``, ``discount`` (shipping included), ``budget`` and ``budget_used`` (its
        first budget without a period; null without), ``exhausted_at`` (``created_at`` of the
        first order its budget or total limit refused), ``limited_by_budget``, ``refused``."""
        return self._out(self._campaigns())

    def campaigns_of(self, variant: str) -> Any:
        return self._out(self._campaigns(variant))

    @property
    def daily(self) -> Any:
        """Per local day (in ``timezone``) and campaign (baseline): ``day, campaign_id,
        redemptions, discount, budget_remaining`` (after its last redemption that day)."""
        return self._out(self._daily())

    @property
    def segments(self) -> Any:
        """Per customer segment and campaign (baseline): ``segment, orders`` (orders of the
        segment), ``campaign_id, redemptions, discount``."""
        return self._out(self._segments())

    @property
    def loyalty(self) -> Any:
        """Per loyalty programme (baseline): ``program_id, points_earned`` (orders and
        referral rewards, pending included), ``earning_orders, points_redeemed`` (points that
        paid orders), ``redeemed_value`` (what they paid), ``points_outstanding`` (available
        and pending at the last order, debts netted), ``points_pending, members`` (customers
        holding any points state), ``upgrades`` (tier changes up)."""
        return self._out(self._loyalty())

    @property
    def tiers(self) -> Any:
        """Per loyalty programme and tier (baseline; ``tier`` null: no tier): ``members`` at
        the last order and ``upgrades`` (customers who moved up into it during the replay)."""
        return self._out(self._tiers())

    @property
    def tier_changes(self) -> Any:
        """Tier changes over time (baseline): ``day, program_id, tier`` (the tier reached),
        ``upgrades, downgrades``. A tier reached by an order lifts the points of later orders,
        so it shows here before the earning it unlocks."""
        return self._out(self._tier_changes())

    @property
    def referrals(self) -> Any:
        """Per referral programme (baseline): ``referred`` (friends' orders its friend
        campaign applied to), ``conversions, rewarded`` (conversions counted toward reward
        tiers), ``rewards_issued`` and by kind ``rewards_code, rewards_points,
        rewards_gift_card``."""
        return self._out(self._referrals())

    @property
    def gift_cards(self) -> Any:
        """Gift cards (baseline), one row: ``payments`` and ``redeemed`` (value they paid),
        ``issued, issued_value`` (cards referral rewards issued), ``cards, balance`` (held
        at the end)."""
        return self._out(self._gift_cards())

    @property
    def codes(self) -> Any:
        """Per campaign taking pool or issued codes (baseline): ``campaign_id, issued``
        (codes issued during the replay), ``redeemed`` (orders it applied to with one)."""
        return self._out(self._codes())

    def compare(self) -> Any:
        """One row per variant and campaign, plus a total row per variant (``campaign_id``
        null): ``variant, campaign_id, orders, redemptions, discount, budget_used``, and on
        total rows ``revenue`` (sum of totals) and ``margin`` (revenue less shipping less the
        orders' ``cost``; null without a cost column). With programmes, issued codes or gift
        cards, total rows also carry :data:`PROGRAMME_COLUMNS`."""
        return self._out(self._compare())

    def forecast(self, campaign_id: str, variant: str | None = None) -> Forecast:
        """When ``campaign_id``'s budget runs out at the rate of the last
        :data:`FORECAST_WINDOW_DAYS` days of the history."""
        tally = self._run(variant).tally
        row = next((r for r in tally["campaigns"] if r[0] == campaign_id), None)
        if row is None:
            raise KeyError(f"no campaign {campaign_id!r}")
        if row[7] is None:
            raise ValueError(f"campaign {campaign_id!r} has no budget without a period")
        budget, used = row[7], row[8] or 0
        last_at = tally["last_at"]
        exhausted = _at(row[6])
        end = _at(last_at) if last_at is not None else None
        spent = 0
        if end is not None:
            last_day = max((d for d, *_ in tally["days"]), default=0)
            first = last_day - FORECAST_WINDOW_DAYS + 1
            spent = sum(r[3] for r in tally["days"] if r[1] == campaign_id and r[0] >= first)
        rate = Decimal(spent).scaleb(-self.exponent) / FORECAST_WINDOW_DAYS
        remaining = budget - used
        runs_out: datetime | None
        if remaining <= 0 or exhausted is not None:
            runs_out = exhausted or end
        elif rate <= 0 or end is None:
            runs_out = None
        else:
            days = self._money(remaining) / rate  # type: ignore[operator]
            runs_out = end + timedelta(seconds=int(days * 86_400))
        return Forecast(
            campaign_id=campaign_id,
            budget=self._money(budget),  # type: ignore[arg-type]
            used=self._money(used),  # type: ignore[arg-type]
            remaining=self._money(max(remaining, 0)),  # type: ignore[arg-type]
            daily_rate=rate.quantize(Decimal(1).scaleb(-self.exponent)),
            window_days=FORECAST_WINDOW_DAYS,
            exhausted_at=exhausted,
            runs_out_at=runs_out,
        )

    # -- notebooks -----------------------------------------------------------------------

    def plot(self, kind: str = "burn_down") -> Any:
        """A matplotlib Figure: ``"burn_down"`` (budget left, or discount given, day by day),
        ``"cost_by_campaign"`` (discount per campaign and variant) or
        ``"discount_distribution"`` (per-order discounts, orders with one)."""
        from ._plots import plot

        return plot(self, kind)

    def _repr_html_(self) -> str:
        from ._html import report_html

        return report_html(self, figures=False, page=False)

    def to_html(self, path: str | Path) -> Path:
        """Writes one self-contained page: the comparison, the campaign, daily and segment
        tables, forecasts and the figures (PNG images inlined; tables only without
        matplotlib)."""
        from ._html import report_html

        out = Path(path)
        out.write_text(report_html(self, figures=True, page=True), encoding="utf-8")
        return out

    def __repr__(self) -> str:
        t = self._run(None).tally
        return (
            f"<Report {t['orders']} orders, {len(t['campaigns'])} campaigns, "
            f"variants {', '.join(self._runs)}>"
        )

    def _escape(self, v: Any) -> str:
        return html.escape("" if v is None else str(v))
