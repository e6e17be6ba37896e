"""The pure-Python reference evaluator; it lives in :mod:`promotor.testing.reference`.

>>> from promotor.reference import evaluate
>>> evaluate.__module__
'promotor.testing.reference.evaluate'
"""

# The same names, re-exported: this module is what `promotor.testing.reference` exports.
from promotor.testing.reference import *  # noqa: F403
from promotor.testing.reference import __all__ as __all__
