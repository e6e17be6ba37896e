"""Every command runs as a subprocess, as a shell or a CI job runs it (``python -m
promotor``), on the shipped examples (examples/definitions, examples/goldens,
examples/orders) and on files made in a temporary folder."""

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent.parent
EXAMPLES = ROOT / "examples"
SHOP = EXAMPLES / "definitions" / "shop.yaml"
SHOP_NEXT = EXAMPLES / "definitions" / "shop-next.yaml"
GOLDENS = EXAMPLES / "goldens"
ORDERS = EXAMPLES / "orders" / "orders.csv"
LINES = EXAMPLES / "orders" / "lines.csv"

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def promotor(tmp_path: Path) -> Run:
    """``promotor(*args, stdin=None)``: the command's exit code, stdout and stderr."""

    def run(*args: object, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "promotor", *map(str, args)],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=300,
            env={"PATH": str(Path(sys.executable).parent), "COLUMNS": "120", "NO_COLOR": "1"},
        )

    return run


@pytest.fixture
def goldens(tmp_path: Path) -> Path:
    """A copy of examples/goldens to add failing cases to."""
    folder = tmp_path / "goldens"
    shutil.copytree(GOLDENS, folder)
    return folder
