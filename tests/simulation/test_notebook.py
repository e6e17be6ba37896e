"""The data scientist's notebook (docs/notebooks/simulation.ipynb) runs from top to bottom in a
fresh kernel, and shows its tables, figures and report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("matplotlib")

NOTEBOOK = Path(__file__).parent.parent.parent / "docs" / "notebooks" / "simulation.ipynb"


def test_the_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A kernel of this very interpreter, whatever kernels the machine has installed.
    spec = tmp_path / "jupyter" / "kernels" / "promotor-tests"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "promotor tests", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=600,
        kernel_name="promotor-tests",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o for o in outputs if "text/html" in o.get("data", {})]
    assert any("bf-weekend" in o["data"]["text/html"] for o in html)
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 3
    assert (tmp_path / "black-friday.html").exists()
