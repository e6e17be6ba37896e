"""Webhooks against a real HTTP server on loopback, in its own process, that fails, times out
and is restarted: every event arrives at least once, in id order, signed; the cursor moves
only after a 2xx."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

import promotor as pm
from promotor import webhooks

NOW = datetime(2026, 11, 27, 10, tzinfo=UTC)
SECRET = "s3cret"

# A receiver: appends each body it accepts to a log file. A plan file (one word a line,
# read per request) says what to do with each request it gets: "ok", "fail" (500), "slow"
# (answers after 1 s, past the client's timeout), "crash" (exits without answering).
SERVER = textwrap.dedent(
    """
    import hashlib, hmac, os, sys, time
    from http.server import BaseHTTPRequestHandler, HTTPServer

    port, log, plan, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4].encode()

    def next_step():
        with open(plan) as f:
            steps = f.read().split()
        step = steps[0] if steps else "ok"
        with open(plan, "w") as f:
            f.write("\\n".join(steps[1:]))
        return step

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            step = next_step()
            if step == "crash":
                os._exit(1)
            if step == "slow":
                time.sleep(1)
            if step == "fail":
                self.send_response(500); self.end_headers(); return
            good = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
            if self.headers["X-Promotor-Signature"] != good:
                self.send_response(401); self.end_headers(); return
            with open(log, "ab") as f:
                f.write(body + b"\\n")
            self.send_response(204); self.end_headers()

        def log_message(self, *args):
            pass

    HTTPServer(("127.0.0.1", port), Handler).serve_forever()
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Receiver:
    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.script = tmp / "server.py"
        self.script.write_text(SERVER)
        self.log = tmp / "received.jsonl"
        self.plan = tmp / "plan.txt"
        self.plan.write_text("")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(self.script), str(self.port), str(self.log), str(self.plan),
             SECRET]
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the receiver did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def received(self) -> list[dict[str, object]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


@pytest.fixture
def receiver(tmp_path: Path):  # type: ignore[no-untyped-def]
    r = Receiver(tmp_path)
    r.start()
    yield r
    r.stop()


@pytest.fixture(params=["memory", "sqlite"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> pm.Engine:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/w.db"
    points = pm.Loyalty(id="points", earn=[pm.earn(points=10, on="signup")])
    return pm.Engine([], programs=[points], store=url)


def deliver(engine: pm.Engine, r: Receiver, attempts: int = 4) -> webhooks.DeliveryReport:
    # Backoff 0.3, 0.6, 1.2 s: the retry after a slow answer finds the receiver free again.
    return pm.webhooks.deliver(engine.store, r.url, SECRET, consumer="crm",
                               max_attempts=attempts, backoff=0.3, timeout=0.3)  # fmt: skip


def test_every_event_arrives_in_order_across_failures_timeouts_and_restarts(
    engine: pm.Engine, receiver: Receiver
) -> None:
    for i in range(6):
        engine.track("signup", f"c{i}", now=NOW)
    # Fails twice, times out once, then takes events 1-2; event 3 meets a crash.
    receiver.plan.write_text("fail fail slow ok ok crash")
    report = deliver(engine, receiver)
    assert (report.sent, report.failed, report.cursor) == (2, 4, 2)
    receiver.proc.wait(timeout=10)  # type: ignore[union-attr]
    # The server is down: nothing moves, the cursor stays.
    report = deliver(engine, receiver, attempts=2)
    assert (report.sent, report.failed, report.cursor) == (0, 4, 2)
    receiver.start()
    for i in range(6, 8):
        engine.track("signup", f"c{i}", now=NOW)
    receiver.plan.write_text("ok fail ok")
    report = deliver(engine, receiver)
    assert (report.sent, report.failed, report.cursor) == (6, 0, 8)
    got = receiver.received()
    ids = [e["id"] for e in got]
    # At least once and in order: a slow answer that arrived after the timeout may repeat an
    # event, never skip or reorder one.
    assert sorted(set(ids)) == list(range(1, 9))
    assert ids == sorted(ids)
    assert got[0] == json.loads(engine.store.events(limit=1)[0].to_json())
    assert {e["type"] for e in got} == {"points_earned"}
    # Nothing new: nothing sent.
    assert deliver(engine, receiver) == webhooks.DeliveryReport(0, 0, 8)


def test_signature_is_hmac_sha256_of_the_body() -> None:
    body = b'{"id":1,"type":"redemption"}'
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert webhooks.signature(SECRET.encode(), body) == f"sha256={expected}"


def test_consumers_have_their_own_cursors(engine: pm.Engine, receiver: Receiver) -> None:
    engine.track("signup", "c1", now=NOW)
    assert deliver(engine, receiver).cursor == 1
    other = pm.webhooks.deliver(engine.store, receiver.url, SECRET, consumer="sms",
                                backoff=0.01, timeout=1)  # fmt: skip
    assert (other.sent, other.cursor) == (1, 1)
