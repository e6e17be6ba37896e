"""Effects (what a campaign gives) and targets (what it gives it on).

Each function returns the IR model of the effect; any number may be an ``Expr`` (a dynamic
formula, evaluated against the original cart).

>>> from promotor.effects import percent_off, items, amount_off
>>> from promotor.expr import item, cart, least
>>> percent_off(15, on=items(item.category == "coffee"), cap=50).cap
Num(type='num', value='50')
>>> amount_off(least(cart.subtotal * 0.15, 50)).amount.func
'min'
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from promotor import ir
from promotor.errors import RuleError, detail
from promotor.expr import Expr, lit

__all__ = [
    "ORDER",
    "SHIPPING",
    "Number",
    "amount_off",
    "buy_x_get_y",
    "fixed_price",
    "free_shipping",
    "gift",
    "items",
    "percent_off",
    "shipping",
    "shipping_off",
]

#: Where a number is expected: a literal or an expression.
Number = int | float | Decimal | str | Expr

#: The whole order (all lines).
ORDER = ir.OrderTarget()
#: The shipping: every shipping method, their sum (``shipping()``).
SHIPPING = ir.ShippingTarget()


def _num(value: Number, name: str) -> ir.ExprNode:
    if isinstance(value, bool):
        raise RuleError([detail("type_mismatch", (name,), expected="a number", got="bool")])
    if isinstance(value, str):
        try:
            value = Decimal(value)
        except ArithmeticError:
            raise RuleError(
                [detail("type_mismatch", (name,), expected="a number", got=repr(value))]
            ) from None
    try:
        return lit(value).node
    except RuleError as exc:
        raise RuleError([{**e, "loc": (name, *e["loc"])} for e in exc.errors()]) from None


def _pred(value: Expr | ir.ItemsTarget | None, name: str) -> ir.ExprNode | None:
    """An item predicate: a condition, or ``pm.items(condition)`` (as ``on=`` takes it)."""
    if isinstance(value, ir.ItemsTarget):
        for option in ("cheapest", "most_expensive", "max_quantity", "groups_of"):
            if getattr(value, option) is not None:
                raise RuleError(
                    [
                        detail(
                            "incompatible",
                            (name, option),
                            option=option,
                            other=f"{name}= (it takes a condition on the item)",
                        )
                    ]
                )
        return value.pred
    if isinstance(value, ir.OrderTarget | ir.ShippingTarget):
        raise RuleError(
            [detail("type_mismatch", (name,), expected="pm.items(...)", got=value.type.upper())]
        )
    return None if value is None else lit(value).node


def _choice(value: object, name: str, first: str, second: str) -> None:
    """An option that takes one of two words."""
    if value not in (first, second):
        raise RuleError(
            [detail("type_mismatch", (name,), expected=f'"{first}" or "{second}"', got=repr(value))]
        )


def _target(on: Target, name: str = "on") -> Target:
    """``on=``: a target; a condition there is a mistake that ``pm.items(...)`` fixes."""
    if isinstance(on, Expr):
        raise RuleError([detail("not_a_target", (name,), got="a condition")])
    return on


def _count(value: int | None, name: str) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise RuleError(
            [detail("type_mismatch", (name,), expected="a whole number", got=type(value).__name__)]
        )
    if value is not None and value < 0:
        raise RuleError([detail("too_small", (name,), min=0)])
    return value


def items(
    pred: Expr | None = None,
    cheapest: int | None = None,
    most_expensive: int | None = None,
    max_quantity: int | None = None,
    groups_of: int | None = None,
) -> ir.ItemsTarget:
    """The lines for which ``pred`` (about ``item``) holds; all lines without one.

    ``cheapest=n`` / ``most_expensive=n`` keep the n cheapest / dearest units;
    ``max_quantity=k`` at most k (the most expensive) units of each line;
    ``groups_of=n`` only units in complete groups of n across the lines (the dearest units
    form the groups; the cheapest that do not fill a group are left out).

    >>> items(cheapest=1).cheapest
    1
    >>> items(groups_of=3).groups_of
    3
    """
    if groups_of is not None and _count(groups_of, "groups_of") == 0:
        raise RuleError([detail("too_small", ("groups_of",), min=1)])
    return ir.ItemsTarget(
        pred=_pred(pred, "pred"),
        cheapest=_count(cheapest, "cheapest"),
        most_expensive=_count(most_expensive, "most_expensive"),
        max_quantity=_count(max_quantity, "max_quantity"),
        groups_of=_count(groups_of, "groups_of"),
    )


def shipping(
    pred: Expr | None = None, allocation: Literal["across", "each"] = "across"
) -> ir.ShippingTarget:
    """The shipping methods for which ``pred`` (about ``method``) holds; all without one.
    ``allocation="across"`` computes an effect on their sum and splits it over them in
    proportion to their prices; ``"each"`` computes it on each method alone.

    >>> from promotor.expr import method
    >>> shipping(method.code == "express").pred.op
    'eq'
    >>> shipping(allocation="each").allocation
    'each'
    """
    _choice(allocation, "allocation", "across", "each")
    if isinstance(pred, ir.OrderTarget | ir.ShippingTarget | ir.ItemsTarget):
        raise RuleError(
            [detail("type_mismatch", ("pred",), expected="a condition", got="a target")]
        )
    return ir.ShippingTarget(
        pred=None if pred is None else lit(pred).node,
        allocation=None if allocation == "across" else allocation,
    )


Target = ir.OrderTarget | ir.ShippingTarget | ir.ItemsTarget


def percent_off(percent: Number, on: Target = ORDER, cap: Number | None = None) -> ir.PercentOff:
    """``percent`` % off the targeted amounts, at most ``cap``.

    >>> percent_off(10).percent.value
    '10'
    """
    return ir.PercentOff(
        percent=_num(percent, "percent"),
        on=_target(on),
        cap=None if cap is None else _num(cap, "cap"),
    )


def amount_off(
    amount: Number, on: Target = ORDER, allocation: Literal["across", "each"] = "across"
) -> ir.AmountOff:
    """``amount`` off the targeted lines (``"each"``: off each targeted unit).

    >>> amount_off("10.00", allocation="each").allocation
    'each'
    """
    return ir.AmountOff(amount=_num(amount, "amount"), on=_target(on), allocation=allocation)


def fixed_price(price: Number, on: Target = ORDER) -> ir.FixedPrice:
    """Each targeted unit costs ``price`` (on ``ORDER``: the order's line total)."""
    return ir.FixedPrice(price=_num(price, "price"), on=_target(on))


def shipping_off(
    amount: Number, percent: bool = False, on: ir.ShippingTarget = SHIPPING
) -> ir.ShippingOff:
    """``amount`` off shipping; with ``percent=True``, ``amount`` % of it. ``on=shipping(...)``
    picks the shipping methods (default: all of them, their sum).

    >>> shipping_off(5).percent
    False
    >>> from promotor.expr import method
    >>> shipping_off(5, on=shipping(method.code == "express")).on.pred.op
    'eq'
    """
    return ir.ShippingOff(
        amount=_num(amount, "amount"),
        percent=percent,
        on=None if on == SHIPPING else _target(on),
    )


def free_shipping(on: ir.ShippingTarget = SHIPPING) -> ir.ShippingOff:
    """Shipping costs nothing: ``shipping_off(100, percent=True, on=on)``; ``on=shipping(
    method.code == "express")`` makes only express shipping free."""
    return shipping_off(100, percent=True, on=on)


def buy_x_get_y(
    buy: Expr | ir.ItemsTarget | None,
    buy_quantity: Number,
    get: Expr | ir.ItemsTarget | None = None,
    get_quantity: Number = 1,
    percent: Number | None = None,
    max_applications: Number | None = None,
    amount: Number | None = None,
    fixed_price: Number | None = None,
    get_from: Literal["cheapest", "most_expensive"] = "cheapest",
) -> ir.BuyXGetY:
    """Buy ``buy_quantity`` units matching ``buy``, get ``get_quantity`` units matching ``get``
    (default: the same set) ``percent`` % off (default 100), or ``amount`` off each, or each
    at ``fixed_price``; the cheapest units are the ones discounted (``get_from=
    "most_expensive"``: the dearest). Units one application takes are not taken again by
    another buy-x-get-y. ``buy`` and ``get`` are conditions on ``item``, or
    ``pm.items(condition)`` as ``on=`` takes them.

    >>> from promotor.expr import item
    >>> buy_x_get_y(item.category == "mug", 2).get_quantity.value
    '1'
    >>> mugs = item.category == "mug"
    >>> buy_x_get_y(items(mugs), 2).buy == buy_x_get_y(mugs, 2).buy
    True
    >>> buy_x_get_y(mugs, 2, amount=5).amount.value
    '5'
    """
    rewards = [
        n
        for n, v in (("percent", percent), ("amount", amount), ("fixed_price", fixed_price))
        if v is not None
    ]
    if len(rewards) > 1:
        raise RuleError(
            [detail("incompatible", (rewards[1],), option=rewards[1], other=rewards[0])]
        )
    _choice(get_from, "get_from", "cheapest", "most_expensive")
    return ir.BuyXGetY(
        buy=_pred(buy, "buy"),
        buy_quantity=_num(buy_quantity, "buy_quantity"),
        get=_pred(get, "get"),
        get_quantity=_num(get_quantity, "get_quantity"),
        percent=_num(100 if percent is None else percent, "percent"),
        max_applications=None
        if max_applications is None
        else _num(max_applications, "max_applications"),
        amount=None if amount is None else _num(amount, "amount"),
        fixed_price=None if fixed_price is None else _num(fixed_price, "fixed_price"),
        get_from=None if get_from == "cheapest" else get_from,
    )


def gift(
    sku: str,
    quantity: int = 1,
    price: Number = 0,
    per: int | None = None,
    of: Expr | ir.ItemsTarget | None = None,
) -> ir.Gift:
    """Adds ``quantity`` free units of ``sku``, reported with nominal unit ``price``.

    With ``per=n``: ``quantity`` free units for each complete ``n`` qualifying units in the
    cart, the units of the lines ``of`` selects (a condition on ``item`` or
    ``pm.items(condition)``; every line when left out). "A free mug for every 3 bags of
    coffee" is ``gift("MUG", per=3, of=item.category == "coffee")``: 7 bags give 2 mugs, and
    2 bags none (the campaign is then ``no_effect``).

    >>> gift("MUG-1", price="9.90").price.value
    '9.90'
    >>> from promotor.expr import item
    >>> g = gift("MUG", per=3, of=item.category == "coffee")
    >>> g.per, g.of is not None
    (3, True)
    """
    if of is not None and per is None:
        raise RuleError([detail("incompatible", ("of",), option="of", other="a gift without per")])
    return ir.Gift(
        sku=sku, quantity=quantity, price=_num(price, "price"), per=per, of=_pred(of, "of")
    )
