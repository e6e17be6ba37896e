"""The programme calls of an engine: read a snapshot of the families the core names, let the
core decide (``Program.program_op``), commit its deltas and events as a ledger entry, or
decide again when a bound no longer holds (as redemptions do, ``promotor.redemption``)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from promotor.errors import ConflictError, InputError, NotEligibleError, NotFoundError
from promotor.events import Pending
from promotor.identity import normalize_email
from promotor.programs import Balance, GiftCard, Loyalty, Referral, ReferralProgress
from promotor.programs.keys import family_customer, loyalty_prefix
from promotor.redemption import MAX_ATTEMPTS, _backoff, call_now, from_micros, micros, new_id
from promotor.stores.codec import normalize_code

if TYPE_CHECKING:
    from promotor import _native
    from promotor.engine import Engine
    from promotor.stores.base import Entry

__all__ = ["customer_of", "identity", "pay_request", "run"]

#: Upper-case letters and digits without the look-alikes 0 O 1 I (as DESIGN section 9).
CHARSET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def random_code(prefix: str, groups: int = 3) -> str:
    parts = ["".join(secrets.choice(CHARSET) for _ in range(4)) for _ in range(groups)]
    return prefix + "-" + "-".join(parts)


def customer_of(value: Any, loc: str = "customer") -> tuple[str, tuple[str, str] | None]:
    """``(id, identity)`` of a customer given as an id or a dict with ``id`` (and, to record
    it, ``email``)."""
    if isinstance(value, str) and value:
        return value, None
    if isinstance(value, Mapping):
        cid = value.get("id")
        if not isinstance(cid, str) or not cid:
            raise InputError([{"loc": (loc, "id"), "msg": "expected a non-empty customer id"}])
        return cid, identity(value)
    raise InputError([{"loc": (loc,), "msg": "expected a customer id or a dict with an 'id'"}])


def identity(customer: Any) -> tuple[str, str] | None:
    """``(id, normalised email)`` of a customer dict with both, else ``None``."""
    if not isinstance(customer, Mapping):
        return None
    cid, email = customer.get("id"), customer.get("email")
    if not isinstance(cid, str) or not cid or not isinstance(email, str):
        return None
    try:
        return cid, normalize_email(email)
    except ValueError as err:
        raise InputError([{"loc": ("customer", "email"), "msg": str(err)}]) from None


def program_id(engine: Engine, program: str | None) -> Loyalty:
    """The loyalty programme named ``program`` (or the engine's only one)."""
    loyalty = [p for p in engine.programs if isinstance(p, Loyalty)]
    if program is None:
        if len(loyalty) == 1:
            return loyalty[0]
        raise InputError(
            [{"loc": ("program",), "msg": f"name the programme: one of {[p.id for p in loyalty]}"}]
        )
    for p in loyalty:
        if p.id == program:
            return p
    raise InputError(
        [
            {
                "loc": ("program",),
                "msg": f"no loyalty programme {program!r}; known: {[p.id for p in loyalty]}",
            }
        ]
    )


def pay_request(
    engine: Engine,
    points: int | Mapping[str, int] | None,
    gift_cards: Sequence[str],
    order_id: str | None,
    request: _native.Request,
) -> str | None:
    """The core's ``Pay`` as JSON, or ``None`` when there is nothing beyond discounts."""
    if isinstance(gift_cards, str) or not isinstance(gift_cards, Sequence):
        raise InputError([{"loc": ("gift_cards",), "msg": "expected a list of codes"}])
    for i, code in enumerate(gift_cards):
        if not isinstance(code, str) or not code.strip():
            raise InputError([{"loc": ("gift_cards", i), "msg": "expected a gift-card code"}])
    pairs: list[tuple[str, int]] = []
    if points is not None:
        if isinstance(points, Mapping):
            items = list(points.items())
        else:
            items = [(program_id(engine, None).id, points)]
        for name, n in items:
            program_id(engine, name)
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise InputError(
                    [{"loc": ("points",), "msg": f"expected a non-negative int, got {n!r}"}]
                )
            if request.customer_id() is None:
                raise InputError(
                    [{"loc": ("customer",), "msg": "paying with points needs a customer id"}]
                )
            pairs.append((name, n))
    if not engine.programs and not pairs and not gift_cards:
        return None
    return json.dumps(
        {"points": pairs, "gift_cards": list(gift_cards), "order_id": order_id,
         "codes": reward_codes(engine)},
        separators=(",", ":"),
    )  # fmt: skip


def reward_codes(engine: Engine) -> list[str]:
    """Fresh codes for the referral rewards one call may issue (a code or a gift card per
    tier reached): one per such tier of every referral programme."""
    n = sum(
        1 for p in engine.programs if isinstance(p, Referral) for r in p.rewards if r.points is None
    )
    return [random_code("RW") for _ in range(n)]


def _pending(events: list[dict[str, Any]]) -> list[Pending]:
    """The core's events as a store appends them: ``(type, customer id, payload JSON)``."""
    return [(e["type"], e["customer_id"], _payload(e["payload"])) for e in events]


def _payload(payload: Any) -> str:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)


