"""The programme methods of :class:`promotor.Engine` (loyalty, referral, gift cards: docs/
loyalty.md, docs/referral.md, docs/gift-cards.md), kept apart from pricing. Each delegates to
:mod:`promotor.programs`, where the programme's decisions are made; ``Engine`` inherits them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, cast

if TYPE_CHECKING:
    from .engine import Engine
    from .programs import Balance, GiftCard, ImportReport, ReferralProgress

__all__ = ["ProgramMethods"]


class ProgramMethods:
    """Loyalty points and rewards, referral codes and progress, gift cards."""

    @property
    def _engine(self) -> Engine:
        return cast("Engine", self)

    def track(
        self,
        event: str,
        customer: Any,
        now: datetime | None = None,
        properties: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, int]:
        """Record a custom event (``"review_posted"``) for a customer: every loyalty
        programme's rules ``on=event`` earn points, available at once. Returns the points
        earned per programme; the same ``idempotency_key`` earns once."""
        from .programs import operations

        return operations.track(self._engine, event, customer, now, properties, idempotency_key)

    def balance(
        self, customer: Any, program: str | None = None, now: datetime | None = None
    ) -> Balance:
        """A customer's points in a programme at ``now``: available, pending, expiring, tier."""
        from .programs import operations

        return operations.balance(self._engine, customer, program, now)

    def redeem_reward(
        self,
        customer: Any,
        reward: str,
        program: str | None = None,
        now: datetime | None = None,
    ) -> str:
        """Spend a reward's cost in points and issue a code for it into the customer's wallet;
        returns the code, which evaluate and redeem accept for this customer only, once."""
        from .programs import operations

        return operations.redeem_reward(self._engine, customer, reward, program, now)

    def sweep(self, program: str | None = None, now: datetime | None = None) -> int:
        """Write the ``points_expiring`` and ``tier_changed`` events due at ``now`` for every
        customer of a programme (run it daily); returns how many were written."""
        from .programs import operations

        return operations.sweep(self._engine, program, now)

    def import_points(
        self,
        program: str,
        path: str | os.PathLike[str],
        mode: Literal["add", "replace"] = "add",
        create_missing: bool = False,
        now: datetime | None = None,
        progress: bool = False,
    ) -> ImportReport:
        """Import balances from a CSV file with a header ``email,points`` or
        ``customer_id,points``: streamed (constant memory), idempotent per (file content,
        row), points available at once. ``mode="replace"`` sets the available balance.
        ``progress=True`` shows a tqdm bar (the ``progress`` extra; without tqdm, no bar)."""
        from .programs import migration

        return migration.import_points(
            self._engine, program, path, mode=mode, create_missing=create_missing, now=now,
            progress=progress,
        )  # fmt: skip

    def award_retroactive(
        self,
        program: str,
        path: str | os.PathLike[str],
        per: Any = 1,
        create_missing: bool = False,
        now: datetime | None = None,
        progress: bool = False,
    ) -> ImportReport:
        """Give points for past spending from a CSV ``email,total_spent`` (or
        ``customer_id,total_spent``): one point per ``per`` spent, counted toward tiers."""
        from .programs import migration

        return migration.award_retroactive(
            self._engine, program, path, per=per, create_missing=create_missing, now=now,
            progress=progress,
        )  # fmt: skip

    def referral_code(
        self, program: str | None = None, advocate: Any = None, now: datetime | None = None
    ) -> str:
        """The advocate's code of a referral programme: made once from the programme's
        ``code_pattern`` by the code generator and stored, the same on every later call.
        ``advocate`` is an id or a customer dict (its ``email`` makes the same-email
        ``self_referral`` check possible; its fields are what ``advocate_rules`` see).
        Raises :class:`NotEligibleError` when ``advocate_rules`` do not hold. Its QR code or
        barcode: ``pm.codes.qr(code)``, ``pm.codes.barcode(code)``."""
        from .programs import operations

        return operations.referral_code(self._engine, program, advocate, now)

    def referrals(
        self, advocate: Any, program: str | None = None, now: datetime | None = None
    ) -> ReferralProgress:
        """An advocate's progress: friends pending, converted and rewarded, the last tier
        rewarded and how many more rewarded referrals reach the next one."""
        from .programs import operations

        return operations.referrals(self._engine, advocate, program, now)

    def issue_gift_card(
        self,
        amount: Any,
        customer: Any = None,
        expires_at: datetime | None = None,
        code: str | None = None,
        now: datetime | None = None,
    ) -> GiftCard:
        """Issue a gift card of ``amount`` in the engine's currency (a new random code unless
        ``code`` is given; an existing code raises :class:`InputError`)."""
        from .programs import operations

        return operations.issue_gift_card(self._engine, amount, customer, expires_at, code, now)

    def top_up(self, code: str, amount: Any, now: datetime | None = None) -> GiftCard:
        """Add ``amount`` to an active gift card."""
        from .programs import operations

        return operations.top_up(self._engine, code, amount, now)

    def deactivate_gift_card(self, code: str, now: datetime | None = None) -> GiftCard:
        """Switch a gift card off (idempotent): it pays nothing from then on."""
        from .programs import operations

        return operations.deactivate_gift_card(self._engine, code, now)

    def gift_card(self, code: str) -> GiftCard:
        """A gift card by code; :class:`NotFoundError` if there is none."""
        from .programs import operations

        return operations.gift_card(self._engine, code)
