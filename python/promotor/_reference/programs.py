"""Programmes in the reference evaluator: the same (snapshot, operation) -> (deltas, events,
answer) decisions as ``rust/promotor-core/src/programs/``, written to be obviously right
(exact fractions, whole dates), for the twin property tests.

Earning rules with ``rules=`` are not covered here (the twin tests generate programmes
without them; campaign rules are compared by the evaluator's own twin tests).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from promotor.programs.keys import escape, unescape

__all__ = ["Decision", "operate"]

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


class Work:
    """Counters of one decision; one delta per key with bounds on the final value."""

    def __init__(self, snapshot: Mapping[str, int]) -> None:
        self.snapshot = dict(snapshot)
        self.changes: dict[str, list[Any]] = {}  # key -> [total, min, max]

    def get(self, key: str) -> int:
        return self.snapshot.get(key, 0) + (self.changes[key][0] if key in self.changes else 0)

    def add(self, key: str, n: int, lo: int | None = None, hi: int | None = None) -> None:
        if n == 0 and lo is None and hi is None:
            return
        c = self.changes.setdefault(key, [0, None, None])
        c[1] = None if c[1] is None else c[1] + n
        c[2] = None if c[2] is None else c[2] + n
        c[0] += n
        if lo is not None:
            c[1] = lo if c[1] is None else max(c[1], lo)
        if hi is not None:
            c[2] = hi if c[2] is None else min(c[2], hi)

    def members(self, family: str) -> dict[str, int]:
        out = {}
        for k in [*self.snapshot, *self.changes]:
            if k.startswith(family + "#"):
                out[k[len(family) + 1 :]] = self.get(k)
        return dict(sorted(out.items()))

    def deltas(self) -> list[Delta]:
        return [
            (k, c[0], c[2], c[1])
            for k, c in self.changes.items()
            if c[0] != 0 or c[1] is not None or c[2] is not None
        ]


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


@dataclass
class Decision:
    deltas: list[Delta]
    events: list[tuple[str, str | None, dict[str, Any]]]
    answer: Any


def _programmes(engine_ir: Mapping[str, Any]) -> dict[str, Programme]:
    return {p["id"]: Programme(p) for p in engine_ir.get("programs") or []}


def operate(engine_ir: Mapping[str, Any], op: Mapping[str, Any],
            snapshot: Mapping[str, int]) -> list[Decision]:  # fmt: skip
    """What ``Program::operate`` decides for the operations ``track`` (events without
    properties), ``reward``, ``import``, ``rollback``, ``announce`` and ``balance``."""
    progs = _programmes(engine_ir)
    w = Work(snapshot)
    events: list[Any] = []
    kind = op["op"]
    if kind == "track":
        earned = {}
        for p in progs.values():
            family = loyalty_family(p.id, op["customer"])
            today = p.today(op["now"])
            pts = p.points(op["event"], Decimal(0), p.tier(w, family, today), op["now"])
            if pts > 0:
                lot = p.credit(w, family, pts, today, False)
                events.append(p.earned_event(op["customer"], pts, lot, "event",
                                             {"event": op["event"]}))  # fmt: skip
            earned[p.id] = pts
            p.announce(w, family, op["customer"], op["now"], events)
        answer: Any = earned
    elif kind == "reward":
        p = progs[op["program"]]
        reward = next(r for r in p.raw["rewards"] if r["id"] == op["reward"])
        family = loyalty_family(p.id, op["customer"])
        balance = p.balance(w, family, op["now"])["available"]
        if balance < reward["cost"]:
            raise ValueError("not enough points")
        p.spend(w, family, reward["cost"], p.today(op["now"]))
        campaign = f"{p.id}:{reward['id']}"
        owner = f"campaign={escape(campaign)}|customer={escape(op['customer'])}"
        w.add(f"{code_family(_norm(op['code']))}#{owner}", 1, None, 1)
        events.append(("reward_issued", op["customer"], {
            "program": p.id, "reward": reward["id"], "code": op["code"], "cost": reward["cost"],
            "campaign_id": campaign}))  # fmt: skip
        p.announce(w, family, op["customer"], op["now"], events)
        answer = {"code": op["code"], "campaign_id": campaign, "cost": reward["cost"]}
    elif kind == "import":
        return _import(progs[op["program"]], op, snapshot)
    elif kind == "rollback":
        takebacks, touched = [], []
        for key, add, _, _ in op["deltas"]:
            family, _, member = key.partition("#")
            if not family.startswith("loyalty|program="):
                w.add(key, -add)
                continue
            program = unescape(family.split("|")[1][len("program=") :])
            customer = unescape(family.rpartition("|customer=")[2])
            if (family, program, customer) not in touched:
                touched.append((family, program, customer))
            if member == "tier" or member.startswith("notice="):
                continue
            if program in progs and member.startswith("lot=") and add > 0:
                takebacks.append((family, program, customer, member, add))
            else:
                w.add(key, -add)
        taken = []
        for family, program, customer, member, n in takebacks:
            p = progs[program]
            lots, owed = p.take_back(w, family, n, member, p.today(op["now"]))
            taken.append({"program": program, "customer_id": customer, "points": n,
                          "owed": owed, "from_lots": lots})  # fmt: skip
        for family, program, customer in touched:
            if program in progs:
                progs[program].announce(w, family, customer, op["now"], events)
        answer = {"taken_back": taken}
    elif kind == "announce":
        p = progs[op["program"]]
        p.announce(w, loyalty_family(p.id, op["customer"]), op["customer"], op["now"], events)
        answer = None
    elif kind == "balance":
        p = progs[op["program"]]
        answer = p.balance(w, loyalty_family(p.id, op["customer"]), op["now"])
    else:
        raise NotImplementedError(kind)
    return [Decision(w.deltas(), events, answer)]


def _import(p: Programme, op: Mapping[str, Any], snapshot: Mapping[str, int]) -> list[Decision]:
    state = dict(snapshot)
    today = p.today(op["now"])
    out = []
    for row in op["rows"]:
        w = Work(state)
        events: list[Any] = []
        family = loyalty_family(p.id, row["customer"])
        answer: dict[str, Any] = {"points": row["points"]}
        if row["mode"] == "replace":
            before = p.balance(w, family, op["now"])["available"]
            for old in p.lots(w, family):
                live = old.available <= today and (old.expires is None or today < old.expires)
                if live and old.points != 0:
                    w.add(f"{family}#{old.member}", -old.points, 0, 0)
            owed = w.get(family + "#debt")
            if owed != 0:
                w.add(family + "#debt", -owed, 0, 0)
            if row["points"] > 0:
                lot = p.credit(w, family, row["points"], today, True)
                events.append(p.earned_event(row["customer"], row["points"], lot, "import",
                                             {"replaced": before}))  # fmt: skip
            answer = {"points": row["points"], "replaced": before}
        else:
            retro = row["mode"] == "retroactive"
            if row["points"] > 0:
                lot = p.credit(w, family, row["points"], today, not retro, pay_debt=retro)
                events.append(p.earned_event(row["customer"], row["points"], lot,
                                             "retroactive" if retro else "import", {}))  # fmt: skip
            if retro:
                p.announce(w, family, row["customer"], op["now"], events)
        deltas = w.deltas()
        for k, n, _, _ in deltas:
            state[k] = state.get(k, 0) + n
        out.append(Decision(deltas, events, answer))
    return out


def as_json(decisions: list[Decision]) -> list[dict[str, Any]]:
    """The decisions as the core's JSON reads (for comparing)."""
    return [
        {
            "deltas": [list(d) for d in x.deltas],
            "events": [{"type": t, "customer_id": c, "payload": p} for t, c, p in x.events],
            "answer": json.loads(json.dumps(x.answer)),
        }
        for x in decisions
    ]
