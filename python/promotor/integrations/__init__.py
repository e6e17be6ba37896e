"""Scale-out: price a frame or dataset of orders on a Dask, Ray or Spark cluster.

Each module (:mod:`.dask`, :mod:`.ray`, :mod:`.spark`) has one ``evaluate(engine, data)`` that
runs :meth:`Engine.evaluate_batch` on every partition's Arrow batches in the workers and returns
the framework's own frame or dataset. The engine travels to the workers pickled (by its IR) and
is compiled there once per task. :func:`.dask.simulate` is :func:`promotor.simulate` on a Dask
cluster, with the same report. The frameworks are optional: ``pip install 'promotor[dask]'``,
``'promotor[ray]'`` or ``'promotor[spark]'``. See docs/scale-out.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from promotor.engine import Engine

__all__: list[str] = []

Money = Literal["decimal", "minor", "float"]
Threads = int | None | Literal["auto"]


def require(module: str, extra: str) -> Any:
    """Import ``module`` or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(
            f"promotor.integrations.{extra} needs {module.split('.')[0]} "
            f"({err.name or module} is missing): pip install 'promotor[{extra}]'"
        ) from None


def output_schema(engine: Engine, order_id_type: Any, money: Money) -> Any:
    """The Arrow schema of ``engine.evaluate_batch``'s summary for an ``order_id`` of this
    type, asked of the engine itself (an empty batch), so the money columns carry the places
    of the engine's currency."""
    pa = require("pyarrow", "arrow")
    empty = pa.table({"order_id": pa.array([], order_id_type)})
    return engine.evaluate_batch(empty, money=money).schema


def need_order_id(columns: Any) -> None:
    """The error ``evaluate_batch`` gives for a table without ``order_id``, raised before any
    work is sent to a cluster (the output schema depends on that column's type)."""
    if "order_id" not in list(columns):
        from promotor.errors import InputError

        raise InputError(
            [{"loc": ("orders", "order_id"), "msg": "the orders table needs an order_id column"}]
        )


def check_threads(threads: Threads) -> None:
    if threads is not None and threads != "auto" and (type(threads) is not int or threads < 1):
        raise ValueError(f"threads must be a positive int, None or 'auto', got {threads!r}")
