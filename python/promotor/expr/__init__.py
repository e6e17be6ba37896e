"""The expression builder: Python operators that build IR nodes (nothing is evaluated here).

>>> from promotor.expr import cart, item, customer, lit
>>> rule = (cart.subtotal >= 100) & customer.segments.contains("vip")
>>> rule.node.op
'and'
>>> cart.items.filter(item.category == "coffee").sum(item.quantity).to_ir()["op"]
'sum'
>>> customer["tier"].node.path
('customer', 'metadata', 'tier')
>>> lit(0.1 + 0.2).to_ir()
{'type': 'num', 'value': '0.3'}
"""

from promotor.expr.core import Expr, IntoExpr, cart, context, customer, item, lit, method, parse
from promotor.expr.fields import FIELDS, ITEM_VAR, MAX_DEPTH, METHOD_VAR
from promotor.expr.functions import (
    When,
    date,
    days_between,
    greatest,
    least,
    timestamp,
    when,
)

__all__ = [
    "FIELDS",
    "ITEM_VAR",
    "MAX_DEPTH",
    "METHOD_VAR",
    "Expr",
    "IntoExpr",
    "When",
    "cart",
    "context",
    "customer",
    "date",
    "days_between",
    "greatest",
    "item",
    "least",
    "lit",
    "method",
    "parse",
    "timestamp",
    "when",
]
