"""promotor.integrations.dask.simulate on a real LocalCluster with worker processes: the same
report as pm.simulate on one machine (every per-order row, every tally: campaigns, days,
segments, counters), on hand-checked histories where a shared budget running out changes
which campaign applies and so what a customer's once-per-customer code does later, on the
sample history with lines and customers tables, and on generated engines and histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import promotor as pm  # noqa: E402
from promotor import datasets  # noqa: E402
from promotor.effects import amount_off  # noqa: E402
from promotor.integrations import dask as pm_dask  # noqa: E402

from ..simulation.test_property_simulate import (  # noqa: E402
    _setup,
    histories,
    on_fresh_store,
    programme_engines,
    programme_order,
    programme_table,
    table,
)
from ..strategies import limited_engines  # noqa: E402
from ..twin import engine_or_skip  # noqa: E402
from .conftest import dask_frame  # noqa: E402

frame = dask_frame


def assert_same_report(got: pm.Report, want: pm.Report) -> None:
    """Every run: the per-order tables row for row, the tallies field for field, and the
    report's tables built from them."""
    assert got.variants == want.variants
    assert got._cost_minor == want._cost_minor
    for name in want.variants:
        g, w = got._run(name), want._run(name)
        assert "counters" in w.tally  # the final counters are compared too
        for key, value in w.tally.items():
            assert g.tally[key] == value, (name, key)
        for kind in ("_campaigns", "_daily", "_segments"):
            assert getattr(got, kind)(name).equals(getattr(want, kind)(name)), (name, kind)
        if w.summary is None:
            assert g.summary is None
            continue
        assert g.summary.to_pylist() == w.summary.to_pylist(), name
        assert g.detail.to_pylist() == w.detail.to_pylist(), name
    assert got._compare().equals(want._compare())


T0 = datetime(2026, 11, 27, 9, tzinfo=UTC)


def black_friday() -> pm.Engine:
    """``bf``: 4.00 off baskets of 50 or more, exclusive, on an 8.00 budget shared by every
    customer; ``welcome``: the code WELCOME, 5.00 off once per customer; ``backup``: 1.00 off
    every order."""
    return pm.Engine(
        [
            pm.Campaign(
                "bf",
                rules="cart.subtotal >= 50",
                effect=amount_off(4),
                exclusive=True,
                priority=10,
                limits=(pm.budget("8.00", partial=False),),
            ),
            pm.Campaign(
                "welcome",
                code="WELCOME",
                effect=amount_off(5),
                limits=(pm.limit(1, per="customer"),),
            ),
            pm.Campaign("backup", effect=amount_off(1)),
        ]
    )


# (order, customer, price, minutes after T0); every order gives the code WELCOME
HISTORY = [
    ("o1", "a", 60, 0),
    ("o2", "b", 60, 1),
    ("o3", "c", 60, 2),
    ("o4", "a", 60, 3),
    ("o5", "c", 60, 4),
    ("o6", "d", 20, 5),
    ("o7", "d", 20, 6),
]


def history_table(rows: list[tuple[str, str, int, int]] = HISTORY) -> Any:
    item = pa.struct(
        [("sku", pa.string()), ("price", pa.decimal128(12, 2)), ("quantity", pa.int64())]
    )
    return pa.table(
        {
            "order_id": [r[0] for r in rows],
            "customer_id": [r[1] for r in rows],
            "created_at": pa.array(
                [T0 + timedelta(minutes=r[3]) for r in rows], pa.timestamp("us", "UTC")
            ),
            "codes": pa.array([["WELCOME"]] * len(rows), pa.list_(pa.string())),
            "shipping": pa.array([Decimal(0)] * len(rows), pa.decimal128(12, 2)),
            "items": pa.array(
                [[{"sku": "A", "price": Decimal(r[2]), "quantity": 1}] for r in rows],
                pa.list_(item),
            ),
        }
    )


