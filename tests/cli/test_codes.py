"""``promotor codes generate``: codes one a line, reproducible with a seed, and bad input
refused with exit 2 and the option it concerns."""

from pathlib import Path

import promotor as pm

from .conftest import Run


def test_generate_prints_one_code_a_line(promotor: Run) -> None:
    run = promotor("codes", "generate", "SORRY-####-####", "--count", "3", "--seed", "2026")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == pm.codes.generate("SORRY-####-####", count=3, seed=2026)


def test_generate_to_a_file_with_a_charset_and_prefix(promotor: Run, tmp_path: Path) -> None:
    run = promotor(
        "codes", "generate", "#####-#####", "-n", "1000", "--charset", "0123456789",
        "--prefix", "VIP-", "--out", "codes.txt",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    codes = (tmp_path / "codes.txt").read_text().splitlines()
    assert len(codes) == len(set(codes)) == 1000
    assert all(c.startswith("VIP-") and len(c) == 15 for c in codes)


def test_bad_input_exits_2_naming_the_option(promotor: Run) -> None:
    run = promotor("codes", "generate", "BF-####", "--count", "1000")
    assert run.returncode == 2
    assert run.stderr.startswith("promotor: PATTERN: pattern too small")
    run = promotor("codes", "generate", "BF-####-####", "--charset", "aA")
    assert (run.returncode, run.stderr.split(":")[1].strip()) == (2, "--charset")
    run = promotor("codes", "generate", "BF-####-####", "--seed", "-1")
    assert (run.returncode, run.stderr.split(":")[1].strip()) == (2, "--seed")
    run = promotor("codes", "generate", "BF-####-####", "--count", "many")
    assert run.returncode == 2
    assert "--count" in run.stderr
    run = promotor("codes", "generate", "BF-####-####", "--out", "missing/dir/codes.txt")
    assert run.returncode == 2
    assert "cannot write" in run.stderr
