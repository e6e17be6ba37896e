"""The typer application: every command group registers itself here."""

from __future__ import annotations

import typer

from . import bench, check, codes, diff, evaluate, golden, simulate

app = typer.Typer(
    name="promotor",
    help="promotor: check definition files, price and explain carts, gate CI on golden carts, "
    "and see what a change does to past orders.\n\n"
    "Exit codes: 0 ok, 1 a check failed, 2 bad usage or unreadable input.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command groups, in the order `promotor --help` lists them.
for group in (check, evaluate, golden, diff, simulate, bench, codes):
    group.register(app)
