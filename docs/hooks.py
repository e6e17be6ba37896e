"""mkdocs hooks of the documentation site (mkdocs.yml: ``hooks``).

The pages and docstrings write runnable examples as doctests (``>>>`` lines, run by pytest),
not inside code fences. Markdown would read ``>>>`` as nested block quotes, so a preprocessor,
added to the site's markdown extensions (and so also used by mkdocstrings for docstrings),
fences each run of doctest lines as ``pycon`` code before anything else reads the page.
"""

from __future__ import annotations

import re
from typing import Any

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})")
PROMPT = re.compile(r"^(\s*)>>> ?")


class DoctestFences(Preprocessor):
    """Fence doctest runs: from a ``>>>`` line up to the next blank line."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        fence: str | None = None
        i = 0
        while i < len(lines):
            line = lines[i]
            opened = FENCE.match(line)
            if fence is not None:
                if (
                    opened
                    and opened.group(2).startswith(fence)
                    and not line.strip()[len(opened.group(2)) :].strip()
                ):
                    fence = None
                out.append(line)
                i += 1
                continue
            if opened:
                fence = opened.group(2)
                out.append(line)
                i += 1
                continue
            prompt = PROMPT.match(line)
            if prompt is None:
                out.append(line)
                i += 1
                continue
            indent = prompt.group(1)
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i])
                i += 1
            if out and out[-1].strip():
                out.append("")
            out.extend([f"{indent}```pycon", *(indent + b for b in block), f"{indent}```", ""])
        return out


class DoctestExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # Before the fenced-code preprocessors (priority 25), so the new fences are read.
        md.preprocessors.register(DoctestFences(md), "promotor_doctest_fences", 40)


def on_config(config: Any) -> Any:
    config.markdown_extensions.append(DoctestExtension())
    return config
