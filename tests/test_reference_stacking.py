"""Hand-computed stacking cases for the reference evaluator (docs/semantics.md, "## Stacking").

Like tests/test_reference.py they run without the native module (fake printer, regex search
and currency table). Shares that effects on ``ORDER`` cannot produce (a campaign with both line
and shipping shares) are exercised on ``stacking.stack`` directly with fake effects.
"""

from __future__ import annotations

import decimal
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "python"))

from promotor.result import REASONS, Rejected
from promotor.testing.reference import Amounts, Discount, read_campaign, stacking
from tests.test_reference import (
    Node,
    Run,
    amount_off,
    bin_,
    campaign,
    cart,
    engine,
    fld,
    line,
    num,
    percent_off,
    shipping_off,
)

D = Decimal
HUNDRED = cart(line("60.00"), line("40.00"))


def applied(out: dict[str, Any]) -> list[tuple[str, Decimal]]:
    return [(a["campaign_id"], a["amount"]) for a in out["applied"]]


def rejected(out: dict[str, Any]) -> list[tuple[str | None, str, str | None]]:
    return [(r["campaign_id"], r["reason"], r["by"]) for r in out["rejected"]]


def never() -> Node:
    return bin_("gt", fld("cart.subtotal"), num("1000"))


# -- exclusive ------------------------------------------------------------------------------


def test_the_first_exclusive_with_an_effect_applies_alone(run: Run) -> None:
    eng = engine(
        campaign("high", effect=amount_off("1"), priority=5),  # before the winner: conflicts too
        campaign("x0", effect=amount_off("0"), exclusive=True),  # no effect: not the winner
        campaign("xr", effect=amount_off("9"), exclusive=True, rules=never()),  # not eligible
        campaign("x", effect=amount_off("2"), exclusive=True),
        campaign("y", effect=amount_off("3"), exclusive=True),
        campaign("late", effect=amount_off("1")),
    )
    out = run(eng, HUNDRED)
    assert applied(out) == [("x", D("2.00"))]
    assert rejected(out) == [
        ("high", "exclusive_conflict", "x"),
        ("x0", "exclusive_conflict", "x"),
        ("xr", "rules_not_met", None),
        ("y", "exclusive_conflict", "x"),
        ("late", "exclusive_conflict", "x"),
    ]


def test_the_exclusive_winner_is_judged_on_the_original_cart(run: Run) -> None:
    # "ship" discounts nothing on this cart, so the winner is "x"
    eng = engine(
        campaign("a", effect=amount_off("100"), priority=1),
        campaign("ship", effect=shipping_off("5"), exclusive=True),  # no shipping: no effect
        campaign("x", effect=amount_off("5"), exclusive=True),
    )
    out = run(eng, HUNDRED)
    assert applied(out) == [("x", D("5.00"))]
    assert rejected(out) == [
        ("a", "exclusive_conflict", "x"),
        ("ship", "exclusive_conflict", "x"),
    ]


def test_without_an_exclusive_winner_an_exclusive_is_ordinary(run: Run) -> None:
    eng = engine(
        campaign("a", effect=amount_off("1")),
        campaign(
            "x", effect=amount_off(bin_("sub", fld("cart.subtotal"), num("100"))), exclusive=True
        ),
    )
    out = run(eng, HUNDRED)
    assert applied(out) == [("a", D("1.00"))]
    assert rejected(out) == [("x", "no_effect", None)]


def test_currency_mismatch_comes_before_exclusive(run: Run) -> None:
    eng = engine(campaign("x", exclusive=True), campaign("a"))
    out = run(eng, cart(line("1.00"), currency="EUR"))
    assert rejected(out) == [("x", "currency_mismatch", None), ("a", "currency_mismatch", None)]


# -- stop_after, max_applied, group ---------------------------------------------------------


def test_stop_after(run: Run) -> None:
    eng = engine(
        campaign("zero", effect=amount_off("0"), stop_after=True),  # did not apply: no stop
        campaign("s", stop_after=True),
        campaign("r", rules=never()),  # checks 1-3 first
        campaign("b"),
        campaign("c"),
    )
    out = run(eng, HUNDRED)
    assert applied(out) == [("s", D("1.00"))]
    assert rejected(out) == [
        ("zero", "no_effect", None),
        ("r", "rules_not_met", None),
        ("b", "stopped", "s"),
        ("c", "stopped", "s"),
    ]


def test_stopped_comes_before_max_applied_and_group(run: Run) -> None:
    eng = engine(
        campaign("s", stop_after=True, group="g"),
        campaign("b", group="g"),
        stacking={"max_applied": 1},
    )
    assert rejected(run(eng, HUNDRED)) == [("b", "stopped", "s")]