@pytest.mark.parametrize("npartitions", [1, 3])
def test_a_shared_budget_running_out_changes_later_orders(client: Any, npartitions: int) -> None:
    """By hand: o1 and o2 take bf (4.00 each, the budget is used up) and bf, exclusive, keeps
    a's WELCOME from applying on o1; from o3 bf is refused, so backup and WELCOME apply, and
    a's WELCOME on o4 now counts, c's second WELCOME (o5) is refused. d never reaches 50: its
    orders are replayed apart from the ordered pass, with the same once-per-customer limit."""
    engine = black_friday()
    orders = history_table()
    got = pm_dask.simulate(engine, frame(orders, npartitions), partitions=2)
    assert_same_report(got, pm.simulate(engine, orders, progress=False, final_counters=True))
    discounts = dict(zip(got.orders["order_id"], got.orders["discount"], strict=True))
    assert discounts == {
        "o1": Decimal("4.00"),
        "o2": Decimal("4.00"),
        "o3": Decimal("6.00"),
        "o4": Decimal("6.00"),
        "o5": Decimal("1.00"),
        "o6": Decimal("6.00"),
        "o7": Decimal("1.00"),
    }
    campaigns = got.campaigns.set_index("campaign_id")
    assert campaigns.loc["bf", "redemptions"] == 2
    assert campaigns.loc["bf", "budget_used"] == Decimal("8.00")
    assert campaigns.loc["bf", "refused"] == 3  # o3, o4, o5
    assert campaigns.loc["bf", "exhausted_at"] == T0 + timedelta(minutes=2)
    assert campaigns.loc["welcome", "redemptions"] == 3  # c on o3, a on o4, d on o6
    assert campaigns.loc["welcome", "refused"] == 2  # c on o5, d on o7
    assert got._run(None).tally["counters"] == {
        "budget|campaign=bf": 800,
        "count|campaign=welcome|customer=a": 1,
        "count|campaign=welcome|customer=c": 1,
        "count|campaign=welcome|customer=d": 1,
    }


def test_a_shared_campaign_on_the_discounted_cart_joins_the_ordered_pass(client: Any) -> None:
    """``small`` (a shared 5.00 budget) reads the discounted cart: it passes on a's 60.00 cart
    only after ``first`` (once per customer, so never shared) took 10.00. b's order uses the
    budget up first, so a's is refused it; a must be replayed in the ordered pass although
    ``small``'s rules fail on a's cart as given."""
    engine = pm.Engine(
        [
            pm.Campaign(
                "first",
                effect=amount_off(10),
                priority=10,
                limits=(pm.limit(1, per="customer"),),
            ),
            pm.Campaign(
                "small",
                rules="cart.subtotal < 55",
                rules_on="discounted",
                effect=amount_off(5),
                limits=(pm.budget("5.00", partial=False),),
            ),
        ]
    )
    orders = history_table([("o1", "b", 50, 0), ("o2", "a", 60, 1)]).drop_columns(["codes"])
    want = pm.simulate(engine, orders, progress=False, final_counters=True)
    assert want.orders["discount"].to_pylist() == [Decimal("15.00"), Decimal("10.00")]
    for npartitions in (1, 2):
        got = pm_dask.simulate(engine, frame(orders, npartitions), partitions=2)
        assert_same_report(got, want)


def test_starting_state_and_variants(client: Any) -> None:
    """From a snapshot with half the budget used and a's code already used, with a variant
    whose budget is larger: each run equals its single-machine replay."""
    engine = black_friday()
    bigger = pm.Engine(
        [
            c.model_copy(update={"limits": (pm.budget("100.00", partial=False),)})
            if c.id == "bf"
            else c
            for c in engine.campaigns
        ]
    )
    orders = history_table()
    state = {"budget|campaign=bf": 400, "count|campaign=welcome|customer=a": 1, "other": 7}
    kwargs: dict[str, Any] = {"variants": {"bigger": bigger}, "state": state}
    got = pm_dask.simulate(engine, frame(orders, 2), **kwargs)
    assert_same_report(
        got, pm.simulate(engine, orders, progress=False, final_counters=True, **kwargs)
    )
    discounts = dict(zip(got.orders["order_id"], got.orders["discount"], strict=True))
    assert discounts["o1"] == Decimal("4.00")
    assert discounts["o2"] == Decimal("6.00")  # bf refused (8.00 used): backup and WELCOME
    assert discounts["o4"] == Decimal("1.00")  # a's WELCOME was used before: backup alone
    assert got._run(None).tally["counters"]["other"] == 7


