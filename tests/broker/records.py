"""Reading a topic of the embedded broker from the beginning to its end offsets, within a deadline."""

from __future__ import annotations

import time

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition


async def read_to_end(
    bootstrap: str, topic: str, partitions: int, timeout: float = 30.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of ``topic``'s ``partitions``, from the beginning offsets to the end offsets as
    they are when the read starts. Fails the test, naming the partitions still short, when that
    takes more than ``timeout`` seconds."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        deadline = time.monotonic() + timeout
        records: list[ConsumerRecord[bytes, bytes]] = []
        while True:
            positions = {tp: await consumer.position(tp) for tp in tps}
            short = {tp.partition: (positions[tp], ends[tp]) for tp in tps if positions[tp] < ends[tp]}
            if not short:
                return records
            if time.monotonic() > deadline:
                pytest.fail(f"{topic}: partitions not read to their end offsets within {timeout:g}s, "
                            f"partition: (position, end offset) {short}")
            for batch in (await consumer.getmany(*tps, timeout_ms=500)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
