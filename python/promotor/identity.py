"""Customer identity: the one place emails are normalised.

``normalize_email`` is what a store keys customers by and what imports match on: trimmed and
case-folded, checked for one ``@`` with text on both sides. Referral's self-referral check
adds the stricter :func:`canonical_email` on top of it (``+tags`` dropped, and dots in the
local part for gmail.com and googlemail.com), so every feature compares emails through this
module.

>>> normalize_email("  Ana.Nowak+shop@Example.COM ")
'ana.nowak+shop@example.com'
>>> canonical_email("Ana.Nowak+shop@googlemail.com")
'ananowak@gmail.com'
"""

from __future__ import annotations

__all__ = ["canonical_email", "normalize_email"]

_GMAIL = ("gmail.com", "googlemail.com")


def normalize_email(email: str) -> str:
    """The comparison form of an email; ``ValueError`` naming what is wrong."""
    if not isinstance(email, str):
        raise ValueError(f"expected an email, got {type(email).__name__}")
    text = email.strip().casefold()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or "@" in local or any(c.isspace() for c in text):
        raise ValueError(f"invalid email {email!r}")
    if "." not in domain or domain.startswith(".") or domain.endswith("."):
        raise ValueError(f"invalid email {email!r}: the domain {domain!r} has no dot")
    return text


def canonical_email(email: str) -> str:
    """One person's addresses as one: :func:`normalize_email`, then the ``+tag`` dropped and,
    for gmail.com and googlemail.com, the dots of the local part (googlemail becomes gmail)."""
    local, _, domain = normalize_email(email).rpartition("@")
    local = local.split("+", 1)[0]
    if domain in _GMAIL:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"
