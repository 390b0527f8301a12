"""Pacing the simulated stream onto the wall clock, and producing it to a real broker."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime, timedelta

import pytest

from supportwatch.broker import EmbeddedBroker, ensure_topics
from supportwatch.simulator import Simulator, SimulatorConfig, pace, produce
from tests.broker.records import read_to_end

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FakeClock:
    """A wall clock for tests: ``sleep`` moves it forward instead of waiting."""

    def __init__(self, at: datetime) -> None:
        self.at = at
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.at

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2030, 1, 1, tzinfo=UTC))


async def test_pace_sends_each_event_when_its_scaled_time_comes(clock: FakeClock) -> None:
    sim = Simulator(SimulatorConfig(speedup=60, conversations_per_minute=30), START)
    wall_start = clock()
    sent: list[tuple[datetime, datetime, bytes]] = []

    async def send(at: datetime, key: bytes, value: bytes) -> None:
        sent.append((clock(), at, value))

    count = await pace(sim, send, duration=30.0, now=clock, sleep=clock.sleep)
    assert count == len(sent) > 100
    expected = list(itertools.takewhile(lambda e: e[0] < START + timedelta(minutes=30), sim.events()))
    assert [value for _, _, value in sent] == [value for _, _, value in expected]
    for wall, at, _ in sent:
        due = wall_start + (at - START) / 60
        assert due <= wall < due + timedelta(milliseconds=1)
    assert clock() - wall_start < timedelta(seconds=30)
    assert sum(clock.slept) == pytest.approx((clock() - wall_start).total_seconds(), abs=1e-3)


async def test_pace_sends_the_backlog_at_once_then_waits(clock: FakeClock) -> None:
    sim = Simulator(SimulatorConfig.demo(), START)
    wall_start = clock()
    walls: list[tuple[datetime, datetime]] = []

    async def send(at: datetime, key: bytes, value: bytes) -> None:
        walls.append((clock(), at))

    await pace(sim, send, duration=5.0, now=clock, sleep=clock.sleep)
    backlog = [wall for wall, at in walls if at < START]
    assert len(backlog) > 50
    assert set(backlog) == {wall_start}
    assert max(wall for wall, _ in walls) > wall_start + timedelta(seconds=4)


async def test_pace_without_duration_runs_until_cancelled(clock: FakeClock) -> None:
    sim = Simulator(SimulatorConfig(speedup=1000), START)
    seen = 0

    async def send(at: datetime, key: bytes, value: bytes) -> None:
        nonlocal seen
        seen += 1
        if seen == 5000:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await pace(sim, send, duration=None, now=clock, sleep=clock.sleep)
    assert seen == 5000


@pytest.mark.integration
async def test_produce_delivers_the_paced_stream_to_a_real_broker() -> None:
    start = datetime.now(UTC)
    clock = FakeClock(start)
    sim = Simulator(SimulatorConfig(speedup=120, invalid_ratio=0.05), start)
    expected = list(itertools.takewhile(lambda e: e[0] < start + timedelta(minutes=20), sim.events()))
    with EmbeddedBroker() as broker:
        await ensure_topics(broker.bootstrap, {"supportwatch.events": 4})
        sent_from = int(time.time() * 1000)
        count = await produce(
            broker.bootstrap, "supportwatch.events", sim, duration=10.0, now=clock, sleep=clock.sleep
        )
        sent_until = int(time.time() * 1000)
        assert count == len(expected)
        received = await read_to_end(broker.bootstrap, "supportwatch.events", 4)
    assert sorted((r.key, r.value) for r in received) == sorted((k, v) for _, k, v in expected)
    # The record timestamp is the send time (retention goes by it); the event time is occurred_at.
    assert all(r.timestamp_type == 0 and sent_from <= r.timestamp <= sent_until for r in received)
