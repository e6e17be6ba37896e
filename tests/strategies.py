"""Hypothesis strategies: well-typed rule trees (as IR dicts), campaigns, engines and canonical
inputs, for comparing the Rust evaluator with the pure-Python reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from hypothesis import strategies as st

Node = dict[str, Any]

CATEGORIES = ["coffee", "tea", "mugs", "beans", "Coffee"]
SEGMENTS = ["vip", "gold", "new", "staff"]
TAGS = ["sale", "organic", "bundle"]
CHANNELS = ["web", "app", "pos"]
TIMEZONES = ["UTC", "Europe/Warsaw", "America/New_York", "Asia/Tokyo", "Australia/Adelaide"]
REGEXES = ["^c", "ee$", "o+", "[a-c]", "^(tea|mugs)$", "\\d"]
TEXT = st.text(alphabet="abceotCA É-_ 1", max_size=6)
T0 = datetime(2026, 11, 20, tzinfo=UTC)

# --- leaves ---------------------------------------------------------------------------------


def num_lit(value: Decimal | int | str) -> Node:
    return {"type": "num", "value": str(value)}


def field(*path: str) -> Node:
    return {"type": "field", "path": list(path)}


def binary(op: str, left: Node, right: Node) -> Node:
    return {"type": "binary", "op": op, "left": left, "right": right}


def call(fn: str, *args: Node) -> Node:
    return {"type": "call", "fn": fn, "args": list(args)}


def macro(op: str, lst: Node, var: str | None = None, body: Node | None = None) -> Node:
    return {"type": "macro", "op": op, "list": lst, "var": var, "body": body}


decimals = st.one_of(
    st.integers(-5, 300).map(Decimal),
    st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False),
    st.decimals(min_value=0, max_value=2, places=6, allow_nan=False),
    st.sampled_from(
        [
            Decimal("0.5"),
            Decimal("0.005"),
            Decimal("99999999999999"),
            Decimal("1E-12"),
            Decimal("3"),
        ]
    ),
)


def _plain(d: Decimal) -> str:
    text = format(d, "f")
    return text


num_literals = decimals.map(lambda d: num_lit(_plain(d)))
str_literals = TEXT.map(lambda s: {"type": "str", "value": s})
ts_literals = st.integers(0, 20 * 24 * 3600).map(
    lambda s: call(
        "timestamp",
        {"type": "str", "value": (T0 + timedelta(seconds=s)).isoformat().replace("+00:00", "Z")},
    )
)
dur_literals = st.sampled_from(["1h", "30m", "1d", "90s", "-2h", "1.5h", "100ms"]).map(
    lambda s: call("duration", {"type": "str", "value": s})
)


def num_fields(scope: bool) -> list[Node]:
    fields = [
        field("cart", "subtotal"),
        field("cart", "quantity"),
        field("cart", "shipping"),
        field("customer", "orders_count"),
        field("customer", "total_spent"),
        field("cart", "metadata", "n"),
        field("customer", "metadata", "score"),
    ]
    if scope:
        fields += [
            field("item", "price"),
            field("item", "quantity"),
            field("item", "subtotal"),
            field("item", "metadata", "weight"),
        ]
    return fields


def str_fields(scope: bool) -> list[Node]:
    fields = [
        field("customer", "id"),
        field("customer", "email"),
        field("context", "channel"),
        field("context", "country"),
        field("cart", "currency"),
        field("customer", "metadata", "tier"),
    ]
    if scope:
        fields += [field("item", "category"), field("item", "sku"), field("item", "product")]
    return fields


# --- typed trees ----------------------------------------------------------------------------


@cache
def nums(depth: int, scope: bool) -> st.SearchStrategy[Node]:
    leaves = st.one_of(num_literals, st.sampled_from(num_fields(scope)))
    if depth <= 0:
        return leaves
    sub = nums(depth - 1, scope)
    item_num = nums(depth - 1, True)
    return st.one_of(
        leaves,
        leaves,
        st.builds(binary, st.sampled_from(["add", "sub", "mul", "div", "mod"]), sub, sub),
        sub.map(lambda a: {"type": "unary", "op": "neg", "arg": a}),
        st.builds(
            lambda c, a, b: {"type": "cond", "if": c, "then": a, "else": b},
            bools(depth - 1, scope),
            sub,
            sub,
        ),
        st.builds(
            lambda fn, args: call(fn, *args),
            st.sampled_from(["min", "max"]),
            st.lists(sub, min_size=2, max_size=3),
        ),
        sub.map(lambda a: call("abs", a)),
        st.builds(
            lambda fn, a, p: call(fn, a, num_lit(p)) if p is not None else call(fn, a),
            st.sampled_from(["round", "floor", "ceil"]),
            sub,
            st.one_of(st.none(), st.integers(0, 3)),
        ),
        st.sampled_from(
            [call("size", field("cart", "items")), call("size", field("customer", "segments"))]
        ),
        st.builds(
            lambda op, body: macro(op, field("cart", "items"), "item", body),
            st.sampled_from(["sum", "min", "max"]),
            item_num,
        ),
        st.builds(
            lambda body: macro("count", field("cart", "items"), "item", body),
            bools(depth - 1, True),
        ),
        st.just(macro("count", field("customer", "segments"))),
        # Distinct counts (issue 10): of line values of every type, of segments, of metadata.
        st.builds(
            lambda f: call(
                "size",
                call("distinct", macro("map", field("cart", "items"), "item", field("item", f))),
            ),
            st.sampled_from(["sku", "category", "price", "quantity", "subtotal", "tags"]),
        ),
        st.sampled_from(
            [
                macro("count", call("distinct", field("customer", "segments"))),
                call("size", call("distinct", field("customer", "metadata", "tier"))),
            ]
        ),
        st.builds(
            lambda fn, tz: call(fn, field("context", "now"), {"type": "str", "value": tz}),
            st.sampled_from(["weekday", "hour", "day", "month", "year"]),
            st.sampled_from(TIMEZONES),
        ),
        st.builds(lambda a, b: call("days_between", a, b), timestamps(False), timestamps(False)),
    )


@cache
def strs(depth: int, scope: bool) -> st.SearchStrategy[Node]:
    leaves = st.one_of(str_literals, st.sampled_from(str_fields(scope)))
    if depth <= 0:
        return leaves
    sub = strs(depth - 1, scope)
    return st.one_of(
        leaves,
        leaves,
        st.builds(lambda fn, a: call(fn, a), st.sampled_from(["lower", "upper"]), sub),
        st.builds(lambda a, b: binary("add", a, b), sub, sub),
    )


@cache
def timestamps(scope: bool) -> st.SearchStrategy[Node]:
    base = st.one_of(
        ts_literals,
        st.sampled_from(
            [
                field("context", "now"),
                field("customer", "created_at"),
                field("customer", "birthday"),
            ]
        ),
    )
    tz = st.sampled_from(TIMEZONES).map(lambda z: {"type": "str", "value": z})
    # Dates and anniversaries (issue 10): a date is a timestamp at 00:00 UTC.
    dated = st.one_of(
        st.builds(lambda t, z: call("date", t, z), base, tz),
        base.map(lambda t: call("date", t)),
        st.sampled_from(["2026-02-28", "2028-02-29", "2026-12-31", "2027-01-01"]).map(
            lambda d: call("date", {"type": "str", "value": d})
        ),
        st.builds(lambda t, y: call("anniversary", t, num_lit(y)), base, st.integers(2025, 2029)),
        st.builds(
            lambda fn, t, n, z: call(fn, t, n, z),
            st.sampled_from(["next_anniversary", "last_anniversary"]),
            base,
            base,
            tz,
        ),
        base.map(lambda t: call("timestamp", t)),
        st.just(call("timestamp", field("customer", "metadata", "last"))),
    )
    return st.one_of(base, dated, st.builds(lambda t, d: binary("add", t, d), base, dur_literals))


@cache
def durations() -> st.SearchStrategy[Node]:
    return st.one_of(
        dur_literals,
        st.builds(lambda a, b: binary("sub", a, b), timestamps(False), timestamps(False)),
    )


@cache
def bools(depth: int, scope: bool) -> st.SearchStrategy[Node]:
    cmp_ops = st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"])
    leaves = st.one_of(
        st.builds(binary, cmp_ops, nums(0, scope), nums(0, scope)),
        st.builds(binary, cmp_ops, strs(0, scope), strs(0, scope)),
        st.builds(binary, cmp_ops, timestamps(scope), timestamps(scope)),
        st.builds(binary, cmp_ops, durations(), dur_literals),
        st.builds(
            lambda s: binary("in", {"type": "str", "value": s}, field("customer", "segments")),
            st.sampled_from(SEGMENTS),
        ),
        st.builds(lambda a, b: call("contains", a, b), strs(0, scope), strs(0, scope)),
        st.builds(
            lambda fn, a, b: call(fn, a, b),
            st.sampled_from(["startsWith", "endsWith"]),
            strs(0, scope),
            str_literals,
        ),
        st.builds(
            lambda a, r: call("matches", a, {"type": "str", "value": r}),
            strs(0, scope),
            st.sampled_from(REGEXES),
        ),
        st.builds(lambda f: call("has", f), st.sampled_from(num_fields(scope) + str_fields(scope))),
        st.sampled_from(
            [
                {"type": "bool", "value": True},
                {"type": "bool", "value": False},
                binary(
                    "eq", field("customer", "metadata", "flag"), {"type": "bool", "value": True}
                ),
                binary("eq", field("customer", "metadata", "tier"), {"type": "null"}),
            ]
        ),
        st.builds(
            lambda s: call("contains", field("customer", "segments"), {"type": "str", "value": s}),
            st.sampled_from(SEGMENTS),
        ),
        st.builds(
            lambda c: macro(
                "exists",
                field("cart", "shipping_methods"),
                "m",
                binary("eq", field("m", "code"), {"type": "str", "value": c}),
            ),
            st.sampled_from(METHOD_CODES),
        ),
        st.builds(
            lambda op, n: binary(op, macro("count", field("cart", "shipping_methods")), num_lit(n)),
            st.sampled_from(["ge", "lt"]),
            st.integers(0, 3),
        ),
        st.builds(
            lambda a, items: binary("in", a, {"type": "list", "items": items}),
            strs(0, scope),
            st.lists(str_literals, max_size=3),
        ),
        st.builds(
            lambda a, items: binary("in", a, {"type": "list", "items": items}),
            nums(0, scope),
            st.lists(num_literals, max_size=3),
        ),
        st.builds(lambda a: binary("in", a, field("customer", "metadata", "tier")), strs(0, scope)),
        st.just(call("has", field("customer", "metadata"))),
        # List overlap (issue 10): literal lists, and metadata of any type.
        st.builds(
            lambda segs: call(
                "any_of",
                field("customer", "segments"),
                {"type": "list", "items": [{"type": "str", "value": x} for x in segs]},
            ),
            st.lists(st.sampled_from([*SEGMENTS, "nobody"]), max_size=3),
        ),
        st.just(
            call("any_of", field("customer", "segments"), field("customer", "metadata", "tier"))
        ),
    )
    if scope:
        leaves = st.one_of(
            leaves,
            st.builds(
                lambda c: binary("eq", field("item", "category"), {"type": "str", "value": c}),
                st.sampled_from(CATEGORIES),
            ),
            st.builds(
                lambda t: call("contains", field("item", "tags"), {"type": "str", "value": t}),
                st.sampled_from(TAGS),
            ),
        )
    if depth <= 0:
        return leaves
    sub = bools(depth - 1, scope)
    item_bool = bools(depth - 1, True)
    return st.one_of(
        leaves,
        leaves,
        st.builds(binary, st.sampled_from(["and", "or"]), sub, sub),
        sub.map(lambda a: {"type": "unary", "op": "not", "arg": a}),
        st.builds(binary, cmp_ops, nums(depth - 1, scope), nums(depth - 1, scope)),
        st.builds(
            lambda op, body: macro(op, field("cart", "items"), "item", body),
            st.sampled_from(["all", "exists", "exists_one"]),
            item_bool,
        ),
        st.builds(
            lambda body, n: binary(
                "ge",
                macro("count", macro("filter", field("cart", "items"), "item", body)),
                num_lit(n),
            ),
            item_bool,
            st.integers(0, 3),
        ),
        st.builds(
            lambda s, body: macro(
                "exists",
                field("customer", "segments"),
                "s",
                binary("eq", field("s"), {"type": "str", "value": s}),
            ),
            st.sampled_from(SEGMENTS),
            st.none(),
        ),
        st.builds(lambda c, a, b: {"type": "cond", "if": c, "then": a, "else": b}, sub, sub, sub),
    )


# --- campaigns and engines ------------------------------------------------------------------


@cache
def item_preds(depth: int) -> st.SearchStrategy[Node | None]:
    return st.one_of(
        st.none(),
        st.sampled_from(CATEGORIES).map(
            lambda c: binary("eq", field("item", "category"), {"type": "str", "value": c})
        ),
        bools(depth, True),
    )


METHOD_CODES = ["standard", "express", "pickup"]


@cache
def method_preds(depth: int) -> st.SearchStrategy[Node | None]:
    """Shipping method predicates (bind ``method``)."""
    return st.one_of(
        st.none(),
        st.sampled_from(METHOD_CODES).map(
            lambda c: binary("eq", field("method", "code"), {"type": "str", "value": c})
        ),
        st.builds(
            lambda op, n: binary(op, field("method", "price"), n),
            st.sampled_from(["lt", "ge"]),
            st.integers(0, 20).map(num_lit),
        ),
        st.just(binary("eq", field("method", "metadata", "fast"), {"type": "bool", "value": True})),
    )


@cache
def shipping_targets(depth: int) -> st.SearchStrategy[Node]:
    return st.one_of(
        st.just({"type": "shipping"}),
        st.builds(
            lambda pred, alloc: {"type": "shipping", "pred": pred, "allocation": alloc},
            method_preds(depth),
            st.sampled_from([None, "across", "each"]),
        ),
    )


@cache
def targets(depth: int, shipping: bool = True) -> st.SearchStrategy[Node]:
    small = st.one_of(st.none(), st.integers(0, 4))
    items = st.builds(
        lambda pred, pick, n, mq, groups: {
            "type": "items",
            "pred": pred,
            "cheapest": n if pick == "cheapest" else None,
            "most_expensive": n if pick == "most_expensive" else None,
            "max_quantity": mq,
            "groups_of": groups,
        },
        item_preds(depth),
        st.sampled_from(["cheapest", "most_expensive", None]),
        st.integers(0, 5),
        small,
        st.one_of(st.none(), st.none(), st.integers(1, 4)),
    )
    kinds = [st.just({"type": "order"}), items, items]
    if shipping:
        kinds.append(shipping_targets(depth))
    return st.one_of(*kinds)


# Literal effect numbers out of range do not compile (a negative amount, a percent over 100, a
# fractional count): literals here stay in range, and computed numbers (`nums`) reach the
# run-time cases (null, negative, over 100, fractions).
# Drawn inside their ranges rather than filtered: engines carry many effects (several per
# campaign), and filters that reject half the numbers made whole engines fail to generate
# (Hypothesis' filter_too_much health check, seen on the Dask simulation property).
nonneg_literals = decimals.map(lambda d: num_lit(_plain(abs(d))))
percent_literals = st.one_of(
    st.integers(0, 100).map(Decimal),
    st.decimals(min_value=0, max_value=100, places=2, allow_nan=False),
    st.decimals(min_value=0, max_value=2, places=6, allow_nan=False),
    st.sampled_from([Decimal("0.5"), Decimal("0.005"), Decimal("100")]),
).map(lambda d: num_lit(_plain(d)))


def _computed(node: Node, low: int = 0, high: int | None = None, whole: bool = False) -> Node:
    """An effect's computed number, kept out of what the compiler refuses: a bare literal
    (or `-literal`, which rule text writes for a negative literal) must be in range, so it
    is moved into `[low, high]` (a whole number when `whole`); computed values reach the
    run-time cases (null, negative, over 100, fractions)."""
    if node.get("type") == "unary" and node.get("op") == "neg" and node["arg"]["type"] == "num":
        node = node["arg"]
    if node.get("type") != "num":
        return node
    value = abs(Decimal(node["value"]))
    if whole:
        value = value.to_integral_value()
    value = max(value, Decimal(low))
    if high is not None:
        value = min(value, Decimal(high))
    return num_lit(_plain(value))


@cache
def effects(depth: int) -> st.SearchStrategy[Node]:
    computed = nums(depth, False).map(_computed)
    computed_percent = nums(depth, False).map(lambda n: _computed(n, high=100))
    computed_count = nums(depth, False).map(lambda n: _computed(n, low=1, whole=True))
    amount = st.one_of(
        st.decimals(min_value=0, max_value=200, places=2, allow_nan=False).map(
            lambda d: num_lit(_plain(d))
        ),
        nonneg_literals,
        computed,
    )
    percent = st.one_of(
        st.integers(1, 100).map(num_lit),
        st.integers(1, 100).map(num_lit),
        percent_literals,
        computed_percent,
    )
    count = st.one_of(
        st.integers(1, 3).map(num_lit), st.integers(1, 3).map(num_lit), computed_count
    )
    return st.one_of(
        st.builds(
            lambda p, on, cap: {"type": "percent_off", "percent": p, "on": on, "cap": cap},
            percent,
            targets(depth),
            st.one_of(st.none(), nonneg_literals, computed),
        ),
        st.builds(
            lambda a, on: {"type": "amount_off", "amount": a, "on": on, "allocation": "across"},
            amount,
            targets(depth),
        ),
        st.builds(
            lambda a, on: {"type": "amount_off", "amount": a, "on": on, "allocation": "each"},
            amount,
            targets(depth, shipping=False),
        ),
        st.builds(
            lambda p, on: {"type": "fixed_price", "price": p, "on": on},
            amount,
            targets(depth),
        ),
        st.builds(
            lambda a, pct, on: {"type": "shipping_off", "amount": a, "percent": pct, "on": on},
            st.one_of(percent_literals, st.just(num_lit(100)), computed_percent),
            st.booleans(),
            st.one_of(st.none(), st.none(), shipping_targets(depth)),
        ),
        st.builds(
            lambda buy, bq, get, gq, pct, mx, reward, get_from: {
                "type": "buy_x_get_y",
                "buy": buy,
                "buy_quantity": bq,
                "get": get,
                "get_quantity": gq,
                "percent": pct if reward[0] == "percent" else num_lit(100),
                "max_applications": mx,
                "amount": reward[1] if reward[0] == "amount" else None,
                "fixed_price": reward[1] if reward[0] == "fixed_price" else None,
                "get_from": get_from,
            },
            item_preds(depth),
            count,
            item_preds(depth),
            count,
            percent,
            st.one_of(st.none(), st.integers(0, 3).map(num_lit)),
            st.tuples(st.sampled_from(["percent", "percent", "amount", "fixed_price"]), amount),
            st.sampled_from([None, "cheapest", "most_expensive"]),
        ),
        st.builds(
            lambda q, p: {"type": "gift", "sku": "GIFT", "quantity": q, "price": p},
            st.integers(1, 3),
            amount,
        ),
        # Gifts that scale (issue 10): per n qualifying units, of every line or of some.
        st.builds(
            lambda q, p, per, of: {
                "type": "gift",
                "sku": "GIFT",
                "quantity": q,
                "price": p,
                "per": per,
                **({} if of is None else {"of": of}),
            },
            st.integers(1, 3),
            amount,
            st.integers(1, 5),
            item_preds(depth),
        ),
    )


def _rfc(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def bodies(draw: st.DrawFn, depth: int) -> Node:
    """A campaign's or tier's ``effect``, or sometimes several ``effects`` (issue 10)."""
    if draw(st.integers(0, 3)) == 0:
        return {"effects": draw(st.lists(effects(depth), min_size=1, max_size=3))}
    return {"effect": draw(effects(depth))}


@st.composite
def campaigns(draw: st.DrawFn, index: int, depth: int = 2) -> Node:
    c: Node = {"id": f"c{index}", "priority": draw(st.integers(-1, 2))}
    if draw(st.booleans()):
        c["rules"] = draw(bools(depth, False))
    if draw(st.integers(0, 4)) == 0:
        c["tiers"] = [
            {
                "rules": draw(st.one_of(st.none(), bools(depth - 1, False))),
                **bodies(draw, depth - 1),
            }
            for _ in range(draw(st.integers(1, 3)))
        ]
    else:
        c.update(bodies(draw, depth - 1))
    code_kind = draw(st.integers(0, 3))
    if code_kind == 1:
        c["code"] = f"Code{index}"
    elif code_kind == 2:
        c["codes"] = [f"Code{index}", f"alt{index}"]
    if draw(st.integers(0, 5)) == 0:
        start = T0 + timedelta(hours=draw(st.integers(0, 400)))
        c["starts_at"] = _rfc(start)
        if draw(st.booleans()):
            c["ends_at"] = _rfc(start + timedelta(hours=draw(st.integers(1, 200))))
    if draw(st.integers(0, 4)) == 0:
        lo = draw(st.integers(0, 23))
        c["schedule"] = {
            "weekdays": draw(
                st.one_of(
                    st.none(), st.lists(st.integers(1, 7), min_size=1, max_size=4, unique=True)
                )
            ),
            # (lo, hi) with hi < lo wraps: the night that starts on each listed day.
            "hours": draw(
                st.one_of(
                    st.none(),
                    st.integers(lo + 1, 24).map(lambda hi: [lo, hi]),
                    st.integers(0, lo - 1).map(lambda hi: [lo, hi]) if lo else st.none(),
                )
            ),
            "timezone": draw(st.sampled_from(TIMEZONES)),
        }
    if draw(st.integers(0, 9)) == 0:
        c["active"] = False
    if draw(st.integers(0, 4)) == 0:
        c["exclusive"] = True
    if draw(st.integers(0, 3)) == 0:
        c["group"] = draw(st.sampled_from(["g1", "g2"]))
    if draw(st.integers(0, 5)) == 0:
        c["stop_after"] = True
    return c


currencies = st.sampled_from(["USD", "USD", "JPY", "KWD"])
stackings = st.fixed_dictionaries(
    {
        "mode": st.sampled_from(["sequential", "sequential", "best_deal"]),
        "base": st.sampled_from(["discounted", "discounted", "original"]),
        "max_applied": st.one_of(st.none(), st.none(), st.integers(1, 3)),
        "max_discount": st.one_of(
            st.none(), st.none(), st.sampled_from(["0", "5", "12.5", "30", "100"])
        ),
    }
)


roundings = st.sampled_from(["half_even", "half_up", "down"])


def engine_of(draw: st.DrawFn, campaigns: list[Node], currency: str, **more: Any) -> Node:
    """An engine of ``campaigns`` with a drawn rounding and stacking. Some campaigns read the
    discounted cart (``rules_on``; issue 10), where that compiles: not exclusive, not in
    best-deal mode. Case-sensitive codes sometimes."""
    engine: Node = {
        "version": 1,
        "currency": currency,
        "rounding": draw(roundings),
        "stacking": draw(stackings),
        "campaigns": campaigns,
        **more,
    }
    if engine["stacking"]["mode"] != "best_deal":
        for c in engine["campaigns"]:
            if not c.get("exclusive") and draw(st.integers(0, 2)) == 0:
                c["rules_on"] = "discounted"
    if draw(st.integers(0, 3)) == 0:
        engine["codes_case_sensitive"] = True
    return engine


@st.composite
def engines(draw: st.DrawFn, max_campaigns: int = 4, depth: int = 2) -> Node:
    n = draw(st.integers(1, max_campaigns))
    return engine_of(
        draw,
        [draw(campaigns(i, depth)) for i in range(n)],
        draw(currencies),
        # prices including or excluding tax (docs/semantics.md, "Taxes")
        prices_include_tax=draw(st.booleans()),
    )


@st.composite
def stacking_engines(draw: st.DrawFn, max_campaigns: int = 6) -> Node:
    """Many campaigns that all qualify, so that stacking decides: mostly no rules, no codes,
    no time windows; exclusive flags, groups and stop_after often."""
    n = draw(st.integers(2, max_campaigns))
    campaigns = []
    for i in range(n):
        c: Node = {"id": f"c{i}", "priority": draw(st.integers(-1, 2))}
        if draw(st.integers(0, 4)) == 0:
            c["rules"] = draw(bools(1, False))
        elif draw(st.integers(0, 4)) == 0:
            # A spend threshold, often crossed by the discounts before it (rules_on).
            c["rules"] = binary("ge", field("cart", "subtotal"), num_lit(draw(st.integers(0, 120))))
        c.update(bodies(draw, 1))
        if draw(st.integers(0, 3)) == 0:
            c["exclusive"] = True
        if draw(st.booleans()):
            c["group"] = draw(st.sampled_from(["g1", "g2"]))
        if draw(st.integers(0, 4)) == 0:
            c["stop_after"] = True
        campaigns.append(c)
    return engine_of(draw, campaigns, "USD")


# --- canonical inputs -----------------------------------------------------------------------

meta_values = st.one_of(st.none(), st.booleans(), decimals, TEXT)


@st.composite
def metadata(draw: st.DrawFn, keys: list[str]) -> dict[str, Any]:
    return {k: draw(meta_values) for k in keys if draw(st.booleans())}


# Birthdays as the input reads a date (00:00 UTC), near month and year ends and on Feb 29.
birthdays = st.one_of(
    st.sampled_from([(2000, 2, 29), (1990, 12, 31), (1985, 1, 1), (1999, 11, 30)]),
    st.tuples(st.integers(1950, 2010), st.integers(1, 12), st.integers(1, 28)),
).map(lambda ymd: datetime(*ymd, tzinfo=UTC))
# Datetime metadata (issue 10): instants, or a text the rule must read with timestamp().
meta_times = st.one_of(
    st.integers(-(10**8), 10**6).map(lambda s: T0 + timedelta(seconds=s)),
    st.just("2026-11-01T00:00:00Z"),
)

prices = st.one_of(
    st.decimals(min_value=0, max_value=500, places=2, allow_nan=False),
    st.decimals(min_value=0, max_value=50, places=3, allow_nan=False),
    st.sampled_from([Decimal("0"), Decimal("0.01"), Decimal("10.00"), Decimal("3.333333")]),
)


#: Tax rates in percent: none (unknown) often, usual VAT rates, and odd ones.
tax_rates = st.one_of(
    st.none(),
    st.sampled_from([Decimal(0), Decimal(7), Decimal(20), Decimal("5.5"), Decimal(23)]),
    st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False),
)


@st.composite
def items(draw: st.DrawFn, index: int) -> dict[str, Any]:
    return {
        "sku": f"S{index}",
        "product": draw(st.one_of(st.none(), st.sampled_from(["p1", "p2"]))),
        "category": draw(st.one_of(st.none(), st.sampled_from(CATEGORIES))),
        "tags": draw(st.lists(st.sampled_from(TAGS), max_size=2, unique=True)),
        "price": draw(prices),
        "quantity": draw(st.integers(1, 5)),
        "metadata": draw(metadata(["weight"])),
        **({"tax_rate": rate} if (rate := draw(tax_rates)) is not None else {}),
    }


@st.composite
def shipping_methods(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "id": draw(st.one_of(st.none(), st.sampled_from(["m1", "m2"]))),
        "code": draw(st.one_of(st.none(), st.sampled_from(METHOD_CODES))),
        "name": None,
        "price": draw(prices),
        "metadata": draw(metadata(["fast"])),
        **({"tax_rate": rate} if (rate := draw(tax_rates)) is not None else {}),
    }


@st.composite
def canonical_inputs(draw: st.DrawFn, n_campaigns: int = 4) -> dict[str, Any]:
    n_items = draw(st.integers(0, 6) | st.integers(1, 6))
    customer = None
    if draw(st.integers(0, 4)) > 0:
        customer = {
            "id": draw(st.one_of(st.none(), TEXT)),
            "email": draw(st.one_of(st.none(), st.just("a@example.com"))),
            "segments": draw(st.lists(st.sampled_from(SEGMENTS), max_size=3, unique=True)),
            "orders_count": draw(st.one_of(st.none(), st.integers(0, 20).map(Decimal))),
            "total_spent": draw(st.one_of(st.none(), decimals)),
            "created_at": draw(
                st.one_of(
                    st.none(), st.integers(-(10**8), 10**6).map(lambda s: T0 + timedelta(seconds=s))
                )
            ),
            "birthday": draw(st.one_of(st.none(), birthdays)),
            "metadata": {
                **draw(metadata(["score", "tier", "flag"])),
                **({"last": draw(meta_times)} if draw(st.booleans()) else {}),
            },
        }
    now = T0 + timedelta(minutes=draw(st.integers(0, 20 * 24 * 60)))
    codes = draw(
        st.lists(
            st.sampled_from(
                [f"code{i}" for i in range(n_campaigns)]
                + [f" ALT{i} " for i in range(n_campaigns)]
                + ["nope", "", "CODE0", "ＣＯＤＥ0", "\u3000Ａｌｔ0\u00a0"]
            ),
            max_size=3,
        )
    )
    cart: dict[str, Any] = {
        "currency": draw(st.sampled_from([None] * 8 + ["USD", "EUR"])),
        "shipping": draw(st.one_of(st.just(Decimal(0)), prices)),
        "items": [draw(items(i)) for i in range(n_items)],
        "metadata": draw(metadata(["n"])),
    }
    methods = draw(st.one_of(st.just([]), st.lists(shipping_methods(), min_size=1, max_size=4)))
    if methods:
        cart["shipping"] = Decimal(0)
        cart["shipping_methods"] = methods
    return {
        "cart": cart,
        "customer": customer,
        "context": {
            "now": now,
            "channel": draw(st.one_of(st.none(), st.sampled_from(CHANNELS))),
            "country": None,
            "metadata": {},
        },
        "codes": codes,
    }


# --- usage limits, budgets and snapshots (DESIGN section 8) ---------------------------------

LIMIT_KEYS = [None, None, None, "k1", "k2"]


@st.composite
def usage_limits(draw: st.DrawFn, has_codes: bool, currency: str) -> list[Node]:
    """Limits and budgets of one campaign: counts, per customer or code, calendar periods in
    several timezones, shared keys, and budgets that shrink or refuse a discount."""
    out: list[Node] = []
    for _ in range(draw(st.integers(1, 3))):
        every = draw(st.sampled_from([None, None, "day", "week", "month"]))
        common: Node = {"timezone": draw(st.sampled_from(TIMEZONES))} if every else {}
        if every:
            common["every"] = every
        key = draw(st.sampled_from(LIMIT_KEYS))
        if key is not None:
            common["key"] = key
        if draw(st.booleans()):
            per = draw(st.sampled_from([None, "customer"] + (["code"] if has_codes else [])))
            limit: Node = {"type": "limit", "max": draw(st.integers(0, 3)), **common}
            if per is not None:
                limit["per"] = per
            out.append(limit)
        else:
            whole = draw(st.sampled_from([0, 1, 5, 12, 50, 200]))
            cents = "" if currency == "JPY" else draw(st.sampled_from(["", ".50", ".01"]))
            budget: Node = {"type": "budget", "amount": f"{whole}{cents}", **common}
            if draw(st.integers(0, 2)) == 0:
                budget["partial"] = False
            out.append(budget)
    return out


@st.composite
def limited_engines(draw: st.DrawFn, base: st.SearchStrategy[Node] | None = None) -> Node:
    """Engines (of ``base``, default :func:`stacking_engines`) whose campaigns mostly have
    usage limits or budgets, often sharing keys."""
    engine = draw(base if base is not None else stacking_engines())
    for c in engine["campaigns"]:
        if draw(st.integers(0, 3)) > 0:
            has_codes = "code" in c or "codes" in c
            c["limits"] = draw(usage_limits(has_codes, engine.get("currency", "USD")))
    return engine


@st.composite
def snapshots(draw: st.DrawFn, keys: list[str]) -> dict[str, int]:
    """Counter values for ``keys``: small counts, budgets used in minor units, some absent."""
    snapshot = {}
    for key in keys:
        if draw(st.integers(0, 3)) == 0:
            continue
        if key.startswith("count|"):
            snapshot[key] = draw(st.integers(0, 4))
        else:
            snapshot[key] = draw(
                st.one_of(st.integers(0, 6000), st.sampled_from([0, 100, 500, 1200, 5000, 20000]))
            )
    return snapshot


# --- code pools (DESIGN section 9) ----------------------------------------------------------

#: Codes that no generated campaign defines, so they are looked up in pools.
POOL_CODES = ["pool1", " POOL1 ", "ｐｏｏｌ2", "pool3", "pool4"]


@st.composite
def pooled_engines(draw: st.DrawFn, base: st.SearchStrategy[Node] | None = None) -> Node:
    """Engines whose campaigns often accept pool codes (``unique_codes``), with usage limits
    (per-code ones included) on most of them."""
    engine = draw(base if base is not None else stacking_engines())
    campaigns = engine["campaigns"]
    for c in campaigns:
        if draw(st.integers(0, 2)) > 0:
            c["unique_codes"] = True
    if not any(c.get("unique_codes") for c in campaigns):
        campaigns[0]["unique_codes"] = True
    for c in campaigns:
        if draw(st.integers(0, 3)) > 0:
            has_codes = "code" in c or "codes" in c or bool(c.get("unique_codes"))
            c["limits"] = draw(usage_limits(has_codes, engine.get("currency", "USD")))
    return engine


@st.composite
def pool_rows(
    draw: st.DrawFn, lookups: list[str], campaign_ids: list[str], customer: str | None
) -> dict[str, tuple[str, str, str | None]]:
    """What a store may find for ``lookups``: rows of campaigns with or without
    ``unique_codes`` or unknown to the engine, free or assigned to this customer or another."""
    rows = {}
    for key in lookups:
        if draw(st.integers(0, 4)) == 0:
            continue
        campaign = draw(st.sampled_from([*campaign_ids, "gone"]))
        owner = draw(st.sampled_from([None, None, customer, customer, "someone-else"]))
        rows[key] = (campaign, key.upper(), owner)
    return rows
