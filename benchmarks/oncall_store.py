"""Where on-call acknowledgements live: Redis (shipped) against a compacted Kafka topic.

Usage: PYTHONPATH=. python benchmarks/oncall_store.py [--count 500] [--redis redis://127.0.0.1:6379/0]

Redis: the time from ``OnCall.acknowledge`` being called to a delivery submit of the same alert being
held back (the submit runs right after; the ack is in effect once the call returns), and what the ack
check adds to a submit (submits of alerts with and without an ack key). Topic: the time from producing
an ack record to a compacted topic on the embedded broker until another consumer, already tailing the
topic, reads it: what every worker would wait for before its deliveries saw the ack.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from prometheus_client import CollectorRegistry

from supportwatch.alerts import AlertDelivery, AlertKind, AlertMetrics, AlertSettings, OnCall, Router, build_sinks
from supportwatch.alerts.model import Alert, Severity
from supportwatch.alerts.routing import RoutingConfig
from supportwatch.broker import EmbeddedBroker

ROUTING = {"recipients": {"desk": {"target": "fixed", "sinks": ["log"]}}, "rules": [{"match": {}, "notify": ["desk"]}]}


def _alert(n: int) -> Alert:
    return Alert(id=f"bench-{n}", kind=AlertKind.SLA_BREACH, level="breach", severity=Severity.MAJOR,
                 conversation_id=f"c-{n}", channel="chat", fired_at=datetime.now(UTC), summary="bench")


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms"


async def redis_side(url: str, count: int) -> None:
    redis = aioredis.Redis.from_url(url)
    prefix = f"bench-oncall:{uuid.uuid4().hex}:"
    settings = AlertSettings(redis_prefix=prefix, log_sink=True)
    registry = CollectorRegistry()
    delivery = AlertDelivery(settings, Router(RoutingConfig.model_validate(ROUTING), {}), redis,
                             build_sinks(settings, httpx.AsyncClient(), io.StringIO()),
                             AlertMetrics(registry), lambda: datetime.now(UTC))
    oncall = OnCall(redis, settings, lambda: datetime.now(UTC))
    try:
        for n in range(count):
            await delivery.submit(_alert(n))
        effective, plain, checked = [], [], []
        for n in range(count):
            started = time.perf_counter()
            await oncall.acknowledge(f"bench-{n}", "bench")
            effective.append(time.perf_counter() - started)
            started = time.perf_counter()
            await delivery.submit(_alert(n))
            checked.append(time.perf_counter() - started)
            started = time.perf_counter()
            await delivery.submit(_alert(count + n))
            plain.append(time.perf_counter() - started)
        held = registry.get_sample_value("supportwatch_alerts_total",
                                         {"kind": "sla_breach", "sink": "log", "outcome": "acknowledged"})
        print(f"redis: ack in effect after {_ms(effective)} ({held:.0f} of {count} repeats held back)")
        print(f"redis: submit of an acknowledged alert {_ms(checked)}, of a new alert {_ms(plain)}")
    finally:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


async def topic_side(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker(Path(tmp) / "broker") as broker:
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
        await admin.start()
        await admin.create_topics([NewTopic("acks", 4, 1, topic_configs={"cleanup.policy": "compact"})])
        await admin.close()
        consumer = AIOKafkaConsumer("acks", bootstrap_servers=broker.bootstrap, group_id=None,
                                    auto_offset_reset="latest", fetch_max_wait_ms=50)
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks=-1, linger_ms=0)
        await consumer.start()
        await producer.start()
        try:
            await consumer.getmany(timeout_ms=500)
            while not consumer.assignment():
                await consumer.getmany(timeout_ms=100)
            await asyncio.sleep(1.0)
            seen: list[float] = []
            for n in range(count):
                started = time.perf_counter()
                await producer.send_and_wait("acks", b"ack", key=f"bench-{n}".encode())
                got = False
                deadline = started + 10
                while not got and time.perf_counter() < deadline:
                    batches = await consumer.getmany(timeout_ms=100)
                    got = any(r.key == f"bench-{n}".encode() for rs in batches.values() for r in rs)
                seen.append(time.perf_counter() - started)
            print(f"compacted topic (embedded broker): ack seen by another consumer after {_ms(seen)}")
        finally:
            await producer.stop()
            await consumer.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    await redis_side(args.redis, args.count)
    await topic_side(args.count)


if __name__ == "__main__":
    asyncio.run(main())
