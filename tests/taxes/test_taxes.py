"""Taxes (issue 10, item 5), as a shop would say it: "10% off, prices include 20% VAT". Lines
and shipping methods carry a ``tax_rate`` (percent); ``pm.Engine(prices_include_tax=...)`` says
whether prices (and effect amounts) include tax. Discounts are computed on the prices as given;
results report the amounts both ways, each line converted with its own rate and rounded once
per amount. Every case runs through both evaluators (tests/both.py)."""

from __future__ import annotations

import pickle
from decimal import Decimal

import pytest

import promotor as pm
from promotor.errors import InputError, RuleError
from tests.both import both

D = Decimal


def ten_off(include: bool) -> pm.Engine:
    return pm.Engine([pm.Campaign(id="ten", effect=pm.percent_off(10))], prices_include_tax=include)


def test_ten_percent_off_prices_include_20_percent_vat() -> None:
    result = both(ten_off(True), {"items": [{"sku": "COAT", "price": "120.00", "tax_rate": 20}]})
    assert result.total == D("108.00")  # the discount is taken off the price as given
    taxes = result.taxes
    assert taxes is not None
    assert taxes.prices_include_tax
    [line] = taxes.lines
    # net = gross x 100 / 120: 100.00 before, 90.00 after; VAT 18.00
    assert (line.subtotal_net, line.discount_net, line.total_net, line.tax) == (
        D("100.00"),
        D("10.00"),
        D("90.00"),
        D("18.00"),
    )
    assert (taxes.total_gross, taxes.total_net, taxes.tax) == (D("108.00"), D("90.00"), D("18.00"))


def test_prices_excluding_tax_report_the_gross_too() -> None:
    # US-style: 9.99 net at 7% -> 10.69 gross (10.6893 rounded half even)
    result = both(ten_off(False), {"items": [{"price": "9.99", "quantity": 2, "tax_rate": "7"}]})
    assert result.total == D("17.98")  # net: 19.98 - 2.00
    [line] = result.taxes.lines  # type: ignore[union-attr]
    assert (line.subtotal_gross, line.total_gross, line.discount_gross) == (
        D("21.38"),  # 19.98 x 1.07 = 21.3786
        D("19.24"),  # 17.98 x 1.07 = 19.2386
        D("2.14"),
    )
    assert line.tax == D("1.26")


def test_each_line_is_converted_with_its_own_rate() -> None:
    # A mixed basket: books at 5%, a coffee machine at 23%, "20.00 off the order", prices
    # including tax. 20.00 splits 100.00 : 300.00 -> 5.00 and 15.00, then each line converts.
    cart = {
        "items": [
            {"sku": "BOOK", "price": "100.00", "tax_rate": 5},
            {"sku": "MACHINE", "price": "300.00", "tax_rate": 23},
        ]
    }
    engine = pm.Engine(
        [pm.Campaign(id="twenty", effect=pm.amount_off(20))], prices_include_tax=True
    )
    taxes = both(engine, cart).taxes
    assert taxes is not None
    book, machine = taxes.lines
    assert (book.total_gross, book.total_net, book.tax) == (D("95.00"), D("90.48"), D("4.52"))
    assert (machine.total_gross, machine.total_net, machine.tax) == (
        D("285.00"),
        D("231.71"),  # 285 / 1.23 = 231.707...
        D("53.29"),
    )
    assert taxes.tax == book.tax + machine.tax
    assert taxes.total_net == D("322.19")


def test_shipping_methods_carry_their_own_rate() -> None:
    engine = pm.Engine(
        [pm.Campaign(id="half-shipping", effect=pm.shipping_off(50, percent=True))],
        prices_include_tax=True,
    )
    cart = {
        "items": [{"price": "10.00", "tax_rate": 20}],
        "shipping_methods": [{"code": "express", "price": "12.00", "tax_rate": 20}],
    }
    taxes = both(engine, cart).taxes
    assert taxes is not None
    [method] = taxes.shipping_methods
    assert (method.subtotal_net, method.total_net, method.total_gross) == (
        D("10.00"),
        D("5.00"),
        D("6.00"),
    )
    assert (taxes.shipping_gross, taxes.shipping_net) == (D("12.00"), D("10.00"))
    assert taxes.total_gross == D("16.00")  # 10.00 + 12.00 - 6.00


