"""The families of programme state (``programs/keys.rs``) and the code key."""

from __future__ import annotations

from datetime import date

from promotor.programs.keys import escape

Delta = tuple[str, int, "int | None", "int | None"]


def _norm(code: str) -> str:
    """A code's comparison key: the core's one normalisation, as the reference reads codes."""
    from promotor.reference import normalize_code

    return normalize_code(code)


def loyalty_family(program: str, customer: str) -> str:
    return f"loyalty|program={escape(program)}|customer={escape(customer)}"


def card_family(code: str) -> str:
    return f"gift_card|code={escape(code)}"


def code_family(code: str) -> str:
    return f"code|code={escape(code)}"


def _d(day: date) -> str:
    return day.isoformat()


def referral_family(program: str, who: str, id_: str) -> str:
    return f"referral|program={escape(program)}|{who}={escape(id_)}"
