"""Conversation table recovery: how long a restarted worker takes to serve N open conversations.

    PYTHONPATH=. python benchmarks/table_recovery.py --conversations 100000 1000000 --stores memory rocksdb

For each store and N: a noida-db broker; the conversation table's changelog
(``{app_id}-conversations-changelog``, the worker's partition count) filled directly with N records,
each the record one customer email message opens (``runtime.tracker.on_event``, then the conversation
id varied), keyed by the JSON-encoded id (faust's json key serializer), in the partition the input
topic's producer would give the id, value ``streams.codec.encode(partition, record)``. Then one
``supportwatch worker`` process (sentiment off, log level info) and, from its process start:

  rebuilt   the log line "deadline index rebuilt: N open conversations" (faust recovered the table)
  open      ``supportwatch_open_conversations`` summing to N on /metrics

plus the worker's peak RSS (VmHWM). rocksdb runs a second worker on the same data dir after a clean
stop: its local state is present, so faust reads only the changelog past the persisted offsets.

The first-reply target of an email is 4 h: nothing comes due while measuring.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaProducer

from supportwatch.broker import EmbeddedBroker, ensure_topics
from supportwatch.embedded_redis import ensure_redis
from supportwatch.events import decode_event
from supportwatch.runtime import build_runtime
from supportwatch.settings import Settings
from supportwatch.streams.codec import decode, encode
from supportwatch.streams.table import STORES
from tests.integration.live import DEFAULT_CONFIG, ROOT, LiveWorker, WorkerConfig, partition_for

REBUILT = re.compile(rb"deadline index rebuilt: (\d+) open conversations")
PLACEHOLDER = "bench-000000000"
# The worker, at log level info (the rebuilt line is an info record).
WORKER = ("import sys\nfrom supportwatch.settings import Settings\nfrom supportwatch.worker import run_worker\n"
          "sys.exit(run_worker(Settings(), loglevel='info'))\n")


def conversation_id(n: int) -> str:
    return f"bench-{n:09d}"


def template(settings: Settings) -> bytes:
    """The changelog value of a conversation opened by one customer email, partition 0, id PLACEHOLDER."""
    now = datetime.now(UTC)
    raw = json.dumps({
        "event_id": f"{PLACEHOLDER}-0", "conversation_id": PLACEHOLDER,
        "occurred_at": now.isoformat(timespec="milliseconds"), "channel": "email", "type": "message",
        "author": "customer", "team": "returns", "agent_id": "agent-7", "customer_id": "cust-1",
        "text": "Hello, my parcel did not arrive.",
    }).encode("utf-8")
    record = build_runtime(settings).tracker.on_event(None, decode_event(raw, settings.limits, now), None).record
    assert record is not None
    value = encode(0, record)
    assert value.startswith(b'{"p":0,') and value.count(PLACEHOLDER.encode()) == 1, value
    return value


def changelog_record(value: bytes, n: int, partitions: int) -> tuple[int, bytes, bytes]:
    """(partition, key, value) of conversation ``n`` from the template."""
    cid = conversation_id(n)
    partition = partition_for(cid, partitions)
    varied = value.replace(PLACEHOLDER.encode(), cid.encode(), 1).replace(b'{"p":0,', b'{"p":%d,' % partition, 1)
    return partition, json.dumps(cid).encode("utf-8"), varied


async def fill(bootstrap: str, topic: str, value: bytes, count: int, partitions: int) -> float:
    """Produce ``count`` changelog records; returns the seconds it took."""
    started = time.monotonic()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks=1, max_batch_size=512 * 1024)
    await producer.start()
    try:
        pending: list[asyncio.Future[object]] = []
        for n in range(count):
            partition, key, record = changelog_record(value, n, partitions)
            pending.append(await producer.send(topic, record, key=key, partition=partition))
            if len(pending) >= 10_000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return time.monotonic() - started


class RecoveringWorker(LiveWorker):
    """A worker started by :data:`WORKER` code instead of the CLI, its start time kept."""

    def __init__(self, config: WorkerConfig, log_path: Path, code: str) -> None:
        super().__init__(config, log_path)
        self._code = code
        self.started = 0.0

    def start(self) -> RecoveringWorker:
        self._log = self.log_path.open("ab")
        self.started = time.monotonic()
        self._process = subprocess.Popen(  # noqa: S603 - fixed argv
            [sys.executable, "-c", self._code], cwd=ROOT, env=self.config.env(self.port),
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        return self

    def peak_rss_mib(self) -> float:
        status = Path(f"/proc/{self.pid}/status").read_text(encoding="ascii")
        kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
        return int(kib) / 1024


@dataclass(frozen=True)
class Recovery:
    rebuilt_s: float
    open_s: float
    peak_rss_mib: float
    read_s: float | None  # faust reading the changelog ("Restoring state" to "Done reading"); None: nothing to read
    rebuild_s: float  # "Recovery complete" to the rebuilt line: iterating the table, decoding, indexing


def _logged_at(log: bytes, marker: bytes) -> datetime | None:
    """The timestamp of the first log line containing ``marker`` (faust's ``[%Y-%m-%d %H:%M:%S,%f]``)."""
    at = log.find(marker)
    if at < 0:
        return None
    start = log.rfind(b"\n[", 0, at) + 2
    stamp = log[start:start + 23].decode("ascii")
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=UTC)


