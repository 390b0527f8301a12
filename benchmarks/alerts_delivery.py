"""Delivery throughput: alerts/s through routing, Redis dedup and the outbox stream to a local webhook.

Usage: python benchmarks/alerts_delivery.py [--count 5000] [--redis redis://127.0.0.1:6379/0]
Prints the submit rate (route + dedup + enqueue), the drain rate (outbox -> signed webhook -> ack) and
the end-to-end rate; uses a key prefix of its own and deletes it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import time
import uuid
from datetime import UTC, datetime

import httpx
import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from supportwatch.alerts import (
    Alert,
    AlertDelivery,
    AlertKind,
    AlertMetrics,
    AlertSettings,
    Router,
    Severity,
    build_sinks,
)
from supportwatch.alerts.routing import RoutingConfig

ROUTING = {
    "recipients": {"desk": {"target": "fixed", "sinks": ["webhook"]}},
    "rules": [{"match": {}, "notify": ["desk"]}],
}


class Counter:
    received = 0


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A minimal keep-alive HTTP/1.1 receiver answering 200 to every POST."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            Counter.received += 1
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


def now() -> datetime:
    return datetime.now(UTC)


async def main(count: int, redis_url: str) -> None:
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    prefix = f"bench-alerts:{uuid.uuid4().hex}:"
    settings = AlertSettings(
        webhook_url=SecretStr(f"http://127.0.0.1:{port}/hook"),
        webhook_secret=SecretStr("bench-key"),
        log_sink=False,
        redis_prefix=prefix,
    )
    redis = aioredis.Redis.from_url(redis_url)
    fired = now()
    alerts = [
        Alert(
            id=f"a{i}",
            kind=AlertKind.SLA_BREACH,
            level="breach",
            severity=Severity.MAJOR,
            conversation_id=f"conv-{i}",
            channel="chat",
            fired_at=fired,
            summary=f"Breach: conversation conv-{i}",
        )
        for i in range(count)
    ]
    limits = httpx.Limits(max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency)
    async with httpx.AsyncClient(timeout=10, limits=limits) as http:
        router = Router(RoutingConfig.model_validate(ROUTING), {})
        delivery = AlertDelivery(
            settings, router, redis, build_sinks(settings, http, io.StringIO()), AlertMetrics(CollectorRegistry()), now
        )
        start = time.perf_counter()
        for alert in alerts:
            await delivery.submit(alert)
        submitted = time.perf_counter()
        for alert in alerts[: count // 10]:  # repeats: deduplicated
            await delivery.submit(alert)
        repeats = time.perf_counter()
        while await delivery.run_once():
            pass
        drained = time.perf_counter()
        assert Counter.received == count, Counter.received
        assert await delivery.outbox_depth() == 0
    keys = [key async for key in redis.scan_iter(match=f"{prefix}*", count=1000)]
    for i in range(0, len(keys), 1000):
        await redis.delete(*keys[i : i + 1000])
    await redis.aclose()
    server.close()
    submit_s, drain_s = submitted - start, drained - repeats
    print(f"alerts: {count} (1 recipient, webhook sink, HMAC-signed), repeats: {count // 10}")
    print(f"submit (route + dedup + enqueue): {count / submit_s:,.0f} alerts/s")
    print(f"repeat submit (deduplicated):     {count // 10 / (repeats - submitted):,.0f} alerts/s")
    print(f"drain (outbox -> webhook -> ack):  {count / drain_s:,.0f} alerts/s")
    print(f"end to end:                        {count / (submit_s + drain_s):,.0f} alerts/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.count, arguments.redis))
