"""The single-cart fast path (rust/promotor-py/src/fast.rs) reads a user's plain dicts in Rust.
It must read exactly what `canonical_input` reads, and must never accept what that path
rejects: anything it is unsure of goes down the canonical path, which names the problem."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import promotor as pm
from promotor.errors import InputError
from promotor.inputs import canonical_input

ENGINE = pm.Engine([pm.Campaign(id="ten", rules="cart.subtotal >= 10", effect=pm.percent_off(10))])
PROGRAM = ENGINE._program
T0 = datetime(2026, 11, 27, 10, 30, tzinfo=UTC)


class Str(str):
    pass


class Dict(dict):  # type: ignore[type-arg]
    pass


# Values of every kind a backend might send, valid and not: each field draws from these.
numbers = st.one_of(
    st.integers(-5, 10**6),
    st.sampled_from([10**14 - 1, 10**14, -(10**14), True, False]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(0, 10_000).map(lambda f: round(f, 2)),
    st.sampled_from([1e-5, 1e-7, 0.1 + 0.2, 1 / 3, 19.99, 2.0, -0.0, 1e16, 99999999999999.98]),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        [Decimal("12.50"), Decimal("-0"), Decimal("1E+3"), Decimal("NaN"), Decimal("-3.1")]
    ),
    st.from_regex(r"-?[0-9]{1,16}(\.[0-9]{0,14})?", fullmatch=True),
    st.sampled_from(["12.5", " 12.5", "1e3", "abc", "", "007", "0.50", "-0", "1_000"]),
)
texts = st.one_of(
    st.none(),
    st.text(max_size=4),
    st.sampled_from(["coffee", "tea", Str("coffee"), "x" * 10_001, "é" * 6_000, "\ud800"]),
    st.integers(0, 3),
)
string_lists = st.one_of(
    st.none(),
    st.lists(st.sampled_from(["vip", "gold", "a"]), max_size=3),
    st.lists(st.sampled_from(["vip", "gold"]), max_size=2).map(tuple),
    st.sampled_from(["vip", 3, ["vip", 4], [Str("vip")], {"vip"}]),
)
metadatas = st.one_of(st.none(), st.just({}), st.sampled_from([{"a": 1}, [], "x", Dict()]))
instants = st.one_of(
    st.none(),
    st.integers(-(10**9), 10**9).map(lambda s: T0 + timedelta(seconds=s)),
    st.sampled_from(
        [
            T0.replace(tzinfo=None),
            T0.astimezone(timezone(timedelta(hours=2))),
            date(1990, 5, 17),
            "2026-11-27T10:30:00Z",
            1_700_000_000,
        ]
    ),
)


def maybe(fields: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


items = st.one_of(
    maybe(
        {
            "sku": texts,
            "product": texts,
            "category": texts,
            "tags": string_lists,
            "price": numbers,
            "quantity": st.one_of(st.integers(-1, 1_000_001), numbers),
            "metadata": metadatas,
            "colour": texts,
        }
    ),
    st.sampled_from([None, "item", Dict(price="1.00")]),
)
carts = st.one_of(
    maybe(
        {
            "items": st.one_of(
                st.lists(items, max_size=4), st.lists(items, max_size=2).map(tuple), st.none()
            ),
            "shipping": st.one_of(st.none(), numbers),
            "currency": st.one_of(
                st.none(), st.sampled_from(["USD", "usd", "EUR", " eur ", "XXX", "US", "JPY", 7])
            ),
            "metadata": metadatas,
            "coupon": texts,
        }
    ),
    st.sampled_from([[], None, "cart"]),
)
customers = st.one_of(
    st.none(),
    maybe(
        {
            "id": texts,
            "email": texts,
            "segments": string_lists,
            "orders_count": st.one_of(st.none(), numbers),
            "total_spent": st.one_of(st.none(), numbers),
            "created_at": instants,
            "birthday": instants,
            "metadata": metadatas,
            "name": texts,
        }
    ),
    st.sampled_from(["c1", Dict(id="c1")]),
)
contexts = st.one_of(
    st.none(),
    maybe({"now": instants, "channel": texts, "country": texts, "metadata": metadatas}),
)
codes = st.one_of(st.just(()), st.text(max_size=3), string_lists.filter(lambda v: v is not None))


@given(carts, customers, codes, st.one_of(st.none(), instants), contexts)
def test_property_fast_path_reads_what_canonical_input_reads(
    cart: Any, customer: Any, codes_: Any, now: Any, context: Any
) -> None:
    if now is None and (not isinstance(context, dict) or context.get("now") is None):
        now = T0  # both paths would read the clock, a microsecond apart
    try:
        canonical: dict[str, Any] | None = canonical_input(
            cart, customer=customer, codes=codes_, now=now, context=context, currency="USD"
        )
    except InputError:
        canonical = None
    agrees = PROGRAM._fast_read_agrees(canonical, cart, customer, codes_, now, context)
    assert agrees is not False, (canonical, agrees)


def test_the_usual_shapes_take_the_fast_path() -> None:
    cart = {
        "items": [
            {"sku": "A", "price": "19.99", "quantity": 2, "category": "coffee", "tags": ["x"]},
            {"sku": "B", "price": 5, "product": "p"},
            {"sku": "C", "price": 4.5, "quantity": 1, "metadata": {}},
            {"sku": "D", "price": Decimal("3.10")},
        ],
        "shipping": "4.99",
        "currency": "usd",
    }
    customer = {"id": "c1", "segments": ["vip"], "orders_count": 3, "created_at": date(2020, 1, 2)}
    for now in (T0, None):
        assert PROGRAM.price_fast(cart, customer, ["BF"], now, {"channel": "web"}) is not None
    canonical = canonical_input(cart, customer=customer, codes="BF", now=T0, currency="USD")
    assert PROGRAM._fast_read_agrees(canonical, cart, customer, "BF", T0, None) is True


def test_unusual_shapes_take_the_canonical_path_and_get_its_errors() -> None:
    assert PROGRAM.price_fast({"items": [{"price": "-1"}]}, None, (), T0, None) is None
    assert (
        PROGRAM.price_fast({"items": [{"price": 1, "metadata": {"a": 1}}]}, None, (), T0, None)
        is None
    )
    result = ENGINE.evaluate({"items": [{"price": 1, "metadata": {"a": 1}}]}, now=T0)
    assert result.total == Decimal("1")
    try:
        ENGINE.evaluate({"items": [{"price": "-1"}]}, now=T0)
    except InputError as err:
        assert err.errors()[0]["loc"] == ("cart", "items", 0, "price")
    else:  # pragma: no cover - the assertion is the point
        raise AssertionError("a negative price must raise InputError")


def test_results_of_both_paths_are_equal() -> None:
    cart = {"items": [{"sku": "A", "price": "12.50", "quantity": 1}], "shipping": 2}
    fast = ENGINE.evaluate(cart, now=T0)
    slow = pm.Result.from_outcome(
        PROGRAM.evaluate(canonical_input(cart, now=T0, currency="USD")), ENGINE._describe()
    )
    assert fast == slow
    assert fast.lines[0].unit_price.as_tuple() == Decimal("12.50").as_tuple()
    assert fast.total == Decimal("13.25")


def test_lazy_results_are_immutable_values() -> None:
    engine = pm.Engine(
        [
            pm.Campaign(id="five", rules="cart.subtotal >= 1", effect=pm.amount_off(5)),
            pm.Campaign(id="never", rules="cart.subtotal >= 1000", effect=pm.percent_off(5)),
        ]
    )
    cart = {"items": [{"sku": "A", "price": "10", "quantity": 1}, {"sku": "B", "price": "30"}]}
    lazy = engine.evaluate(cart, now=T0)
    eager = pm.Result.from_outcome(
        engine._program.evaluate(canonical_input(cart, now=T0, currency="USD")),
        engine._describe(),
    )
    assert lazy.applied[0].allocations == {0: Decimal("1.25"), 1: Decimal("3.75")}
    assert lazy.applied == eager.applied
    assert lazy == eager
    assert lazy.to_dict() == eager.to_dict()
    assert [r.condition for r in lazy.rejected] == ["cart.subtotal >= 1000"]
    assert pickle.loads(pickle.dumps(lazy)) == lazy
    assert repr(lazy).startswith("Result(currency='USD', subtotal=Decimal('40.00')")
    for obj, name in ((lazy, "total"), (lazy.applied[0], "amount")):
        with pytest.raises(AttributeError):
            setattr(obj, name, Decimal(0))
