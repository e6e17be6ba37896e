"""Programmes in the reference evaluator: the same (snapshot, operation) -> (deltas, events,
answer) decisions as ``rust/promotor-core/src/programs/``, written to be obviously right
(exact fractions, whole dates), for the twin property tests.

Earning rules with ``rules=``, and referral programmes' ``conversion`` and
``advocate_rules``, are not covered here (the twin tests generate programmes without them;
campaign rules are compared by the evaluator's own twin tests).

The modules mirror ``programs/``: ``keys`` (the families), ``work`` (one decision's counters,
``work.rs``), ``loyalty``, ``referral`` and ``ops`` (``operate``, ``ops/``).
"""

from promotor.testing.reference.programs.keys import (
    Delta,
    card_family,
    code_family,
    loyalty_family,
    referral_family,
)
from promotor.testing.reference.programs.loyalty import Lot, Programme
from promotor.testing.reference.programs.ops import Decision, as_json, operate
from promotor.testing.reference.programs.referral import ReferralProgramme, reversals
from promotor.testing.reference.programs.work import Work

__all__ = [
    "Decision",
    "Delta",
    "Lot",
    "Programme",
    "ReferralProgramme",
    "Work",
    "as_json",
    "card_family",
    "code_family",
    "loyalty_family",
    "operate",
    "referral_family",
    "reversals",
]
