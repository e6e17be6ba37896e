"""Exit codes and help: 0 ok, 1 a check failed, 2 bad usage or unreadable input."""

import subprocess
import sys
from pathlib import Path

from .conftest import SHOP, Run


def test_help_lists_every_command(promotor: Run) -> None:
    run = promotor("--help")
    assert run.returncode == 0
    for command in ("validate", "schema", "eval", "explain", "test", "diff", "bench", "codes"):
        assert command in run.stdout


def test_usage_errors_exit_2(promotor: Run) -> None:
    for args in [(), ("frobnicate",), ("eval", SHOP), ("eval", SHOP, "-", "--nope")]:
        run = promotor(*args)
        assert run.returncode == 2, (args, run.stdout, run.stderr)


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "promotor"
    run = subprocess.run(
        [str(script), "validate", str(SHOP)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert "ok, 4 campaigns" in run.stdout


def test_without_the_cli_extra_the_command_says_what_to_install() -> None:
    # typer missing, as in an install without the `cli` extra
    code = (
        "import sys, runpy; sys.modules['typer'] = None; "
        "runpy.run_module('promotor', run_name='__main__')"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, "validate", str(SHOP)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert "pip install 'promotor[cli]'" in run.stderr


def test_yaml_files_without_pyyaml_say_what_to_install() -> None:
    code = (
        "import sys; sys.modules['yaml'] = None\n"
        "import promotor as pm\n"
        "try:\n"
        f"    pm.Engine.from_file({str(SHOP)!r})\n"
        "except ImportError as err:\n"
        "    print(err)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "pip install 'promotor[cli]'" in run.stdout, run.stderr