def read(engine: Engine, op: dict[str, Any]) -> Any:
    """A read-only operation's answer."""
    text = json.dumps(op)
    program = engine._program
    keys, families = program.program_reads(text)
    snapshot = engine.store._read_families(keys, families, op.get("now", 0))
    return json.loads(program.program_op(text, snapshot))[0]["answer"]


def _snapshot(
    engine: Engine, text: str, keys: list[str], families: list[str], now: int
) -> dict[str, int]:
    """What the core needs for ``text``: the families it names, then those the first read
    leads to (a friend's advocate). Read in two steps; the deltas' bounds make the decision
    exact all the same (a change in between fails a bound and the call decides again)."""
    store = engine.store
    snapshot = store._read_families(keys, families, now)
    more = engine._program.program_more(text, snapshot)
    if more:
        snapshot.update(store._read_families([], more, now))
    return snapshot


def run(
    engine: Engine,
    op: dict[str, Any],
    *,
    kind: str,
    customer_id: str | None,
    idempotency_key: str | None = None,
    identity: tuple[str, str] | None = None,
    request: _native.Request | None = None,
    detail: dict[str, Any] | None = None,
    unique: str | None = None,
) -> dict[str, Any]:
    """Decide ``op`` and commit it as one ledger entry; the core's answer (or, for a repeated
    ``idempotency_key``, the first call's; with ``unique``, an :class:`InputError` saying it)."""
    from promotor.stores.base import Entry

    store = engine.store
    text = json.dumps(op, separators=(",", ":"))
    program = engine._program
    keys, families = program.program_reads(text)
    now = op["now"]
    for attempt in range(MAX_ATTEMPTS):
        if idempotency_key is not None:
            existing = store._entry(idempotency_key)
            if existing is not None:
                if unique is not None:
                    raise InputError([{"loc": (), "msg": unique}])
                return json.loads(existing.detail)["answer"]  # type: ignore[no-any-return]
        snapshot = _snapshot(engine, text, keys, families, now)
        decide = request.operate if request is not None else program.program_op
        (decision,) = json.loads(decide(text, snapshot))
        entry = Entry(
            id=new_id("le"),
            kind=kind,
            customer_id=customer_id,
            created_at=now,
            idempotency_key=idempotency_key,
            deltas=[(k, n, hi, lo) for k, n, hi, lo in decision["deltas"]],
            events=_pending(decision["events"]),
            detail=json.dumps({"answer": decision["answer"], **(detail or {})}),
            identity=identity,
        )
        out = store._apply([entry])
        if out == "conflict":
            _backoff(attempt)
            continue
        if not out[0]:
            continue  # a concurrent call with the same key won: read its answer
        store._notify(entry.event_ids, entry.events, now)
        return decision["answer"]  # type: ignore[no-any-return]
    raise ConflictError(f"gave up after {MAX_ATTEMPTS} attempts: concurrent calls kept conflicting")


# -- loyalty ---------------------------------------------------------------------------------


def track(
    engine: Engine,
    event: str,
    customer: Any,
    now: datetime | None,
    properties: Mapping[str, Any] | None,
    idempotency_key: str | None,
) -> dict[str, int]:
    if not isinstance(event, str) or not event:
        raise InputError([{"loc": ("event",), "msg": "expected an event name"}])
    cid, ident = customer_of(customer)
    at = call_now(now)
    customer_dict = dict(customer) if isinstance(customer, Mapping) else {"id": cid}
    request = engine._request(
        {"items": []}, customer_dict, (), from_micros(at), {"metadata": dict(properties or {})}
    )
    op = {"op": "track", "customer": cid, "event": event, "now": at,
          "codes": reward_codes(engine)}  # fmt: skip
    key = None if idempotency_key is None else f"track:{idempotency_key}"
    answer = run(engine, op, kind="track", customer_id=cid, idempotency_key=key,
                 identity=ident, request=request, detail={"event": event})  # fmt: skip
    return {k: int(v) for k, v in answer.items()}


