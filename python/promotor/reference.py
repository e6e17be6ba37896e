"""The pure-Python reference evaluator; it lives in :mod:`promotor.testing.reference`.

>>> from promotor.reference import evaluate
>>> evaluate.__module__
'promotor.testing.reference.evaluate'
"""

from promotor.testing.reference import Amounts, Discount, allocate, evaluate, normalize_code

__all__ = ["Amounts", "Discount", "allocate", "evaluate", "normalize_code"]
