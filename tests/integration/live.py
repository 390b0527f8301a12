"""Driving a real ``supportwatch worker`` process in live mode: a policy file of our own, the
worker subprocess (env pointing at an embedded broker, a free metrics port, a Redis prefix),
its /metrics, producing phone messages and reading the alerts topic from the beginning.

Shared by ``tests/integration/test_restart.py`` and ``benchmarks/sla_live.py``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.partitioner import DefaultPartitioner
from prometheus_client.parser import text_string_to_metric_families

from supportwatch.broker import free_port
from supportwatch.processes import log_tail, signal_group
from supportwatch.streams.fetching import use_worker_fetcher
from tests.kit import Events

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = ROOT / "supportwatch" / "config" / "default.yaml"
EVENTS_TOPIC = "supportwatch.events"
ALERTS_TOPIC = "supportwatch.alerts"
CUSTOMERS_TOPIC = "supportwatch.customers"


def write_policy(path: Path, clocks: Mapping[str, Mapping[str, Any]], policy: str = "phone") -> Path:
    """The shipped configuration with ``policy``'s clocks replaced by ``clocks`` (every other section
    as shipped, so the file passes every section's validation)."""
    data = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    entry = next(p for p in data["policies"] if p["name"] == policy)
    for clock, spec in clocks.items():
        entry[clock] = dict(spec)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def write_policies(path: Path, policies: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> Path:
    """:func:`write_policy` for several policies at once: ``{policy name: {clock: spec}}``."""
    data = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    for name, clocks in policies.items():
        entry = next(p for p in data["policies"] if p["name"] == name)
        for clock, spec in clocks.items():
            entry[clock] = dict(spec)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# The live tests' events: team "returns" (no business-hours calendar in the shipped routing, so its
# agents and lead are reachable at any hour; billing's are not outside Berlin office hours), agent-7.
# Their times are absolute (``datetime.now(UTC)`` and around it): the worker refuses implausible ones.
LIVE_EVENTS = Events(team="returns", agent="agent-7")
PHONE = Events(channel="phone", team=None, text=None)  # no team, no text


def phone_message(conversation_id: str, at: datetime, n: int = 0, *, identified: bool = True) -> bytes:
    """A v1 customer message on the phone channel without text: it needs no classification. An
    ``identified`` one names its customer, so its conversation's alerts pass the customer stage."""
    return PHONE.json(at, "customer", conversation_id, event_id=f"{conversation_id}-{n}",
                      customer=f"cust-{conversation_id}" if identified else None)


def closed_status(conversation_id: str, at: datetime) -> bytes:
    """A v1 status event closing ``conversation_id`` (a new conversation closed at once opens nothing)."""
    return PHONE.json(at, "closed", conversation_id, event_id=f"{conversation_id}-closed")


@dataclass(frozen=True)
class WorkerConfig:
    bootstrap: str
    redis_url: str
    redis_prefix: str
    policy_file: Path
    data_dir: Path
    partitions: int = 4
    extra_env: Mapping[str, str] | None = None
    log_level: str = "info"

    def env(self, metrics_port: int) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "SUPPORTWATCH_BROKER_URL": f"kafka://{self.bootstrap}",
            "SUPPORTWATCH_METRICS_PORT": str(metrics_port),
            "SUPPORTWATCH_POLICY_FILE": str(self.policy_file),
            "SUPPORTWATCH_DATA_DIR": str(self.data_dir),
            "SUPPORTWATCH_TOPICS__PARTITIONS": str(self.partitions),
            "SUPPORTWATCH_GROUP_SESSION_TIMEOUT_SECONDS": "10",
            "SUPPORTWATCH_ALERTS__REDIS_URL": self.redis_url,
            "SUPPORTWATCH_ALERTS__REDIS_PREFIX": self.redis_prefix,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        })
        env.update(self.extra_env or {})
        return env


def split_roles(config: WorkerConfig) -> tuple[WorkerConfig, WorkerConfig]:
    """``config`` as a ``conversations`` worker and a ``customers`` worker (``SUPPORTWATCH_ROLE``),
    the customers one with a data directory of its own beside ``config``'s."""
    env = dict(config.extra_env or {})
    return (dataclasses.replace(config, extra_env={**env, "SUPPORTWATCH_ROLE": "conversations"}),
            dataclasses.replace(config, data_dir=config.data_dir.with_name("customers-worker"),
                                extra_env={**env, "SUPPORTWATCH_ROLE": "customers"}))


