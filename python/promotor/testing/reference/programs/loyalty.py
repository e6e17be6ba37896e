"""Loyalty programmes (``programs/loyalty.rs``): lots, pending points, expiry, tiers, earning,
spending, taking back and announcements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from promotor.testing.reference.programs.keys import (
    _d,
)
from promotor.testing.reference.programs.work import Work


@dataclass
class Lot:
    available: date
    expires: date | None
    points: int
    member: str


@dataclass
class Programme:
    raw: Mapping[str, Any]
    id: str = field(init=False)
    tz: ZoneInfo = field(init=False)

    def __post_init__(self) -> None:
        self.id = self.raw["id"]
        self.tz = ZoneInfo(self.raw.get("timezone", "UTC"))

    def today(self, now: int) -> date:
        return (
            (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=now))
            .astimezone(self.tz)
            .date()
        )

    def expiry(self, available: date) -> date | None:
        days = self.raw.get("expire_after_days")
        return None if days is None else available + timedelta(days=days)

    def lot_member(self, available: date) -> str:
        e = self.expiry(available)
        return f"lot={_d(available)}/{'-' if e is None else _d(e)}"

    def lots(self, w: Work, family: str) -> list[Lot]:
        out = []
        for m, v in w.members(family).items():
            if m.startswith("lot="):
                a, e = m[4:].split("/")
                out.append(Lot(date.fromisoformat(a), None if e == "-" else date.fromisoformat(e),
                               v, m))  # fmt: skip
        return out

    def tiers(self) -> list[Mapping[str, Any]]:
        return list(self.raw.get("tiers") or [])

    def tier(self, w: Work, family: str, today: date) -> int | None:
        window = self.raw.get("tier_window_days")
        total = 0
        for m, v in w.members(family).items():
            if m.startswith("earned="):
                day = date.fromisoformat(m[7:])
                if day <= today and (window is None or day > today - timedelta(days=window)):
                    total += v
        found = None
        for i, t in enumerate(self.tiers()):
            if total >= int(t["points"]):
                found = i
        return found

    def balance(self, w: Work, family: str, now: int) -> dict[str, Any]:
        today = self.today(now)
        available = -w.get(family + "#debt")
        pending = 0
        expiring: dict[date, int] = {}
        for lot in self.lots(w, family):
            if lot.available > today:
                pending += lot.points
            elif lot.expires is None or today < lot.expires:
                available += lot.points
                if lot.expires is not None and lot.points != 0:
                    expiring[lot.expires] = expiring.get(lot.expires, 0) + lot.points
        t = self.tier(w, family, today)
        return {
            "available": available,
            "pending": pending,
            "expiring": [[_d(d), n] for d, n in sorted(expiring.items())],
            "tier": None if t is None else self.tiers()[t]["name"],
        }

    def spendable(self, w: Work, family: str, today: date) -> list[Lot]:
        lots = [
            lot
            for lot in self.lots(w, family)
            if lot.available <= today
            and (lot.expires is None or today < lot.expires)
            and lot.points > 0
        ]
        return sorted(lots, key=lambda lot: (lot.expires is None, lot.expires or date.max,
                                             lot.available))  # fmt: skip

    def credit(
        self,
        w: Work,
        family: str,
        points: int,
        available: date,
        tier_free: bool,
        pay_debt: bool = True,
    ) -> str:
        paid = min(max(w.get(family + "#debt"), 0), points) if pay_debt else 0
        if paid > 0:
            w.add(family + "#debt", -paid, 0)
        lot = self.lot_member(available)
        w.add(f"{family}#{lot}", points - paid)
        if not tier_free:
            w.add(f"{family}#earned={_d(available)}", points)
        return lot

    def spend(self, w: Work, family: str, n: int, today: date) -> int:
        left = n
        for lot in self.spendable(w, family, today):
            if left <= 0:
                break
            take = min(lot.points, left)
            w.add(f"{family}#{lot.member}", -take, 0)
            left -= take
        return n - left

    def take_back(self, w: Work, family: str, n: int, own: str, today: date) -> tuple[int, int]:
        pending = [lot for lot in self.lots(w, family) if lot.available > today and lot.points > 0]
        pending.sort(key=lambda lot: (lot.member != own, -lot.available.toordinal(),
                                      -(lot.expires or date.max).toordinal()))  # fmt: skip
        left = n
        for lot in [*pending, *self.spendable(w, family, today)]:
            if left <= 0:
                break
            take = min(w.get(f"{family}#{lot.member}"), left)
            if take > 0:
                w.add(f"{family}#{lot.member}", -take, 0)
                left -= take
        if left > 0:
            w.add(family + "#debt", left)
        return n - left, left

    def points(self, on: str | None, amount: Decimal, tier: int | None, now: int) -> int:
        total, mult = Fraction(0), Fraction(1)
        for r in self.raw.get("earn") or []:
            if r.get("on") != on or not _active(r, now):
                continue
            if r.get("points") is not None:
                p = Fraction(Decimal(r["points"]))
                total += (
                    p * Fraction(amount) / Fraction(Decimal(r.get("per", "1"))) if on is None else p
                )
            if r.get("multiplier") is not None:
                mult *= Fraction(Decimal(r["multiplier"]))
        if tier is not None:
            mult *= Fraction(Decimal(self.tiers()[tier].get("multiplier") or "1"))
        return max(int((total * mult) // 1), 0)

    def announce(self, w: Work, family: str, customer: str, now: int, events: list[Any]) -> None:
        today = self.today(now)
        key = family + "#tier"
        was = w.get(key)
        t = self.tier(w, family, today)
        is_ = 0 if t is None else t + 1
        if was != is_:
            w.add(key, is_ - was, is_, is_)

            def name(v: int) -> str | None:
                return self.tiers()[v - 1]["name"] if 1 <= v <= len(self.tiers()) else None

            events.append(("tier_changed", customer,
                           {"program": self.id, "from": name(was), "to": name(is_)}))  # fmt: skip
        notice = int(self.raw.get("expiring_notice_days", 14))
        for lot in self.spendable(w, family, today):
            if lot.expires is None:
                continue
            marker = f"{family}#notice={lot.member[4:]}"
            if today >= lot.expires - timedelta(days=notice) and w.get(marker) == 0:
                w.add(marker, 1, None, 1)
                events.append(("points_expiring", customer, {
                    "program": self.id, "points": lot.points,
                    "expires_on": _d(lot.expires), "days_left": (lot.expires - today).days,
                }))  # fmt: skip

    def earned_event(self, customer: str, points: int, lot: str, source: str,
                     extra: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:  # fmt: skip
        a, e = lot[4:].split("/")
        payload = {"program": self.id, "points": points, "source": source, "available_on": a,
                   "expires_on": None if e == "-" else e, **extra}  # fmt: skip
        return ("points_earned", customer, payload)

    def order_available(self, today: date) -> date:
        return today + timedelta(days=int(self.raw.get("pending_days", 0)))


def _instant(text: str | None) -> int | None:
    if text is None:
        return None
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (t - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _active(rule: Mapping[str, Any], now: int) -> bool:
    start, end = _instant(rule.get("starts_at")), _instant(rule.get("ends_at"))
    if (start is not None and now < start) or (end is not None and now >= end):
        return False
    s = rule.get("schedule")
    if s is not None:
        local = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=now)).astimezone(
            ZoneInfo(s.get("timezone", "UTC"))
        )
        days = s.get("weekdays")
        if days and local.isoweekday() not in days:
            return False
        hours = s.get("hours")
        if hours is not None:
            a, b = hours
            inside = a <= local.hour < b if a < b else (local.hour >= a or local.hour < b)
            if not inside:
                return False
    return True


def _programmes(engine_ir: Mapping[str, Any]) -> dict[str, Programme]:
    return {
        p["id"]: Programme(p)
        for p in engine_ir.get("programs") or []
        if p.get("type", "loyalty") == "loyalty"
    }
