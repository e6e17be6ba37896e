"""A web shop's checkout with limits and budgets, shaped like FastAPI or Django views.

The handlers below are plain functions taking what a request carries, so this file runs as it
is (`python examples/checkout.py`); in FastAPI each becomes a route, e.g.

    @app.post("/cart/preview")
    def preview_route(body: CartBody) -> dict: return preview(body.cart, body.customer, body.codes)

    @app.post("/checkout")
    def checkout_route(body: CheckoutBody, idempotency_key: str = Header()) -> dict:
        return start_payment(body.cart, body.customer, body.codes, idempotency_key)

and in Django the same functions sit behind views. One `Engine` is built at start-up and
shared by every request and worker thread; with gunicorn or Celery prefork each worker process
reopens the store after the fork by itself.

The flow: `preview` on every cart change (reads the counters, never writes); `start_payment`
reserves what the order uses of limits and budgets for 15 minutes while the payment provider
works; `payment_succeeded` confirms it into a redemption (a webhook, retried by the provider:
confirming twice is harmless); `payment_failed` releases it; `refund` rolls the redemption
back, so the code and the budget can be used again. A checkout retried with the same
idempotency key (a double click, a client retry) gets the first redemption back.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import promotor as pm
from promotor import cart

CAMPAIGNS = [
    pm.Campaign(
        id="black-friday",
        code="BLCKFRDY",
        rules=cart.subtotal >= 50,
        effect=pm.percent_off(20),
        limits=[
            pm.limit(1000),  # the code's first 1,000 uses
            pm.limit(1, per="customer"),  # once per customer
            pm.budget("5000.00", key="q4-marketing"),  # shared with other Q4 campaigns
        ],
    ),
    pm.Campaign(
        id="free-shipping-friday",
        rules=cart.subtotal >= 60,
        effect=pm.free_shipping(),
        limits=[pm.limit(300, every="day", timezone="Europe/Warsaw")],
    ),
]


def make_engine(store_url: str) -> pm.Engine:
    """Built once at start-up (definitions could come from `pm.Engine.from_json`)."""
    return pm.Engine(CAMPAIGNS, currency="EUR", store=store_url)


Json = dict[str, Any]


def preview(engine: pm.Engine, cart: Json, customer: Json, codes: list[str]) -> Json:
    """POST /cart/preview: the prices the shopper sees now, with reasons."""
    result = engine.evaluate(cart, customer=customer, codes=codes)
    return {
        "total": str(result.total),
        "discount": str(result.discount),
        "applied": [a.campaign_id for a in result.applied],
        "messages": [r.message for r in result.rejected],
    }


def start_payment(engine: pm.Engine, cart: Json, customer: Json, codes: list[str]) -> Json:
    """POST /checkout: hold the discount while the payment runs; charge `amount`."""
    held = engine.reserve(cart, customer=customer, codes=codes, ttl=timedelta(minutes=15))
    return {"reservation": held.id, "amount": str(held.result.total)}


def payment_succeeded(engine: pm.Engine, reservation: str, order_id: str) -> dict[str, Any]:
    """POST /webhooks/payment (succeeded): the order is placed; idempotent."""
    red = engine.confirm(reservation, order_id=order_id)
    return {"redemption": red.id, "discount": str(red.result.discount)}


def payment_failed(engine: pm.Engine, reservation: str) -> None:
    """POST /webhooks/payment (failed): give the capacity back at once."""
    engine.release(reservation)


def place_order(
    engine: pm.Engine,
    cart: Json,
    customer: Json,
    codes: list[str],
    order_id: str,
    idempotency_key: str,
) -> Json:
    """POST /orders (no payment step): redeem in one call, safe to retry with the key."""
    red = engine.redeem(
        cart, customer=customer, codes=codes, order_id=order_id, idempotency_key=idempotency_key
    )
    return {"redemption": red.id, "total": str(red.result.total)}


def refund(engine: pm.Engine, redemption: str) -> dict[str, Any]:
    """POST /orders/{id}/refund: the code and the budget come back."""
    return {"status": engine.rollback(redemption, reason="refund").status}


def main() -> list[str]:
    """A few requests against a fresh SQLite store; returns what happened, line by line."""
    log: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'shop.db'}")
        basket = {
            "items": [{"sku": "ESPRESSO-1KG", "price": "32.00", "quantity": 2}],
            "shipping": "6.90",
        }
        ann, bob = {"id": "ann"}, {"id": "bob"}
        log.append(f"preview ann: {preview(engine, basket, ann, ['blckfrdy'])}")
        pay = start_payment(engine, basket, ann, ["blckfrdy"])
        log.append(f"checkout ann: charge {pay['amount']}")
        done = payment_succeeded(engine, pay["reservation"], "order-1")
        again = payment_succeeded(engine, pay["reservation"], "order-1")  # webhook retried
        log.append(f"paid ann: {done['discount']} off (same redemption: {done == again})")
        log.append(f"preview ann again: {preview(engine, basket, ann, ['blckfrdy'])['messages']}")
        failed = start_payment(engine, basket, bob, ["blckfrdy"])
        payment_failed(engine, failed["reservation"])
        first = place_order(engine, basket, bob, ["blckfrdy"], "order-2", idempotency_key="k-2")
        retry = place_order(engine, basket, bob, ["blckfrdy"], "order-2", idempotency_key="k-2")
        log.append(f"bob: total {first['total']} (retry gets the same: {first == retry})")
        log.append(f"refund ann: {refund(engine, done['redemption'])['status']}")
        usage = engine.store.usage("black-friday")
        log.append(f"black-friday used {usage.redemptions}x, {usage.discount} EUR")
        engine.store.verify()
        engine.store.close()
    return log


if __name__ == "__main__":
    print("\n".join(main()))