def test_max_applied(run: Run) -> None:
    eng = engine(
        campaign("zero", effect=amount_off("0")),  # only applied campaigns count
        campaign("a"),
        campaign("b"),
        campaign("c"),
        stacking={"max_applied": 2},
    )
    out = run(eng, HUNDRED)
    assert applied(out) == [("a", D("1.00")), ("b", D("1.00"))]
    assert rejected(out) == [("zero", "no_effect", None), ("c", "max_applied", None)]


def test_max_applied_zero(run: Run) -> None:
    eng = engine(campaign("x", exclusive=True), campaign("a"), stacking={"max_applied": 0})
    out = run(eng, HUNDRED)
    assert applied(out) == []
    assert rejected(out) == [("x", "max_applied", None), ("a", "exclusive_conflict", "x")]


def test_max_applied_comes_before_group(run: Run) -> None:
    eng = engine(campaign("a", group="g"), campaign("b", group="g"), stacking={"max_applied": 1})
    assert rejected(run(eng, HUNDRED)) == [("b", "max_applied", None)]


def test_group(run: Run) -> None:
    eng = engine(
        campaign("zero", effect=amount_off("0"), group="g"),  # did not apply: no conflict
        campaign("a", group="g"),
        campaign("h", group="h"),
        campaign("free"),
        campaign("b", group="g"),
        campaign("i", group="h"),
    )
    out = run(eng, HUNDRED)
    assert [a for a, _ in applied(out)] == ["a", "h", "free"]
    assert rejected(out) == [
        ("zero", "no_effect", None),
        ("b", "group_conflict", "a"),
        ("i", "group_conflict", "h"),
    ]


# -- base original --------------------------------------------------------------------------


def test_base_original_computes_on_the_original_amounts(run: Run) -> None:
    effects = (percent_off("50"), percent_off("50"), amount_off("10"))
    eng = engine(*(campaign(f"c{i}", effect=e) for i, e in enumerate(effects)))
    discounted = run(eng, HUNDRED)
    assert applied(discounted) == [("c0", D("50.00")), ("c1", D("25.00")), ("c2", D("10.00"))]
    original = run({**eng, "stacking": {"base": "original"}}, HUNDRED)
    assert applied(original) == [("c0", D("50.00")), ("c1", D("50.00"))]
    assert rejected(original) == [("c2", "no_effect", None)]  # clipped to nothing
    assert (original["discount"], original["total"]) == (D("100.00"), D("0.00"))


def test_base_original_clips_each_share(run: Run) -> None:
    eng = engine(
        campaign("half", effect=percent_off("50")),
        campaign("thirty", effect=amount_off("30")),
        campaign("ship", effect=shipping_off("3")),
        campaign("ship2", effect=shipping_off("3")),
        stacking={"base": "original"},
    )
    out = run(eng, cart(line("10.00"), line("30.00"), shipping="5.00"))
    # thirty on the original amounts: 7.50 + 22.50, clipped to what is left: 5.00 + 15.00
    assert [
        (a["campaign_id"], a["amount"], a["shipping_amount"], a["allocations"])
        for a in out["applied"]
    ] == [
        ("half", D("20.00"), D("0.00"), {0: D("5.00"), 1: D("15.00")}),
        ("thirty", D("20.00"), D("0.00"), {0: D("5.00"), 1: D("15.00")}),
        ("ship", D("3.00"), D("3.00"), {}),
        ("ship2", D("2.00"), D("2.00"), {}),
    ]
    assert (out["discount"], out["shipping_discount"], out["total"]) == (
        D("45.00"),
        D("5.00"),
        D("0.00"),
    )


# -- max_discount ---------------------------------------------------------------------------


def test_max_discount_reduces_the_first_campaign_over_and_rejects_the_rest(run: Run) -> None:
    eng = engine(
        campaign("a", effect=amount_off("20")),
        campaign("b", effect=amount_off("20")),
        campaign("c", effect=amount_off("5")),
        stacking={"max_discount": "30"},
    )
    out = run(eng, HUNDRED)
    # b's shares 12.00 + 8.00 re-split over 10.00: 6.00 + 4.00
    assert [(a["campaign_id"], a["amount"], a["allocations"]) for a in out["applied"]] == [
        ("a", D("20.00"), {0: D("12.00"), 1: D("8.00")}),
        ("b", D("10.00"), {0: D("6.00"), 1: D("4.00")}),
    ]
    assert rejected(out) == [("c", "max_discount", None)]
    assert [ln["total"] for ln in out["lines"]] == [D("42.00"), D("28.00")]
    assert (out["discount"], out["total"]) == (D("30.00"), D("70.00"))


