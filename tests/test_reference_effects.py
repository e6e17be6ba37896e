"""Hand-computed cases for every effect and target of the reference evaluator
(docs/semantics.md: "Money", "Current amounts", "Targets", "Effects", "Allocation").

Amounts in comments are minor units (cents) unless written with a decimal point.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest

from promotor.reference import evaluate
from tests.test_reference import (
    EXPONENTS,
    NULL,
    Node,
    bin_,
    campaign,
    cart,
    engine,
    fake_print,
    fake_regex,
    fld,
    line,
    num,
    text,
)
from tests.twin import rust_agrees

D = Decimal
ORDER: Node = {"type": "order"}
SHIPPING: Node = {"type": "shipping"}


def _n(value: Node | str) -> Node:
    return num(value) if isinstance(value, str) else value


def items(
    pred: Node | None = None,
    cheapest: int | None = None,
    most_expensive: int | None = None,
    max_quantity: int | None = None,
) -> Node:
    target: Node = {"type": "items"}
    for key, value in (
        ("pred", pred),
        ("cheapest", cheapest),
        ("most_expensive", most_expensive),
        ("max_quantity", max_quantity),
    ):
        if value is not None:
            target[key] = value
    return target


def sku_is(sku: str) -> Node:
    return bin_("eq", fld("item.sku"), text(sku))


def category_is(category: str) -> Node:
    return bin_("eq", fld("item.category"), text(category))


def percent_off(p: Node | str, on: Node = ORDER, cap: Node | str | None = None) -> Node:
    effect: Node = {"type": "percent_off", "percent": _n(p), "on": on}
    if cap is not None:
        effect["cap"] = _n(cap)
    return effect


def amount_off(a: Node | str, on: Node = ORDER, allocation: str = "across") -> Node:
    return {"type": "amount_off", "amount": _n(a), "on": on, "allocation": allocation}


def fixed_price(p: Node | str, on: Node = ORDER) -> Node:
    return {"type": "fixed_price", "price": _n(p), "on": on}


def shipping_off(a: Node | str, percent: bool = False) -> Node:
    return {"type": "shipping_off", "amount": _n(a), "percent": percent}


def buy_x_get_y(
    buy_quantity: Node | str,
    get_quantity: Node | str = "1",
    percent: Node | str = "100",
    buy: Node | None = None,
    get: Node | None = None,
    max_applications: Node | str | None = None,
) -> Node:
    effect: Node = {
        "type": "buy_x_get_y",
        "buy": buy,
        "buy_quantity": _n(buy_quantity),
        "get": get,
        "get_quantity": _n(get_quantity),
        "percent": _n(percent),
    }
    if max_applications is not None:
        effect["max_applications"] = _n(max_applications)
    return effect


def gift(sku: str, price: Node | str, quantity: int = 1) -> Node:
    return {"type": "gift", "sku": sku, "quantity": quantity, "price": _n(price)}


def run(
    effects: Node | list[Node],
    *lines: dict[str, Any],
    shipping: str = "0",
    **settings: Any,
) -> dict[str, Any]:
    """Evaluate one campaign per effect (``c0``, ``c1``, ... in that order) on the lines, in
    the reference and in the Rust core, which must agree (tests/twin.py)."""
    effects = effects if isinstance(effects, list) else [effects]
    campaigns = [campaign(f"c{i}", effect=e) for i, e in enumerate(effects)]
    engine_ir, canonical = engine(*campaigns, **settings), cart(*lines, shipping=shipping)
    rust_agrees(engine_ir, canonical)
    return evaluate(
        engine_ir,
        canonical,
        printer=fake_print,
        regex_search=fake_regex,
        currency_exponent=EXPONENTS.get,
    )


def line_discounts(out: dict[str, Any]) -> list[str]:
    return [str(entry["discount"]) for entry in out["lines"]]


def reasons(out: dict[str, Any]) -> dict[str, str]:
    return {r["campaign_id"]: r["reason"] for r in out["rejected"]}


def no_effect(out: dict[str, Any]) -> bool:
    return out["applied"] == [] and reasons(out) == {"c0": "no_effect"}


# -- allocation: the penny cases ------------------------------------------------------------


def test_ten_over_three_equal_lines() -> None:
    # W = 1500; 1000*500/1500 = 333 r 500 each; the leftover cent goes to line 0.
    out = run(amount_off("10.00"), line("5.00"), line("5.00"), line("5.00"))
    assert line_discounts(out) == ["3.34", "3.33", "3.33"]
    assert out["applied"][0]["allocations"] == {0: D("3.34"), 1: D("3.33"), 2: D("3.33")}
    assert str(out["total"]) == "5.00"


def test_four_cents_over_three_units() -> None:
    # Three lines of one unit: W = 300, 4*100/300 = 1 r 100 each; one left over -> line 0.
    out = run(amount_off("0.04"), line("1.00"), line("1.00"), line("1.00"))
    assert line_discounts(out) == ["0.02", "0.01", "0.01"]
    # Three units of one line are one line: all 4 cents there.
    out = run(amount_off("0.04"), line("1.00", 3))
    assert line_discounts(out) == ["0.04"]
    # Each unit worth one cent: D = min(4, 3) = 3, one cent each.
    out = run(amount_off("0.04"), line("0.01"), line("0.01"), line("0.01"))
    assert line_discounts(out) == ["0.01", "0.01", "0.01"]


def test_ten_percent_over_uneven_lines() -> None:
    # T = 2500 + 333 = 2833, D = round(283.3) = 283.
    # 283*2500 = 707500 = 249*2833 + 2083; 283*333 = 94239 = 33*2833 + 750; leftover -> line 0.
    out = run(percent_off("10"), line("12.50", 2), line("3.33"))
    assert line_discounts(out) == ["2.50", "0.33"]


# -- targets --------------------------------------------------------------------------------


def test_items_predicate_targets_matching_lines_only() -> None:
    lines = (line("10.00", category="coffee"), line("20.00", category="tea"))
    out = run(percent_off("10", on=items(category_is("coffee"))), *lines)
    assert line_discounts(out) == ["1.00", "0.00"]
    # No predicate: every line.
    assert line_discounts(run(percent_off("10", on=items()), *lines)) == ["1.00", "2.00"]
    # Nothing matches: T = 0, no_effect.
    assert no_effect(run(percent_off("10", on=items(category_is("cocoa"))), *lines))


def test_predicate_sees_the_original_item() -> None:
    # c0 takes 8.00 off line 0; c1's predicate item.subtotal >= 10 still sees 10.00.
    big = bin_("ge", fld("item.subtotal"), num("10"))
    out = run(
        [amount_off("8.00", on=items(sku_is("A"))), percent_off("50", on=items(big))],
        line("10.00", sku="A"),
        line("4.00", sku="B"),
    )
    assert line_discounts(out) == ["9.00", "0.00"]  # 8.00 + 50% of the 2.00 left


def test_cheapest_unit() -> None:
    # Unit prices 10.00 and 4.00: the one cheapest unit is of line 1, T_1 = floor(1200*1/3).
    out = run(percent_off("50", on=items(cheapest=1)), line("10.00", 2), line("4.00", 3))
    assert line_discounts(out) == ["0.00", "2.00"]


def test_most_expensive_units_ties_to_lower_index() -> None:
    lines = (line("10.00", 2), line("4.00", 3), line("10.00"))
    out = run(percent_off("100", on=items(most_expensive=3)), *lines)
    assert line_discounts(out) == ["20.00", "0.00", "10.00"]
    out = run(percent_off("100", on=items(most_expensive=1)), line("10.00"), line("10.00"))
    assert line_discounts(out) == ["10.00", "0.00"]
    out = run(percent_off("100", on=items(cheapest=1)), line("10.00"), line("10.00"))
    assert line_discounts(out) == ["10.00", "0.00"]


def test_cheapest_zero_and_more_than_there_are() -> None:
    assert no_effect(run(percent_off("100", on=items(cheapest=0)), line("1.00", 2)))
    out = run(percent_off("100", on=items(cheapest=99)), line("1.00", 2), line("2.00"))
    assert line_discounts(out) == ["2.00", "2.00"]


def test_max_quantity() -> None:
    out = run(percent_off("100", on=items(max_quantity=1)), line("3.00", 4), line("5.00", 2))
    assert line_discounts(out) == ["3.00", "5.00"]
    # max_quantity first, then cheapest among those units: 1 unit of line 0 (3.00), 1 of line 1.
    out = run(
        percent_off("100", on=items(max_quantity=1, cheapest=2)), line("3.00", 4), line("5.00", 2)
    )
    assert line_discounts(out) == ["3.00", "5.00"]
    assert no_effect(run(percent_off("100", on=items(max_quantity=0)), line("3.00", 4)))


def test_partial_line_amount_is_floored() -> None:
    # 3.333333 x 3 = 9.999999 -> 1000 for 3 units: one unit is worth floor(1000*1/3) = 333.
    out = run(percent_off("100", on=items(cheapest=1)), line("3.333333", 3))
    assert line_discounts(out) == ["3.33"]
    out = run(percent_off("100", on=items(cheapest=2)), line("3.333333", 3))
    assert line_discounts(out) == ["6.66"]  # floor(2000/3)


def test_unit_prices_compared_exactly() -> None:
    # Line 0 is worth 1000 for 3 units: 3.333.. is dearer than 3.33, cheaper than 3.34.
    out = run(percent_off("100", on=items(cheapest=1)), line("3.333333", 3), line("3.33"))
    assert line_discounts(out) == ["0.00", "3.33"]
    out = run(percent_off("100", on=items(cheapest=1)), line("3.333333", 3), line("3.34"))
    assert line_discounts(out) == ["3.33", "0.00"]


def test_cheapest_uses_current_unit_prices() -> None:
    # After c0 line 0 is worth 4.00 (< 5.00), so it is the cheapest for c1.
    out = run(
        [amount_off("6.00", on=items(sku_is("A"))), percent_off("100", on=items(cheapest=1))],
        line("10.00", sku="A"),
        line("5.00", sku="B"),
    )
    assert line_discounts(out) == ["10.00", "0.00"]
    assert out["applied"][1]["allocations"] == {0: D("4.00")}


def test_cheapest_and_most_expensive_together_is_an_error() -> None:
    with pytest.raises(ValueError, match="cheapest and most_expensive"):
        run(percent_off("10", on=items(cheapest=1, most_expensive=1)), line("1.00"))


# -- percent_off ----------------------------------------------------------------------------


def test_percent_off_cap_and_clamp() -> None:
    assert line_discounts(run(percent_off("50", cap="20"), line("100.00"))) == ["20.00"]
    assert line_discounts(run(percent_off("50", cap="80"), line("100.00"))) == ["50.00"]
    assert no_effect(run(percent_off("50", cap="-5"), line("100.00")))
    assert line_discounts(run(percent_off("150"), line("7.00"))) == ["7.00"]  # clamped to 100
    assert no_effect(run(percent_off("-10"), line("7.00")))  # clamped to 0


def test_percent_off_cap_rounded_to_minor_unit() -> None:
    # cap 1.005: half_even 100, half_up 101, down 100.
    for mode, expected in (("half_even", "1.00"), ("half_up", "1.01"), ("down", "1.00")):
        out = run(percent_off("50", cap="1.005"), line("10.00"), rounding=mode)
        assert line_discounts(out) == [expected], mode


def test_percent_off_on_shipping_rounding_modes() -> None:
    # 50% of 597 = 298.5: half_even 298, half_up 299, down 298.
    for mode, expected in (("half_even", "2.98"), ("half_up", "2.99"), ("down", "2.98")):
        out = run(percent_off("50", on=SHIPPING), line("1.00"), shipping="5.97", rounding=mode)
        assert str(out["shipping_discount"]) == expected, mode
        assert out["applied"][0]["allocations"] == {}
        assert str(out["applied"][0]["shipping_amount"]) == expected
        assert line_discounts(out) == ["0.00"]


def test_percent_off_rounding_modes_on_lines() -> None:
    # 25% of 10 = 2.5 and 35% of 10 = 3.5.
    cases = {"half_even": ("0.02", "0.04"), "half_up": ("0.03", "0.04"), "down": ("0.02", "0.03")}
    for mode, (quarter, thirty_five) in cases.items():
        assert line_discounts(run(percent_off("25"), line("0.10"), rounding=mode)) == [quarter]
        assert line_discounts(run(percent_off("35"), line("0.10"), rounding=mode)) == [thirty_five]


def test_percent_off_other_currencies() -> None:
    # JPY: 15% of 999 = 149.85 -> 150. KWD: 10% of 1.235 = 123.5 fils -> 124 (half_even).
    out = run(percent_off("15"), line("999"), currency="JPY")
    assert str(out["discount"]) == "150"
    out = run(percent_off("10"), line("1.235"), currency="KWD")
    assert str(out["discount"]) == "0.124"


# -- amount_off -----------------------------------------------------------------------------


def test_amount_off_across_items() -> None:
    # W = 900: 500*300 = 150000 = 166*900 + 600; 500*600 = 300000 = 333*900 + 300 -> line 0.
    lines = (line("3.00", category="coffee"), line("6.00", category="coffee"), line("10.00"))
    out = run(amount_off("5.00", on=items(category_is("coffee"))), *lines)
    assert line_discounts(out) == ["1.67", "3.33", "0.00"]
    out = run(amount_off("20.00", on=items(category_is("coffee"))), *lines)
    assert line_discounts(out) == ["3.00", "6.00", "0.00"]  # at most T


def test_amount_off_each() -> None:
    # d_i = min(a * t_i, T_i): min(100*2, 600) = 200, min(100*3, 150) = 150.
    out = run(amount_off("1.00", allocation="each"), line("3.00", 2), line("0.50", 3))
    assert line_discounts(out) == ["2.00", "1.50"]
    out = run(
        amount_off("1.00", on=items(max_quantity=1), allocation="each"),
        line("3.00", 2),
        line("0.50", 3),
    )
    assert line_discounts(out) == ["1.00", "0.50"]
    out = run(
        amount_off("2.00", on=items(cheapest=2), allocation="each"),
        line("3.00", 2),
        line("2.50", 1),
    )
    assert line_discounts(out) == ["2.00", "2.00"]  # one unit of each: min(200, 300), min(200, 250)


def test_amount_off_each_on_shipping_is_an_error() -> None:
    with pytest.raises(ValueError, match="each"):
        run(amount_off("1", on=SHIPPING, allocation="each"), line("1.00"), shipping="5")


def test_amount_off_on_shipping() -> None:
    out = run(amount_off("10.00", on=SHIPPING), line("1.00"), shipping="4.00")
    assert (str(out["shipping_discount"]), str(out["total"])) == ("4.00", "1.00")
    assert no_effect(run(amount_off("10.00", on=SHIPPING), line("1.00")))


def test_amount_off_negative_and_null() -> None:
    assert no_effect(run(amount_off("-1"), line("1.00")))
    assert no_effect(run(amount_off(NULL), line("1.00")))
    assert no_effect(run(amount_off(text("5")), line("1.00")))
    assert no_effect(run(amount_off(fld("cart.metadata.missing")), line("1.00")))


def test_amount_off_rounds_amount() -> None:
    # 0.005: half_even 0, half_up 1, down 0.
    assert no_effect(run(amount_off("0.005"), line("1.00")))
    out = run(amount_off("0.005"), line("1.00"), rounding="half_up")
    assert line_discounts(out) == ["0.01"]
    assert no_effect(run(amount_off("0.009"), line("1.00"), rounding="down"))


def test_effect_numbers_see_the_original_cart() -> None:
    # c1 asks for cart.subtotal (the original 10.00), only 6.00 is left.
    out = run([amount_off("4.00"), amount_off(fld("cart.subtotal"))], line("10.00"))
    assert [str(a["amount"]) for a in out["applied"]] == ["4.00", "6.00"]


# -- fixed_price ----------------------------------------------------------------------------


def test_fixed_price_items() -> None:
    # Line 0: 900 - 200*3 = 300; line 1: max(0, 300 - 200*2) = 0.
    out = run(fixed_price("2.00", on=items()), line("3.00", 3), line("1.50", 2))
    assert line_discounts(out) == ["3.00", "0.00"]
    assert out["applied"][0]["allocations"] == {0: D("3.00")}
    # max_quantity=2 of 5.00 x 3: T = floor(1500*2/3) = 1000, d = 1000 - 200.
    out = run(fixed_price("1.00", on=items(max_quantity=2)), line("5.00", 3))
    assert line_discounts(out) == ["8.00"]
    assert no_effect(run(fixed_price("5.00", on=items()), line("3.00", 3)))


def test_fixed_price_order() -> None:
    # D = 1500 - 1000 = 500 by A_i: 200, 300.
    out = run(fixed_price("10.00"), line("6.00"), line("9.00"))
    assert line_discounts(out) == ["2.00", "3.00"]
    assert no_effect(run(fixed_price("20.00"), line("6.00"), line("9.00")))
    out = run(fixed_price("-3"), line("6.00"), line("9.00"))  # negative price counts as 0
    assert line_discounts(out) == ["6.00", "9.00"]


def test_fixed_price_shipping() -> None:
    out = run(fixed_price("1.99", on=SHIPPING), line("1.00"), shipping="5.00")
    assert str(out["shipping_discount"]) == "3.01"
    assert no_effect(run(fixed_price("6", on=SHIPPING), line("1.00"), shipping="5.00"))


def test_fixed_price_rounding_modes() -> None:
    # p = 1.005: half_even 100 -> d 100; half_up 101 -> d 99; down 100 -> d 100.
    for mode, expected in (("half_even", "1.00"), ("half_up", "0.99"), ("down", "1.00")):
        out = run(fixed_price("1.005", on=items()), line("2.00"), rounding=mode)
        assert line_discounts(out) == [expected], mode


# -- shipping_off ---------------------------------------------------------------------------


def test_shipping_off() -> None:
    out = run(shipping_off("2.50"), line("1.00"), shipping="4.00")
    assert str(out["shipping_discount"]) == "2.50"
    out = run(shipping_off("100", percent=True), line("1.00"), shipping="4.00")
    assert (str(out["shipping_discount"]), str(out["total"])) == ("4.00", "1.00")
    for mode, expected in (("half_even", "0.02"), ("half_up", "0.03"), ("down", "0.02")):
        out = run(shipping_off("50", percent=True), line("1"), shipping="0.05", rounding=mode)
        assert str(out["shipping_discount"]) == expected, mode


# -- buy_x_get_y ----------------------------------------------------------------------------


def test_buy_two_get_one() -> None:
    out = run(buy_x_get_y("2"), line("10.00", 3))
    assert line_discounts(out) == ["10.00"]
    # 10 units: 3 applications (9 units), the 10th unit alone cannot make one.
    out = run(buy_x_get_y("2"), line("10.00", 10))
    assert line_discounts(out) == ["30.00"]


def test_buy_one_get_one_across_lines() -> None:
    # Units A A B B C. 1: buy A, get C. 2: buy A, get B. 3: buy B, no get unit left: stop.
    # g_B = 1: G_B = floor(1000*1/2) = 500; g_C = 1: G_C = 100.
    lines = (line("10.00", 2), line("5.00", 2), line("1.00"))
    assert line_discounts(run(buy_x_get_y("1"), *lines)) == ["0.00", "5.00", "1.00"]
    out = run(buy_x_get_y("1", max_applications="1"), *lines)
    assert line_discounts(out) == ["0.00", "0.00", "1.00"]
    # 50%: D = round(600 * 50 / 100) = 300 by G: 300*500/600 = 250, 300*100/600 = 50.
    out = run(buy_x_get_y("1", percent="50"), *lines)
    assert line_discounts(out) == ["0.00", "2.50", "0.50"]


def test_buy_and_get_sets() -> None:
    shirts, socks = line("20.00", 2, category="shirt"), line("3.00", 3, category="sock")
    # Units: shirt shirt sock sock sock. Two applications; g_sock = 2: floor(900*2/3) = 600.
    out = run(buy_x_get_y("1", buy=category_is("shirt"), get=category_is("sock")), shirts, socks)
    assert line_discounts(out) == ["0.00", "6.00"]
    # Buy socks, get shirts: the get units are taken from the back among shirts.
    out = run(buy_x_get_y("1", buy=category_is("sock"), get=category_is("shirt")), shirts, socks)
    assert line_discounts(out) == ["40.00", "0.00"]
    # get=None is the buy set.
    out = run(buy_x_get_y("1", buy=category_is("sock")), shirts, socks)
    assert line_discounts(out) == ["0.00", "3.00"]


def test_buy_x_get_y_ties_and_current_prices() -> None:
    out = run(buy_x_get_y("1"), line("5.00", sku="A"), line("5.00", sku="B"))
    assert line_discounts(out) == ["0.00", "5.00"]  # A sorts first (lower index): B is got
    # After c0, line 0 is worth 2.00 < 5.00: it sorts last and is the unit got.
    out = run(
        [amount_off("8.00", on=items(sku_is("A"))), buy_x_get_y("1")],
        line("10.00", sku="A"),
        line("5.00", sku="B"),
    )
    assert out["applied"][1]["allocations"] == {0: D("2.00")}


def test_buy_x_get_y_large_quantities() -> None:
    # 1,000,000 units of 1.00: 500,000 applications; G = floor(10^8 * 500000 / 10^6).
    out = run(buy_x_get_y("1"), line("1.00", 1_000_000))
    assert line_discounts(out) == ["500000.00"]
    out = run(buy_x_get_y("1"), line("1.00", 999_999))
    assert line_discounts(out) == ["499999.00"]
    out = run(buy_x_get_y("1", max_applications="3"), line("1.00", 1_000_000))
    assert line_discounts(out) == ["3.00"]
    lines = [line("1.00", 1_000_000, sku=str(i)) for i in range(1000)]
    out = run(buy_x_get_y("3", "2"), *lines)
    assert str(out["discount"]) == "400000000.00"  # 2/5 of 10^9 units at 1.00


def test_buy_x_get_y_rounding_modes() -> None:
    # 0.05 x 2: g = 1, G = floor(10/2) = 5, 50% = 2.5 cents.
    for mode, expected in (("half_even", "0.02"), ("half_up", "0.03"), ("down", "0.02")):
        out = run(buy_x_get_y("1", percent="50"), line("0.05", 2), rounding=mode)
        assert line_discounts(out) == [expected], mode


@pytest.mark.parametrize(
    "effect",
    [
        buy_x_get_y("1.5"),
        buy_x_get_y("0"),
        buy_x_get_y("-1"),
        buy_x_get_y("1", get_quantity="0"),
        buy_x_get_y("1", get_quantity="0.5"),
        buy_x_get_y("1", max_applications="-1"),
        buy_x_get_y("1", max_applications="1.5"),
        buy_x_get_y("1", max_applications="0"),  # valid, but nothing applies
        buy_x_get_y("1", percent="0"),
        buy_x_get_y("1", percent=NULL),
        buy_x_get_y(fld("cart.metadata.missing")),
        buy_x_get_y("1", max_applications=text("2")),
        buy_x_get_y("5"),  # not enough units
    ],
)
def test_buy_x_get_y_no_effect(effect: Node) -> None:
    assert no_effect(run(effect, line("2.00", 4)))


def test_buy_x_get_y_whole_number_counts_with_decimals() -> None:
    out = run(buy_x_get_y("1.0", "1.00", max_applications="1.000"), line("2.00", 4))
    assert line_discounts(out) == ["2.00"]


def _naive_buy_x_get_y(
    amounts: list[int],
    quantities: list[int],
    in_buy: list[bool],
    in_get: list[bool],
    bq: int,
    gq: int,
    max_apps: int | None,
) -> list[int]:
    """The spec unit by unit: g_i for each line."""
    from fractions import Fraction

    units = [i for i, q in enumerate(quantities) if in_buy[i] or in_get[i] for _ in range(q)]
    units.sort(key=lambda i: (-Fraction(amounts[i], quantities[i]), i))
    taken = [False] * len(units)
    got = [0] * len(quantities)
    apps = 0
    while max_apps is None or apps < max_apps:
        buy = [p for p in range(len(units)) if not taken[p] and in_buy[units[p]]][:bq]
        if len(buy) < bq:
            break
        get = [
            p for p in reversed(range(len(units)))
            if not taken[p] and p not in buy and in_get[units[p]]
        ][:gq]  # fmt: skip
        if len(get) < gq:
            break
        for p in buy + get:
            taken[p] = True
        for p in get:
            got[units[p]] += 1
        apps += 1
    return got


def test_buy_x_get_y_matches_unit_by_unit() -> None:
    rng = random.Random(20261127)
    for _ in range(400):
        n = rng.randint(1, 5)
        prices = [rng.choice(["1.00", "2.00", "3.33", "5.00", "0.00", "10.00"]) for _ in range(n)]
        quantities = [rng.randint(1, 6) for _ in range(n)]
        categories = [rng.choice(["a", "b", "c"]) for _ in range(n)]
        buy_cat, get_cat = rng.choice(["a", "b", None]), rng.choice(["a", "c", None])
        bq, gq = rng.randint(1, 3), rng.randint(1, 3)
        max_apps = rng.choice([None, 0, 1, 2, 5])
        lines = [
            line(p, q, category=c) for p, q, c in zip(prices, quantities, categories, strict=True)
        ]
        effect = buy_x_get_y(
            str(bq),
            str(gq),
            buy=None if buy_cat is None else category_is(buy_cat),
            get=None if get_cat is None else category_is(get_cat),
            max_applications=None if max_apps is None else str(max_apps),
        )
        out = run(effect, *lines)
        amounts = [int(D(p) * 100) * q for p, q in zip(prices, quantities, strict=True)]
        in_buy = [buy_cat is None or c == buy_cat for c in categories]
        in_get = [c == get_cat for c in categories] if get_cat is not None else in_buy
        got = _naive_buy_x_get_y(amounts, quantities, in_buy, in_get, bq, gq, max_apps)
        expected = [a * g // q for a, g, q in zip(amounts, got, quantities, strict=True)]
        assert [int(entry["discount"] * 100) for entry in out["lines"]] == expected, (
            prices, quantities, categories, buy_cat, get_cat, bq, gq, max_apps,
        )  # fmt: skip


# -- gift -----------------------------------------------------------------------------------


def test_gift() -> None:
    # 9.999 -> 999.9 cents -> 1000 (half_even), 999 (down).
    out = run(gift("MUG", "9.999", quantity=2), line("5.00"))
    applied = out["applied"][0]
    assert applied["gifts"] == [{"sku": "MUG", "quantity": 2, "price": D("10.00")}]
    assert (applied["amount"], applied["shipping_amount"], applied["allocations"]) == (
        D("0.00"), D("0.00"), {},
    )  # fmt: skip
    assert (str(out["discount"]), str(out["total"]), out["rejected"]) == ("0.00", "5.00", [])
    out = run(gift("MUG", "9.999"), line("5.00"), rounding="down")
    assert out["applied"][0]["gifts"] == [{"sku": "MUG", "quantity": 1, "price": D("9.99")}]


def test_gift_price_negative_zero_and_null() -> None:
    out = run(gift("MUG", "-1"), line("5.00"))
    assert out["applied"][0]["gifts"][0]["price"] == D("0.00")
    out = run(gift("MUG", "0"), line("5.00"))
    assert out["applied"][0]["gifts"][0]["price"] == D("0.00")
    assert no_effect(run(gift("MUG", NULL), line("5.00")))
    assert no_effect(run(gift("MUG", text("1")), line("5.00")))


def test_gift_with_an_empty_cart_still_applies() -> None:
    out = run(gift("MUG", "1"))
    assert [a["campaign_id"] for a in out["applied"]] == ["c0"]


# -- stacking of the new effects ------------------------------------------------------------


def test_effects_stack_on_current_amounts() -> None:
    # c0: fixed 8.00 for line 0 (10.00 -> 8.00), c1: 50% of what is left on every line,
    # c2: free shipping, c3: a gift.
    out = run(
        [
            fixed_price("8.00", on=items(sku_is("A"))),
            percent_off("50"),
            shipping_off("100", percent=True),
            gift("G", "3"),
        ],
        line("10.00", sku="A"),
        line("3.00", sku="B"),
        shipping="4.99",
    )
    assert line_discounts(out) == ["6.00", "1.50"]
    assert [str(a["amount"]) for a in out["applied"]] == ["2.00", "5.50", "4.99", "0.00"]
    assert (str(out["discount"]), str(out["total"])) == ("12.49", "5.50")
