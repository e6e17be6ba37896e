"""Evaluation inputs: the models users may build, and :func:`canonical_input`, the canonical
input (docs/architecture.md) that the reference evaluator reads.

Every input is read by the core's one validator (``rust/promotor-core/src/input/``), whether it
comes as plain dicts, as these models, as JSON or as an Arrow row in a batch: the same mistake
raises the same :class:`~promotor.errors.InputError`, located the same way, such as
``("cart", "items", 3, "price")``. The models are typed conveniences over the same checks.

>>> from datetime import datetime, timezone
>>> data = canonical_input(
...     {"items": [{"sku": "A1", "price": 19.99, "quantity": 2}], "shipping": "4.99"},
...     now=datetime(2026, 11, 27, tzinfo=timezone.utc))
>>> data["cart"]["items"][0]["price"], data["cart"]["shipping"]
(Decimal('19.99'), Decimal('4.99'))
>>> canonical_input({"items": [{"price": -1, "quantity": 0}]})
Traceback (most recent call last):
...
promotor.errors.InputError: cart.items.0.price: must be at least 0
cart.items.0.quantity: must be at least 1
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import Field, model_validator

from promotor import _native, ir
from promotor.errors import InputError, PromotorError

__all__ = [
    "Cart",
    "Context",
    "Customer",
    "Item",
    "ShippingMethod",
    "canonical_input",
    "canonical_input_json",
]


def canonical_input(
    cart: Any,
    customer: Any = None,
    codes: Iterable[str] | str | None = (),
    now: datetime | None = None,
    context: Any = None,
) -> dict[str, Any]:
    """The canonical input (docs/architecture.md) of :meth:`Engine.evaluate`'s arguments.

    The cart's currency (if given) is checked and upper-cased. ``now`` defaults to the
    context's, then to the current time; everything ends up in UTC. A single string for
    ``codes`` counts as one code.

    >>> from datetime import datetime, timezone
    >>> out = canonical_input({"currency": "usd"}, codes="BF",
    ...                       now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    >>> out["cart"]["currency"], out["codes"], out["customer"]
    ('USD', ['BF'], None)
    """
    result: dict[str, Any] = _native.canonical_input(cart, customer, codes, now, context)
    return result


def canonical_input_json(text: str | bytes) -> dict[str, Any]:
    """The canonical input of a whole input given as JSON, as golden files hold it:
    ``{"cart": ..., "customer": ..., "context": ..., "codes": ...}``, times as RFC 3339 text.

    >>> data = canonical_input_json('{"cart": {"items": [{"price": "2.50"}]},'
    ...                             ' "context": {"now": "2026-01-01T00:00:00Z"}}')
    >>> data["cart"]["items"][0]["price"], data["context"]["now"].isoformat()
    (Decimal('2.50'), '2026-01-01T00:00:00+00:00')
    """
    if isinstance(text, bytes):
        text = text.decode()
    result: dict[str, Any] = _native.canonical_input_json(text)
    return result


class _InputModel(ir.IRModel):
    __error_class__: ClassVar[type[PromotorError]] = InputError
    #: The part of an input this model holds, as the native validator names it.
    __part__: ClassVar[str]

    @model_validator(mode="before")
    @classmethod
    def _canonical(cls, data: Any) -> Any:
        return _native.canonical_part(cls.__part__, data)


class Item(_InputModel):
    """A cart line. ``price`` is the unit price (>= 0); ``quantity`` 1..1,000,000.

    >>> Item(sku="A1", price=12.5, quantity=2).price
    Decimal('12.5')
    >>> Item(sku="A1", price="1", quantty=2)
    Traceback (most recent call last):
    ...
    promotor.errors.InputError: quantty: unknown field 'quantty'; did you mean 'quantity'?
    """

    __part__ = "item"

    sku: str | None = None
    product: str | None = None
    category: str | None = None
    tags: list[str] = Field(default_factory=list)
    price: Decimal
    quantity: int = 1
    metadata: dict[str, Any] = Field(default_factory=dict)
    #: Tax rate in percent (``20`` for 20% VAT); ``None``: unknown (docs/semantics.md, "Taxes").
    tax_rate: Decimal | None = None


class ShippingMethod(_InputModel):
    """One shipping method of a cart: ``price`` (>= 0), optional ``id``, ``code``, ``name``
    and metadata.

    >>> ShippingMethod(code="express", price="9.90").price
    Decimal('9.90')
    """

    __part__ = "shipping_method"

    id: str | None = None
    code: str | None = None
    name: str | None = None
    price: Decimal
    metadata: dict[str, Any] = Field(default_factory=dict)
    tax_rate: Decimal | None = None


class Cart(_InputModel):
    """A cart: lines, shipping, an optional currency (default: the engine's), metadata.

    ``shipping`` is the one-method shorthand; a cart with several shipping methods lists them
    in ``shipping_methods`` instead (a non-zero ``shipping`` beside them is an input error).

    >>> Cart(items=[Item(price=3, quantity=1), {"price": "2.50"}], shipping=4.99).shipping
    Decimal('4.99')
    >>> Cart(shipping_methods=[{"code": "express", "price": "9.90"}]).shipping_methods[0].code
    'express'
    """

    __part__ = "cart"

    currency: str | None = None
    shipping: Decimal = Decimal(0)
    items: list[Item] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    shipping_methods: list[ShippingMethod] = Field(default_factory=list)


class Customer(_InputModel):
    """The shopper; ``created_at`` and ``birthday`` accept aware datetimes or dates."""

    __part__ = "customer"

    id: str | None = None
    email: str | None = None
    segments: list[str] = Field(default_factory=list)
    orders_count: Decimal | None = None
    total_spent: Decimal | None = None
    created_at: datetime | None = None
    birthday: datetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class Context(_InputModel):
    """Where and when: ``now`` (aware; default: the time of evaluation), ``channel``,
    ``country``, metadata."""

    __part__ = "context"

    now: datetime | None = None
    channel: str | None = None
    country: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
