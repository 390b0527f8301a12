"""AlertDelivery against the real Redis on 127.0.0.1:6379 and a local HTTP receiver; a manual clock."""

from __future__ import annotations

import io
import logging
import random
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, generate_latest
from pydantic import SecretStr

from supportwatch.alerts import (
    AlertMetrics,
    AlertSettings,
    RedisUnavailable,
    backoff_seconds,
    detractor_resolved,
    from_detractor,
    from_sla_signal,
    verify_signature,
)
from supportwatch.mood.signals import DetractorReason, DetractorSignal
from supportwatch.sla.signals import SignalKind
from tests.alerts.conftest import (
    REF,
    T0,
    WEBHOOK_SECRET,
    Receiver,
    delivery_settings,
    free_port,
    routing_router,
    sla_signal,
)
from tests.kit import ManualClock, delivery

LINK = "https://helpdesk.example/c/{conversation_id}"


class Harness:
    def __init__(
        self, settings: AlertSettings, tmp_path: Path, redis: aioredis.Redis, http: httpx.AsyncClient
    ) -> None:
        self.clock = ManualClock(T0)
        self.out = io.StringIO()
        self.registry = CollectorRegistry()
        self.metrics = AlertMetrics(self.registry, channels=["email"])
        self.delivery = delivery(settings, router=routing_router(tmp_path), metrics=self.metrics, now=self.clock,
                                 out=self.out, redis=redis, http=http, rng=random.Random(7))

    async def drain(self) -> None:
        while await self.delivery.run_once():
            pass

    def count(self, kind: str, sink: str, outcome: str) -> float | None:
        labels = {"kind": kind, "sink": sink, "outcome": outcome}
        return self.registry.get_sample_value("supportwatch_alerts_total", labels)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


@pytest.fixture
def harness(
    prefix: str, receiver: Receiver, tmp_path: Path, redis_client: aioredis.Redis, http: httpx.AsyncClient
) -> Harness:
    return Harness(delivery_settings(prefix, receiver), tmp_path, redis_client, http)


async def test_warning_breach_resolved_each_notify_exactly_once(harness: Harness, receiver: Receiver) -> None:
    warning = from_sla_signal(sla_signal(SignalKind.WARNING, "warning:80%"), LINK)
    breach = from_sla_signal(sla_signal(SignalKind.BREACH, "breach"), LINK)
    resolved = from_sla_signal(sla_signal(SignalKind.STOPPED, "breach"), LINK)
    for alert in (warning, warning, breach):
        await harness.delivery.submit(alert)
    await harness.drain()
    await harness.delivery.submit(breach)  # a repeat after delivery: still nothing new
    await harness.delivery.submit(resolved)
    await harness.delivery.submit(resolved)
    await harness.drain()

    aid = warning.id
    assert sorted(receiver.keys()) == sorted(
        [
            f"{aid}/warning/agent:agent-7",
            f"{aid}/breach/agent:agent-7",
            f"{aid}/breach/lead:billing-lead",
            f"{aid}/resolved/agent:agent-7",
            f"{aid}/resolved/lead:billing-lead",
        ]
    )
    for request in receiver.requests:
        assert verify_signature(
            SecretStr(WEBHOOK_SECRET), request.headers["X-Supportwatch-Signature"], request.body, harness.clock()
        )
        assert request.json()["idempotency_key"] == request.headers["Idempotency-Key"]
    kinds = [line.split()[2] for line in harness.out.getvalue().splitlines()]
    assert kinds == ["sla_warning", "sla_breach", "resolved(sla_warning,sla_breach)"]
    assert harness.count("sla_warning", "webhook", "deduplicated") == 1
    assert harness.count("sla_breach", "webhook", "deduplicated") == 2
    assert harness.count("sla_breach", "webhook", "delivered") == 2
    assert harness.count("resolved", "log", "delivered") == 1
    raised = {"kind": "sla_breach", "channel": "email", "severity": "major", "team": "billing"}
    assert harness.registry.get_sample_value("supportwatch_alerts_raised_total", raised) == 1
    assert harness.registry.get_sample_value("supportwatch_alert_delivery_seconds_count", {"sink": "webhook"}) == 5
    assert await harness.delivery.outbox_depth() == 0
    assert harness.registry.get_sample_value("supportwatch_alert_outbox_depth") == 0


async def test_resolved_skips_recipients_that_were_never_told(harness: Harness, receiver: Receiver) -> None:
    harness.clock.at = harness.clock.at.replace(hour=23)  # quiet hours: agent and lead are spared the breach
    await harness.delivery.submit(from_sla_signal(sla_signal(SignalKind.BREACH, "breach"), LINK))
    await harness.delivery.submit(from_sla_signal(sla_signal(SignalKind.STOPPED, "breach"), LINK))
    await harness.drain()
    assert receiver.keys() == []
    assert harness.count("sla_breach", "webhook", "suppressed") == 2
    assert harness.count("sla_breach", "log", "suppressed") == 1