def test_without_shared_limits_every_order_is_replayed_per_partition(client: Any) -> None:
    engine = pm.Engine(
        [c for c in black_friday().campaigns if c.id != "bf"],
    )
    orders = history_table()
    got = pm_dask.simulate(engine, frame(orders, 3), keep_orders=False)
    assert_same_report(
        got, pm.simulate(engine, orders, progress=False, final_counters=True, keep_orders=False)
    )


def test_bad_input_is_refused_before_any_work(client: Any) -> None:
    orders = history_table()
    with pytest.raises(pm.errors.InputError, match="created_at"):
        pm_dask.simulate(black_friday(), frame(orders.drop_columns(["created_at"]), 2))
    with pytest.raises(pm.errors.InputError, match="order_id"):
        pm_dask.simulate(black_friday(), frame(orders.drop_columns(["order_id"]), 2))
    nulls = orders.set_column(
        orders.schema.get_field_index("created_at"),
        "created_at",
        pa.array([None] * orders.num_rows, pa.timestamp("us", "UTC")),
    )
    with pytest.raises(pm.errors.InputError, match="created_at must not be null"):
        pm_dask.simulate(black_friday(), frame(nulls, 2))
    with pytest.raises(ValueError, match="partitions"):
        pm_dask.simulate(black_friday(), frame(orders, 2), partitions=0)


def stateful_engine() -> pm.Engine:
    """The sample catalogue with the Black-Friday weekend on a budget, the BLCKFRDY code once
    per customer and free shipping capped at 300 orders in all."""
    campaigns = []
    for c in datasets.black_friday_campaigns(2025):
        if c.id == "bf-weekend":
            c = c.model_copy(update={"limits": (pm.budget("2500.00"),)})
        if c.id == "bf-code":
            c = c.model_copy(update={"limits": (pm.limit(1, per="customer"),)})
        if c.id == "free-shipping":
            c = c.model_copy(update={"limits": (pm.limit(300),)})
        campaigns.append(c)
    return pm.Engine(campaigns)


def test_sample_history_with_lines_and_customers(client: Any) -> None:
    from datetime import date

    sample = datasets.orders(
        3_000, seed=7, start=date(2025, 11, 20), end=date(2025, 12, 5), lines=True, customers=True
    )
    orders = sample.orders.drop_columns(["email", "segments"])
    engine = stateful_engine()
    want = pm.simulate(
        engine,
        orders,
        sample.lines,
        customers=sample.customers,
        progress=False,
        final_counters=True,
    )
    got = pm_dask.simulate(
        engine, frame(orders, 4), frame(sample.lines, 3), customers=sample.customers
    )
    assert_same_report(got, want)
    tally = want._run(None).tally
    rows = {r[0]: r for r in tally["campaigns"]}
    assert rows["bf-weekend"][6] is not None  # the budget ran out
    assert rows["free-shipping"][6] is not None  # so did the cap on free shipping
    assert tally["segments"]  # the customers table was joined


#: Each case is a Dask computation (about half a second on the cluster): 25 in `make test`,
#: 400 under the slow and check profiles.
EXAMPLES = 25 if settings.default.max_examples <= 300 else 400


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    limited_engines(),
    histories,
    st.integers(1, 3),
    st.sampled_from([None, 1, 2, 3]),
    st.data(),
)
def test_property_dask_simulate_equals_simulate(
    client: Any,
    engine_ir: dict[str, Any],
    history: list[dict[str, Any]],
    npartitions: int,
    partitions: int | None,
    data: st.DataObject,
) -> None:
    engine = engine_or_skip(engine_ir)
    orders = table(history)
    want = pm.simulate(engine, orders, progress=False, final_counters=True)
    # half the time, start from counters like the ones this history moves
    state = None
    moved = want._run(None).tally["counters"]
    if moved and data.draw(st.booleans()):
        state = {k: data.draw(st.integers(0, v)) for k, v in moved.items()}
        want = pm.simulate(engine, orders, state=state, progress=False, final_counters=True)
    note(f"state={state} npartitions={npartitions} partitions={partitions}")
    got = pm_dask.simulate(engine, frame(orders, npartitions), state=state, partitions=partitions)
    assert_same_report(got, want)


