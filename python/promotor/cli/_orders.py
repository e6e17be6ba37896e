"""Reading order tables (Parquet or CSV) for ``diff``, ``simulate`` and ``bench``."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, Any

import typer

from ._common import fail

#: Columns that hold lists; in CSV, their values are separated by ``;``.
LIST_COLUMNS = ("segments", "codes", "tags")
#: Columns read from CSV as exact decimals rather than floats.
MONEY_COLUMNS = ("price", "shipping", "total_spent")

#: ``--lines``: an orders table's lines, in a table of their own.
LinesOpt = Annotated[
    Path | None,
    typer.Option("--lines", help="Order lines (.parquet or .csv), keyed by order_id."),
]


def pyarrow() -> Any:
    try:
        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        fail("reading orders needs pyarrow: pip install 'promotor[arrow]'")
    return pa


def read_table(path: Path, what: str = "orders") -> Any:
    """A pyarrow Table from a ``.parquet`` or ``.csv`` file; exit 2 when it cannot be read."""
    pa = pyarrow()
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]

            return pq.read_table(path)
        if suffix == ".csv":
            return _csv(path)
    except FileNotFoundError:
        fail(f"{path}: cannot read: no such file")
    except (OSError, pa.ArrowException) as error:
        fail(f"{path}: cannot read {what}: {error}")
    fail(f"{path}: {what} must be a .parquet or .csv file")


def _csv(path: Path) -> Any:
    pa = pyarrow()
    import pyarrow.csv as pcsv  # type: ignore[import-untyped,unused-ignore]

    with path.open(newline="", encoding="utf-8") as f:
        names = next(csv.reader(f), [])
    types = {name: pa.string() for name in LIST_COLUMNS if name in names}
    types.update({name: pa.decimal128(18, 6) for name in MONEY_COLUMNS if name in names})
    for name in ("order_id", "customer_id", "sku", "category", "product"):
        if name in names:
            types[name] = pa.string()
    table = pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(column_types=types))
    for name in LIST_COLUMNS:
        if name in names:
            values = [
                [] if v is None or v == "" else [part.strip() for part in v.split(";")]
                for v in table.column(name).to_pylist()
            ]
            index = table.column_names.index(name)
            table = table.set_column(index, name, pa.array(values, pa.list_(pa.string())))
    return table


def read_lines(path: Path | None) -> Any:
    """The ``--lines`` table, when one is given."""
    return read_table(path, "lines") if path is not None else None
