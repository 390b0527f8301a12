"""Fault tests: the webhook receiver down for 30 s, Redis stopped and restarted, a worker SIGKILLed.

Exactly-once here means: every notification reaches the receiver, and any repeat carries an
Idempotency-Key the receiver already has (it can only follow a crash or Redis outage between the
receiver's acceptance and the outbox acknowledgement, so at most the in-flight notifications).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr

from supportwatch.alerts import AlertSettings
from supportwatch.alerts.model import Alert
from tests.alerts.conftest import Receiver, free_port
from tests.alerts.worker_main import alert_for, delivery_for, submit_all

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server")


def expected_keys(count: int) -> set[str]:
    return {f"{Alert.from_json(alert_for(i)).id}/warning/desk" for i in range(count)}


def settings_for(prefix: str, receiver: Receiver) -> AlertSettings:
    return AlertSettings(
        webhook_url=SecretStr(receiver.url),
        log_sink=False,
        redis_prefix=prefix,
        consumer_name="fault-test",
        retry_base_seconds=0.5,
        retry_max_seconds=2.0,
        poll_seconds=0.1,
    )


async def wait_for(receiver: Receiver, done: Callable[[list[str]], bool], timeout: float, what: str) -> None:
    """Until ``done(receiver.keys())``; fails the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not done(receiver.keys()):
        if time.monotonic() > deadline:
            pytest.fail(f"the receiver did not get {what} within {timeout:g}s "
                        f"({len(receiver.keys())} notifications so far)")
        await asyncio.sleep(0.02)


async def test_receiver_down_for_30s_while_1000_alerts_fire(
    receiver: Receiver, prefix: str, redis_client: aioredis.Redis
) -> None:
    count = 1000
    expected = expected_keys(count)
    receiver.stop()  # connections refused from here on
    settings = settings_for(prefix, receiver)
    async with httpx.AsyncClient(timeout=5) as http:
        delivery = delivery_for(settings, redis_client, http)
        stop = asyncio.Event()
        drain = asyncio.create_task(delivery.drain(stop))
        started = time.monotonic()
        await submit_all(delivery, count)
        await asyncio.sleep(max(0.0, 30 - (time.monotonic() - started)))
        assert receiver.keys() == []
        assert await delivery.outbox_depth() == count
        receiver.start()  # same port
        await wait_for(receiver, lambda keys: set(keys) == expected, 60, f"all {count} alerts")
        stop.set()
        await drain
        assert await delivery.outbox_depth() == 0
    keys = receiver.keys()
    assert set(keys) == expected
    assert len(keys) == count  # nothing failed mid-request, so not even a receiver-side repeat


@pytest.fixture
def throwaway_redis(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    yield free_port(), tmp_path / "redis"


def start_redis(port: int, directory: Path) -> subprocess.Popen[bytes]:
    directory.mkdir(exist_ok=True)
    assert REDIS_SERVER is not None
    process = subprocess.Popen(
        [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(directory), "--save", ""]
        + ["--appendonly", "yes", "--appendfsync", "always"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while subprocess.run(
        ["redis-cli", "-p", str(port), "ping"], capture_output=True, check=False, timeout=5
    ).stdout.strip() != b"PONG":
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("redis-server did not start")
        time.sleep(0.05)
    return process


async def test_redis_stopped_and_restarted_mid_run(receiver: Receiver, throwaway_redis: tuple[int, Path]) -> None:
    port, directory = throwaway_redis
    count = 600
    expected = expected_keys(count)
    receiver.delay = 0.002
    server = start_redis(port, directory)
    redis = aioredis.Redis(host="127.0.0.1", port=port, socket_timeout=2, socket_connect_timeout=1)
    settings = settings_for("faults:", receiver)
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            delivery = delivery_for(settings, redis, http)
            stop = asyncio.Event()
            drain = asyncio.create_task(delivery.drain(stop))
            submitting = asyncio.create_task(submit_all(delivery, count))
            await wait_for(receiver, lambda keys: len(keys) >= count // 4, 60, f"{count // 4} alerts")
            server.terminate()  # SIGTERM: Redis shuts down (the AOF is fsynced on every write)
            server.wait(timeout=10)
            await asyncio.sleep(2)  # the worker keeps running without Redis
            delivered_while_down = len(receiver.keys())
            server = start_redis(port, directory)
            await submitting
            await wait_for(receiver, lambda keys: set(keys) == expected, 60, f"all {count} alerts")
            stop.set()
            await drain
            assert await delivery.outbox_depth() == 0
    finally:
        await redis.aclose()
        server.terminate()
        server.wait(timeout=10)
    keys = receiver.keys()
    assert count // 4 <= delivered_while_down < count
    assert set(keys) == expected
    assert len(keys) - count <= settings.concurrency  # repeats only of what was in flight at the outage


async def test_worker_sigkilled_and_restarted(
    receiver: Receiver, prefix: str, redis_url: str, redis_client: aioredis.Redis
) -> None:
    count = 600
    receiver.delay = 0.005
    command = [sys.executable, "-m", "tests.alerts.worker_main", "--redis", redis_url, "--url", receiver.url]
    command += ["--prefix", prefix, "--consumer", "worker-a", "--count", str(count)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        await wait_for(receiver, lambda keys: len(keys) >= count // 3, 60, f"{count // 3} alerts before the kill")
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=10) == -signal.SIGKILL
        before_restart = len(set(receiver.keys()))
        assert count // 3 <= before_restart < count
        worker = subprocess.Popen(command, cwd=ROOT, env=env)
        assert worker.wait(timeout=120) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
    keys = receiver.keys()
    assert set(keys) == expected_keys(count)
    assert len(keys) - count <= AlertSettings().concurrency  # only what was in flight at the kill
    assert await redis_client.xlen(prefix + "outbox") == 0
