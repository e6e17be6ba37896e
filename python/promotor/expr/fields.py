"""The fields rules read, from the core's one table (``promotor_core::schema``), and the kind
of value each is, which steers what the builder offers (the compiler, not the builder, checks
types); the builder's bounds and variable names; and the spellings people reach for that the
builder writes differently."""

from __future__ import annotations

from promotor import _native

__all__ = ["FIELDS", "ITEM_VAR", "MAX_DEPTH", "METHOD_VAR"]

# Kinds steer what the builder offers; they are not the type checker (the compiler is).
_ROOT = "root"
_ITEMS = "items"  # a list of cart lines: macros bind ``item``
_METHODS = "methods"  # a list of shipping methods: macros bind ``method``
_LIST = "list"
_MAP = "map"  # metadata: any key may follow
_VALUE = "value"


def _kind_of(type_name: str) -> str:
    if type_name == "list<item>":
        return _ITEMS
    if type_name == "list<method>":
        return _METHODS
    if type_name.startswith("list<"):
        return _LIST
    if type_name == "map":
        return _MAP
    return _VALUE


#: Fields of each root and the kind of each, from the core's one table of fields
#: (``promotor_core::schema``, docs/semantics.md "Fields").
FIELDS: dict[str, dict[str, str]] = {}
for _root_name, _field, _type, _meaning in _native.schema():
    FIELDS.setdefault(_root_name, {})[_field] = _kind_of(_type)

#: The deepest expression a rule may nest (the parser's bound; an engine's ``RuleBounds`` may
#: ask for less).
MAX_DEPTH: int = _native.MAX_DEPTH

#: The variable the builder binds in macros over ``cart.items``.
ITEM_VAR = "item"
#: The variable the builder binds in macros over ``cart.shipping_methods``.
METHOD_VAR = "method"


#: Methods people reach for that the builder spells differently, with what to write.
_OVERLAP = "for a list overlap write .any_of([...]), e.g. customer.segments.any_of(['vip', 'gold'])"
_DISTINCT = (
    "for a distinct count write .distinct(expr).count(), e.g. cart.items.distinct(item.sku).count()"
)
_WRONG_FORMS = dict.fromkeys(
    ("any_in", "contains_any", "has_any", "intersects", "overlaps", "isin"), _OVERLAP
) | dict.fromkeys(("count_distinct", "distinct_count", "nunique", "unique", "n_unique"), _DISTINCT)
