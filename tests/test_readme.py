"""The README's example runs and prints what its comments say."""

import contextlib
import io
import re
from pathlib import Path

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_readme_example_runs_and_matches_its_comments() -> None:
    [code] = re.findall(r"```python\n(.*?)```", README, re.S)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    lines = out.getvalue().splitlines()
    assert lines[0] == "37.49"
    assert "arabica-lovers" in out.getvalue()
    assert "bf10 (code BLCKFRDY)" in out.getvalue()
