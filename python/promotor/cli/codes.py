"""``promotor codes generate``: unique codes from a pattern, one a line (DESIGN section 9)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from promotor.errors import PromotorError

from ._common import USAGE, err, fail

codes_app = typer.Typer(help="Codes: generate unique codes from a pattern.", no_args_is_help=True)

#: How the generator's error locations read on the command line.
_WHERE = {
    "pattern": "PATTERN",
    "count": "--count",
    "charset": "--charset",
    "prefix": "--prefix",
    "suffix": "--suffix",
    "seed": "--seed",
    "min_guess_bits": "--min-guess-bits",
}


def generate(
    pattern: Annotated[
        str,
        typer.Argument(help="Each # is a random character of the charset; the rest is literal."),
    ],
    count: Annotated[int, typer.Option("--count", "-n", help="How many codes.")] = 1,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
    ] = None,
    charset: Annotated[
        str | None,
        typer.Option(
            help="Characters for #: default upper-case letters and digits without 0 O 1 I."
        ),
    ] = None,
    prefix: Annotated[str, typer.Option(help="Literal text before every code.")] = "",
    suffix: Annotated[str, typer.Option(help="Literal text after every code.")] = "",
    seed: Annotated[
        int | None,
        typer.Option(
            help="Make the codes reproducible (tests and examples only: a seeded "
            "batch is as secret as its seed)."
        ),
    ] = None,
    min_guess_bits: Annotated[
        int, typer.Option(help="At most one random guess in 2**bits may hit a code.")
    ] = 20,
) -> None:
    """Generate COUNT distinct random codes of PATTERN, one a line (a CSPRNG; no repeats once
    normalised). A pattern too small for COUNT, a bad charset or seed exit 2 naming the option.
    """
    from promotor import codes as codes_

    try:
        made = codes_.generate(
            pattern, count, charset=charset, prefix=prefix, suffix=suffix, seed=seed,
            min_guess_bits=min_guess_bits,
        )  # fmt: skip
    except PromotorError as error:
        for e in error.errors():
            loc = list(e.get("loc", ()))
            where = _WHERE.get(str(loc[0]), str(loc[0])) if loc else "codes generate"
            err.print(f"promotor: {where}: {e['msg']}", markup=False)
        raise typer.Exit(USAGE) from None
    text = "".join(f"{c}\n" for c in made)
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        fail(f"{out}: cannot write: {error.strerror or error}")


def register(app: typer.Typer) -> None:
    """Adds `codes generate` to the `promotor` command."""
    codes_app.command("generate")(generate)
    app.add_typer(codes_app, name="codes")