def test_points_and_tiers_stay_with_their_customer(client: Any) -> None:
    """A loyalty programme alone shares nothing across customers: every order is replayed in
    its customer's piece, and a tier reached early lifts that customer's later earnings."""
    engine = pm.Engine(
        [pm.Campaign("ship", effect=amount_off(1))],
        programs=[
            pm.Loyalty(
                id="points",
                earn=[pm.earn(points=1, per=1)],
                tiers=[pm.LoyaltyTier("gold", points=100, multiplier=2)],
            )
        ],
    )
    rows = [(f"o{i}", "abcd"[i % 4], 60, i) for i in range(12)]
    orders = history_table(rows).drop_columns(["codes"])
    want = pm.simulate(engine, orders, progress=False, final_counters=True)
    assert [r["program_id"] for r in want.loyalty.to_pylist()] == ["points"]
    assert {r["tier"]: r["members"] for r in want.tiers.to_pylist()} == {None: 0, "gold": 4}
    # 3 orders each of 59.00 paid: 59 and 59 points reach gold (100), read before the 3rd
    # order, which earns double.
    assert want.loyalty.to_pylist()[0]["points_earned"] == 4 * (59 + 59 + 118)
    from promotor.simulation._partitioned import split

    rest, _, mine, _ = split([engine], orders, None)
    assert (rest.num_rows, mine.num_rows) == (12, 0)
    got = pm_dask.simulate(engine, frame(orders, 3), partitions=3)
    assert_same_report(got, want)


@settings(
    max_examples=max(EXAMPLES // 2, 5),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    programme_engines(),
    st.lists(programme_order, min_size=1, max_size=20),
    st.integers(1, 3),
    st.sampled_from([None, 2, 3]),
)
def test_property_dask_simulate_with_programmes_equals_simulate(
    client: Any,
    engine_ir: dict[str, Any],
    history: list[dict[str, Any]],
    npartitions: int,
    partitions: int | None,
) -> None:
    """Points, tiers, gift cards, pool codes and referrals from a store's state: the ordered
    pass takes every order that reaches a code or a card, and the advocates' and friends'."""
    engine = engine_or_skip(engine_ir)
    setup, store = on_fresh_store(engine)
    ref = _setup(setup, store)
    orders = programme_table(history, ref)
    want = pm.simulate(engine, orders, state=store, progress=False, final_counters=True)
    note(f"npartitions={npartitions} partitions={partitions}")
    got = pm_dask.simulate(engine, frame(orders, npartitions), state=store, partitions=partitions)
    assert_same_report(got, want)
    for kind in ("_loyalty", "_tiers", "_tier_changes", "_referrals", "_gift_cards", "_codes"):
        assert getattr(got, kind)().equals(getattr(want, kind)()), kind


def test_reward_codes_are_named_by_order_not_by_row(client: Any) -> None:
    """A friend's first order converts a referral and issues the advocate a code. The ordered
    pass replays only the friend's and the advocate's orders, so the order's row there is not
    its row in the whole history: the code is named by the order id, alike in both."""
    friends = pm.Referral(id="friends", rewards=[pm.referral_reward(1, amount_off(10))])
    engine = pm.Engine([pm.Campaign("backup", effect=amount_off(1))], programs=[friends])
    setup, store = on_fresh_store(engine)
    ref = setup.referral_code("friends", advocate="adv", now=T0 - timedelta(days=1))
    rows = [("o1", "x", 60, 0), ("o2", "y", 60, 1), ("o3", "friend", 60, 2), ("o4", "z", 60, 3)]
    orders = history_table(rows)
    codes = [[ref] if r[1] == "friend" else [] for r in rows]
    orders = orders.set_column(
        orders.schema.get_field_index("codes"), "codes", pa.array(codes, pa.list_(pa.string()))
    )
    want = pm.simulate(engine, orders, state=store, progress=False, final_counters=True)
    counters = want._run("baseline").tally["counters"]
    assert [k.partition("#")[0] for k, v in counters.items() if "sim-" in k and v] == [
        "code|code=sim-o3-0"
    ]
    got = pm_dask.simulate(engine, frame(orders, 2), state=store, partitions=2)
    assert_same_report(got, want)
