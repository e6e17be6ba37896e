"""The operations (``programs/ops/``): :func:`operate` decides one, :func:`as_json` puts the
decisions in the core's JSON shape for comparing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from promotor.programs.keys import escape, unescape
from promotor.testing.reference.programs.keys import (
    Delta,
    _norm,
    code_family,
    loyalty_family,
)
from promotor.testing.reference.programs.loyalty import (
    Programme,
    _programmes,
)
from promotor.testing.reference.programs.referral import (
    _canonical,
    _referrals,
    reversals,
    unrefer,
)
from promotor.testing.reference.programs.work import Work


@dataclass
class Decision:
    deltas: list[Delta]
    events: list[tuple[str, str | None, dict[str, Any]]]
    answer: Any


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
        decided = unrefer(w, op["deltas"])
        for key, add, _, _ in op["deltas"]:
            if key in decided:
                continue
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
