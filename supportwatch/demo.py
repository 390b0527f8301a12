"""``supportwatch demo`` and ``supportwatch simulate``.

The demo starts, on 127.0.0.1 only: the embedded Kafka-protocol broker, a Redis for alert
dedup (see :mod:`supportwatch.embedded_redis`), a worker and the simulator. Simulated time runs
``speedup`` times faster than the wall clock, and the worker's clock is the same scaled clock,
so SLA deadlines of every channel come due within a minute. Alerts print one line each.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import redis

from supportwatch.base.clock import ScaledClock, wall_clock
from supportwatch.broker import EmbeddedBroker
from supportwatch.embedded_redis import ensure_redis
from supportwatch.settings import Settings
from supportwatch.simulator import Simulator, SimulatorConfig, produce
from supportwatch.worker import run_worker


def _simulator(speedup: float, rate: float | None, seed: int, clock: ScaledClock) -> Simulator:
    overrides: dict[str, object] = {"speedup": speedup}
    if rate is not None:
        overrides["conversations_per_minute"] = rate
    return Simulator(SimulatorConfig.demo(seed, **overrides), start=clock.origin)


DEMO_LOG_GROUP_SECONDS = 0.2  # one console line per alert level, its recipients grouped


@contextlib.contextmanager
def _own_prefix(redis_url: str, password: str | None) -> Iterator[str]:
    """A Redis key prefix of this demo run, deleted at the end: the simulator is seeded, so a second
    run raises the same alert ids, and a shared prefix would deduplicate them against the first run."""
    prefix = f"supportwatch:demo:{uuid.uuid4().hex[:12]}:"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(redis_url, password=password, socket_timeout=5)
        with contextlib.suppress(redis.RedisError, OSError):
            keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
            for start in range(0, len(keys), 1000):
                client.delete(*keys[start:start + 1000])
        client.close()


def run_demo(settings: Settings, *, duration: float | None, speedup: float, rate: float | None, seed: int,
             quiet_levels: frozenset[str] = frozenset()) -> int:
    secret = settings.alerts.redis_password
    password = secret.get_secret_value() if secret is not None else None
    with (
        tempfile.TemporaryDirectory(prefix="supportwatch-demo-") as tmp,
        EmbeddedBroker(Path(tmp) / "broker") as broker,
        ensure_redis(settings.alerts.redis_url) as redis_url,
        _own_prefix(redis_url, password) as prefix,
    ):
        settings = settings.model_copy(update={
            "broker_url": broker.url,
            "data_dir": Path(tmp) / "worker",
            "alerts": settings.alerts.model_copy(update={
                "redis_url": redis_url, "redis_prefix": prefix, "log_sink": True,
                "log_group_seconds": settings.alerts.log_group_seconds or DEMO_LOG_GROUP_SECONDS,
                "log_quiet_levels": quiet_levels | settings.alerts.log_quiet_levels,
            }),
        })
        clock = ScaledClock(wall_clock(), speedup)
        simulator = _simulator(speedup, rate, seed, clock)
        web = settings.web_url
        api = "on" if settings.api_token is not None else "off (set SUPPORTWATCH_API_TOKEN)"
        print(f"supportwatch demo: broker {broker.bootstrap}, Redis {redis_url}, metrics {web}/metrics, "
              f"worklist {web}/worklist.html, ack API {api}, simulated time x{speedup:g}; Ctrl-C to stop",
              file=sys.stderr, flush=True)

        async def simulate() -> None:
            await produce(broker.bootstrap, settings.topics.events, simulator, duration=duration, now=wall_clock)

        async def stop_after() -> None:
            if duration is not None:
                await asyncio.sleep(duration)
                os.kill(os.getpid(), signal.SIGTERM)

        return run_worker(settings, now=clock, tasks=(simulate, stop_after))


def run_simulate(settings: Settings, *, duration: float | None, speedup: float, rate: float | None, seed: int) -> int:
    clock = ScaledClock(wall_clock(), speedup)
    simulator = _simulator(speedup, rate, seed, clock)
    sent = asyncio.run(produce(settings.bootstrap_servers, settings.topics.events, simulator,
                               duration=duration, now=wall_clock))
    print(f"supportwatch simulate: sent {sent} events", file=sys.stderr)
    return 0
