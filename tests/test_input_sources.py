"""One validator, many sources: a cart given as plain dicts, as models, as JSON or as an Arrow
row is read by the same Rust validator (rust/promotor-core/src/input/), so the same mistake
gets the same error type at the same location whatever the source."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import promotor as pm
from promotor.errors import InputError
from promotor.inputs import canonical_input, canonical_input_json

ENGINE = pm.Engine([pm.Campaign(id="ten", rules="cart.subtotal >= 10", effect=pm.percent_off(10))])
T0 = datetime(2026, 11, 27, 10, 30, tzinfo=UTC)
T0_TEXT = "2026-11-27T10:30:00Z"

Found = list[tuple[str, tuple[Any, ...]]]


def found(err: InputError) -> Found:
    return [(e["type"], e["loc"]) for e in err.errors()]


def from_dicts(input_: dict[str, Any]) -> Found | dict[str, Any]:
    try:
        return canonical_input(
            input_["cart"],
            customer=input_.get("customer"),
            codes=input_.get("codes", ()),
            context=input_.get("context"),
        )
    except InputError as err:
        return found(err)


def from_json(input_: dict[str, Any]) -> Found | dict[str, Any]:
    try:
        return canonical_input_json(json.dumps(input_))
    except InputError as err:
        return found(err)


def from_models(input_: dict[str, Any]) -> Found | dict[str, Any]:
    """Each part built as its model first: errors are located inside the part, so the part's
    name is put in front to compare."""
    parts: dict[str, Any] = {}
    errors: Found = []
    for name, model in (("cart", pm.Cart), ("customer", pm.Customer), ("context", pm.Context)):
        if input_.get(name) is None:
            continue
        try:
            parts[name] = model.model_validate(input_[name])
        except InputError as err:
            errors += [(t, (name, *loc)) for t, loc in found(err)]
    if errors:
        return errors
    return from_dicts({**input_, **parts})


def from_arrow(input_: dict[str, Any]) -> Found | dict[str, Any]:
    """The input as one row of an orders table (the columns DESIGN.md section 6 names);
    errors located in the table, mapped back to the validator's names to compare."""
    pa = pytest.importorskip("pyarrow")
    cart, customer = input_["cart"], input_.get("customer") or {}
    context = input_.get("context") or {}
    columns: dict[str, Any] = {"order_id": pa.array([1])}
    names = {"orders": {}, "items": {}}
    for name, value in (("shipping", cart.get("shipping")), ("currency", cart.get("currency"))):
        if name in cart:
            columns[name] = pa.array([value])
    if "metadata" in cart:
        columns["metadata"] = pa.array([json.dumps(cart["metadata"])])
    for field, column in (("id", "customer_id"), ("segments", "segments"), ("email", "email")):
        if field in customer:
            columns[column] = pa.array([customer[field]])
            names["orders"][column] = ("customer", field)
    for field, column in (("created_at", "customer_created_at"), ("birthday", "birthday")):
        if field in customer:
            value = datetime.fromisoformat(customer[field].replace("Z", "+00:00"))
            tz = "UTC" if value.tzinfo else None
            columns[column] = pa.array([value.replace(tzinfo=None)], pa.timestamp("us", tz=tz))
            names["orders"][column] = ("customer", field)
    if "now" in context:
        columns["created_at"] = pa.array(
            [datetime.fromisoformat(context["now"].replace("Z", "+00:00"))],
            pa.timestamp("us", tz="UTC"),
        )
    if "items" in cart:
        items = [
            {k: float(v) if k == "price" and isinstance(v, str) else v for k, v in i.items()}
            for i in cart["items"]
        ]
        columns["items"] = pa.array([items])
    if "shipping_methods" in cart:  # a list-of-struct column
        methods = [
            {k: float(v) if k == "price" and isinstance(v, str) else v for k, v in m.items()}
            for m in cart["shipping_methods"]
        ]
        columns["shipping_methods"] = pa.array([methods])
    try:
        ENGINE.evaluate_batch(pa.table(columns))
    except InputError as err:
        out: Found = []
        for kind, loc in found(err):
            assert loc[:2] == ("orders", 0), loc
            rest = loc[2:]
            if rest[0] == "items":
                out.append((kind, ("cart", *rest)))
            elif rest[0] in names["orders"]:
                out.append((kind, (*names["orders"][rest[0]], *rest[1:])))
            else:
                out.append((kind, ("cart", *rest)))
        return out
    return {}


