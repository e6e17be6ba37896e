"""Codes as the reference matches them (the core's ``compile::normalize_code``)."""

from __future__ import annotations

__all__ = ["normalize_code"]

_WHITE_SPACE = (
    "\u0009\u000a\u000b\u000c\u000d\u0020\u0085\u00a0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
"""Unicode ``White_Space`` (what Rust's ``str::trim`` removes); ``str.strip()`` would also
remove U+001C..U+001F."""


def normalize_code(code: str) -> str:
    """A code as codes are matched: trimmed of white space, then lower-cased."""
    return code.strip(_WHITE_SPACE).lower()
