"""Does the embedded broker keep what it acknowledged across restarts? Plain aiokafka, no faust.

    PYTHONPATH=. .venv/bin/python benchmarks/offsets_probe.py --records 20000 --restarts 6

Starts a noida-db broker on a data dir of its own, creates a 4-partition topic and produces
``--records`` small records (``{"seq": n}``, current timestamps) with an aiokafka producer
(``acks=all``), in ``--restarts + 1`` chunks. Between chunks the broker is restarted on the same data
dir, alternately SIGKILLed and SIGTERMed (``--mode``); every record of a chunk is acknowledged before
the restart (``--pause`` seconds before it). A consumer group commits offsets before each restart and
reads them back after it. After each restart the topic is created again if the broker lost it (as a
worker does at start: supportwatch.broker.ensure_topics).
Finally a plain consumer (no group) reads the topic from the beginning.

Reports, per partition: acknowledged, read back, acknowledged-but-missing (by seq), moved (present
but not at the acknowledged offset), duplicated, offset gaps in what is read back, the end offset from
ListOffsets; offsets of lost records given to other records later (reused); which restart each
missing record preceded; committed offsets kept or not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from supportwatch.broker import EmbeddedBroker, ensure_topics

TOPIC = "probe.records"
GROUP = "probe-group"


def restart(broker: EmbeddedBroker, mode: str) -> float:
    """Restart the broker on its data dir: ``kill`` (SIGKILL, no shutdown) or ``term`` (SIGTERM)."""
    started = time.monotonic()
    if mode == "kill":
        process = broker._process  # noqa: SLF001 - the probe kills the broker the way a crash would
        if process is not None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        broker._process = None  # noqa: SLF001
    else:
        broker.stop()
    broker.start()
    return time.monotonic() - started


async def produce(bootstrap: str, seqs: range, partitions: int) -> list[tuple[int, int, int]]:
    """Send ``seqs`` round-robin over the partitions; returns (seq, partition, offset) as acknowledged."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    acked: list[tuple[int, int, int]] = []
    try:
        # Metadata first: records name their partition, among those the broker says the topic has now.
        have = sorted(await producer.partitions_for(TOPIC))
        pending: list[tuple[int, asyncio.Future[Any]]] = []
        for seq in seqs:
            value = json.dumps({"seq": seq}).encode()
            partition = seq % partitions if seq % partitions in have else have[seq % len(have)]
            pending.append((seq, await producer.send(TOPIC, value, partition=partition)))
            if len(pending) >= 500:
                acked.extend(await _acks(pending))
                pending = []
        acked.extend(await _acks(pending))
    finally:
        await producer.stop()
    return acked


async def _acks(pending: list[tuple[int, asyncio.Future[Any]]]) -> list[tuple[int, int, int]]:
    results = await asyncio.gather(*(f for _, f in pending))
    return [(seq, r.partition, r.offset) for (seq, _), r in zip(pending, results, strict=True)]


async def commit_and_check(bootstrap: str, offsets: dict[int, int]) -> dict[int, int | None]:
    """Commit ``offsets`` for GROUP (no join: a simple commit) and return what the broker says now."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=GROUP, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = {p: TopicPartition(TOPIC, p) for p in offsets}
        consumer.assign(list(tps.values()))
        await consumer.commit({tps[p]: OffsetAndMetadata(o, "") for p, o in offsets.items()})
        return {p: await consumer.committed(tp) for p, tp in tps.items()}
    finally:
        await consumer.stop()


async def topic_partitions(bootstrap: str) -> list[int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        for _ in range(20):
            await consumer.topics()
            found = consumer.partitions_for_topic(TOPIC)
            if found:
                return sorted(found)
            await asyncio.sleep(0.1)
        return []
    finally:
        await consumer.stop()


async def committed(bootstrap: str, partitions: int) -> dict[int, int | None]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=GROUP, enable_auto_commit=False)
    await consumer.start()
    try:
        return {p: await consumer.committed(TopicPartition(TOPIC, p)) for p in range(partitions)}
    finally:
        await consumer.stop()


async def read_all(bootstrap: str, partitions: int) -> tuple[dict[int, list[tuple[int, int]]], dict[int, int]]:
    """partition -> [(offset, seq)] from the beginning, and the end offsets (ListOffsets)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    out: dict[int, list[tuple[int, int]]] = {p: [] for p in range(partitions)}
    try:
        await consumer.topics()
        tps = [TopicPartition(TOPIC, p) for p in sorted(consumer.partitions_for_topic(TOPIC) or [])]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = {tp.partition: o for tp, o in (await consumer.end_offsets(tps)).items()}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if all([await consumer.position(tp) >= ends[tp.partition] for tp in tps]):
                break
            for tp, records in (await consumer.getmany(timeout_ms=200, max_records=10_000)).items():
                out[tp.partition].extend((r.offset, json.loads(r.value or b"{}").get("seq", -1)) for r in records)
    finally:
        await consumer.stop()
    return out, ends


