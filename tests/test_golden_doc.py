from pathlib import Path

from .golden_doc import render

PAGE = Path(__file__).parent.parent / "docs" / "worked-examples.md"


def test_worked_examples_page_is_up_to_date() -> None:
    assert PAGE.read_text() == render(), "run `make docs` to regenerate docs/worked-examples.md"
