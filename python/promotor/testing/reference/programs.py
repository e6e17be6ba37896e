"""Programmes in the reference evaluator: the same (snapshot, operation) -> (deltas, events,
answer) decisions as ``rust/promotor-core/src/programs/``, written to be obviously right
(exact fractions, whole dates), for the twin property tests.

Earning rules with ``rules=``, and referral programmes' ``conversion`` and
``advocate_rules``, are not covered here (the twin tests generate programmes without them;
campaign rules are compared by the evaluator's own twin tests).
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
    return {
        p["id"]: Programme(p)
        for p in engine_ir.get("programs") or []
        if p.get("type", "loyalty") == "loyalty"
    }


# -- referral --------------------------------------------------------------------------------


def referral_family(program: str, who: str, id_: str) -> str:
    return f"referral|program={escape(program)}|{who}={escape(id_)}"


def _canonical(email: str | None) -> str | None:
    from promotor.identity import canonical_email

    if email is None:
        return None
    try:
        return canonical_email(email)
    except ValueError:
        return None


def _period(every: str, tz: str, now: int) -> str:
    local = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=now)).astimezone(
        ZoneInfo(tz)
    )
    if every == "day":
        return local.strftime("%Y-%m-%d")
    if every == "week":
        year, week, _ = local.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return local.strftime("%Y-%m")


@dataclass
class ReferralProgramme:
    """A referral programme as ``rust/promotor-core/src/programs/referral.rs`` decides it."""

    raw: Mapping[str, Any]
    loyalty: dict[str, Programme]
    currency: str
    exponent: int

    @property
    def id(self) -> str:
        return str(self.raw["id"])

    def advocate(self, a: str) -> str:
        return referral_family(self.id, "advocate", a)

    def friend(self, f: str) -> str:
        return referral_family(self.id, "friend", f)

    def tiers(self) -> list[Mapping[str, Any]]:
        return list(self.raw.get("rewards") or [])

    def refusal(self, w: Work, advocate: str, adv_email: str | None, friend: str,
                email: str | None, now: int) -> tuple[str, str] | None:  # fmt: skip
        start, end = _instant(self.raw.get("starts_at")), _instant(self.raw.get("ends_at"))
        if (start is not None and now < start) or (end is not None and now >= end):
            return ("not_active", "the programme is not running")
        if friend == advocate:
            return ("self_referral", "own code")
        canonical = _canonical(email)
        if canonical is not None and canonical == adv_email:
            return ("self_referral", "same email")
        if w.get(self.friend(friend) + "#referred") > 0:
            return ("already_referred", "referred before")
        email_family = None if canonical is None else referral_family(self.id, "email", canonical)
        if email_family is not None and w.get(email_family + "#referred") > 0:
            return ("already_referred", "same email referred before")
        return None

    def refer(self, w: Work, advocate: str, friend: str, email: str | None) -> None:
        ff = self.friend(friend)
        w.add(ff + "#referred", 1, 1, 1)
        w.add(f"{ff}#by={escape(advocate)}", 1, 1, 1)
        canonical = _canonical(email)
        if canonical is not None:
            w.add(referral_family(self.id, "email", canonical) + "#referred", 1, 1, 1)
        af = self.advocate(advocate)
        w.add(f"{af}#friend={escape(friend)}", 1, 1, 1)
        w.add(af + "#referred", 1)

    def referrer(self, w: Work, friend: str) -> tuple[str, bool] | None:
        for m, v in w.members(self.friend(friend)).items():
            if m.startswith("by=") and v > 0:
                return unescape(m[3:]), v >= 2
        return None

    def periods(self, now: int) -> list[tuple[str, int]]:
        out = []
        for lim in self.raw.get("limits") or []:
            every = lim.get("every")
            if every is None:
                member = "period=all"
            else:
                member = f"period={every}:{_period(every, lim.get('timezone', 'UTC'), now)}"
            out.append((member, int(lim["max"])))
        return out

    def convert(self, w: Work, friend: str, now: int, codes: list[str], source: dict[str, Any],
                events: list[Any]) -> dict[str, Any] | None:  # fmt: skip
        found = self.referrer(w, friend)
        if found is None or found[1]:
            return None
        advocate = found[0]
        w.add(f"{self.friend(friend)}#by={escape(advocate)}", 1, 2, 2)
        af = self.advocate(advocate)
        fm = f"{af}#friend={escape(friend)}"
        w.add(fm, 1, 2, 2)
        w.add(af + "#converted", 1)
        periods = self.periods(now)
        within = all(w.get(f"{af}#{m}") < mx for m, mx in periods)
        issued = []
        start = len(events)
        rewarded = w.get(af + "#rewarded")
        if within:
            for m, mx in periods:
                w.add(f"{af}#{m}", 1, None, mx)
            rewarded += 1
            w.add(af + "#rewarded", 1, rewarded, rewarded)
            w.add(fm, 1, 3, 3)
            tier = w.get(af + "#tier")
            reached = tier
            for r in self.tiers():
                if tier < r["referrals"] <= rewarded:
                    issued.append(self.issue(w, r, advocate, friend, now, codes, events))
                    reached = r["referrals"]
            if reached != tier:
                w.add(af + "#tier", reached - tier, reached, reached)
        nxt = next((r["referrals"] for r in self.tiers() if r["referrals"] > rewarded), None)
        to_next = None if nxt is None else nxt - rewarded
        payload = {"program": self.id, "friend_id": friend, "rewarded": within,
                   "referrals": rewarded, "next_tier": nxt, "to_next_tier": to_next,
                   **source}  # fmt: skip
        events.insert(start, ("referral_converted", advocate, payload))
        return {"program": self.id, "advocate": advocate, "friend": friend, "rewarded": within,
                "referrals": rewarded, "next_tier": nxt, "to_next_tier": to_next,
                "rewards": issued}  # fmt: skip

    def issue(self, w: Work, r: Mapping[str, Any], advocate: str, friend: str, now: int,
              codes: list[str], events: list[Any]) -> dict[str, Any]:  # fmt: skip
        base: dict[str, Any] = {"program": self.id, "referrals": r["referrals"],
                                "friend_id": friend}  # fmt: skip
        if r.get("effect") is not None:
            code = _fresh(w, codes)
            campaign = f"{self.id}:{r['referrals']}"
            owner = f"campaign={escape(campaign)}|customer={escape(advocate)}"
            w.add(f"{code_family(_norm(code))}#{owner}", 1, None, 1)
            base.update({"kind": "code", "code": code, "campaign_id": campaign})
        elif r.get("points") is not None:
            names = list(self.loyalty)
            p = self.loyalty[r.get("program") or names[0]]
            family = loyalty_family(p.id, advocate)
            lot = p.credit(w, family, int(r["points"]), p.today(now), False)
            events.append(p.earned_event(advocate, int(r["points"]), lot, "referral",
                                         {"referral_program": self.id}))  # fmt: skip
            p.announce(w, family, advocate, now, events)
            base.update({"kind": "points", "points": int(r["points"]), "points_program": p.id})
        else:
            code = _fresh(w, codes)
            minor = int(Decimal(r["gift_card"]).scaleb(self.exponent))
            card = card_family(_norm(code))
            w.add(card + "#status", 1, 1, 1)
            w.add(card + "#balance", minor)
            w.add(f"{card}#currency={escape(self.currency)}", 1, 1, 1)
            amount = str(Decimal(minor).scaleb(-self.exponent))
            events.append(("gift_card_issued", advocate, {"code": code, "amount": amount,
                           "currency": self.currency, "expires_at": None}))  # fmt: skip
            base.update({"kind": "gift_card", "code": code, "amount": amount})
        events.append(("reward_issued", advocate, dict(base)))
        return base

    def progress(self, w: Work, advocate: str) -> dict[str, Any]:
        af = self.advocate(advocate)
        pending = converted = rewarded = 0
        friends = []
        for m, v in w.members(af).items():
            if not m.startswith("friend=") or v not in (1, 2, 3):
                continue
            status = {1: "pending", 2: "converted", 3: "rewarded"}[v]
            pending += v == 1
            converted += v >= 2
            rewarded += v == 3
            friends.append([unescape(m[7:]), status])
        nxt = next((r["referrals"] for r in self.tiers() if r["referrals"] > rewarded), None)
        return {"program": self.id, "has_code": w.get(af + "#code") > 0, "pending": pending,
                "converted": converted, "rewarded": rewarded, "tier": w.get(af + "#tier"),
                "next_tier": nxt, "to_next_tier": None if nxt is None else nxt - rewarded,
                "friends": friends}  # fmt: skip

    def assign(self, w: Work, advocate: str, code: str, email: str | None,
               events: list[Any]) -> None:  # fmt: skip
        norm = _norm(code)
        cfam = code_family(norm)
        if not norm or w.members(cfam):
            raise ValueError(f"code {code!r} is already issued")
        af = self.advocate(advocate)
        if w.get(af + "#code") > 0:
            raise ValueError(f"advocate {advocate!r} already has a code")
        w.add(f"{cfam}#referral={escape(self.id)}|advocate={escape(advocate)}", 1, 1, 1)
        canonical = _canonical(email)
        if canonical is not None:
            w.add(f"{cfam}#email={escape(canonical)}", 1, 1, 1)
        w.add(af + "#code", 1, 1, 1)
        events.append(("code_assigned", advocate, {"program": self.id, "campaign_id": self.id,
                                                    "code": code, "kind": "referral"}))  # fmt: skip


def _fresh(w: Work, codes: list[str]) -> str:
    while codes:
        code = codes.pop(0)
        norm = _norm(code)
        if norm and not w.members(code_family(norm)) and not w.members(card_family(norm)):
            return code
    raise ValueError("no fresh code left for a referral reward: give more codes")


def _referrals(engine_ir: Mapping[str, Any], exponent: int) -> dict[str, ReferralProgramme]:
    loyalty = _programmes(engine_ir)
    currency = str(engine_ir.get("currency", "USD"))
    return {
        p["id"]: ReferralProgramme(p, loyalty, currency, exponent)
        for p in engine_ir.get("programs") or []
        if p.get("type") == "referral"
    }


def reversals(deltas: list[Any], cards: list[tuple[str, int, int]], exponent: int) -> list[Any]:
    out = []
    for key, add, _, _ in deltas:
        family, _, member = key.partition("#")
        if member != "converted" or add <= 0 or not family.startswith("referral|program="):
            continue
        program, sep, advocate = family[len("referral|program=") :].partition("|advocate=")
        if not sep:
            continue
        friend = next((unescape(k.partition("#")[2][7:]) for k, *_ in deltas
                       if k.partition("#")[0] == family
                       and k.partition("#")[2].startswith("friend=")), None)  # fmt: skip
        prefix = f"campaign={program}:"
        codes = [
            unescape(k.partition("#")[0][len("code|code=") :])
            for k, n, *_ in deltas
            if n > 0 and k.startswith("code|code=") and k.partition("#")[2].startswith(prefix)
        ]
        gift_cards = [
            {"code": unescape(k[len("gift_card|code=") : -len("#balance")]),
             "amount": str(Decimal(issued).scaleb(-exponent)),
             "recovered": str(Decimal(took).scaleb(-exponent))}
            for k, issued, took in cards
        ]  # fmt: skip
        out.append(("referral_reversed", unescape(advocate), {
            "program": unescape(program), "friend_id": friend, "codes": codes,
            "gift_cards": gift_cards}))  # fmt: skip
    return out


def operate(engine_ir: Mapping[str, Any], op: Mapping[str, Any],
            snapshot: Mapping[str, int], exponent: int = 2) -> list[Decision]:  # fmt: skip
    """What ``Program::operate`` decides for the operations ``track`` (events without
    properties), ``reward``, ``import``, ``rollback``, ``announce``, ``balance`` and the
    referral ones (``referral_code``, ``referrals``, ``refer``, ``convert``)."""
    progs = _programmes(engine_ir)
    referral = _referrals(engine_ir, exponent)
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
        codes = list(op.get("codes") or [])
        for r in referral.values():
            if r.raw.get("on") != op["event"]:
                continue
            done = r.convert(w, op["customer"], op["now"], codes,
                             {"via": "event", "event": op["event"]}, events)  # fmt: skip
            earned[r.id] = int(done is not None)
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
    elif kind == "referral_code":
        referral[op["program"]].assign(w, op["advocate"], op["code"], op.get("email"), events)
        answer = {"code": op["code"], "eligible": True}
    elif kind == "referrals":
        answer = referral[op["program"]].progress(w, op["advocate"])
    elif kind == "refer":
        r = referral[op["program"]]
        refused = r.refusal(w, op["advocate"], _canonical(op.get("advocate_email")),
                            op["friend"], op.get("email"), op["now"])  # fmt: skip
        if refused is None:
            r.refer(w, op["advocate"], op["friend"], op.get("email"))
            answer = {"referred": True}
        else:
            answer = {"referred": False, "reason": refused[0], "detail": refused[1]}
    elif kind == "convert":
        answer = referral[op["program"]].convert(
            w, op["friend"], op["now"], list(op.get("codes") or []), {"via": "call"}, events
        )
    elif kind == "import":
        return _import(progs[op["program"]], op, snapshot)
    elif kind == "rollback":
        takebacks, touched, cards = [], [], []
        for key, add, _, _ in op["deltas"]:
            family, _, member = key.partition("#")
            if not family.startswith("loyalty|program="):
                if add > 0 and key.startswith("gift_card|") and key.endswith("#balance"):
                    took = min(max(w.get(key), 0), add)
                    w.add(key, -took, 0)
                    cards.append((key, add, took))
                    continue
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
        events.extend(reversals(op["deltas"], cards, exponent))
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