CASES: list[tuple[str, dict[str, Any], Found]] = [
    (
        "negative price",
        {"cart": {"items": [{"price": -1, "quantity": 1}]}},
        [("too_small", ("cart", "items", 0, "price"))],
    ),
    (
        "price not a finite number",
        {"cart": {"items": [{"price": "NaN", "quantity": 1}]}},
        [("not_finite", ("cart", "items", 0, "price"))],
    ),
    (
        "price missing",
        {"cart": {"items": [{"sku": "A", "quantity": 1}]}},
        [("required", ("cart", "items", 0, "price"))],
    ),
    (
        "no units",
        {"cart": {"items": [{"price": 1, "quantity": 0}]}},
        [("too_small", ("cart", "items", 0, "quantity"))],
    ),
    (
        "part of a unit",
        {"cart": {"items": [{"price": 1, "quantity": 1.5}]}},
        [("type_mismatch", ("cart", "items", 0, "quantity"))],
    ),
    (
        "too many units",
        {"cart": {"items": [{"price": 1, "quantity": 1_000_001}]}},
        [("too_large", ("cart", "items", 0, "quantity"))],
    ),
    (
        "price and quantity",
        {"cart": {"items": [{"price": 1, "quantity": 1}, {"price": -2, "quantity": -1}]}},
        [
            ("too_small", ("cart", "items", 1, "price")),
            ("too_small", ("cart", "items", 1, "quantity")),
        ],
    ),
    (
        "a sku too long",
        {"cart": {"items": [{"price": 1, "sku": "x" * 10_001}]}},
        [("too_long", ("cart", "items", 0, "sku"))],
    ),
    (
        "unknown currency",
        {"cart": {"currency": "XYZ"}},
        [("unknown_currency", ("cart", "currency"))],
    ),
    (
        "negative shipping",
        {"cart": {"shipping": -1.5}},
        [("too_small", ("cart", "shipping"))],
    ),
    (
        "a negative shipping method price",
        {"cart": {"shipping_methods": [{"code": "x", "price": "1"}, {"price": -1}]}},
        [("too_small", ("cart", "shipping_methods", 1, "price"))],
    ),
    (
        "a shipping method without a price",
        {"cart": {"shipping_methods": [{"code": "express"}]}},
        [("required", ("cart", "shipping_methods", 0, "price"))],
    ),
    (
        "shipping and shipping methods both",
        {"cart": {"shipping": 4.99, "shipping_methods": [{"price": 1.5}]}},
        [("incompatible", ("cart", "shipping_methods"))],
    ),
    (
        "a negative tax rate",
        {"cart": {"items": [{"price": 1, "tax_rate": -20}]}},
        [("too_small", ("cart", "items", 0, "tax_rate"))],
    ),
    (
        "a subtotal rules cannot read",
        {"cart": {"items": [{"price": 10**8, "quantity": 10**6}]}},
        [("subtotal_too_large", ("cart", "items"))],
    ),
    (
        "metadata nested too deeply",
        {"cart": {"metadata": json.loads('{"k": ' * 17 + "1" + "}" * 17)}},
        [("too_deep", ("cart", "metadata", *["k"] * 16))],
    ),
    (
        "a naive creation time",
        {"cart": {}, "customer": {"id": "c1", "created_at": "2020-01-01T00:00:00"}},
        [("naive_datetime", ("customer", "created_at"))],
    ),
]


