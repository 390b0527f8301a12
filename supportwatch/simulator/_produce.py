"""Send the simulated stream when its time comes: event time mapped to wall time by ``speedup``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

from aiokafka import AIOKafkaProducer

from supportwatch.simulator._stream import Simulator

Send = Callable[[datetime, bytes, bytes], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]
_YIELD_EVERY = 500


async def pace(
    sim: Simulator,
    send: Send,
    *,
    duration: float | None,
    now: Callable[[], datetime],
    sleep: Sleep = asyncio.sleep,
) -> int:
    """Call ``send`` for each event once the wall clock ``now`` reaches its time; return the count.

    An event at ``sim.start + d`` is due ``d / speedup`` wall seconds after the call; events before
    ``sim.start`` (the backlog) go at once. Stops before the first event due at or after
    ``duration`` wall seconds (``None``: never).
    """
    began = now()
    speedup = sim.config.speedup
    sent = 0
    for at, key, value in sim.events():
        offset = max(0.0, (at - sim.start).total_seconds()) / speedup
        if duration is not None and offset >= duration:
            break
        wait = offset - (now() - began).total_seconds()
        if wait > 0:
            await sleep(wait)
        elif sent % _YIELD_EVERY == _YIELD_EVERY - 1:
            await sleep(0)
        await send(at, key, value)
        sent += 1
    return sent


async def produce(
    bootstrap: str,
    topic: str,
    sim: Simulator,
    *,
    duration: float | None,
    now: Callable[[], datetime],
    sleep: Sleep = asyncio.sleep,
) -> int:
    """Produce the simulator's stream to ``topic``; return the count once the broker acknowledged
    every message.

    The record timestamp is the wall-clock send time, set by the producer: topic retention
    (``retention.ms``, 7 days by default) goes by record timestamps, so event-time timestamps
    would let the broker delete a stream that starts in the past. The event time is ``occurred_at``.
    """
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks=1)
    await producer.start()
    pending: list[asyncio.Future[object]] = []

    async def send(at: datetime, key: bytes, value: bytes) -> None:
        pending.append(await producer.send(topic, value, key=key))
        if len(pending) >= 1000:
            await asyncio.gather(*pending)
            pending.clear()

    try:
        count = await pace(sim, send, duration=duration, now=now, sleep=sleep)
        await asyncio.gather(*pending)
        return count
    finally:
        await producer.stop()
