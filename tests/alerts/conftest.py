"""Fixtures of the alerts tests: a real Redis (TCP), a local HTTP receiver, signals and a manual clock."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr

from supportwatch.alerts import AlertSettings, Router, parse_routing
from supportwatch.base.yamlfile import load
from supportwatch.sla.signals import Clock, ConversationRef, SignalKind, SlaSignal

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday, 10:00 UTC
REF = ConversationRef("conv-1", "email", "high", "billing", "agent-7", "cust-9")


def sla_signal(
    kind: SignalKind, level: str, ref: ConversationRef = REF, cycle: int = 1, at: datetime = T0
) -> SlaSignal:
    return SlaSignal(
        kind=kind,
        conversation=ref,
        clock=Clock.FIRST_REPLY,
        level=level,
        policy="email",
        cycle=cycle,
        started=(at - timedelta(hours=1)).timestamp(),
        due=at.timestamp(),
        fired=at.timestamp(),
        target_seconds=4 * 3600,
        elapsed_seconds=3600,
    )


class OfficeHours:
    """Open 09:00-17:00 UTC, Monday to Friday."""

    def is_open(self, ts: float) -> bool:
        at = datetime.fromtimestamp(ts, UTC)
        return at.weekday() < 5 and 9 <= at.hour < 17


ROUTING_YAML = """\
routing:
  default_lead: oncall
  teams:
    billing: {calendar: office, lead: billing-lead}
  recipients:
    agent: {target: assigned_agent, sinks: [webhook, log], quiet_hours: true}
    lead: {target: team_lead, sinks: [webhook], quiet_hours: true, around_the_clock: [sla_critical]}
    supervisors: {target: fixed, sinks: [webhook]}
  rules:
    - match: {kind: sla_warning}
      notify: [agent]
    - match: {kind: sla_breach}
      notify: [agent, lead]
    - match: {kind: sla_critical}
      notify: [lead, supervisors]
    - match: {kind: detractor}
      notify: [agent, {recipient: lead, after: 10m}]
    - match: {kind: channel_degraded}
      notify: [supervisors]
"""


def load_yaml(tmp_path: Path, text: str) -> tuple[Any, Any]:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return load(path)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A local HTTP receiver on 127.0.0.1: records requests, answers ``status``; ``stop()`` makes it
    refuse connections, ``start()`` listens again on the same port."""

    port: int = 0
    status: int = 200
    delay: float = 0.0  # seconds each request takes
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = receiver.status
                if receiver.delay:
                    time.sleep(receiver.delay)
                if status < 300:
                    with receiver.lock:
                        receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def keys(self) -> list[str]:
        with self.lock:
            return [r.headers["Idempotency-Key"] for r in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    rec.start()
    yield rec
    rec.stop()


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def prefix(redis_client: aioredis.Redis) -> AsyncIterator[str]:
    """A key prefix of this test only; its keys are deleted afterwards."""
    name = f"test-alerts:{uuid.uuid4().hex}:"
    yield name
    keys = [key async for key in redis_client.scan_iter(match=f"{name}*")]
    if keys:
        await redis_client.delete(*keys)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


WEBHOOK_SECRET = "hmac-key-do-not-log"


def delivery_settings(prefix: str, receiver: Receiver, **overrides: Any) -> AlertSettings:
    values: dict[str, Any] = {
        "webhook_url": SecretStr(receiver.url),
        "webhook_secret": SecretStr(WEBHOOK_SECRET),
        "log_sink": True,
        "redis_prefix": prefix,
        "consumer_name": f"test-{uuid.uuid4().hex[:8]}",
        "retry_base_seconds": 1.0,
        "retry_max_seconds": 8.0,
        "poll_seconds": 0.05,
        "http_timeout_seconds": 5.0,
    }
    values.update(overrides)
    return AlertSettings(**values)


def routing_router(tmp_path: Path, text: str = ROUTING_YAML) -> Router:
    data, lines = load_yaml(tmp_path, text)
    return Router(parse_routing(data["routing"], lines), {"office": OfficeHours()})
