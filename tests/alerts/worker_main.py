"""A delivery worker process for the fault tests: submits alerts for conversations 0..N-1 (as the
delivery agent does from the alerts topic, retrying while Redis is down), drains the outbox to the
webhook, and exits 0 once nothing is left. Killed with SIGKILL and restarted, it starts again from
the first alert, as a consumer without a committed offset would."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

import httpx
import redis.asyncio as aioredis
from pydantic import SecretStr

from supportwatch.alerts import (
    Alert,
    AlertDelivery,
    AlertSettings,
    RedisUnavailable,
    Router,
    from_sla_signal,
)
from supportwatch.alerts.routing import RoutingConfig
from supportwatch.sla.signals import ConversationRef, SignalKind
from tests.alerts.conftest import sla_signal
from tests.kit import delivery

DESK_ROUTING = {
    "recipients": {"desk": {"target": "fixed", "sinks": ["webhook"]}},
    "rules": [{"match": {}, "notify": ["desk"]}],
}


def alert_for(i: int) -> bytes:
    ref = ConversationRef(f"conv-{i}", "chat", "normal", None, None, None)
    return from_sla_signal(sla_signal(SignalKind.WARNING, "warning:80%", ref=ref), "{conversation_id}").to_json()


def delivery_for(settings: AlertSettings, redis: aioredis.Redis, http: httpx.AsyncClient) -> AlertDelivery:
    """The worker's delivery (the wall clock, metrics of its own) routing every alert to the desk."""
    return delivery(settings, router=Router(RoutingConfig.model_validate(DESK_ROUTING), {}), redis=redis, http=http)


async def submit_all(delivery: AlertDelivery, count: int, timeout: float = 60.0) -> None:
    """What the delivery agent does: an alert stays on the alerts topic until submit succeeds
    (here: for at most ``timeout`` seconds of Redis being unavailable per alert)."""
    for i in range(count):
        alert = Alert.from_json(alert_for(i))
        deadline = time.monotonic() + timeout
        while True:
            try:
                await delivery.submit(alert)
                break
            except RedisUnavailable as exc:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"alert {i} not submitted: Redis unavailable for {timeout:g}s") from exc
                await asyncio.sleep(0.1)


async def wait_outbox_empty(delivery: AlertDelivery, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            depth = await delivery.outbox_depth()
        except RedisUnavailable:
            depth = None
        if depth == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the outbox is not empty after {timeout:g}s (depth {depth}; None: Redis unavailable)")
        await asyncio.sleep(0.1)


async def main(args: argparse.Namespace) -> int:
    settings = AlertSettings(
        webhook_url=SecretStr(args.url),
        log_sink=False,
        redis_prefix=args.prefix,
        consumer_name=args.consumer,
        retry_base_seconds=0.2,
        retry_max_seconds=1.0,
        poll_seconds=0.1,
    )
    redis = aioredis.Redis.from_url(args.redis, socket_timeout=2, socket_connect_timeout=1)
    async with httpx.AsyncClient(timeout=5) as http:
        delivery = delivery_for(settings, redis, http)
        stop = asyncio.Event()
        drain = asyncio.create_task(delivery.drain(stop))
        await submit_all(delivery, args.count)
        await wait_outbox_empty(delivery, timeout=90)
        stop.set()
        await drain
    await redis.aclose()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--consumer", required=True)
    parser.add_argument("--count", type=int, required=True)
    sys.exit(asyncio.run(main(parser.parse_args())))