def test_max_discount_exactly_reached(run: Run) -> None:
    eng = engine(
        campaign("a", effect=amount_off("20")),
        campaign("b", effect=amount_off("10")),
        campaign("c", effect=amount_off("5")),
        stacking={"max_discount": "30"},
    )
    out = run(eng, HUNDRED)
    assert applied(out) == [("a", D("20.00")), ("b", D("10.00"))]
    assert rejected(out) == [("c", "max_discount", None)]


def test_max_discount_counts_shipping_and_is_a_percent_of_the_subtotal(run: Run) -> None:
    eng = engine(
        campaign("a", effect=amount_off("10")),
        campaign("ship", effect=shipping_off("5")),
        stacking={"max_discount": "120"},  # clamped to 100: M = 10.00, the subtotal
    )
    out = run(eng, cart(line("10.00"), shipping="5.00"))
    assert applied(out) == [("a", D("10.00"))]
    assert rejected(out) == [("ship", "max_discount", None)]
    negative = run({**eng, "stacking": {"max_discount": "-5"}}, cart(line("10.00")))
    assert applied(negative) == []
    assert rejected(negative) == [("a", "max_discount", None), ("ship", "no_effect", None)]


@pytest.mark.parametrize(("rounding", "expected"), [("half_even", "0.02"), ("half_up", "0.03")])
def test_max_discount_limit_is_rounded_with_the_engine_mode(
    run: Run, rounding: str, expected: str
) -> None:
    eng = engine(
        campaign(effect=amount_off("1")), rounding=rounding, stacking={"max_discount": "50"}
    )
    assert applied(run(eng, cart(line("0.05")))) == [("c", D(expected))]


def test_max_discount_applies_after_the_sequential_pass(run: Run) -> None:
    eng = engine(
        campaign("a", effect=amount_off("20")),
        campaign("b", effect=amount_off("5")),
        campaign("c", effect=amount_off("5")),
        stacking={"max_applied": 2, "max_discount": "20"},
    )
    out = run(eng, HUNDRED)
    assert applied(out) == [("a", D("20.00"))]
    assert rejected(out) == [("b", "max_discount", None), ("c", "max_applied", None)]


def _eligible(position: int, allocations: dict[int, int], shipping: int, **raw: Any) -> Any:
    discount = Discount(allocations, shipping)
    return stacking.Eligible(
        position,
        read_campaign(position, {"id": f"c{position}", **raw}),
        None,
        None,
        lambda money: discount,
    )


def _money(lines: list[int], shipping: int) -> Amounts:
    return Amounts(
        2, decimal.ROUND_HALF_EVEN, lines, shipping, list(lines), shipping, [1] * len(lines)
    )


SETTINGS = {"mode": "sequential", "base": "discounted", "max_applied": None, "max_discount": None}


@pytest.mark.parametrize(
    ("allocations", "shipping", "percent", "expected"),
    [
        # weights 1, 1 and shipping 1 (W = 3), 2 to split: remainders tie, lines first
        ({0: 1, 1: 1}, 1, "2", ({0: 1, 1: 1}, 0)),
        ({0: 1}, 1, "1", ({0: 1}, 0)),
        # weights 1 and shipping 3, 2 to split: floors 0 and 1, remainders 2 and 2
        ({0: 1}, 3, "2", ({0: 1}, 1)),
        # weights 30, 10 and shipping 60, 50 to split: 15, 5, 30 exactly
        ({0: 30, 1: 10}, 60, "50", ({0: 15, 1: 5}, 30)),
        # weights 1, 2 and shipping 4, 3 to split: floors 0, 0, 1; remainders 3, 6, 5
        ({0: 1, 1: 2}, 4, "3", ({1: 1}, 2)),
    ],
)
def test_max_discount_resplits_with_the_shipping_share_last(
    allocations: dict[int, int], shipping: int, percent: str, expected: tuple[Any, int]
) -> None:
    money = _money([100, 100], 100)  # subtotal 200: percent p allows 2p minor units
    settings = {**SETTINGS, "max_discount": D(percent) / 2}
    (outcome,) = stacking.stack([_eligible(0, allocations, shipping)], settings, money)
    assert outcome.discount is not None
    assert (outcome.discount.allocations, outcome.discount.shipping) == expected