def balance(engine: Engine, customer: Any, program: str | None, now: datetime | None) -> Balance:
    cid, _ = customer_of(customer)
    p = program_id(engine, program)
    answer = read(engine, {"op": "balance", "program": p.id, "customer": cid, "now": call_now(now)})
    return Balance(
        available=answer["available"],
        pending=answer["pending"],
        expiring=[(date.fromisoformat(d), n) for d, n in answer["expiring"]],
        tier=answer["tier"],
    )


def redeem_reward(
    engine: Engine, customer: Any, reward: str, program: str | None, now: datetime | None
) -> str:
    cid, ident = customer_of(customer)
    p = program_id(engine, program)
    if not any(r.id == reward for r in p.rewards):
        raise InputError(
            [{"loc": ("reward",), "msg": f"programme {p.id!r} has no reward {reward!r}; "
              f"known: {[r.id for r in p.rewards]}"}]
        )  # fmt: skip
    at = call_now(now)
    for _ in range(8):
        code = random_code("RW")
        op = {"op": "reward", "program": p.id, "customer": cid, "reward": reward,
              "code": code, "now": at}  # fmt: skip
        try:
            answer = run(engine, op, kind="reward", customer_id=cid, identity=ident,
                         idempotency_key=f"code:{normalize_code(code)}",
                         unique=f"code {code!r} is already issued")  # fmt: skip
        except InputError as err:
            if "already issued" in str(err):
                continue
            raise
        return str(answer["code"])
    raise ConflictError("could not find an unused code in 8 tries")


def sweep(engine: Engine, program: str | None, now: datetime | None) -> int:
    at = call_now(now)
    programs = [program_id(engine, program)] if program is not None else [
        p for p in engine.programs if isinstance(p, Loyalty)
    ]  # fmt: skip
    written = 0
    for p in programs:
        for family in engine.store._family_names(loyalty_prefix(p.id)):
            cid = family_customer(family)
            op = {"op": "announce", "program": p.id, "customer": cid, "now": at}
            text = json.dumps(op)
            keys, families = engine._program.program_reads(text)
            snapshot = engine.store._read_families(keys, families, at)
            (decision,) = json.loads(engine._program.program_op(text, snapshot))
            if decision["deltas"]:
                run(engine, op, kind="announce", customer_id=cid)
                written += len(decision["events"])
    return written


# -- gift cards ------------------------------------------------------------------------------