def test_without_a_rate_somewhere_the_order_sums_are_unknown() -> None:
    cart = {"items": [{"price": "12.00", "tax_rate": 20}, {"price": "5.00"}]}
    taxes = both(ten_off(True), cart).taxes
    assert taxes is not None
    assert [t.index for t in taxes.lines] == [0]  # only lines with a rate
    assert taxes.total_net is None
    assert taxes.tax is None
    # the shipping shorthand has no rate either
    shorthand = {"items": [{"price": "12.00", "tax_rate": 20}], "shipping": "4.99"}
    assert both(ten_off(True), shorthand).taxes.total_net is None  # type: ignore[union-attr]


def test_no_rate_no_taxes_and_answers_do_not_change() -> None:
    cart = {"items": [{"price": "120.00"}]}
    for include in (False, True):
        result = both(ten_off(include), cart)
        assert result.taxes is None
        assert result.total == D("108.00")


def test_rounding_follows_the_engine() -> None:
    # 0.01 gross at 100%: net 0.005, a tie: half even 0.00, half up 0.01, down 0.00
    cart = {"items": [{"price": "0.01", "tax_rate": 100}]}
    for rounding, net in (("half_even", "0.00"), ("half_up", "0.01"), ("down", "0.00")):
        engine = pm.Engine([], prices_include_tax=True, rounding=rounding)
        [line] = both(engine, cart).taxes.lines  # type: ignore[union-attr]
        assert line.total_net == D(net), rounding


def test_results_round_trip_and_serialise() -> None:
    result = both(ten_off(True), {"items": [{"price": "120.00", "tax_rate": 20}]})
    assert pickle.loads(pickle.dumps(result)) == result
    data = result.to_dict(mode="json")
    assert data["taxes"]["total_net"] == "90.00"
    assert data["taxes"]["lines"][0]["rate"] == "20"


def test_the_setting_is_part_of_the_definition() -> None:
    engine = ten_off(True)
    assert engine.to_ir()["prices_include_tax"] is True
    assert "prices_include_tax" not in ten_off(False).to_ir()  # unchanged IR without it
    assert pm.Engine.from_json(engine.to_json()).to_ir() == engine.to_ir()
    with pytest.raises(RuleError):
        pm.Engine([], prices_include_tax="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cart", "loc", "kind"),
    [
        ({"items": [{"price": 1, "tax_rate": -1}]}, ("cart", "items", 0, "tax_rate"), "too_small"),
        (
            {"items": [{"price": 1, "tax_rate": 1001}]},
            ("cart", "items", 0, "tax_rate"),
            "too_large",
        ),
        (
            {"items": [{"price": 1, "tax_rate": "twenty"}]},
            ("cart", "items", 0, "tax_rate"),
            "type_mismatch",
        ),
        (
            {"shipping_methods": [{"price": 1, "tax_rate": -5}]},
            ("cart", "shipping_methods", 0, "tax_rate"),
            "too_small",
        ),
    ],
)
def test_bad_rates_are_located(cart: dict[str, object], loc: tuple[object, ...], kind: str) -> None:
    with pytest.raises(InputError) as info:
        ten_off(True).evaluate(cart)
    [error] = info.value.errors()
    assert (error["loc"], error["type"]) == (loc, kind)


def test_models_take_rates() -> None:
    cart = pm.Cart(
        items=[pm.Item(price="120.00", tax_rate=20)],
        shipping_methods=[pm.ShippingMethod(price="6.00", tax_rate=20)],
    )
    taxes = both(ten_off(True), cart).taxes
    assert taxes is not None
    assert taxes.total_net == D("95.00")  # 90.00 + 5.00
