"""The documentation site builds with mkdocs in strict mode: no warning (broken links, pages
missing from the nav, docstrings mkdocstrings cannot read) is let through."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_the_site_builds_without_a_warning(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert run.returncode == 0, run.stderr
    assert "WARNING" not in run.stderr, run.stderr
    pages = {p.parent.name for p in tmp_path.glob("*/index.html")}
    assert {"tutorial", "tutorial-data", "tutorial-ci", "cookbook", "cli", "api"} <= pages
    # Doctests render as code, not as nested block quotes.
    tutorial = (tmp_path / "tutorial" / "index.html").read_text()
    assert "<blockquote>" not in tutorial
    assert 'class="gp"' in tutorial  # the >>> prompts, highlighted
    # The API reference comes from the docstrings.
    api = (tmp_path / "api" / "index.html").read_text()
    assert "evaluate_batch" in api
    assert "Price a cart: apply the campaigns that qualify" in api