def _amount(value: Any, loc: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InputError([{"loc": (loc,), "msg": "expected a decimal amount (str or Decimal)"}])
    try:
        d = Decimal(str(value).strip())
    except ArithmeticError:
        raise InputError([{"loc": (loc,), "msg": f"invalid amount {value!r}"}]) from None
    if not d.is_finite() or d < 0:
        raise InputError([{"loc": (loc,), "msg": f"expected a non-negative amount, got {value}"}])
    return str(d)


def issue_gift_card(
    engine: Engine,
    amount: Any,
    customer: Any,
    expires_at: datetime | None,
    code: str | None,
    now: datetime | None,
) -> GiftCard:
    cid, ident = (None, None) if customer is None else customer_of(customer)
    at = call_now(now)
    expires = None if expires_at is None else call_now(expires_at, "expires_at")
    if code is not None and (not isinstance(code, str) or not code.strip()):
        raise InputError([{"loc": ("code",), "msg": "expected a non-empty code"}])
    if code is not None:
        try:
            normalize_code(code)  # the core refuses invisible characters in a code
        except InputError as err:
            raise InputError([{**e, "loc": ("code",)} for e in err.errors()]) from None
    for _ in range(8):
        display = code.strip() if code is not None else random_code("GC")
        op = {"op": "issue_gift_card", "code": display, "amount": _amount(amount, "amount"),
              "expires": expires, "customer": cid, "now": at}  # fmt: skip
        try:
            run(engine, op, kind="gift_card_issue", customer_id=cid, identity=ident,
                idempotency_key=f"gift_card:{normalize_code(display)}",
                detail={"code": display, "customer_id": cid},
                unique=f"gift card {display!r} already exists")  # fmt: skip
        except InputError as err:
            if code is None and "already exists" in str(err):
                continue
            raise
        return gift_card(engine, display)
    raise ConflictError("could not find an unused gift-card code in 8 tries")


def top_up(engine: Engine, code: str, amount: Any, now: datetime | None) -> GiftCard:
    at = call_now(now)
    op = {"op": "top_up", "code": code, "amount": _amount(amount, "amount"), "now": at}
    run(engine, op, kind="gift_card_top_up", customer_id=None, detail={"code": code})
    return gift_card(engine, code)


def deactivate_gift_card(engine: Engine, code: str, now: datetime | None) -> GiftCard:
    op = {"op": "deactivate", "code": code, "now": call_now(now)}
    run(engine, op, kind="gift_card_deactivate", customer_id=None, detail={"code": code})
    return gift_card(engine, code)


def gift_card(engine: Engine, code: str) -> GiftCard:
    if not isinstance(code, str) or not code.strip():
        raise InputError([{"loc": ("code",), "msg": "expected a gift-card code"}])
    answer = read(engine, {"op": "gift_card", "code": code})
    if not answer["exists"]:
        raise NotFoundError([{"loc": ("code",), "msg": f"no gift card {code!r}"}])
    issued: Entry | None = engine.store._entry(f"gift_card:{normalize_code(code)}")
    detail = json.loads(issued.detail) if issued is not None else {}
    expires = answer["expires"]
    return GiftCard(
        code=detail.get("code", code),
        balance=Decimal(answer["balance"]),
        currency=answer["currency"] or engine.currency,
        expires_at=None if expires is None else from_micros(expires),
        active=answer["active"],
        customer_id=detail.get("customer_id"),
    )


_ = micros  # re-exported for the migration module


# -- referral --------------------------------------------------------------------------------


def referral_program(engine: Engine, program: str | None) -> Referral:
    """The referral programme named ``program`` (or the engine's only one)."""
    found = [p for p in engine.programs if isinstance(p, Referral)]
    if program is None and len(found) == 1:
        return found[0]
    for p in found:
        if p.id == program:
            return p
    raise InputError(
        [{"loc": ("program",), "msg": f"no referral programme {program!r}; "
          f"known: {[p.id for p in found]}"}]
    )  # fmt: skip


def _code_key(program: str, advocate: str) -> str:
    return f"referral:{len(program)}:{program}:{advocate}"


def referral_code(engine: Engine, program: str | None, advocate: Any, now: datetime | None) -> str:
    from promotor import codes

    p = referral_program(engine, program)
    cid, ident = customer_of(advocate, "advocate")
    existing = engine.store._entry(_code_key(p.id, cid))
    if existing is not None:
        return str(json.loads(existing.detail)["answer"]["code"])
    at = call_now(now)
    email = advocate.get("email") if isinstance(advocate, Mapping) else None
    customer_dict = dict(advocate) if isinstance(advocate, Mapping) else {"id": cid}
    request = engine._request({"items": []}, customer_dict, (), from_micros(at), None)
    for _ in range(8):
        (code,) = codes.generate(p.code_pattern, 1)
        op = {"op": "referral_code", "program": p.id, "advocate": cid, "code": code,
              "email": email if isinstance(email, str) else None, "now": at}  # fmt: skip
        try:
            answer = run(engine, op, kind="referral_code", customer_id=cid, identity=ident,
                         idempotency_key=_code_key(p.id, cid), request=request,
                         detail={"program": p.id})  # fmt: skip
        except InputError as err:
            if "is already issued" in str(err):
                continue
            raise
        if not answer["eligible"]:
            raise NotEligibleError(
                [{"type": "not_eligible", "loc": ("advocate",),
                  "msg": f"customer {cid!r} may not be an advocate of {p.id!r}: "
                         "advocate_rules do not hold"}]
            )  # fmt: skip
        return str(answer["code"])
    raise ConflictError("could not find an unused referral code in 8 tries")


def referrals(
    engine: Engine, advocate: Any, program: str | None, now: datetime | None
) -> ReferralProgress:
    p = referral_program(engine, program)
    cid, _ = customer_of(advocate, "advocate")
    answer = read(engine, {"op": "referrals", "program": p.id, "advocate": cid})
    entry = engine.store._entry(_code_key(p.id, cid))
    code = None if entry is None else json.loads(entry.detail)["answer"]["code"]
    return ReferralProgress(
        program=p.id,
        code=code,
        pending=answer["pending"],
        converted=answer["converted"],
        rewarded=answer["rewarded"],
        tier=answer["tier"],
        next_tier=answer["next_tier"],
        to_next_tier=answer["to_next_tier"],
        friends=[(f, status) for f, status in answer["friends"]],
    )