@pytest.mark.parametrize(("input_", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
@pytest.mark.parametrize("source", ["dicts", "models", "json", "arrow"])
def test_the_same_mistake_gets_the_same_error_from_every_source(
    source: str, input_: dict[str, Any], expected: Found
) -> None:
    read = {"dicts": from_dicts, "models": from_models, "json": from_json, "arrow": from_arrow}
    got = read[source]({**input_, "context": {"now": T0_TEXT}})
    assert got == expected


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        (10**20, [("too_large", ("cart", "items", 0, "quantity"))]),
        (-(10**20), [("too_small", ("cart", "items", 0, "quantity"))]),
        (1e20, [("too_large", ("cart", "items", 0, "quantity"))]),
        ("1e20", [("too_large", ("cart", "items", 0, "quantity"))]),
    ],
)
@pytest.mark.parametrize("source", ["dicts", "models", "json"])
def test_a_quantity_beyond_every_bound_is_too_large_from_every_source(
    source: str, quantity: object, expected: Found
) -> None:
    # JSON reads 10^20 as a float and Python as an int, and both are beyond every number's
    # bound (10^14): still one error, "too many units". (Arrow's integer columns cannot hold
    # it.)
    read = {"dicts": from_dicts, "models": from_models, "json": from_json}
    input_ = {"cart": {"items": [{"price": 1, "quantity": quantity}]}, "context": {"now": T0_TEXT}}
    assert read[source](input_) == expected


def test_a_valid_input_reads_the_same_from_every_source() -> None:
    input_ = {
        "cart": {
            "items": [
                {"sku": "A", "price": "12.50", "quantity": 2, "tags": ["x"], "category": "c"},
                {"sku": "B", "price": 3, "metadata": {"w": 1.5, "l": [1, None, "t"]}},
            ],
            "shipping": "4.99",
            "currency": "usd",
            "metadata": {"a": {"b": True}},
        },
        "customer": {
            "id": "c1",
            "segments": ["vip"],
            "orders_count": 3,
            "created_at": "2020-01-02",
            "metadata": {"tier": "gold"},
        },
        "context": {"now": T0_TEXT, "channel": "web"},
        "codes": ["BF"],
    }
    canonical = from_dicts(input_)
    assert isinstance(canonical, dict)
    assert canonical["context"]["now"] == T0
    assert canonical["customer"]["created_at"] == datetime(2020, 1, 2, tzinfo=UTC)
    assert canonical["cart"]["items"][0]["price"].as_tuple() == Decimal("12.50").as_tuple()
    assert from_json(input_) == canonical
    assert from_models(input_) == canonical


