"""Codes as the reference matches them (the core's ``codes::key``)."""

from __future__ import annotations

__all__ = ["normalize_code"]


def normalize_code(code: str, case_sensitive: bool = False) -> str:
    """A code's comparison key: the core's one normalisation (:func:`promotor.codes.normalize`),
    borrowed like the printer, since it is how codes are read, not evaluation semantics.
    ``case_sensitive``: the key of an engine with ``codes_case_sensitive`` (no case folding)."""
    from promotor import _native

    return _native.normalize_code(code, case_sensitive)