class LiveWorker:
    """One ``python -m supportwatch.cli worker`` process, its output in ``log_path``."""

    def __init__(self, config: WorkerConfig, log_path: Path) -> None:
        self.config = config
        self.log_path = log_path
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("the worker is not running")
        return self._process.pid

    def start(self) -> LiveWorker:
        self._log = self.log_path.open("ab")
        command = [sys.executable, "-m", "supportwatch.cli", "--log-level", self.config.log_level, "worker"]
        self._process = subprocess.Popen(  # noqa: S603 - fixed argv
            command, cwd=ROOT, env=self.config.env(self.port), stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        return self

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def metrics(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        """The worker's current samples: ``(name, labels) -> value``."""
        text = httpx.get(f"{self.url}/metrics", timeout=5).text
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }

    def sample(self, name: str, **labels: str) -> float | None:
        """The sum of ``name``'s samples whose labels include ``labels``; None when there is none
        (or the worker does not answer)."""
        try:
            metrics = self.metrics()
        except httpx.HTTPError:
            return None
        wanted = set(labels.items())
        values = [value for (n, have), value in metrics.items() if n == name and wanted <= have]
        return sum(values) if values else None

    def wait_for(self, ready: Callable[[LiveWorker], bool], timeout: float, what: str) -> float:
        """Poll until ``ready(self)``; returns the seconds it took. Fails when the worker dies or times out."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if not self.alive():
                raise RuntimeError(f"the worker exited while waiting for {what}:\n{self.log_tail()}")
            if ready(self):
                return time.monotonic() - started
            time.sleep(0.1)
        raise TimeoutError(f"no {what} within {timeout:g}s:\n{self.log_tail()}")

    def wait_serving(self, timeout: float = 120.0) -> float:
        """Until /metrics shows ``supportwatch_build_info`` (model loaded, app started)."""
        return self.wait_for(lambda w: _has_build_info(w), timeout, "supportwatch_build_info on /metrics")

    def kill(self) -> None:
        """SIGKILL the worker: no shutdown, no flush, no offset commit."""
        self._signal(signal.SIGKILL, grace=10)

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM (a clean shutdown), SIGKILL after ``grace`` seconds."""
        self._signal(signal.SIGTERM, grace)

    def _signal(self, sig: signal.Signals, grace: float) -> None:
        process, self._process = self._process, None
        if process is not None:
            signal_group(process, sig, grace)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 40) -> str:
        return log_tail(self.log_path, lines)

    def __enter__(self) -> LiveWorker:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


async def wait_consuming(worker: LiveWorker, bootstrap: str, timeout: float = 120.0) -> float:
    """Produce one closed-status event and wait until the worker has ingested it: the worker has
    joined its consumer group and consumes. Returns the seconds it took."""
    before = status_events(worker)
    started = time.monotonic()
    await produce(bootstrap, [("warm-up", closed_status("warm-up", datetime.now(UTC)))])
    try:
        worker.wait_for(lambda w: status_events(w) > before, timeout, "the warm-up event")
    except TimeoutError as exc:
        raise TimeoutError(f"{exc}\n{consumer_offsets(worker, EVENTS_TOPIC)}") from None
    return time.monotonic() - started


def consumer_offsets(worker: LiveWorker, topic: str) -> str:
    """faust's offset samples of ``topic`` on ``worker`` (read, committed, end), one line per sample:
    what a worker that stopped consuming had got to."""
    try:
        metrics = worker.metrics()
    except httpx.HTTPError as exc:
        return f"no metrics: {exc}"
    lines = sorted(f"{name} {dict(labels)} {value:g}" for (name, labels), value in metrics.items()
                   if "offset" in name and dict(labels).get("topic") == topic)
    return "\n".join(lines) or f"no offset samples of {topic}"


def status_events(worker: LiveWorker) -> float:
    """The phone status events the worker has ingested (what the warm-up rounds send)."""
    return worker.sample("supportwatch_events_total", channel="phone", type="status") or 0.0


async def all_consuming(workers: Sequence[LiveWorker], bootstrap: str, partitions: int,
                        timeout: float = 120.0) -> float:
    """Rounds of one closed-status event per input partition until one round is consumed whole,
    and by every worker: the group has settled with partitions on each. Returns the seconds it took."""
    started = time.monotonic()
    deadline = started + timeout
    round_no = 0
    while time.monotonic() < deadline:
        before = [status_events(w) for w in workers]
        keys = keys_per_partition(f"warm-{round_no}", partitions, 1)
        await produce(bootstrap, [(key, closed_status(key, datetime.now(UTC))) for key in keys])
        round_end = min(deadline, time.monotonic() + 5)
        while time.monotonic() < round_end:
            for worker in workers:
                assert worker.alive(), worker.log_tail()
            gained = [status_events(w) - b for w, b in zip(workers, before, strict=True)]
            if sum(gained) >= partitions:
                if all(g > 0 for g in gained):
                    return time.monotonic() - started
                break
            await asyncio.sleep(0.2)
        round_no += 1
    raise TimeoutError(f"the {len(workers)} workers did not all consume within {timeout:g}s:\n"
                       + "\n".join(w.log_tail(20) for w in workers))