# Values of every kind JSON has, valid and not: the dict and the JSON source must agree on
# each, error for error.
json_numbers = st.one_of(
    st.integers(-5, 10**6),
    st.sampled_from([10**14 - 1, 10**14, -(10**14), True, False, 10**20]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(0, 10_000).map(lambda f: round(f, 2)),
    st.sampled_from([1e-5, 1e-7, 0.1 + 0.2, 1 / 3, 19.99, 2.0, 20.0, -0.0, 1e16]),
    st.from_regex(r"-?[0-9]{1,16}(\.[0-9]{0,14})?", fullmatch=True),
    st.sampled_from(["12.5", " 12.5", "1e3", "abc", "", "007", "0.50", "-0", "NaN", "Infinity"]),
)
json_texts = st.one_of(
    st.none(),
    st.text(max_size=4),
    st.sampled_from(["coffee", "x" * 10_001, "é" * 6_000]),
    st.integers(0, 3),
    st.lists(st.just("a"), max_size=1),
)
json_lists = st.one_of(
    st.none(),
    st.lists(st.sampled_from(["vip", "gold", "a"]), max_size=3),
    st.sampled_from(["vip", 3, ["vip", 4], ["a"] * 1001, {"vip": 1}, [None]]),
)
json_metadata = st.one_of(
    st.none(),
    st.just({}),
    st.sampled_from([{"a": 1}, {"a": [1, {"b": None}]}, [], "x", {"a": 10**15}]),
)
json_instants = st.one_of(
    st.none(),
    st.sampled_from(
        [
            T0_TEXT,
            "2026-11-27T10:30:00+02:00",
            "2026-11-27T10:30:00",
            "2026-11-27",
            "27/11/2026",
            1_700_000_000,
            "0000-01-01T00:00:00Z",
        ]
    ),
)


def maybe(fields: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


json_items = st.one_of(
    maybe(
        {
            "sku": json_texts,
            "product": json_texts,
            "category": json_texts,
            "tags": json_lists,
            "price": st.one_of(st.none(), json_numbers),
            "quantity": st.one_of(st.none(), json_numbers),
            "metadata": json_metadata,
            "colour": json_texts,
        }
    ),
    st.sampled_from([None, "item", []]),
)
json_inputs = st.fixed_dictionaries(
    {
        "cart": st.one_of(
            maybe(
                {
                    "items": st.one_of(st.lists(json_items, max_size=3), st.none(), st.just("x")),
                    "shipping": st.one_of(st.none(), json_numbers),
                    "currency": st.one_of(
                        st.none(), st.sampled_from(["USD", "usd", " eur ", "XXX", "US", "JPY", 7])
                    ),
                    "metadata": json_metadata,
                    "coupon": json_texts,
                }
            ),
            st.sampled_from([[], None, "cart"]),
        ),
        "context": maybe(
            {
                "now": json_instants,
                "channel": json_texts,
                "country": json_texts,
                "metadata": json_metadata,
            }
        ).map(lambda c: {**c, "now": T0_TEXT} if c.get("now") is None else c),
    },
    optional={
        "customer": st.one_of(
            st.none(),
            maybe(
                {
                    "id": json_texts,
                    "email": json_texts,
                    "segments": json_lists,
                    "orders_count": st.one_of(st.none(), json_numbers),
                    "total_spent": st.one_of(st.none(), json_numbers),
                    "created_at": json_instants,
                    "birthday": json_instants,
                    "metadata": json_metadata,
                    "name": json_texts,
                }
            ),
            st.just("c1"),
        ),
        "codes": st.one_of(st.text(max_size=3), json_lists),
    },
)


@given(json_inputs)
def test_property_dicts_and_json_read_alike(input_: dict[str, Any]) -> None:
    """Generated inputs, valid or not, through two sources: the same canonical input or the
    same errors, type for type and location for location (JSON objects are read in key
    order, dicts in insertion order, so errors are compared as sets)."""
    dicts, json_ = from_dicts(input_), from_json(input_)
    if isinstance(dicts, list) and isinstance(json_, list):
        assert sorted(dicts, key=repr) == sorted(json_, key=repr)
    else:
        assert dicts == json_


def test_numpy_numbers_are_numbers() -> None:
    np = pytest.importorskip("numpy")
    cart = {"items": [{"sku": "A", "price": np.int64(3), "quantity": np.int64(2)}]}
    floats = {"items": [{"sku": "A", "price": np.float64(3.0), "quantity": np.int32(2)}]}
    for given_ in (cart, floats):
        assert ENGINE.evaluate(given_, now=T0).subtotal == Decimal("6.00")
        assert ENGINE.evaluate(pm.Cart.model_validate(given_), now=T0).subtotal == Decimal("6.00")
    with pytest.raises(InputError) as info:
        ENGINE.evaluate({"items": [{"price": np.bool_(True)}]}, now=T0)
    assert found(info.value) == [("type_mismatch", ("cart", "items", 0, "price"))]


def test_one_rule_for_empty_metadata_and_no_codes() -> None:
    """Metadata is a dict or None, from a dict as from a model; ``codes=None`` means none."""
    with pytest.raises(InputError) as info:
        ENGINE.evaluate({"items": [{"price": 1, "metadata": []}]}, now=T0)
    assert found(info.value) == [("type_mismatch", ("cart", "items", 0, "metadata"))]
    with pytest.raises(InputError) as info:
        pm.Item(price=1, metadata=[])
    assert found(info.value) == [("type_mismatch", ("metadata",))]
    with pytest.raises(InputError) as info:
        pm.Cart(items=[{"price": 1, "metadata": []}])
    assert found(info.value) == [("type_mismatch", ("items", 0, "metadata"))]
    for cart in ({"items": [{"price": 1, "metadata": None}]}, pm.Cart(items=[pm.Item(price=1)])):
        assert ENGINE.evaluate(cart, codes=None, now=T0).total == 1


def test_bad_input_raises_before_anything_is_priced() -> None:
    with pytest.raises(InputError) as info:
        ENGINE.evaluate({"items": [{"price": "-1"}]}, now=T0)
    assert found(info.value) == [("too_small", ("cart", "items", 0, "price"))]
    assert info.value.errors()[0]["ctx"] == {"min": "0"}
    assert info.value.errors()[0]["msg"] == "must be at least 0"
    with pytest.raises(InputError) as info:
        ENGINE.evaluate({"items": []}, now=datetime(2026, 1, 1))
    assert found(info.value) == [("naive_datetime", ("now",))]


def test_models_and_mappings_of_any_kind() -> None:
    class Mapping(dict):  # type: ignore[type-arg]
        pass

    from types import MappingProxyType

    cart = {"items": [{"sku": "A", "price": "19.99", "quantity": 2}], "shipping": "4.99"}
    want = ENGINE.evaluate(cart, now=T0)
    for given_ in (
        Mapping(cart),
        MappingProxyType(cart),
        pm.Cart.model_validate(cart),
        {"items": (pm.Item(sku="A", price="19.99", quantity=2),), "shipping": 4.99},
        {"items": (line for line in cart["items"]), "shipping": Decimal("4.99")},
    ):
        assert ENGINE.evaluate(given_, now=T0) == want
    with pytest.raises(InputError) as info:
        ENGINE.evaluate(pm.Item(price=1), now=T0)
    assert info.value.errors()[0]["msg"] == "expected a dict or Cart, got Item"


def test_keys_are_read_by_value_not_only_by_identity() -> None:
    """Dicts written in code share the interned field names, which the validator recognises by
    address; keys built at run time (parsed, joined) are equal strings at other addresses and
    must read the same, and a mistyped one is still located."""
    built = {"".join(["pri", "ce"]): "19.99", "quant" + "ity": 2, "s" + "ku": "A"}
    assert built.keys() == {"price", "quantity", "sku"}
    parsed = json.loads('{"items": [{"sku": "A", "price": "19.99", "quantity": 2}]}')
    want = ENGINE.evaluate({"items": [{"sku": "A", "price": "19.99", "quantity": 2}]}, now=T0)
    assert ENGINE.evaluate({"items": [built]}, now=T0) == want
    assert ENGINE.evaluate(parsed, now=T0) == want
    with pytest.raises(InputError) as info:
        ENGINE.evaluate({"items": [{"price": 1, "qty" + "": 2}]}, now=T0)
    assert found(info.value) == [("unknown_field", ("cart", "items", 0, "qty"))]


def test_a_dict_changed_while_it_is_read_does_not_crash() -> None:
    """A number whose ``__index__`` empties the line it sits in: the walk over that dict ends
    early or sees its current entries, and the call answers (a result or an InputError)."""
    line: dict[str, Any] = {}

    class Meddling:
        def __index__(self) -> int:
            line.clear()
            line.update({f"k{i}": i for i in range(50)})
            return 2

    line.update({"quantity": Meddling(), "price": "3.00", "sku": "A"})
    try:
        result = ENGINE.evaluate({"items": [line]}, now=T0)
    except InputError as err:
        assert all(e["loc"][:3] == ("cart", "items", 0) for e in err.errors())
    else:
        assert result.subtotal in (Decimal("0.00"), Decimal("3.00"), Decimal("6.00"))


def test_results_of_evaluate_and_the_canonical_path_are_equal() -> None:
    cart = {"items": [{"sku": "A", "price": "12.50", "quantity": 1}], "shipping": 2}
    fast = ENGINE.evaluate(cart, now=T0)
    slow = pm.Result.from_outcome(
        ENGINE._program.evaluate(canonical_input(cart, now=T0)), ENGINE._describe()
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
        engine._program.evaluate(canonical_input(cart, now=T0)), engine._describe()
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


def test_the_usual_shapes_price_alike() -> None:
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
    got = ENGINE.evaluate(cart, customer=customer, codes=["BF"], now=T0)
    assert (got.subtotal, got.discount, got.total) == (
        Decimal("52.58"),
        Decimal("5.26"),
        Decimal("52.31"),
    )
    models = pm.Cart.model_validate(cart), pm.Customer.model_validate(customer)
    assert ENGINE.evaluate(models[0], customer=models[1], codes="BF", now=T0) == got
