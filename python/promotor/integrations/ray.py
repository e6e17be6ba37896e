"""Price a Ray Dataset of orders: ``map_batches`` with ``batch_format="pyarrow"``, one
:meth:`Engine.evaluate_batch` call per batch, in Ray tasks.

``pip install 'promotor[ray]'``; see docs/scale-out.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import Money, Threads, check_threads, require

if TYPE_CHECKING:
    from promotor.engine import Engine

__all__ = ["evaluate"]


def evaluate(
    engine: Engine,
    ds: Any,
    *,
    threads: Threads = "auto",
    money: Money = "decimal",
    batch_size: int | None = 16_384,
    **map_batches: Any,
) -> Any:
    """A lazy Ray Dataset of ``engine.evaluate_batch``'s summary (``order_id, subtotal,
    discount, shipping_discount, total, applied``) for the orders of ``ds``, which carry
    their lines nested in ``items``.

    Each task prices batches of ``batch_size`` orders (``None``: whole blocks) on ``threads``
    threads: ``"auto"`` (the default) is the CPUs Ray assigned the task (``num_cpus=``, 1
    unless given), ``None`` every core of the machine. Further keywords go to
    ``Dataset.map_batches`` (``concurrency``, ``num_cpus``, ...). Money columns are
    ``decimal128`` with the places of the engine's currency, or ``*_minor`` int64 / float64
    by ``money``.
    """
    require("ray.data", "ray")
    check_threads(threads)
    return ds.map_batches(
        _price,
        batch_format="pyarrow",
        batch_size=batch_size,
        zero_copy_batch=True,
        fn_kwargs={"engine": engine, "threads": threads, "money": money},
        **map_batches,
    )


def _price(batch: Any, engine: Engine, threads: Threads, money: Money) -> Any:
    if isinstance(threads, str):  # "auto": the CPUs Ray gave this task
        ray = require("ray", "ray")
        cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
        return engine.evaluate_batch(batch, threads=max(1, round(cpus)), money=money)
    return engine.evaluate_batch(batch, threads=threads, money=money)