def test_base_original_loses_what_is_clipped() -> None:
    money = _money([100, 100], 0)
    first, second = _eligible(0, {0: 100}, 0), _eligible(1, {0: 50, 1: 50}, 0)
    outcomes = stacking.stack([first, second], {**SETTINGS, "base": "original"}, money)
    assert [(o.discount.allocations if o.discount else None) for o in outcomes] == [
        {0: 100},
        {1: 50},  # line 0's 50 is lost, not moved to line 1
    ]


# -- best deal ------------------------------------------------------------------------------


def best(*campaigns: Node, **stacking_settings: Any) -> Node:
    return engine(*campaigns, stacking={"mode": "best_deal", **stacking_settings})


def test_best_deal_picks_the_largest_of_a_group(run: Run) -> None:
    out = run(
        best(
            campaign("ten", group="g", effect=amount_off("10")),
            campaign("half", group="g", effect=percent_off("50")),
        ),
        HUNDRED,
    )
    assert applied(out) == [("half", D("50.00"))]
    assert rejected(out) == [("ten", "not_best_deal", None)]


def test_best_deal_prefers_a_combination_to_a_larger_exclusive(run: Run) -> None:
    x = campaign("x", exclusive=True, effect=amount_off("30"))
    a, b = campaign("a", effect=amount_off("20")), campaign("b", effect=amount_off("15"))
    out = run(best(x, a, b), HUNDRED)
    assert applied(out) == [("a", D("20.00")), ("b", D("15.00"))]
    assert rejected(out) == [("x", "not_best_deal", None)]
    smaller = run(best(x, a, campaign("b", effect=amount_off("5"))), HUNDRED)
    assert applied(smaller) == [("x", D("30.00"))]
    assert rejected(smaller) == [("a", "not_best_deal", None), ("b", "not_best_deal", None)]


def test_best_deal_ties_go_to_earlier_campaigns_and_shorter_subsets(run: Run) -> None:
    tie = run(
        best(
            campaign("a", group="g", effect=amount_off("10")),
            campaign("b", group="g", effect=amount_off("10")),
        ),
        HUNDRED,
    )
    assert applied(tie) == [("a", D("10.00"))]
    # {all} and {all, more} are worth 100.00 each; [0] is a prefix of [0, 1]
    prefix = run(best(campaign("all", effect=amount_off("100")), campaign("more")), HUNDRED)
    assert applied(prefix) == [("all", D("100.00"))]
    assert rejected(prefix) == [("more", "not_best_deal", None)]


def test_best_deal_keeps_a_zero_campaign_that_sorts_first(run: Run) -> None:
    # {a, zero, c} and {a, c} are worth the same; [0, 1, 2] < [0, 2]
    out = run(best(campaign("a"), campaign("zero", effect=amount_off("0")), campaign("c")), HUNDRED)
    assert applied(out) == [("a", D("1.00")), ("c", D("1.00"))]
    assert rejected(out) == [("zero", "no_effect", None)]


def test_best_deal_with_nothing_to_gain_applies_nothing(run: Run) -> None:
    out = run(best(campaign("zero", effect=amount_off("0")), campaign("r", rules=never())), HUNDRED)
    assert applied(out) == []
    assert rejected(out) == [("zero", "not_best_deal", None), ("r", "rules_not_met", None)]


def test_best_deal_stop_after_must_come_last(run: Run) -> None:
    first = run(
        best(
            campaign("s", stop_after=True, effect=amount_off("10")),
            campaign("a", effect=amount_off("20")),
        ),
        HUNDRED,
    )
    assert applied(first) == [("a", D("20.00"))]
    assert rejected(first) == [("s", "not_best_deal", None)]
    last = run(
        best(
            campaign("a", effect=amount_off("20")),
            campaign("s", stop_after=True, effect=amount_off("10")),
        ),
        HUNDRED,
    )
    assert applied(last) == [("a", D("20.00")), ("s", D("10.00"))]


def test_best_deal_respects_max_applied(run: Run) -> None:
    out = run(
        best(
            campaign("a", effect=amount_off("10")),
            campaign("b", effect=amount_off("30")),
            max_applied=1,
        ),
        HUNDRED,
    )
    assert applied(out) == [("b", D("30.00"))]
    assert rejected(out) == [("a", "not_best_deal", None)]


