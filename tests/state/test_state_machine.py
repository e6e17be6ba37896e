"""A hypothesis state machine drives every store through redeem, reserve, confirm, release,
rollback, the passing of time, adding codes to a pool, assigning them and reading wallets,
across customers and codes, against a model: the pure-Python reference decides each call on the
model's counters and pool rows, and after every step the store must show the same decision, the
same counters and pool, a consistent ledger (``verify``) and no limit exceeded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

import promotor as pm
from promotor import reference
from promotor.codes import normalize as normalize_code
from promotor.inputs import canonical_input

from .conftest import ALL, fresh_url

T0 = datetime(2026, 11, 27, 20, tzinfo=UTC)  # 21:00 in Warsaw: days turn over soon

CAMPAIGNS = [
    pm.Campaign(
        id="a",
        effect=pm.amount_off(7),
        limits=[
            pm.limit(6),
            pm.limit(2, per="customer"),
            pm.budget("40.00"),
            pm.budget("50.00", key="pool"),
        ],
    ),
    pm.Campaign(
        id="b",
        codes=["B1", "B2", "B3"],
        effect=pm.percent_off(10),
        limits=[pm.limit(1, per="code"), pm.limit(3, every="day", timezone="Europe/Warsaw")],
    ),
    pm.Campaign(
        id="d",
        unique_codes=True,
        effect=pm.amount_off(2),
        limits=[pm.limit(1, per="code"), pm.budget("9.00")],
    ),
    pm.Campaign(
        id="c",
        rules="cart.subtotal >= 20",
        effect=pm.amount_off(3),
        limits=[
            pm.limit(4, every="day", key="daily"),
            pm.budget("25.00", key="pool", partial=False),
        ],
    ),
]
#: Each counter's largest bound: a shared counter never goes past it.
BOUNDS = {"count|campaign=a": 6, "budget|campaign=a": 4000, "budget|key=pool": 5000}


class Model:
    """Counters as the reference expects them: committed values and reservations' holds."""

    def __init__(self) -> None:
        self.counters: dict[str, int] = {}
        self.holds: dict[str, tuple[list[tuple[str, int]], int]] = {}  # id -> deltas, expiry
        self.requests: dict[str, tuple[Any, ...]] = {}  # reservation id -> (cart, customer, codes)
        self.redeemed: dict[str, list[tuple[str, int]]] = {}
        self.keys: set[str] = set()
        # The pool of campaign "d": key -> [campaign, code, customer], in the order added.
        self.pool: dict[str, list[Any]] = {}

    def pool_rows(self, keys: list[str]) -> dict[str, tuple[str, str, str | None]]:
        return {k: (r[0], r[1], r[2]) for k in keys if (r := self.pool.get(k)) is not None}

    def value(self, key: str, now: int) -> int:
        held = sum(n for ds, exp in self.holds.values() if exp > now for k, n in ds if k == key)
        return self.counters.get(key, 0) + held

    def snapshot(self, keys: list[str], now: int) -> dict[str, int]:
        return {k: v for k in keys if (v := self.value(k, now))}

    def commit(self, deltas: list[tuple[str, int]]) -> None:
        for k, n in deltas:
            self.counters[k] = self.counters.get(k, 0) + n
            self.keys.add(k)


def micros(at: datetime) -> int:
    return int((at - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1))


