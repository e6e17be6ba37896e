"""The pure-Python reference evaluator; it lives in :mod:`promotor.testing.reference`.

>>> from promotor.reference import evaluate
>>> evaluate.__module__
'promotor.testing.reference.evaluate'
"""

from promotor.testing.reference import (
    Amounts,
    Discount,
    allocate,
    decide,
    evaluate,
    normalize_code,
    pool_lookups,
    state_keys,
    wallet,
    wallet_keys,
)

__all__ = [
    "Amounts",
    "Discount",
    "allocate",
    "decide",
    "evaluate",
    "normalize_code",
    "pool_lookups",
    "state_keys",
    "wallet",
    "wallet_keys",
]
