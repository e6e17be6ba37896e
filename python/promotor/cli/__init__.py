"""The ``promotor`` command line: definition files checked, carts priced and explained, golden
carts as a CI gate, what a change does to past orders, and benchmarks.

One module per command group (``check``: validate and schema; ``evaluate``: eval and explain;
``golden``: test; ``diff``; ``bench``); each has a ``register(app)``. Exit codes: 0 ok, 1 a
check failed (definition errors included), 2 bad usage or input that cannot be read.

The command line needs the ``cli`` extra (typer, rich, PyYAML): ``pip install 'promotor[cli]'``.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Run the command line (the ``promotor`` script and ``python -m promotor``)."""
    missing = []
    for module in ("typer", "rich", "yaml"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        print(
            f"promotor: the command line needs {', '.join(missing)}: pip install 'promotor[cli]'",
            file=sys.stderr,
        )
        raise SystemExit(2)
    from ._app import app

    app(prog_name="promotor")