def phases(log_path: Path) -> tuple[float | None, float]:
    """(changelog read, rebuild) seconds from the worker's log."""
    log = log_path.read_bytes()
    restoring = _logged_at(log, b"Restoring state from changelog topics")
    done = _logged_at(log, b"Done reading from changelog topics")
    complete, rebuilt = _logged_at(log, b"Recovery complete"), _logged_at(log, b"deadline index rebuilt")
    assert complete is not None and rebuilt is not None
    read = (done - restoring).total_seconds() if restoring is not None and done is not None else None
    return read, (rebuilt - complete).total_seconds()


def measure(worker: RecoveringWorker, count: int, timeout: float) -> Recovery:
    """From the worker's process start until the rebuilt line names ``count`` and the open gauge sums to it."""
    rebuilt: float | None = None
    offset = 0
    deadline = worker.started + timeout
    while time.monotonic() < deadline:
        if not worker.alive():
            raise RuntimeError(f"the worker exited:\n{worker.log_tail()}")
        if rebuilt is None:
            with worker.log_path.open("rb") as log:
                log.seek(offset)
                chunk = log.read()
            # Keep the last partial line for the next read.
            cut = chunk.rfind(b"\n") + 1
            offset += cut
            for match in REBUILT.finditer(chunk[:cut]):
                if int(match[1]) == count:
                    rebuilt = time.monotonic() - worker.started
        if rebuilt is not None and worker.sample("supportwatch_open_conversations") == count:
            opened = time.monotonic() - worker.started
            return Recovery(rebuilt, opened, worker.peak_rss_mib(), *phases(worker.log_path))
        time.sleep(0.2)
    raise TimeoutError(f"not recovered within {timeout:g} s (rebuilt: {rebuilt}):\n{worker.log_tail()}")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def run_one(store: str, count: int, args: argparse.Namespace, tmp: Path, redis_url: str) -> list[str]:
    settings = Settings(sentiment_enabled=False)
    topic = f"{settings.app_id}-conversations-changelog"
    value = template(settings)
    for n in (0, 1, count - 1):  # the varied bytes are what encode() writes for the varied record
        partition, _, varied = changelog_record(value, n, args.partitions)
        assert decode(varied)[0] == partition and encode(*decode(varied)) == varied
    rows = []
    with EmbeddedBroker(tmp / "broker") as broker:
        topics = Settings(topics={"partitions": args.partitions}).topics.all() | {topic: args.partitions}
        await ensure_topics(broker.bootstrap, topics)
        filled = await fill(broker.bootstrap, topic, value, count, args.partitions)
        print(f"{store} {count:,}: changelog filled in {filled:.1f} s ({count / filled:,.0f} records/s)", flush=True)
        config = WorkerConfig(
            bootstrap=broker.bootstrap, redis_url=redis_url, redis_prefix=f"bench:recovery:{uuid.uuid4().hex}:",
            policy_file=DEFAULT_CONFIG, data_dir=tmp / "worker", partitions=args.partitions,
            extra_env={"SUPPORTWATCH_SENTIMENT_ENABLED": "false", "SUPPORTWATCH_TABLE_STORE": store},
        )
        starts = ["first start", "second start (local state)"] if store == "rocksdb" else ["first start"]
        for n, start in enumerate(starts):
            before = load()
            with RecoveringWorker(config, tmp / f"worker-{n}.log", WORKER) as worker:
                result = measure(worker, count, args.timeout)
            if store == "rocksdb":
                files = sorted((tmp / "worker").glob("v*/tables/conversations-*.db"))
                assert files, "no rocksdb files: the worker did not use the rocksdb store"
            read = "nothing to read" if result.read_s is None else f"{result.read_s:.1f}"
            row = (f"| {store} | {count:,} | {start} | {result.rebuilt_s:.1f} | {result.open_s:.1f} | {read} | "
                   f"{result.rebuild_s:.1f} | {result.peak_rss_mib:,.0f} | {before} / {load()} |")
            print(row, flush=True)
            rows.append(row)
    return rows


async def run(args: argparse.Namespace, redis_url: str) -> None:
    rows = []
    print(f"uptime load average at start: {load()}; {os.cpu_count()} CPUs", flush=True)
    for count in args.conversations:
        for store in args.stores:
            tmp = Path(tempfile.mkdtemp(prefix=f"table-recovery-{store}-{count}-", dir=args.workdir))
            try:
                rows += await run_one(store, count, args, tmp, redis_url)
            finally:
                if not args.keep:
                    shutil.rmtree(tmp, ignore_errors=True)
    print("\n| store | open conversations | start | deadline index rebuilt (s) | open gauge = N (s) | "
          "changelog read (s) | rebuild (s) | peak RSS (MiB) | load average before / after |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--stores", nargs="+", choices=sorted(STORES), default=["memory", "rocksdb"])
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=1200.0, help="seconds a worker may take to recover")
    parser.add_argument("--workdir", type=Path, default=None, help="where the broker and worker data go")
    parser.add_argument("--keep", action="store_true", help="keep the broker and worker data and logs")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    with ensure_redis(args.redis) as redis_url:
        asyncio.run(run(args, redis_url))


if __name__ == "__main__":
    main()