def test_best_deal_values_subsets_with_max_discount_and_base(run: Run) -> None:
    out = run(
        best(
            campaign("x", exclusive=True, effect=amount_off("25")),
            campaign("b", effect=amount_off("20")),
            campaign("c", effect=amount_off("20")),
            max_discount="30",
        ),
        HUNDRED,
    )
    assert applied(out) == [("b", D("20.00")), ("c", D("10.00"))]
    assert rejected(out) == [("x", "not_best_deal", None)]
    # discounted: 50% then 50% of the rest = 75.00 < 80.00; original: 50% + 50% = 100.00
    halves = (
        campaign("h1", effect=percent_off("50")),
        campaign("h2", effect=percent_off("50")),
        campaign("eighty", effect=amount_off("80"), exclusive=True),
    )
    discounted = run(best(*halves), HUNDRED)
    assert applied(discounted) == [("eighty", D("80.00"))]
    assert rejected(discounted) == [("h1", "not_best_deal", None), ("h2", "not_best_deal", None)]
    original = run(best(*halves, base="original"), HUNDRED)
    assert applied(original) == [("h1", D("50.00")), ("h2", D("50.00"))]
    assert rejected(original) == [("eighty", "not_best_deal", None)]


def test_best_deal_considers_only_the_sixteen_largest(run: Run) -> None:
    # 17 eligible: "small" has the smallest discount alone and is left out, although
    # {small, g1, h} would beat the chosen {g1, h}
    campaigns = [campaign("small", effect=amount_off("1"))]
    campaigns += [campaign(f"g{i}", group="g", effect=amount_off("5")) for i in range(1, 16)]
    campaigns += [campaign("h", effect=amount_off("6"))]
    out = run(best(*campaigns), HUNDRED)
    assert applied(out) == [("g1", D("5.00")), ("h", D("6.00"))]
    assert rejected(out) == [("small", "not_best_deal", None)] + [
        (f"g{i}", "not_best_deal", None) for i in range(2, 16)
    ]
    # with 16 eligible, "small" is considered
    out = run(best(*campaigns[:15], campaigns[-1]), HUNDRED)
    assert applied(out) == [("small", D("1.00")), ("g1", D("5.00")), ("h", D("6.00"))]


def test_best_deal_ranking_ties_go_to_candidate_order(run: Run) -> None:
    campaigns = [campaign(f"c{i}", group="g", effect=amount_off("5")) for i in range(16)]
    campaigns += [campaign("late", effect=amount_off("5"), rules=None)]
    out = run(best(*campaigns), HUNDRED)  # "late" is the 17th with an equal discount
    assert applied(out) == [("c0", D("5.00"))]
    assert ("late", "not_best_deal", None) in rejected(out)


def sixteen() -> Node:
    """16 campaigns whose best set, {small, g1, h}, holds the one that takes least alone."""
    campaigns = [campaign("small", effect=amount_off("1"))]
    campaigns += [campaign(f"g{i}", group="g", effect=amount_off("5")) for i in range(1, 15)]
    campaigns += [campaign("h", effect=amount_off("6"))]
    return best(*campaigns)


def test_best_deal_searches_fewer_campaigns_on_a_large_cart(run: Run) -> None:
    # 2^k x (lines + 1) <= 2^22: on 200 lines the 14 campaigns that take most alone are searched
    assert [stacking.best_deal_limit(n) for n in (0, 63, 64, 200, 1000)] == [16, 16, 15, 14, 12]
    # 16 eligible on a small cart: searched exactly, {small, g1, h} is the best
    out = run(sixteen(), HUNDRED)
    assert applied(out) == [("small", D("1.00")), ("g1", D("5.00")), ("h", D("6.00"))]
    # on 200 lines: "small" and "g14" take least alone and are left out
    big = cart(*[line("0.50") for _ in range(200)])
    out = run(sixteen(), big)
    assert applied(out) == [("g1", D("5.00")), ("h", D("6.00"))]
    assert [r for r in rejected(out) if r[0] in ("small", "g14")] == [
        ("small", "not_best_deal", None),
        ("g14", "not_best_deal", None),
    ]


def test_best_deal_on_a_large_cart_is_the_same_in_rust() -> None:
    import json

    from promotor import _native
    from promotor.testing.reference import evaluate

    definition = sixteen()
    big = cart(*[line("0.50") for _ in range(200)])
    assert _native.Program(json.dumps(definition)).evaluate(big) == evaluate(definition, big)


def test_the_search_bound_is_the_cores() -> None:
    from promotor import _native

    assert stacking.BEST_DEAL_BUDGET == _native.BEST_DEAL_BUDGET
    assert stacking.BEST_DEAL_LIMIT == _native.BEST_DEAL_LIMIT


# -- results --------------------------------------------------------------------------------


def test_new_reasons_have_messages() -> None:
    for reason in ("max_discount", "not_best_deal"):
        assert reason in REASONS
        message = Rejected("c", None, reason).message
        assert message != reason
        assert message[0].islower()
