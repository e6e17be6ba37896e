"""Referral programmes (``programs/referral/``): advocates' codes, referring, conversions
within limits, reward tiers, progress, and a rollback's ``referral_reversed`` events and
undoing of a referral (``referral/clawback.rs``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from promotor.programs.keys import escape, unescape
from promotor.testing.reference.programs.keys import (
    _norm,
    card_family,
    code_family,
    loyalty_family,
    referral_family,
)
from promotor.testing.reference.programs.loyalty import (
    Programme,
    _instant,
    _programmes,
)
from promotor.testing.reference.programs.work import Work


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
    """A referral programme as ``rust/promotor-core/src/programs/referral/`` decides it."""

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


def referred(deltas: list[Any]) -> list[tuple[str, list[str]]]:
    """The referrals ``deltas`` made without converting the friend: per referral the
    friend's ``by=<advocate>`` key and every key of ``deltas`` that referring moved."""
    moved = {k for k, n, *_ in deltas if n == 1}
    out = []
    for key, add, *_ in deltas:
        family, _, member = key.partition("#")
        rest = family.removeprefix("referral|program=")
        program, sep, friend = rest.partition("|friend=")
        if rest == family or not sep or not member.startswith("by=") or add != 1:
            continue
        if f"{family}#referred" not in moved:
            continue
        af = f"referral|program={program}|advocate={member[3:]}"
        made = [key, f"{family}#referred"]
        made += [k for k in (f"{af}#friend={friend}", f"{af}#referred") if k in moved]
        made += [k for k, n, *_ in deltas if n == 1 and k.endswith("#referred")
                 and k.startswith(f"referral|program={program}|email=")]  # fmt: skip
        out.append((key, made))
    return out


def unrefer(w: Work, deltas: list[Any]) -> list[str]:
    """Rolls back the referrals an order made without converting the friend: unrefers a
    friend still pending, keeps the referral of one who converted since; returns the keys
    decided on, which the plain reversal leaves alone."""
    decided: list[str] = []
    for by, made in referred(deltas):
        if w.get(by) >= 2:
            w.add(by, 0, 2)
            decided += made
        else:
            w.add(by, -1, None, 0)
            decided.append(by)
    return decided
