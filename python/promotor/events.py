"""Events out: every change a store commits appends its events in the same transaction (a
transactional outbox), so an event exists if and only if its change does.

Types (stable strings): ``redemption``, ``rollback``, ``code_assigned`` (written by code
pools and referral programmes), ``points_earned``, ``points_expiring``, ``tier_changed``,
``reward_issued``, ``referral_converted`` and ``referral_reversed`` (written by referral
programmes, docs/referral.md) and ``gift_card_issued``.

- ``store.events(after=None, limit=100)`` lists them by increasing integer ``id``;
- ``store.subscribe(fn)`` calls ``fn(event)`` in this process after each commit of this
  store object, never before (and never for a change that did not commit);
- :func:`promotor.webhooks.deliver` posts them to an HTTP endpoint with a per-consumer
  cursor kept in the store.

When the time-driven ones are written (each call's ``now`` is the clock):

- ``points_expiring``: once per lot, by the first call that writes the customer's points
  state at or after ``expiring_notice_days`` before the lot expires (a redeem, ``track``,
  ``redeem_reward``, a rollback, an import), or by ``engine.sweep(now=...)``, which a
  scheduler runs daily to reach customers who do nothing;
- ``tier_changed``: when the tier computed at a call's ``now`` (after its own changes)
  differs from the one last announced; the same calls and ``engine.sweep`` write it, so a
  tier reached when pending points become available is announced by the next of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["EVENT_TYPES", "Event"]

EVENT_TYPES = (
    "redemption",
    "rollback",
    "code_assigned",
    "points_earned",
    "points_expiring",
    "tier_changed",
    "reward_issued",
    "referral_converted",
    "referral_reversed",
    "gift_card_issued",
)


@dataclass(frozen=True, slots=True)
class Event:
    """One event of the outbox: ``id`` increases with every event a store appends."""

    id: int
    type: str
    customer_id: str | None
    payload: dict[str, Any]
    created_at: datetime

    def to_json(self) -> str:
        """The body webhooks post: one JSON object (``created_at`` in RFC 3339, UTC)."""
        return json.dumps(
            {
                "id": self.id,
                "type": self.type,
                "customer_id": self.customer_id,
                "payload": self.payload,
                "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
            },
            separators=(",", ":"),
            sort_keys=True,
        )


#: What a decision appends: ``(type, customer id, payload as JSON text)``.
Pending = tuple[str, "str | None", str]
