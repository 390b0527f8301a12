"""The worker's fetcher (supportwatch.streams.fetching) on the real broker: bounded polls take
turns between partitions, and an idle consumer does not spin on empty fetches.

A backlog sits on one topic and a few records arrive on another after it, as the customers topic's
facts do while the worker works off an input backlog. With aiokafka's own fetcher every bounded poll
is filled from the backlog first (noida-db answers a fetch with the partition's whole log), so the
late topic waits for all of it; with the worker's fetcher it is served within the first polls.
noida-db answers an empty fetch at once (Kafka waits ``fetch_max_wait_ms``), so an idle aiokafka
consumer sends thousands of fetches a second; the worker's fetcher sends at most one per node every
``EMPTY_FETCH_SECONDS``."""

from __future__ import annotations

import asyncio
import time

import aiokafka.consumer.consumer as aiokafka_consumer
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.consumer.fetcher import Fetcher

from supportwatch.broker import EmbeddedBroker, ensure_topics
from supportwatch.streams.fetching import EMPTY_FETCH_SECONDS, WorkerFetcher

BACKLOG = 4_000
POLL = 100

pytestmark = pytest.mark.integration


async def _send(bootstrap: str, topic: str, count: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        await asyncio.gather(*[await producer.send(topic, b"x" * 200) for _ in range(count)])
    finally:
        await producer.stop()


async def _records_before_late(bootstrap: str, late: str) -> int:
    """How many backlog records bounded polls hand on before the first record of ``late``, which
    arrives after the backlog was fetched."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, max_poll_records=POLL, auto_offset_reset="earliest")
    await consumer.start()
    try:
        consumer.assign([TopicPartition("backlog", 0), TopicPartition(late, 0)])
        await consumer.seek_to_beginning()
        before = sum(len(records) for records in (await consumer.getmany(timeout_ms=5_000)).values())
        assert before == POLL
        await _send(bootstrap, late, 1)
        for _ in range(200):  # until the fetcher holds the late record behind the buffered backlog
            if TopicPartition(late, 0) in consumer._fetcher._records:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the late record was never fetched")
        for _ in range(BACKLOG // POLL + 50):
            polled = await consumer.getmany(timeout_ms=2_000)
            if any(tp.topic == late for tp in polled):
                return before
            before += sum(len(records) for records in polled.values())
        raise AssertionError("the late record never came")
    finally:
        await consumer.stop()


@pytest.mark.timeout(120)
async def test_a_late_topic_is_served_within_the_first_polls(broker: EmbeddedBroker,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    await ensure_topics(broker.bootstrap, {"backlog": 1, "late-1": 1, "late-2": 1})
    await _send(broker.bootstrap, "backlog", BACKLOG)
    monkeypatch.setattr(aiokafka_consumer, "Fetcher", Fetcher)
    assert await _records_before_late(broker.bootstrap, "late-1") == BACKLOG  # aiokafka's own: after all of it
    monkeypatch.setattr(aiokafka_consumer, "Fetcher", WorkerFetcher)
    assert await _records_before_late(broker.bootstrap, "late-2") <= 3 * POLL


async def _fetches_while_idle(bootstrap: str, seconds: float) -> int:
    """Fetch requests an assigned, caught-up consumer sends in ``seconds``."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    sent = 0
    client_send = consumer._client.send

    async def counting(node_id: int, request: object, *args: object, **kwargs: object) -> object:
        nonlocal sent
        sent += type(request).__name__.startswith("FetchRequest")
        return await client_send(node_id, request, *args, **kwargs)

    consumer._client.send = counting  # type: ignore[method-assign]
    try:
        consumer.assign([TopicPartition("idle", 0)])
        await consumer.seek_to_end()
        await consumer.getmany(timeout_ms=200)
        sent = 0
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            await consumer.getmany(timeout_ms=100)
        return sent
    finally:
        await consumer.stop()


@pytest.mark.timeout(60)
async def test_an_idle_consumer_does_not_spin_on_empty_fetches(broker: EmbeddedBroker,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    await ensure_topics(broker.bootstrap, {"idle": 1})
    monkeypatch.setattr(aiokafka_consumer, "Fetcher", Fetcher)
    spinning = await _fetches_while_idle(broker.bootstrap, 1.0)
    monkeypatch.setattr(aiokafka_consumer, "Fetcher", WorkerFetcher)
    paced = await _fetches_while_idle(broker.bootstrap, 1.0)
    assert paced <= 1.5 / EMPTY_FETCH_SECONDS < spinning