def machine(kind: str, tmp_path: Path) -> type[RuleBasedStateMachine]:
    class Checkout(RuleBasedStateMachine):
        redemptions = Bundle("redemptions")
        reservations = Bundle("reservations")

        def __init__(self) -> None:
            super().__init__()
            self.store = pm.store(fresh_url(kind, tmp_path))
            self.engine = pm.Engine(CAMPAIGNS, store=self.store)
            self.ir = self.engine.to_ir()
            self.now = T0
            self.model = Model()
            self.store.add_codes("d", ["D1", "D2", "D3"], customers=[None, "c3", None])
            for code, who in (("D1", None), ("D2", "c3"), ("D3", None)):
                self.model.pool[normalize_code(code)] = ["d", code, who]

        def teardown(self) -> None:
            self.store.close()

        def decide(self, cart: dict[str, Any], customer: Any, codes: list[str]) -> Any:
            canonical = canonical_input(cart, customer=customer, codes=codes, now=self.now)
            pools = self.model.pool_rows(reference.pool_lookups(self.ir, canonical))
            keys = reference.state_keys(self.ir, canonical, pools=pools)
            snapshot = self.model.snapshot(keys, micros(self.now))
            return reference.decide(self.ir, canonical, snapshot, pools=pools)

        def check(self, result: pm.Result, expected: dict[str, Any]) -> None:
            assert result.discount == expected["discount"]
            assert [(a.campaign_id, a.amount, a.limited_by) for a in result.applied] == [
                (a["campaign_id"], a["amount"], a.get("limited_by")) for a in expected["applied"]
            ]
            assert [(r.campaign_id, r.reason, r.detail) for r in result.rejected] == [
                (r["campaign_id"], r["reason"], r["detail"]) for r in expected["rejected"]
            ]

        carts = st.sampled_from(["8.00", "25.00", "60.00"]).map(
            lambda p: {"items": [{"sku": "X", "price": p, "quantity": 1}]}
        )
        customers = st.sampled_from([None, {"id": "c1"}, {"id": "c2"}, {"id": "c3"}])
        codes = st.lists(
            st.sampled_from(["B1", "b2", "B3", "nope", "D1", "d2", "D3", "d4", "D5"]), max_size=2
        )
        people = st.sampled_from(["c1", "c2", "c3", "c4"])

        @rule(
            codes=st.lists(st.sampled_from(["D4", "d4", "D5", "D1", " d6 "]), max_size=3),
            people=st.lists(st.sampled_from([None, "c1", "c4"]), min_size=3, max_size=3),
        )
        def add_codes(self, codes: list[str], people: list[str | None]) -> None:
            keys = [normalize_code(c) for c in codes]
            fits = len(set(keys)) == len(keys) and not any(k in self.model.pool for k in keys)
            customers = people[: len(codes)]
            if fits:
                assert self.store.add_codes("d", codes, customers=customers) == len(codes)
                for key, code, who in zip(keys, codes, customers, strict=True):
                    self.model.pool[key] = ["d", code, who]
            else:
                with pytest.raises(pm.InputError):
                    self.store.add_codes("d", codes, customers=customers)

        @rule(customer=people)
        def assign(self, customer: str) -> None:
            held = [r for r in self.model.pool.values() if r[2] == customer]
            free = [r for r in self.model.pool.values() if r[2] is None]
            if held:
                expected = held[0][1]
            elif free:
                expected = free[0][1]
                free[0][2] = customer
            else:
                with pytest.raises(pm.errors.PoolExhaustedError):
                    self.engine.assign_code("d", customer=customer, now=self.now)
                return
            assert self.engine.assign_code("d", customer=customer, now=self.now) == expected

        @rule(customer=people, cart=st.one_of(st.none(), carts))
        def wallet(self, customer: str, cart: dict[str, Any] | None) -> None:
            mine = [(k, r) for k, r in self.model.pool.items() if r[2] == customer]
            canonical = canonical_input(
                cart if cart is not None else {"items": []}, customer={"id": customer},
                codes=[r[1] for _, r in mine], now=self.now,
            )  # fmt: skip
            rows = self.model.pool_rows([k for k, _ in mine])
            keys = reference.wallet_keys(self.ir, canonical, rows)
            snapshot = self.model.snapshot(keys, micros(self.now))
            expected = reference.wallet(self.ir, canonical, snapshot, rows, cart is not None)
            got = self.engine.wallet(customer, cart=cart, now=self.now)
            assert [(w.code, w.status, w.value) for w in got] == [
                (mine[i][1][1], status, value) for i, _, status, _, value in expected
            ]

        @rule(target=redemptions, cart=carts, customer=customers, codes=codes)
        def redeem(self, cart: dict[str, Any], customer: Any, codes: list[str]) -> str:
            expected, deltas = self.decide(cart, customer, codes)
            red = self.engine.redeem(cart, customer, codes, now=self.now)
            self.check(red.result, expected)
            assert [(k, n, hi) for k, n, hi, _ in red.deltas] == [
                (d["key"], d["add"], d["max"]) for d in deltas
            ]
            self.model.commit([(d["key"], d["add"]) for d in deltas])
            self.model.redeemed[red.id] = [(d["key"], d["add"]) for d in deltas]
            return red.id

        @rule(
            target=reservations,
            cart=carts,
            customer=customers,
            codes=codes,
            minutes=st.sampled_from([5, 30, 600]),
        )
        def reserve(
            self, cart: dict[str, Any], customer: Any, codes: list[str], minutes: int
        ) -> str:
            expected, deltas = self.decide(cart, customer, codes)
            res = self.engine.reserve(
                cart, customer, codes, now=self.now, ttl=timedelta(minutes=minutes)
            )
            self.check(res.result, expected)
            expiry = micros(self.now + timedelta(minutes=minutes))
            self.model.holds[res.id] = ([(d["key"], d["add"]) for d in deltas], expiry)
            self.model.requests[res.id] = (cart, customer, codes)
            self.model.keys.update(d["key"] for d in deltas)
            return res.id

        @rule(target=redemptions, reservation=consumes(reservations))
        def confirm(self, reservation: str) -> str:
            held = self.model.holds.pop(reservation)
            deltas, expiry = held
            if expiry > micros(self.now):
                red = self.engine.confirm(reservation, now=self.now)
                self.model.commit(deltas)
                assert [(k, n) for k, n, _, _ in red.deltas] == deltas
            else:  # expired: decided again now, on the model's counters
                expected, again = self.decide(*self.model.requests[reservation])
                red = self.engine.confirm(reservation, now=self.now)
                assert red.reservation_id == reservation
                self.check(red.result, expected)
                got = [(k, n) for k, n, _, _ in red.deltas]
                assert got == [(d["key"], d["add"]) for d in again]
                self.model.commit(got)
            self.model.redeemed[red.id] = [(k, n) for k, n, _, _ in red.deltas]
            assert self.engine.confirm(reservation, now=self.now).id == red.id
            return red.id

        @rule(reservation=consumes(reservations))
        def release(self, reservation: str) -> None:
            self.engine.release(reservation, now=self.now)
            self.model.holds.pop(reservation)
            assert self.store.reservation(reservation).status in ("released", "expired")

        @rule(redemption=consumes(redemptions))
        def rollback(self, redemption: str) -> None:
            red = self.engine.rollback(redemption, reason="refund", now=self.now)
            assert red.status == "rolled_back"
            self.model.commit([(k, -n) for k, n in self.model.redeemed.pop(redemption)])

        @rule(minutes=st.sampled_from([1, 7, 45, 180, 900]))
        def advance(self, minutes: int) -> None:
            self.now += timedelta(minutes=minutes)

        @invariant()
        def counters_ledger_and_limits_agree(self) -> None:
            self.store.verify()
            keys = sorted(self.model.keys)
            now = micros(self.now)
            assert self.store.snapshot(keys, now=self.now) == self.model.snapshot(keys, now)
            for key, most in BOUNDS.items():
                assert self.model.value(key, now) <= most
            for key in keys:
                if key.startswith("count|campaign=a|customer="):
                    assert self.model.value(key, now) <= 2
                if key.startswith("count|campaign=b|code="):
                    assert self.model.value(key, now) <= 1
            pool = self.store.pool("d")
            assert (pool.codes, pool.assigned) == (
                len(self.model.pool),
                sum(r[2] is not None for r in self.model.pool.values()),
            )
            for key, row in self.model.pool.items():
                assert self.store.lookup_code(key) == tuple(row)
            usage = self.store.usage("a", now=self.now)
            assert usage.discount == Decimal(self.model.counters.get("budget|campaign=a", 0)) / 100

    return Checkout


@pytest.mark.parametrize("kind", ALL)
def test_state_machine(kind: str, tmp_path: Path) -> None:
    run_state_machine_as_test(
        machine(kind, tmp_path),
        settings=settings(max_examples=12, stateful_step_count=25, deadline=None),
    )


@pytest.mark.slow
@pytest.mark.parametrize("kind", ALL)
def test_state_machine_long(kind: str, tmp_path: Path) -> None:
    run_state_machine_as_test(
        machine(kind, tmp_path),
        settings=settings(max_examples=200, stateful_step_count=60, deadline=None),
    )
