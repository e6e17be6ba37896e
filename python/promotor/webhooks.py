"""Webhooks: the outbox of a store posted to an HTTP endpoint, one event per request, in order.

Each event is posted as one JSON object (``id``, ``type``, ``customer_id``, ``payload``,
``created_at``) with the header ``X-Promotor-Signature: sha256=<hex HMAC-SHA256(secret,
body)>``. A response with a 2xx status moves the consumer's cursor (kept in the store) past
the event; anything else (another status, a refused connection, a timeout) is retried with
exponential backoff (``backoff``, ``2 * backoff``, ...), and after ``max_attempts`` the call
stops there, so the next call starts with that event again: every event reaches the consumer
at least once, in id order. A receiver dedupes by ``id`` (a delivery whose 2xx was lost is
sent again).

A receiver checks the signature over the raw body:

>>> import hashlib, hmac
>>> body = b'{"id":1}'
>>> "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest() == signature(b"s3cret", body)
True
"""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING

from promotor.errors import InputError

if TYPE_CHECKING:
    from promotor.stores import Store

__all__ = ["DeliveryReport", "deliver", "signature"]


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """``sent``: events delivered by this call; ``failed``: events it left undelivered (the
    one that kept failing and those after it); ``cursor``: the consumer's last delivered id
    (``None`` before the first)."""

    sent: int
    failed: int
    cursor: int | None


def signature(secret: bytes, body: bytes) -> str:
    """The ``X-Promotor-Signature`` header value of a body."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> bool:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return 200 <= int(response.status) < 300
    except urllib.error.HTTPError as err:
        err.close()
        return False
    except (urllib.error.URLError, OSError, TimeoutError):
        return False


def deliver(
    store: Store,
    url: str,
    secret: str | bytes,
    consumer: str = "crm",
    max_attempts: int = 5,
    backoff: float = 0.5,
    timeout: float = 10.0,
    batch: int = 100,
) -> DeliveryReport:
    """Post every event after ``consumer``'s cursor to ``url``, in order (module docs)."""
    if not isinstance(consumer, str) or not consumer:
        raise InputError([{"loc": ("consumer",), "msg": "expected a consumer name"}])
    if not isinstance(max_attempts, int) or max_attempts < 1:
        raise InputError([{"loc": ("max_attempts",), "msg": "expected an int >= 1"}])
    if backoff < 0 or timeout <= 0:
        raise InputError([{"loc": ("backoff",), "msg": "expected backoff >= 0, timeout > 0"}])
    key = secret.encode() if isinstance(secret, str) else secret
    cursor = store._cursor(consumer)
    sent = 0
    while True:
        events = store.events(after=cursor, limit=batch)
        if not events:
            return DeliveryReport(sent, 0, cursor)
        for event in events:
            body = event.to_json().encode()
            headers = {
                "Content-Type": "application/json",
                "X-Promotor-Signature": signature(key, body),
                "X-Promotor-Event-Id": str(event.id),
                "X-Promotor-Event-Type": event.type,
                "User-Agent": "promotor-webhooks",
            }
            for attempt in range(max_attempts):
                if _post(url, body, headers, timeout):
                    break
                if attempt + 1 < max_attempts:
                    time.sleep(backoff * 2**attempt)
            else:
                return DeliveryReport(sent, _left(store, cursor, batch), cursor)
            store._set_cursor(consumer, event.id)
            cursor = event.id
            sent += 1


def _left(store: Store, after: int | None, batch: int) -> int:
    n = 0
    while True:
        page = store.events(after=after, limit=max(batch, 1000))
        if not page:
            return n
        n += len(page)
        after = page[-1].id
