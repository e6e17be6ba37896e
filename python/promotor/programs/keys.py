"""Programme keys as the core writes them (``rust/promotor-core/src/programs/keys.rs``)."""

from __future__ import annotations

__all__ = ["escape", "family_customer", "loyalty_family", "loyalty_prefix", "unescape"]


def escape(value: str) -> str:
    """A value made safe inside a state key: ``%``, ``|`` and ``#`` percent-encoded."""
    return value.replace("%", "%25").replace("|", "%7C").replace("#", "%23")


def unescape(value: str) -> str:
    """The value :func:`escape` encoded."""
    return value.replace("%23", "#").replace("%7C", "|").replace("%25", "%")


def loyalty_prefix(program: str) -> str:
    """The start of every customer family of a programme."""
    return f"loyalty|program={escape(program)}|customer="


def loyalty_family(program: str, customer: str) -> str:
    """The prefix of every state key of one member of a loyalty programme."""
    return loyalty_prefix(program) + escape(customer)


def family_customer(family: str) -> str:
    """The customer id of a loyalty family."""
    return unescape(family.rpartition("|customer=")[2])