def offsets_committed(worker: LiveWorker, topics: Iterable[str]) -> bool:
    """True when, for every partition of ``topics`` the worker has read, its committed offset
    (faust's Prometheus sensor) has reached the partition's end offset."""
    try:
        metrics = worker.metrics()
    except httpx.HTTPError:
        return False
    wanted = set(topics)
    ends: dict[tuple[str, str], float] = {}
    committed: dict[tuple[str, str], float] = {}
    for (name, labels), value in metrics.items():
        tags = dict(labels)
        if tags.get("topic") not in wanted:
            continue
        if name == "supportwatch_faust_topic_partition_end_offset":
            ends[(tags["topic"], tags["partition"])] = value
        elif name == "supportwatch_faust_topic_partition_offset_commited":
            committed[(tags["topic"], tags["partition"])] = value
    return {t for t, _ in ends} == wanted and all(committed.get(tp, -1.0) >= end for tp, end in ends.items())


def _has_build_info(worker: LiveWorker) -> bool:
    try:
        return any(name == "supportwatch_build_info" for name, _ in worker.metrics())
    except httpx.HTTPError:
        return False


async def produce(bootstrap: str, messages: Iterable[tuple[str, bytes]], topic: str = EVENTS_TOPIC) -> int:
    """Send ``(key, value)`` pairs and wait until the broker acknowledged every one."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks=1, max_batch_size=256 * 1024)
    await producer.start()
    count = 0
    try:
        pending: list[asyncio.Future[Any]] = []
        for key, value in messages:
            pending.append(await producer.send(topic, value, key=key.encode("utf-8")))
            count += 1
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return count


@dataclass(frozen=True)
class Received:
    """One record read by :func:`read_alerts`: its JSON, when our consumer got it and the record's
    timestamp (CreateTime: when the worker's producer took it), in epoch seconds."""

    alert: dict[str, Any]
    arrived: float
    sent: float


async def read_alerts(
    bootstrap: str,
    done: Callable[[list[Received]], bool],
    timeout: float,
    topic: str = ALERTS_TOPIC,
    clock: Callable[[], float] = time.time,
) -> list[Received]:
    """Every record of ``topic`` from the beginning (no consumer group), until ``done(records)`` or
    ``timeout`` seconds; whatever arrived by then is returned."""
    use_worker_fetcher()  # the reader shares the cores with the worker: no spinning on empty fetches
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    received: list[Received] = []
    try:
        partitions = await partitions_of(consumer, topic)
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        await consumer.seek_to_beginning()
        deadline = time.monotonic() + timeout
        while not done(received) and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200, max_records=10_000)
            for records in batches.values():
                at = clock()
                received.extend(Received(json.loads(r.value), at, r.timestamp / 1000)
                                for r in records if r.value is not None)
    finally:
        await consumer.stop()
    return received


async def partitions_of(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    """The partitions of ``topic`` once the consumer's metadata has them (5 s at most)."""
    for _ in range(50):
        partitions = consumer.partitions_for_topic(topic)
        if partitions:
            return set(partitions)
        await consumer.topics()
        await asyncio.sleep(0.1)
    raise RuntimeError(f"topic {topic!r} has no partitions")


def partition_for(key: str, partitions: int) -> int:
    """The input partition of ``key``: the producer's default partitioner (murmur2 of the key bytes)."""
    return DefaultPartitioner()(key.encode("utf-8"), list(range(partitions)), list(range(partitions)))


def keys_per_partition(prefix: str, partitions: int, per_partition: int) -> list[str]:
    """``per_partition`` keys ``{prefix}-{n}`` for each of ``partitions`` input partitions, sorted by partition."""
    found: dict[int, list[str]] = {p: [] for p in range(partitions)}
    n = 0
    while any(len(keys) < per_partition for keys in found.values()):
        key = f"{prefix}-{n}"
        keys = found[partition_for(key, partitions)]
        if len(keys) < per_partition:
            keys.append(key)
        n += 1
    return [key for p in range(partitions) for key in found[p]]


LOG_ALERT = re.compile(r" alert (?P<kind>\S+) level=(?P<level>.+?) severity=\S+ recipient=(?P<recipient>\S+) "
                       r"channel=\S+ conversation=(?P<conversation>\S+) ")


def logged_alerts(path: Path) -> list[tuple[str, str, str, str]]:
    """The log sink's lines in a worker's output: ``(conversation, kind, level, recipient)`` each."""
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return [(m["conversation"], m["kind"], m["level"], m["recipient"]) for m in LOG_ALERT.finditer(text)]


def settled(worker: LiveWorker, expected_events: int, quiet_seconds: float = 5.0) -> Callable[[list[Received]], bool]:
    """A ``read_alerts`` stop condition: the worker has applied ``expected_events`` events and no
    alert has arrived for ``quiet_seconds``."""
    last = {"count": -1, "since": time.monotonic()}

    def done(received: list[Received]) -> bool:
        if len(received) != last["count"]:
            last.update(count=len(received), since=time.monotonic())
            return False
        if time.monotonic() - last["since"] < quiet_seconds:
            return False
        return worker.alive() and (worker.sample("supportwatch_events_total") or 0.0) >= expected_events

    return done
