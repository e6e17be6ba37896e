"""The Rust evaluator and the pure-Python reference agree exactly on generated engines and
carts. A failure here is a bug in one of them: docs/semantics.md says which."""

from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from promotor import reference

from .strategies import canonical_inputs, engines, stacking_engines
from .twin import compile_or_skip, compiled_case


@given(engines(), st.data())
def test_property_rust_equals_reference(engine_ir: dict[str, Any], data: st.DataObject) -> None:
    program, canonical = compiled_case(engine_ir, data)
    expected = reference.evaluate(engine_ir, canonical)
    actual = program.evaluate(canonical)
    for applied in actual["applied"]:
        event("applied" + (" (tier)" if applied["tier"] is not None else ""))
    for rejected in actual["rejected"]:
        event(f"rejected: {rejected['reason']}")
    assert actual == expected


@given(engines(max_campaigns=2, depth=3), st.data())
def test_property_rust_equals_reference_deep_rules(
    engine_ir: dict[str, Any], data: st.DataObject
) -> None:
    program, canonical = compiled_case(engine_ir, data)
    assert program.evaluate(canonical) == reference.evaluate(engine_ir, canonical)


@given(engines(), st.data())
def test_property_invariants(engine_ir: dict[str, Any], data: st.DataObject) -> None:
    """Whatever the rules: allocations sum to each amount, lines stay within [0, subtotal],
    totals add up and are never negative."""
    program = compile_or_skip(engine_ir)
    out = program.evaluate(data.draw(canonical_inputs(len(engine_ir["campaigns"]))))
    line_discounts = [line["discount"] for line in out["lines"]]
    for line in out["lines"]:
        assert 0 <= line["discount"] <= line["subtotal"]
        assert line["total"] == line["subtotal"] - line["discount"]
    for applied in out["applied"]:
        assert applied["amount"] > 0 or applied["gifts"]
        assert (
            sum(applied["allocations"].values()) + applied["shipping_amount"] == applied["amount"]
        )
    assert sum(line_discounts) + out["shipping_discount"] == out["discount"]
    assert out["subtotal"] == sum(line["subtotal"] for line in out["lines"])
    assert 0 <= out["shipping_discount"] <= out["shipping"]
    assert out["total"] == max(0, out["subtotal"] + out["shipping"] - out["discount"])
    assert out["total"] >= 0
    methods = out.get("shipping_methods", [])
    if methods:  # the cart lists its shipping methods: each reports its part
        for m in methods:
            assert 0 <= m["discount"] <= m["price"]
            assert m["total"] == m["price"] - m["discount"]
        assert sum(m["discount"] for m in methods) == out["shipping_discount"]
        assert sum(m["price"] for m in methods) == out["shipping"]
        for applied in out["applied"]:
            shares = applied.get("shipping_allocations", {})
            assert sum(shares.values()) == applied["shipping_amount"]
    taxes = out.get("taxes")
    if taxes is not None:  # both ways add up, line by line and in all
        for t in [*taxes["lines"], *taxes["shipping_methods"]]:
            assert t["subtotal_net"] - t["discount_net"] == t["total_net"]
            assert t["subtotal_gross"] - t["discount_gross"] == t["total_gross"]
            assert t["tax"] == t["total_gross"] - t["total_net"]
        if taxes["total_net"] is not None:
            assert taxes["tax"] == sum(
                t["tax"] for t in [*taxes["lines"], *taxes["shipping_methods"]]
            )
            given = "total_gross" if taxes["prices_include_tax"] else "total_net"
            assert taxes[given] == out["total"]


@given(stacking_engines(), st.data())
def test_property_rust_equals_reference_stacking(
    engine_ir: dict[str, Any], data: st.DataObject
) -> None:
    """Engines where several campaigns qualify at once, so every stacking rule is exercised."""
    program, canonical = compiled_case(engine_ir, data)
    actual = program.evaluate(canonical)
    for rejected in actual["rejected"]:
        event(f"rejected: {rejected['reason']}")
    assert actual == reference.evaluate(engine_ir, canonical)


@given(stacking_engines(), st.data())
def test_property_best_deal_is_never_worse_than_sequential(
    engine_ir: dict[str, Any], data: st.DataObject
) -> None:
    # Best deal refuses rules on the discounted cart (docs/semantics.md): compare without.
    engine_ir = {
        **engine_ir,
        "campaigns": [
            {k: v for k, v in c.items() if k != "rules_on"} for c in engine_ir["campaigns"]
        ],
    }
    sequential = {**engine_ir, "stacking": {**engine_ir["stacking"], "mode": "sequential"}}
    best = {**engine_ir, "stacking": {**engine_ir["stacking"], "mode": "best_deal"}}
    canonical = data.draw(canonical_inputs(len(engine_ir["campaigns"])))
    seq_out = compile_or_skip(sequential).evaluate(canonical)
    best_out = compile_or_skip(best).evaluate(canonical)
    assert best_out["discount"] >= seq_out["discount"]
    applied = {a["campaign_id"] for a in best_out["applied"]}
    chosen = [c for c in engine_ir["campaigns"] if c["id"] in applied]
    assert sum(1 for c in chosen if c.get("exclusive")) <= 1
    if any(c.get("exclusive") for c in chosen):
        assert len(chosen) == 1
    groups = [c["group"] for c in chosen if c.get("group")]
    assert len(groups) == len(set(groups))
    if engine_ir["stacking"]["max_applied"] is not None:
        assert len(chosen) <= engine_ir["stacking"]["max_applied"]