async def probe(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    broker = EmbeddedBroker(tmp / "broker")
    broker.start()
    chunks = args.restarts + 1
    size = args.records // chunks
    acked: list[tuple[int, int, int]] = []
    chunk_of: dict[int, int] = {}
    restarts: list[dict[str, Any]] = []
    try:
        await ensure_topics(broker.bootstrap, {TOPIC: args.partitions})
        for chunk in range(chunks):
            seqs = range(chunk * size, args.records if chunk == chunks - 1 else (chunk + 1) * size)
            got = await produce(broker.bootstrap, seqs, args.partitions)
            acked.extend(got)
            chunk_of.update((seq, chunk) for seq in seqs)
            if chunk == chunks - 1:
                break
            ends: dict[int, int] = {}
            for _, p, off in acked:
                ends[p] = max(ends.get(p, 0), off + 1)
            before = await asyncio.wait_for(commit_and_check(broker.bootstrap, ends), timeout=30)
            mode = args.mode if args.mode != "alternate" else ("kill" if chunk % 2 == 0 else "term")
            if args.pause:
                await asyncio.sleep(args.pause)
            took = await asyncio.to_thread(restart, broker, mode)
            have = await topic_partitions(broker.bootstrap)
            # As a worker does at start: create the topic again if the broker lost it.
            await ensure_topics(broker.bootstrap, {TOPIC: args.partitions})
            after = await asyncio.wait_for(committed(broker.bootstrap, args.partitions), timeout=30)
            restarts.append(
                {
                    "after_chunk": chunk,
                    "mode": mode,
                    "restart_s": round(took, 3),
                    "partitions_after": have,
                    "committed_before": before,
                    "committed_after": after,
                    "committed_kept": before == after,
                }
            )
            print(
                f"restart {chunk + 1} ({mode}) after {len(acked)} acknowledged: {took:.2f} s; "
                f"committed offsets kept: {before == after} ({before} -> {after}); topic partitions now {have}",
                flush=True,
            )
        read, ends = await read_all(broker.bootstrap, args.partitions)
    finally:
        broker.stop()

    where = {(p, off): seq for p, rows in read.items() for off, seq in rows}
    seen = Counter(seq for rows in read.values() for _, seq in rows)
    per_partition: dict[int, dict[str, Any]] = {}
    missing_by_chunk: Counter[int] = Counter()
    missing_seqs: dict[int, list[int]] = defaultdict(list)
    for p in range(args.partitions):
        mine = [(seq, off) for seq, q, off in acked if q == p]
        offsets = [off for off, _ in read[p]]
        gaps = [(a + 1, b - 1) for a, b in zip(offsets, offsets[1:], strict=False) if b != a + 1]
        missing = [seq for seq, _ in mine if seen[seq] == 0]
        for seq in missing:
            missing_by_chunk[chunk_of[seq]] += 1
            missing_seqs[p].append(seq)
        acked_offsets = [off for _, off in mine]
        per_partition[p] = {
            "acked": len(mine),
            "read": len(read[p]),
            "missing": len(missing),
            "moved": sum(1 for seq, off in mine if seen[seq] and where.get((p, off)) != seq),
            # offsets of lost records that the broker gave to other records after the restart
            "reused": sum(1 for seq, off in mine if seen[seq] == 0 and (p, off) in where),
            "duplicated": sum(c - 1 for seq, c in seen.items() if c > 1 and seq % args.partitions == p),
            "acked_offsets": [min(acked_offsets), max(acked_offsets)] if acked_offsets else None,
            "read_offsets": [offsets[0], offsets[-1]] if offsets else None,
            "end_offset": ends.get(p),
            "gaps": gaps,
            "missing_offsets": sorted(off for seq, off in mine if seen[seq] == 0)[:20],
        }
    return {
        "records": args.records,
        "acknowledged": len(acked),
        "restarts": restarts,
        "read_back": sum(len(r) for r in read.values()),
        "missing": sum(r["missing"] for r in per_partition.values()),
        "moved": sum(r["moved"] for r in per_partition.values()),
        "reused": sum(r["reused"] for r in per_partition.values()),
        "gaps": sum(len(r["gaps"]) for r in per_partition.values()),
        "missing_before_restart": {
            f"{restarts[c]['mode']}#{c + 1}" if c < len(restarts) else "end": n
            for c, n in sorted(missing_by_chunk.items())
        },
        "partitions": per_partition,
        "data_dir": str(tmp / "broker"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--restarts", type=int, default=6)
    parser.add_argument("--mode", choices=["alternate", "kill", "term"], default="alternate")
    parser.add_argument("--pause", type=float, default=0.0, help="seconds between the last ack and a restart")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="offsets-probe-"))
    report = asyncio.run(probe(args, tmp))
    print(json.dumps(report, indent=1))
    print(
        f"acknowledged {report['acknowledged']}, read back {report['read_back']}, missing {report['missing']}, "
        f"moved {report['moved']}, offsets reused {report['reused']}, offset gaps {report['gaps']}; "
        f"missing per restart {report['missing_before_restart'] or 0}"
    )
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