async def test_delayed_escalation_fires_when_nobody_acts(harness: Harness, receiver: Receiver) -> None:
    alert = from_detractor(REF, DetractorSignal(DetractorReason.NPS, "NPS 2", harness.clock(), -0.5), LINK)
    await harness.delivery.submit(alert)
    await harness.drain()
    assert [k.split("/")[-1] for k in receiver.keys()] == ["agent:agent-7"]
    assert await harness.delivery.outbox_depth() == 1
    harness.clock.advance(599)
    await harness.drain()
    assert len(receiver.keys()) == 1
    harness.clock.advance(2)
    await harness.drain()
    assert [k.split("/")[-1] for k in receiver.keys()] == ["agent:agent-7", "lead:billing-lead"]
    await harness.delivery.submit(detractor_resolved(REF, harness.clock(), LINK))
    await harness.drain()
    assert sorted(k.split("/", 1)[1] for k in receiver.keys()[2:]) == [
        "resolved/agent:agent-7",
        "resolved/lead:billing-lead",
    ]


async def test_delayed_escalation_is_dropped_when_resolved_first(harness: Harness, receiver: Receiver) -> None:
    alert = from_detractor(REF, DetractorSignal(DetractorReason.NPS, "NPS 2", harness.clock(), -0.5), LINK)
    await harness.delivery.submit(alert)
    await harness.drain()
    harness.clock.advance(60)
    await harness.delivery.submit(detractor_resolved(REF, harness.clock(), LINK))
    harness.clock.advance(600)
    await harness.drain()
    assert [k.split("/", 1)[1] for k in receiver.keys()][1:] == ["resolved/agent:agent-7"]
    assert harness.count("detractor", "webhook", "suppressed") == 1
    assert await harness.delivery.outbox_depth() == 0


async def test_transient_failures_retry_with_backoff_until_accepted(harness: Harness, receiver: Receiver) -> None:
    receiver.status = 503
    await harness.delivery.submit(from_sla_signal(sla_signal(SignalKind.WARNING, "warning:80%"), LINK))
    await harness.drain()
    assert harness.count("sla_warning", "webhook", "retried") == 1
    assert harness.count("sla_warning", "log", "delivered") == 1
    assert await harness.delivery.outbox_depth() == 1
    harness.clock.advance(0.1)  # backoff not over: nothing is tried
    await harness.drain()
    assert harness.count("sla_warning", "webhook", "retried") == 1
    harness.clock.advance(10)
    await harness.drain()
    assert harness.count("sla_warning", "webhook", "retried") == 2
    receiver.status = 200
    harness.clock.advance(20)
    await harness.drain()
    assert len(receiver.keys()) == 1
    assert harness.count("sla_warning", "webhook", "delivered") == 1
    assert await harness.delivery.outbox_depth() == 0


async def test_permanent_refusal_goes_to_dead_letters(harness: Harness, receiver: Receiver) -> None:
    receiver.status = 400
    await harness.delivery.submit(from_sla_signal(sla_signal(SignalKind.WARNING, "warning:80%"), LINK))
    await harness.drain()
    assert harness.count("sla_warning", "webhook", "failed") == 1
    dead = await harness.delivery.dead_letters()
    assert [(d.kind, d.recipient, d.sink) for d in dead] == [("sla_warning", "agent:agent-7", "webhook")]
    assert await harness.delivery.outbox_depth() == 0


async def test_redis_down_raises_redis_unavailable(
    prefix: str, receiver: Receiver, tmp_path: Path, http: httpx.AsyncClient
) -> None:
    down = aioredis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5)
    harness = Harness(delivery_settings(prefix, receiver), tmp_path, down, http)
    with pytest.raises(RedisUnavailable):
        await harness.delivery.submit(from_sla_signal(sla_signal(SignalKind.WARNING, "warning:80%"), LINK))
    with pytest.raises(RedisUnavailable):
        await harness.delivery.run_once()
    await down.aclose()


async def test_secrets_never_reach_logs_or_metrics(
    prefix: str,
    receiver: Receiver,
    tmp_path: Path,
    redis_client: aioredis.Redis,
    http: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_url = f"http://127.0.0.1:{free_port()}/hooks/token-s3cr3t"  # nothing listens: retries are logged
    settings = delivery_settings(prefix, receiver, webhook_url=SecretStr(secret_url))
    harness = Harness(settings, tmp_path, redis_client, http)
    await harness.delivery.submit(from_sla_signal(sla_signal(SignalKind.WARNING, "warning:80%"), LINK))
    await harness.drain()
    assert harness.count("sla_warning", "webhook", "retried") == 1
    exposed = caplog.text + generate_latest(harness.registry).decode() + repr(settings) + str(settings)
    assert "s3cr3t" not in exposed and WEBHOOK_SECRET not in exposed
    assert "webhook failing (ConnectError)" in caplog.text


def test_metrics_start_at_zero_for_known_label_sets() -> None:
    registry = CollectorRegistry()
    AlertMetrics(registry, sinks=["webhook"], channels=["chat"])
    labels = {"kind": "sla_breach", "sink": "webhook", "outcome": "delivered"}
    assert registry.get_sample_value("supportwatch_alerts_total", labels) == 0
    raised = {"kind": "detractor", "channel": "chat", "severity": "major", "team": ""}
    assert registry.get_sample_value("supportwatch_alerts_raised_total", raised) == 0
    assert registry.get_sample_value("supportwatch_alert_outbox_depth") == 0


@given(
    attempt=st.integers(min_value=1, max_value=200),
    base=st.floats(min_value=0.001, max_value=10),
    cap=st.floats(min_value=0.01, max_value=3600),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_backoff_grows_exponentially_within_jitter_and_cap(attempt: int, base: float, cap: float, seed: int) -> None:
    delay = backoff_seconds(attempt, base, cap, random.Random(seed))
    ceiling = min(cap, base * 2 ** (attempt - 1))
    assert ceiling / 2 <= delay <= ceiling
