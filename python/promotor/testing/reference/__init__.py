"""The pure-Python reference evaluator: the test oracle of the Rust core.

Its modules mirror the core's: ``program`` (``compile/``: the IR with its defaults),
``expr`` and ``explain`` (``eval/expr/``, ``eval/explain.rs``), ``effects/`` (one module per
effect, ``eval/effects/``), ``stacking`` (``eval/stacking/``), ``state`` (``state/``: usage
limits and budgets), ``evaluate`` (``eval/mod.rs``), ``wallet`` (``eval/wallet.rs``),
``programs`` (``programs/``: loyalty, referral, gift cards), ``num``, ``alloc``, ``time`` and
``codes``. :func:`evaluate` and :func:`decide` are the entry points.
"""

from promotor.testing.reference.alloc import allocate
from promotor.testing.reference.codes import normalize_code
from promotor.testing.reference.effects import Amounts, Discount
from promotor.testing.reference.evaluate import decide, evaluate, pool_lookups, state_keys
from promotor.testing.reference.program import read_campaign
from promotor.testing.reference.wallet import wallet, wallet_keys

__all__ = [
    "Amounts",
    "Discount",
    "allocate",
    "decide",
    "evaluate",
    "normalize_code",
    "pool_lookups",
    "read_campaign",
    "state_keys",
    "wallet",
    "wallet_keys",
]
