"""Evaluation inputs: the models users may build, and :func:`canonical_input`, which turns
models or plain dicts into the canonical input both evaluators read (docs/architecture.md).

Plain dicts take a hand-written fast path (this runs on every cart change); the models run
the same checks when they are built. Every problem raises :class:`~promotor.errors.InputError`
with a ``loc`` such as ``("cart", "items", 3, "price")``.

>>> from datetime import datetime, timezone
>>> data = canonical_input(
...     {"items": [{"sku": "A1", "price": 19.99, "quantity": 2}], "shipping": "4.99"},
...     now=datetime(2026, 11, 27, tzinfo=timezone.utc), currency="USD")
>>> data["cart"]["items"][0]["price"], data["cart"]["shipping"]
(Decimal('19.99'), Decimal('4.99'))
>>> canonical_input({"items": [{"price": -1, "quantity": 0}]}, currency="USD")
Traceback (most recent call last):
...
promotor.errors.InputError: cart.items.0.price: price must not be negative
cart.items.0.quantity: quantity must be at least 1
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from pydantic import Field, model_validator

from promotor import _native, ir
from promotor._text import did_you_mean, exact_decimal, float_decimal
from promotor.errors import InputError, PromotorError

__all__ = ["Cart", "Context", "Customer", "Item", "canonical_input"]

MAX_ITEMS = 1000
MAX_LIST = 1000
MAX_STRING = 10_000
MAX_DEPTH = 16
MAX_QUANTITY = 1_000_000
_MAX_INT = 10**14

Loc = tuple[Any, ...]
Errors = list[dict[str, Any]]

_ITEM_KEYS = ("sku", "product", "category", "tags", "price", "quantity", "metadata")
_CART_KEYS = ("items", "shipping", "currency", "metadata")
_CUSTOMER_KEYS = (
    "id",
    "email",
    "segments",
    "orders_count",
    "total_spent",
    "created_at",
    "birthday",
    "metadata",
)
_CONTEXT_KEYS = ("now", "channel", "country", "metadata")
_ITEM_SET = frozenset(_ITEM_KEYS)
_CART_SET = frozenset(_CART_KEYS)
_CUSTOMER_SET = frozenset(_CUSTOMER_KEYS)
_CONTEXT_SET = frozenset(_CONTEXT_KEYS)

# A plain decimal within bounds (at most 14 integer digits, 12 places) needs no more checks.
_PLAIN_DECIMAL = re.compile(r"-?[0-9]{1,14}(?:\.[0-9]{1,12})?")
_PLAIN_FLOAT_REPR = re.compile(r"[0-9]{1,14}(?:\.[0-9]{1,6})?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_ZERO = Decimal(0)


def _err(errs: Errors, loc: Loc, msg: str) -> None:
    errs.append({"loc": loc, "msg": msg})


def _unknown_keys(data: Mapping[str, Any], known: tuple[str, ...], loc: Loc, errs: Errors) -> None:
    for key in data:
        if key not in known:
            hint = did_you_mean(key, known) if isinstance(key, str) else ""
            _err(errs, (*loc, key), f"unknown field '{key}'{hint}")


def _number(value: Any, loc: Loc, errs: Errors) -> Decimal | None:
    """Any accepted number as an exact Decimal; ``None`` (and an error) otherwise."""
    kind = type(value)
    if kind is str:
        if _PLAIN_DECIMAL.fullmatch(value):
            return Decimal(value)
        try:
            number = Decimal(value)
        except InvalidOperation:
            _err(errs, loc, f"expected a number, got {value[:40]!r}")
            return None
    elif kind is int:
        if -_MAX_INT < value < _MAX_INT:
            return Decimal(value)
        _err(errs, loc, f"{value} is too large: numbers must stay below 10^14")
        return None
    elif kind is float:
        try:
            return float_decimal(value)
        except ValueError as exc:
            _err(errs, loc, str(exc))
            return None
    elif isinstance(value, bool):
        _err(errs, loc, "expected a number, got a bool")
        return None
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(int(value))
    elif isinstance(value, float):
        return _number(float(value), loc, errs)
    else:
        _err(errs, loc, f"expected a number, got {type(value).__name__}")
        return None
    try:
        return exact_decimal(number)
    except ValueError as exc:
        _err(errs, loc, str(exc))
        return None


def _opt_number(value: Any, loc: Loc, errs: Errors) -> Decimal | None:
    return None if value is None else _number(value, loc, errs)


def _encodable(value: str) -> bool:
    """Whether ``value`` is valid Unicode text (no lone surrogates), as Rust strings must be."""
    if value.isascii():
        return True
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _string(value: Any, loc: Loc, errs: Errors) -> str | None:
    if value is None:
        return None
    if type(value) is not str and not isinstance(value, str):
        _err(errs, loc, f"expected a string, got {type(value).__name__}")
        return None
    if len(value) > MAX_STRING:
        _err(errs, loc, f"string too long: {len(value)} characters, at most {MAX_STRING}")
    if not _encodable(value):
        _err(errs, loc, "string is not valid Unicode text (it has a lone surrogate)")
        return None
    return value


def _strings(value: Any, loc: Loc, errs: Errors) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, list | tuple):
        _err(errs, loc, f"expected a list of strings, got {type(value).__name__}")
        return []
    if len(value) > MAX_LIST:
        _err(errs, loc, f"list too long: {len(value)} elements, at most {MAX_LIST}")
        return []
    out: list[str] = []
    for index, element in enumerate(value):
        if type(element) is str and len(element) <= MAX_STRING and element.isascii():
            out.append(element)
        else:
            out.append(_string(element, (*loc, index), errs) or "")
    return out


def _meta(value: Any, loc: Loc, errs: Errors, depth: int = 1) -> Any:
    kind = type(value)
    if value is None or kind is bool:
        return value
    if kind is str:
        return _string(value, loc, errs)
    if isinstance(value, Mapping):
        if depth > MAX_DEPTH:
            _err(errs, loc, f"metadata nested more than {MAX_DEPTH} deep")
            return {}
        out: dict[str, Any] = {}
        for key, element in value.items():
            if not isinstance(key, str):
                _err(errs, (*loc, key), f"metadata keys are strings, not {type(key).__name__}")
                continue
            if not _encodable(key):
                _err(errs, (*loc, key), "metadata key is not valid Unicode text")
                continue
            out[key] = _meta(element, (*loc, key), errs, depth + 1)
        return out
    if isinstance(value, list | tuple):
        if depth > MAX_DEPTH:
            _err(errs, loc, f"metadata nested more than {MAX_DEPTH} deep")
            return []
        if len(value) > MAX_LIST:
            _err(errs, loc, f"list too long: {len(value)} elements, at most {MAX_LIST}")
            return []
        return [_meta(element, (*loc, i), errs, depth + 1) for i, element in enumerate(value)]
    if isinstance(value, int | float | Decimal):
        return _number(value, loc, errs)
    if isinstance(value, str):
        return _string(str(value), loc, errs)
    _err(errs, loc, f"unsupported metadata value of type {type(value).__name__}")
    return None


def _metadata(value: Any, loc: Loc, errs: Errors) -> dict[str, Any]:
    if value is None or (type(value) is dict and not value):
        return {}
    if not isinstance(value, Mapping):
        _err(errs, loc, f"expected a dict, got {type(value).__name__}")
        return {}
    result: dict[str, Any] = _meta(value, loc, errs)
    return result


def _instant(value: Any, loc: Loc, errs: Errors, *, allow_date: bool = False) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            if allow_date and len(text) == 10:
                value = date.fromisoformat(text)
            else:
                value = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            _err(errs, loc, f"expected an RFC 3339 timestamp, got {value[:40]!r}")
            return None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            _err(errs, loc, "naive datetime: give it a timezone, e.g. tzinfo=timezone.utc")
            return None
        return value if value.tzinfo is UTC else value.astimezone(UTC)
    if isinstance(value, date):
        if allow_date:
            return datetime(value.year, value.month, value.day, tzinfo=UTC)
        _err(errs, loc, "expected a datetime, got a date")
        return None
    _err(errs, loc, f"expected a timezone-aware datetime, got {type(value).__name__}")
    return None


_known_currencies: dict[str, bool] = {}


def _currency_known(code: str) -> bool:
    known = _known_currencies.get(code)
    if known is None:
        try:
            from promotor import _native
        except ImportError:
            # Without the extension only the shape can be checked.
            known = _CURRENCY.fullmatch(code) is not None
        else:
            known = _native.currency_exponent(code) is not None
        _known_currencies[code] = known
    return known


def _currency(value: Any, loc: Loc, errs: Errors) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        _err(errs, loc, f"expected a currency code, got {type(value).__name__}")
        return None
    code = value.strip().upper()
    if not _encodable(code) or not _currency_known(code):
        _err(errs, loc, f"unknown currency {value[:40]!r}")
        return None
    return code


def _as_mapping(value: Any, model: type[ir.IRModel], loc: Loc, errs: Errors) -> Mapping[str, Any]:
    if type(value) is dict:
        return value
    if isinstance(value, model):
        return value.model_dump()
    if isinstance(value, Mapping):
        return value
    _err(errs, loc, f"expected a dict or {model.__name__}, got {type(value).__name__}")
    return {}


def _money_fast(value: Any) -> Decimal | None:
    """A non-negative amount in the common plain forms, or ``None`` to take the full path."""
    kind = type(value)
    if kind is str:
        if _PLAIN_DECIMAL.fullmatch(value) and value[0] != "-":
            return Decimal(value)
    elif kind is int:
        if 0 <= value < _MAX_INT:
            return Decimal(value)
    elif kind is float:
        text = repr(value)
        if _PLAIN_FLOAT_REPR.fullmatch(text):
            return Decimal(text[:-2] if text.endswith(".0") else text)
    return None


def _item_fast(data: Any) -> dict[str, Any] | None:
    """A line in the shapes carts usually have, checked without building any loc; ``None``
    sends it down the full path, which finds and reports whatever is wrong."""
    if type(data) is not dict or not _ITEM_SET.issuperset(data):
        return None
    get = data.get
    price = _money_fast(get("price"))
    if price is None:
        return None
    quantity = get("quantity", 1)
    if type(quantity) is not int or not 0 < quantity <= MAX_QUANTITY:
        return None
    sku, product, category = get("sku"), get("product"), get("category")
    for text in (sku, product, category):
        if text is not None and (
            type(text) is not str or len(text) > MAX_STRING or not text.isascii()
        ):
            return None
    tags = get("tags")
    if tags is None:
        tags = []
    elif type(tags) is list and len(tags) <= MAX_LIST:
        for tag in tags:
            if type(tag) is not str or len(tag) > MAX_STRING or not tag.isascii():
                return None
        tags = tags.copy()
    else:
        return None
    metadata = get("metadata")
    if metadata:
        return None
    return {
        "sku": sku,
        "product": product,
        "category": category,
        "tags": tags,
        "price": price,
        "quantity": quantity,
        "metadata": {},
    }


def _item(value: Any, loc: Loc, errs: Errors) -> dict[str, Any]:
    data = _as_mapping(value, Item, loc, errs)
    if not _ITEM_SET.issuperset(data):
        _unknown_keys(data, _ITEM_KEYS, loc, errs)
    get = data.get

    price: Any = get("price")
    if type(price) is str and _PLAIN_DECIMAL.fullmatch(price) and price[0] != "-":
        price = Decimal(price)
    elif price is None:
        _err(errs, (*loc, "price"), "price is required")
        price = _ZERO
    else:
        price = _number(price, (*loc, "price"), errs)
        if price is None:
            price = _ZERO
        elif price < 0:
            _err(errs, (*loc, "price"), "price must not be negative")

    quantity: Any = get("quantity", 1)
    if type(quantity) is not int or not 0 < quantity <= MAX_QUANTITY:
        quantity = _quantity(quantity, (*loc, "quantity"), errs)

    sku, product, category = get("sku"), get("product"), get("category")
    sku = _string(sku, (*loc, "sku"), errs)
    product = _string(product, (*loc, "product"), errs)
    category = _string(category, (*loc, "category"), errs)
    tags = get("tags")
    metadata = get("metadata")
    return {
        "sku": sku,
        "product": product,
        "category": category,
        "tags": [] if tags is None else _strings(tags, (*loc, "tags"), errs),
        "price": price,
        "quantity": quantity,
        "metadata": {} if metadata is None else _metadata(metadata, (*loc, "metadata"), errs),
    }


def _quantity(value: Any, loc: Loc, errs: Errors) -> int:
    if type(value) is int:
        number: Decimal | None = Decimal(value)
    elif isinstance(value, bool):
        _err(errs, loc, "expected a whole number, got a bool")
        return 1
    else:
        number = _number(value, loc, errs)
        if number is None:
            return 1
    assert number is not None
    if number != number.to_integral_value():
        _err(errs, loc, f"quantity must be a whole number, got {number}")
        return 1
    if number < 1:
        _err(errs, loc, "quantity must be at least 1")
        return 1
    if number > MAX_QUANTITY:
        _err(errs, loc, f"quantity must be at most {MAX_QUANTITY}")
        return 1
    return int(number)


def _cart(value: Any, loc: Loc, errs: Errors) -> dict[str, Any]:
    data = _as_mapping(value, Cart, loc, errs)
    if not _CART_SET.issuperset(data):
        _unknown_keys(data, _CART_KEYS, loc, errs)
    items = data.get("items")
    lines: list[dict[str, Any]] = []
    if items is None:
        pass
    elif not isinstance(items, list | tuple):
        _err(errs, (*loc, "items"), f"expected a list of items, got {type(items).__name__}")
    elif len(items) > MAX_ITEMS:
        _err(errs, (*loc, "items"), f"a cart holds at most {MAX_ITEMS} items, got {len(items)}")
    else:
        for index, line in enumerate(items):
            out = _item_fast(line)
            lines.append(out if out is not None else _item(line, (*loc, "items", index), errs))
    shipping = data.get("shipping")
    if shipping is None:
        shipping = _ZERO
    elif (fast := _money_fast(shipping)) is not None:
        shipping = fast
    else:
        shipping = _number(shipping, (*loc, "shipping"), errs)
        if shipping is None:
            shipping = _ZERO
        elif shipping < 0:
            _err(errs, (*loc, "shipping"), "shipping must not be negative")
    metadata = data.get("metadata")
    return {
        "currency": _currency(data.get("currency"), (*loc, "currency"), errs),
        "shipping": shipping,
        "items": lines,
        "metadata": {} if metadata is None else _metadata(metadata, (*loc, "metadata"), errs),
    }


def _customer(value: Any, loc: Loc, errs: Errors) -> dict[str, Any]:
    data = _as_mapping(value, Customer, loc, errs)
    if not _CUSTOMER_SET.issuperset(data):
        _unknown_keys(data, _CUSTOMER_KEYS, loc, errs)
    get = data.get
    orders_count = _opt_number(get("orders_count"), (*loc, "orders_count"), errs)
    return {
        "id": _string(get("id"), (*loc, "id"), errs),
        "email": _string(get("email"), (*loc, "email"), errs),
        "segments": _strings(get("segments"), (*loc, "segments"), errs),
        "orders_count": orders_count,
        "total_spent": _opt_number(get("total_spent"), (*loc, "total_spent"), errs),
        "created_at": _instant(get("created_at"), (*loc, "created_at"), errs, allow_date=True),
        "birthday": _instant(get("birthday"), (*loc, "birthday"), errs, allow_date=True),
        "metadata": _metadata(get("metadata"), (*loc, "metadata"), errs),
    }


def _context(value: Any, now: Any, loc: Loc, errs: Errors) -> dict[str, Any]:
    data = {} if value is None else _as_mapping(value, Context, loc, errs)
    if not _CONTEXT_SET.issuperset(data):
        _unknown_keys(data, _CONTEXT_KEYS, loc, errs)
    get = data.get
    if now is not None:
        instant = _instant(now, ("now",), errs)
    elif get("now") is not None:
        instant = _instant(get("now"), (*loc, "now"), errs)
    else:
        instant = datetime.now(UTC)
    return {
        "now": instant or datetime.now(UTC),
        "channel": _string(get("channel"), (*loc, "channel"), errs),
        "country": _string(get("country"), (*loc, "country"), errs),
        "metadata": _metadata(get("metadata"), (*loc, "metadata"), errs),
    }


def _codes(value: Any, errs: Errors) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable):
        _err(errs, ("codes",), f"expected a list of codes, got {type(value).__name__}")
        return []
    codes = _strings(list(value), ("codes",), errs)
    try:
        _native.check_codes(codes)
    except InputError as err:
        errs.extend(err.errors())
    return codes


def canonical_input(
    cart: Any,
    customer: Any = None,
    codes: Iterable[str] | str = (),
    now: datetime | None = None,
    context: Any = None,
    *,
    currency: str,
) -> dict[str, Any]:
    """The canonical input (docs/architecture.md) from models or plain dicts.

    ``currency`` is the engine's; the cart's own currency (if given) is checked and
    upper-cased. ``now`` defaults to the current time; everything ends up in UTC. A single
    string for ``codes`` counts as one code.

    >>> from datetime import datetime, timezone
    >>> out = canonical_input({"currency": "usd"}, codes="BF",
    ...                       now=datetime(2026, 1, 1, tzinfo=timezone.utc), currency="USD")
    >>> out["cart"]["currency"], out["codes"], out["customer"]
    ('USD', ['BF'], None)
    """
    errs: Errors = []
    _currency(currency, ("currency",), errs)
    result = {
        "cart": _cart(cart, ("cart",), errs),
        "customer": None if customer is None else _customer(customer, ("customer",), errs),
        "context": _context(context, now, ("context",), errs),
        "codes": _codes(codes, errs),
    }
    if errs:
        raise InputError(errs)
    return result


# ---------------------------------------------------------------------------------------------
# Models


class _InputModel(ir.IRModel):
    __error_class__: ClassVar[type[PromotorError]] = InputError

    @model_validator(mode="before")
    @classmethod
    def _canonical(cls, data: Any) -> Any:
        errs: Errors = []
        out = _NORMALIZERS[cls](data, (), errs)
        if errs:
            raise InputError(errs)
        return out


class Item(_InputModel):
    """A cart line. ``price`` is the unit price (>= 0); ``quantity`` 1..1,000,000.

    >>> Item(sku="A1", price=12.5, quantity=2).price
    Decimal('12.5')
    >>> Item(sku="A1", price="1", quantty=2)
    Traceback (most recent call last):
    ...
    promotor.errors.InputError: quantty: unknown field 'quantty'; did you mean 'quantity'?
    """

    sku: str | None = None
    product: str | None = None
    category: str | None = None
    tags: list[str] = Field(default_factory=list)
    price: Decimal
    quantity: int = 1
    metadata: dict[str, Any] = Field(default_factory=dict)


class Cart(_InputModel):
    """A cart: lines, shipping, an optional currency (default: the engine's), metadata.

    >>> Cart(items=[Item(price=3, quantity=1), {"price": "2.50"}], shipping=4.99).shipping
    Decimal('4.99')
    """

    currency: str | None = None
    shipping: Decimal = _ZERO
    items: list[Item] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)


class Customer(_InputModel):
    """The shopper; ``created_at`` and ``birthday`` accept aware datetimes or dates."""

    id: str | None = None
    email: str | None = None
    segments: list[str] = Field(default_factory=list)
    orders_count: Decimal | None = None
    total_spent: Decimal | None = None
    created_at: datetime | None = None
    birthday: datetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


def _context_model(value: Any, loc: Loc, errs: Errors) -> dict[str, Any]:
    data = _as_mapping(value, Context, loc, errs)
    out = _context(data, None, loc, errs)
    if data.get("now") is None:
        out["now"] = None
    return out


class Context(_InputModel):
    """Where and when: ``now`` (aware; default: the time of evaluation), ``channel``,
    ``country``, metadata."""

    now: datetime | None = None
    channel: str | None = None
    country: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


_NORMALIZERS: dict[type[_InputModel], Callable[[Any, Loc, Errors], dict[str, Any]]] = {
    Item: _item,
    Cart: _cart,
    Customer: _customer,
    Context: _context_model,
}
