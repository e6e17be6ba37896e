"""A line's unit groups always add up to what is left of it (docs/semantics.md, "Units"),
whatever an order-wide discount left in odd cents before a unit-level effect split the line:
drawn carts through both evaluators (tests/effects/_both.py compares them; the reference checks
the sum of the groups at every step). The rounding case this guards was a lost cent when a
buy-x-get-y took a whole group in two parts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import promotor as pm
from promotor import item

from ._both import price

before = st.one_of(
    st.integers(1, 99).map(lambda p: pm.percent_off(p)),
    st.integers(1, 999).map(lambda c: pm.amount_off(Decimal(c) / 100)),
)
unit_level = st.one_of(
    st.tuples(st.integers(1, 3), st.integers(1, 2)).map(
        lambda bg: pm.buy_x_get_y(item.category == "x", bg[0], get_quantity=bg[1])
    ),
    st.integers(1, 3).map(lambda m: pm.percent_off(50, on=pm.items(max_quantity=m))),
    st.just(pm.percent_off(30, on=pm.items(cheapest=1))),
)
#: (the last effect, whether it takes all that is left of the order)
after = st.one_of(
    st.just((pm.amount_off(10_000), True)),
    st.integers(1, 99).map(lambda p: (pm.percent_off(p, on=pm.items(max_quantity=1)), False)),
)
line = st.fixed_dictionaries(
    {
        "sku": st.sampled_from(["A", "B", "C"]),
        "price": st.integers(1, 2_000).map(lambda c: str(Decimal(c) / 100)),
        "quantity": st.integers(1, 7),
        "category": st.just("x"),
    }
)


@given(
    first=before,
    middle=st.lists(unit_level, min_size=1, max_size=3),
    last=after,
    items=st.lists(line, min_size=1, max_size=3),
)
def test_the_units_add_up_to_the_line_after_every_campaign(
    first: Any, middle: list[Any], last: tuple[Any, bool], items: list[dict[str, Any]]
) -> None:
    effects = [first, *middle, last[0]]
    campaigns = [pm.Campaign(id=f"c{k}", effect=e) for k, e in enumerate(effects)]
    p = price(campaigns, [dict(i, sku=f"{i['sku']}{k}") for k, i in enumerate(items)])
    subtotal = sum(Decimal(i["price"]) * i["quantity"] for i in items)
    assert Decimal(0) <= p.discount <= subtotal
    assert sum(p.lines) == p.discount
    if last[1]:
        assert p.discount == subtotal  # 10,000.00 off takes all that is left: no cent stays
