"""Chaos, measured: SIGKILL the worker while deadlines fall due, then check at-least-once end to end.

    PYTHONPATH=. .venv/bin/python benchmarks/chaos.py --duration 180 --kills 5 --seed 1

A noida-db broker (data dir kept for the run), one ``supportwatch worker`` process at a time
(``SUPPORTWATCH_SENTIMENT_ENABLED=false``: SLA and surveys only, no model) and the local Redis (a
prefix of its own). The simulator (``supportwatch.simulator``, seeded) produces a stream on every
channel paced at wall time (speedup 1, acks=all); the policy file is the shipped one with the clocks of
the slow channels shortened (messaging, social, email) so that warnings, breaches and criticals fall
due on every channel during the run, and the simulator's reply targets are shortened alike.

The worker is SIGKILLed ``--kills`` times at random moments (seeded) while deadlines fall due; after
each kill the broker is restarted on its data dir (SIGTERM, as tests/integration/test_restart.py does:
noida-db 0.2.3 never evicts a SIGKILLed group member) and a new worker starts. Production pauses
while the broker is down (every record sent before is acknowledged first), so no record is sent twice.
After the last kill the stream runs to its end, the last worker settles (its committed offsets reach
the end offsets, the due deadlines fire, the outbox drains) and stops cleanly (SIGTERM).

Then it compares, for the SLA kinds (sla_warning, sla_breach, sla_critical):
  (a) the alerts on ``supportwatch.alerts`` (identity: alert id = conversation, clock and cycle; level)
  (b) the log sink's notification lines in every worker log (identity: kind, level, recipient,
      conversation and the summary without its "counted" part, which names clock and due time)
with what ``supportwatch.replay.replay`` (the core of ``supportwatch replay``) fires over the events
read back from the input topic, up to the time the settling ended (the worker runs ``--margin`` seconds
more before its clean stop, to fire and deliver what was due by then); unexpected ones are checked against
a replay that runs to the clean stop (+5 s). Also replayed: the records as acknowledged to the producer,
which differ from those read back when the broker lost some (``--broker-kill``). Expected
notifications: the replay's alerts routed by the shipped routing (alerts.Router, at the alert's
fired_at) to the log sink.

It also checks the input topic itself: acknowledged records missing or renumbered, offset gaps per
partition, and the ``supportwatch`` group's committed offsets against the end offsets.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import dataclasses
import json
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from benchmarks.offsets_probe import restart
from supportwatch.alerts import Alert, Router
from supportwatch.base.clock import wall_clock
from supportwatch.broker import EmbeddedBroker, ensure_topics
from supportwatch.config import load_config
from supportwatch.embedded_redis import ensure_redis
from supportwatch.events import InvalidEvent, decode_event
from supportwatch.replay import read_events, replay
from supportwatch.runtime import build_runtime
from supportwatch.settings import Settings
from supportwatch.simulator import CHANNEL_TARGETS, ReplyTarget, Simulator, SimulatorConfig, pace
from tests.integration.live import DEFAULT_CONFIG, ROOT, LiveWorker, WorkerConfig, partitions_of

EVENTS = "supportwatch.events"
ALERTS = "supportwatch.alerts"
DEADLETTER = "supportwatch.deadletter"
GROUP = "supportwatch"
SLA_KINDS = frozenset({"sla_warning", "sla_breach", "sla_critical"})
# Clock durations of the shipped policies multiplied by these, per channel (email's 4 h first reply: 90 s).
SCALE = {"chat": 1.0, "phone": 1.0, "messaging": 1 / 30, "social": 1 / 60, "email": 1 / 160}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_LOG_LINE = re.compile(
    r"^\S+ alert (?P<kind>\S+) level=(?P<level>.+?) severity=\S+ recipient=(?P<recipient>\S+) "
    r"channel=\S+ conversation=(?P<conversation>\S+) (?P<summary>.*)$"
)
_COUNTED = re.compile(r", \S+ counted of \S+ target$")


# --- policy and stream ----------------------------------------------------------------------------
def _scaled(text: str, factor: float) -> str:
    value = str(text).strip()
    before = value.endswith(" before")
    core = value.removesuffix(" before")
    match = _DURATION.match(core)
    if match is None:  # a share of the target ("50%"): unchanged
        return value
    seconds = max(1, round(float(match.group(1)) * _UNITS[match.group(2)] * factor))
    return f"{seconds}s before" if before else f"{seconds}s"


def write_chaos_policy(path: Path) -> Path:
    """The shipped configuration with every policy's clocks scaled by its channel's SCALE factor."""
    data = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    for policy in data["policies"]:
        factor = SCALE[policy["match"]["channel"]]
        for clock in ("first_reply", "next_reply", "resolution"):
            spec = policy.get(clock)
            if spec is None:
                continue
            spec["target"] = _scaled(spec["target"], factor)
            spec["critical"] = _scaled(spec["critical"], factor)
            spec["warnings"] = [_scaled(w, factor) for w in spec.get("warnings", [])]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def simulator(seed: int, rate: float, start: datetime) -> Simulator:
    targets = {c: ReplyTarget(t.target * SCALE[c], t.critical * SCALE[c]) for c, t in CHANNEL_TARGETS.items()}
    config = SimulatorConfig(
        seed=seed,
        conversations_per_minute=rate,
        speedup=1.0,
        targets=targets,
        backlog_per_channel=3,
        backlog_horizon=timedelta(minutes=2),
    )
    return Simulator(config, start=start)


# --- producing through broker restarts ------------------------------------------------------------
class Feed:
    """The paced stream's producer (acks=all). Holds a lock while sending, so the broker is only
    restarted between sends, after every record sent so far is acknowledged."""

    def __init__(self, broker: EmbeddedBroker, kill: bool = False) -> None:
        self.broker = broker
        self.kill = kill
        self.lock = asyncio.Lock()
        self.acked: list[tuple[int, int, bytes]] = []  # (partition, offset, value)
        self._producer: AIOKafkaProducer | None = None
        self._pending: list[tuple[asyncio.Future[Any], bytes, bytes]] = []
        self._flushed = time.monotonic()
        self.resent = 0

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(bootstrap_servers=self.broker.bootstrap, acks="all", linger_ms=5)
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def send(self, at: datetime, key: bytes, value: bytes) -> None:
        async with self.lock:
            assert self._producer is not None  # noqa: S101 - started before pacing
            self._pending.append((await self._producer.send(EVENTS, value, key=key), key, value))
            if len(self._pending) >= 200 or time.monotonic() - self._flushed >= 0.2:
                await self._flush()

    async def flush(self) -> None:
        async with self.lock:
            await self._flush()

    async def _flush(self) -> None:
        pending, self._pending = self._pending, []
        self._flushed = time.monotonic()
        results = await asyncio.gather(*(f for f, _, _ in pending), return_exceptions=True)
        for (_, key, value), result in zip(pending, results, strict=True):
            for _attempt in range(20):  # bounded: a record the broker keeps refusing fails the run
                if not isinstance(result, BaseException):
                    break
                self.resent += 1
                await asyncio.sleep(0.5)
                assert self._producer is not None  # noqa: S101
                try:
                    result = await self._producer.send_and_wait(EVENTS, value, key=key)
                except Exception as exc:  # noqa: BLE001 - retried above
                    result = exc
            if isinstance(result, BaseException):
                raise RuntimeError(f"a record was never acknowledged: {result!r}")
            self.acked.append((result.partition, result.offset, value))

    async def restart_broker(self) -> float:
        """Flush, stop the producer, restart the broker on its data dir, start a new producer."""
        async with self.lock:
            await self._flush()
            await self.stop()
            started = time.monotonic()
            if self.kill:
                await asyncio.to_thread(restart, self.broker, "kill")
                await ensure_topics(self.broker.bootstrap, {name: 4 for name in Settings().topics.all()})
            else:
                await asyncio.to_thread(self.broker.stop)
                await asyncio.to_thread(self.broker.start)
            took = time.monotonic() - started
            await self.start()
            return took


# --- reading back ---------------------------------------------------------------------------------
async def read_topic(bootstrap: str, topic: str) -> dict[int, list[tuple[int, bytes]]]:
    """Every record of ``topic`` from the beginning: partition -> [(offset, value)]."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    out: dict[int, list[tuple[int, bytes]]] = {}
    try:
        partitions = await partitions_of(consumer, topic)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if all([await consumer.position(tp) >= ends[tp] for tp in tps]):
                break
            batches = await consumer.getmany(timeout_ms=200, max_records=10_000)
            for tp, records in batches.items():
                out.setdefault(tp.partition, []).extend((r.offset, r.value or b"") for r in records)
        for tp in tps:
            out.setdefault(tp.partition, [])
    finally:
        await consumer.stop()
    return out


async def group_offsets(bootstrap: str, topic: str, partitions: int) -> tuple[dict[int, int | None], dict[int, int]]:
    """The ``supportwatch`` group's committed offsets and the end offsets, per partition."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=GROUP, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        committed = {tp.partition: await consumer.committed(tp) for tp in tps}
        ends = {tp.partition: off for tp, off in (await consumer.end_offsets(tps)).items()}
    finally:
        await consumer.stop()
    return committed, ends


def check_input(acked: list[tuple[int, int, bytes]], read: Mapping[int, list[tuple[int, bytes]]]) -> dict[str, Any]:
    """Acknowledged records missing or moved, and offset gaps, per partition."""
    at = {(p, off): value for p, rows in read.items() for off, value in rows}
    present = Counter(value for rows in read.values() for _, value in rows)
    report: dict[str, Any] = {"partitions": {}}
    for p in sorted(read):
        mine = [(off, v) for q, off, v in acked if q == p]
        offsets = [off for off, _ in read[p]]
        gaps = [(a + 1, b - 1) for a, b in zip(offsets, offsets[1:], strict=False) if b != a + 1]
        report["partitions"][p] = {
            "acked": len(mine),
            "read": len(read[p]),
            "missing": sum(1 for _, v in mine if present[v] == 0),
            "moved": sum(1 for off, v in mine if present[v] and at.get((p, off)) != v),
            "first_offset": offsets[0] if offsets else None,
            "end_offset": offsets[-1] + 1 if offsets else None,
            "gaps": gaps,
        }
    report["missing"] = sum(r["missing"] for r in report["partitions"].values())
    report["moved"] = sum(r["moved"] for r in report["partitions"].values())
    return report


# --- comparison -----------------------------------------------------------------------------------
def notification_key(kind: str, level: str, recipient: str, conversation: str, summary: str) -> tuple[str, ...]:
    return kind, level, recipient, conversation, _COUNTED.sub("", summary)


def printed_notifications(logs: list[Path]) -> Counter[tuple[str, ...]]:
    printed: Counter[tuple[str, ...]] = Counter()
    for path in logs:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            match = _LOG_LINE.match(line)
            if match is not None:
                printed[notification_key(*match.group("kind", "level", "recipient", "conversation", "summary"))] += 1
    return printed


def expected_notifications(alerts: list[Alert], router: Router) -> set[tuple[str, ...]]:
    out = set()
    for alert in alerts:
        for route in router.route(alert, alert.fired_at):
            if route.sink == "log":
                out.add(
                    notification_key(
                        alert.kind.value, alert.level, route.recipient, alert.conversation_id or "-", alert.summary
                    )
                )
    return out


_WORKER_CODE = (
    "import sys; from supportwatch.settings import Settings; from supportwatch.worker import run_worker; "
    "import benchmarks.chaos as c; c.trace_progress(); "
    "sys.exit(run_worker(Settings(), loglevel=sys.argv[1]))"
)


def trace_progress() -> None:
    """In a traced worker (``--worker-loglevel``): log every fire-horizon start and every partition that
    turns caught up, with its applied position and the consumer's highwater (wraps streams.progress, read-only)."""
    import logging

    from supportwatch.streams.progress import PartitionProgress

    log = logging.getLogger("chaos.trace")
    original_start, original_caught_up = PartitionProgress.start, PartitionProgress.caught_up
    was: dict[tuple[int, int], bool] = {}

    def start(self: PartitionProgress, partition: int, position: int | None) -> None:
        log.warning(
            "trace start partition=%s position=%s highwater=%s", partition, position, self._highwater(partition)
        )
        was[(id(self), partition)] = False
        original_start(self, partition, position)

    def caught_up(self: PartitionProgress, partition: int) -> bool:
        result = original_caught_up(self, partition)
        if result and not was.get((id(self), partition), False):
            log.warning(
                "trace caught_up partition=%s next=%s highwater=%s",
                partition,
                self._next.get(partition),
                self._highwater(partition),
            )
        was[(id(self), partition)] = result
        return result

    PartitionProgress.start = start  # type: ignore[method-assign]
    PartitionProgress.caught_up = caught_up  # type: ignore[method-assign]


class ChaosWorker(LiveWorker):
    """``supportwatch worker`` as LiveWorker runs it, or at a faust log level of our choice (info shows
    rebalances, recoveries and "deadline index rebuilt")."""

    def __init__(self, config: WorkerConfig, log_path: Path, loglevel: str | None) -> None:
        super().__init__(config, log_path)
        self.loglevel = loglevel

    def start(self) -> ChaosWorker:
        if self.loglevel is None:
            super().start()
            return self
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(  # noqa: S603 - fixed argv
            [sys.executable, "-c", _WORKER_CODE, self.loglevel],
            cwd=ROOT,
            env=self.config.env(self.port),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self


@dataclass
class Run:
    kills: list[dict[str, Any]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)
    processed: list[float] = field(default_factory=list)  # supportwatch_events_total + invalid, last seen per worker
    produced: int = 0


def _processed(worker: LiveWorker) -> float | None:
    try:
        metrics = worker.metrics()
    except (httpx.HTTPError, OSError):
        return None
    names = ("supportwatch_events_total", "supportwatch_invalid_events_total")
    return sum(v for (name, _), v in metrics.items() if name in names)


async def _watch(worker: LiveWorker, run: Run, index: int, stop: asyncio.Event) -> None:
    """Scrape the worker's processed count every 2 s until ``stop`` (the last value survives a kill)."""
    while not stop.is_set():
        value = await asyncio.to_thread(_processed, worker)
        if value is not None:
            run.processed[index] = value
        try:
            await asyncio.wait_for(stop.wait(), timeout=2.0)
        except TimeoutError:
            pass


async def chaos(args: argparse.Namespace, tmp: Path, redis_url: str) -> dict[str, Any]:
    rng = random.Random(args.seed)  # noqa: S311 - reproducible chaos, not a secret
    broker = EmbeddedBroker(tmp / "broker")
    broker.start()
    settings = Settings()
    run = Run()
    try:
        await ensure_topics(broker.bootstrap, {name: args.partitions for name in settings.topics.all()})
        policy = write_chaos_policy(tmp / "policy.yaml")
        config = WorkerConfig(
            bootstrap=broker.bootstrap,
            redis_url=redis_url,
            redis_prefix=f"bench:chaos:{uuid.uuid4().hex}:",
            policy_file=policy,
            data_dir=tmp / "worker",
            partitions=args.partitions,
            extra_env={"SUPPORTWATCH_SENTIMENT_ENABLED": "false"},
        )
        feed = Feed(broker, kill=args.broker_kill)
        await feed.start()
        t0 = datetime.now(UTC)
        sim = simulator(args.seed, args.rate, t0)
        producing = asyncio.create_task(pace(sim, feed.send, duration=args.duration, now=wall_clock))
        began = time.monotonic()

        def start_worker() -> ChaosWorker:
            cfg = dataclasses.replace(config, bootstrap=broker.bootstrap)
            run.logs.append(tmp / f"worker-{len(run.logs) + 1}.log")
            run.processed.append(0.0)
            return ChaosWorker(cfg, run.logs[-1], args.worker_loglevel).start()

        worker = start_worker()
        for kill in range(args.kills):
            serving = await asyncio.to_thread(worker.wait_serving, 300)
            stop = asyncio.Event()
            watcher = asyncio.create_task(_watch(worker, run, len(run.logs) - 1, stop))
            uptime = rng.uniform(args.min_up, args.max_up)
            await asyncio.sleep(uptime)
            if not worker.alive():
                raise RuntimeError(f"worker {len(run.logs)} died:\n{worker.log_tail()}")
            killed_at = time.monotonic() - began
            await asyncio.to_thread(worker.kill)
            stop.set()
            await watcher
            down = await feed.restart_broker()
            run.kills.append(
                {
                    "kill": kill + 1,
                    "at_s": round(killed_at, 1),
                    "serving_after_s": round(serving, 1),
                    "up_s": round(uptime, 1),
                    "broker_restart_s": round(down, 2),
                    "produced_by_then": len(feed.acked),
                }
            )
            print(
                f"kill {kill + 1}: {killed_at:.1f} s into the run, worker up {uptime:.1f} s after serving "
                f"({serving:.1f} s to serve); broker restarted in {down:.2f} s; {len(feed.acked)} produced",
                flush=True,
            )
            worker = start_worker()

        serving = await asyncio.to_thread(worker.wait_serving, 300)
        stop = asyncio.Event()
        watcher = asyncio.create_task(_watch(worker, run, len(run.logs) - 1, stop))
        run.produced = await producing
        await feed.flush()
        await feed.stop()
        produced_s = time.monotonic() - began
        print(f"stream done: {run.produced} events paced over {produced_s:.1f} s; settling", flush=True)

        # Settle: the group's committed offsets reach the end, then the due deadlines fire and the outbox drains.
        deadline = time.monotonic() + args.settle_timeout
        committed: dict[int, int | None] = {}
        ends: dict[int, int] = {}
        while time.monotonic() < deadline:
            committed, ends = await group_offsets(broker.bootstrap, EVENTS, args.partitions)
            if all((committed[p] or 0) >= ends[p] for p in ends):
                break
            await asyncio.sleep(2)
        await asyncio.sleep(args.settle)
        end_at = datetime.now(UTC)
        await asyncio.sleep(args.margin)  # what is due by end_at fires and is delivered meanwhile
        stop.set()
        await watcher
        await asyncio.to_thread(worker.stop)
        stopped_at = datetime.now(UTC)
        committed, ends = await group_offsets(broker.bootstrap, EVENTS, args.partitions)
        state = {
            "seed": args.seed,
            "duration_s": args.duration,
            "rate_per_min": args.rate,
            "partitions": args.partitions,
            "kills": run.kills,
            "logs": [str(p) for p in run.logs],
            "processed": run.processed,
            "produced": run.produced,
            "resent": feed.resent,
            "acked": [(p, off, base64.b64encode(v).decode("ascii")) for p, off, v in feed.acked],
            "end_at": end_at.isoformat(),
            "stopped_at": stopped_at.isoformat(),
            "margin": args.margin,
            "committed": committed,
            "end_offsets": ends,
        }
        (tmp / "state.json").write_text(json.dumps(state), encoding="utf-8")
        return await analyze(tmp, broker.bootstrap, state)
    finally:
        broker.stop()


async def analyze(tmp: Path, bootstrap: str, state: dict[str, Any]) -> dict[str, Any]:
    """Read the input and alerts topics back and compare with replay (the broker still running)."""
    settings = Settings()
    policy = tmp / "policy.yaml"
    acked = [(int(p), int(off), base64.b64decode(v)) for p, off, v in state["acked"]]
    end_at = datetime.fromisoformat(state["end_at"])
    stopped_at = datetime.fromisoformat(state["stopped_at"])
    committed = {int(p): c for p, c in state["committed"].items()}
    ends = {int(p): e for p, e in state["end_offsets"].items()}
    logs = [Path(p) for p in state["logs"]]
    read = await read_topic(bootstrap, EVENTS)
    alert_rows = await read_topic(bootstrap, ALERTS)
    letters = await read_topic(bootstrap, DEADLETTER)

    # --- what should have fired --------------------------------------------------------------------
    input_report = check_input(acked, read)
    replay_settings = settings.model_copy(update={"policy_file": policy})
    runtime = build_runtime(replay_settings)
    invalid: Counter[str] = Counter()
    values = [value for rows in read.values() for _, value in rows]
    events = read_events(values, settings.limits, invalid)
    expected_by_end = replay(events, runtime.tracker, {}, end=end_at)
    expected_by_stop = replay(events, runtime.tracker, {}, end=stopped_at + timedelta(seconds=5))

    def ids(alerts: list[Alert]) -> set[tuple[str, str, str]]:
        return {(a.id, a.kind.value, a.level) for a in alerts if a.kind.value in SLA_KINDS}

    want = ids(expected_by_end.alerts)
    # What the records as acknowledged to the producer would have fired (differs when the broker lost some).
    as_acked = read_events([v for _, _, v in acked], settings.limits, Counter())
    want_acked = ids(replay(as_acked, runtime.tracker, {}, end=end_at).alerts)
    allowed = ids(expected_by_stop.alerts)
    on_topic = Counter()
    for rows in alert_rows.values():
        for _, value in rows:
            alert = json.loads(value)
            if alert["kind"] in SLA_KINDS:
                on_topic[(alert["id"], alert["kind"], alert["level"])] += 1
    lost = want - set(on_topic)
    unexpected = set(on_topic) - allowed
    duplicated = sum(c - 1 for c in on_topic.values() if c > 1)

    app_config = load_config(policy)
    router = Router(app_config.routing, calendars=app_config.policies.calendars)
    sla_expected = [a for a in expected_by_end.alerts if a.kind.value in SLA_KINDS]
    sla_allowed = [a for a in expected_by_stop.alerts if a.kind.value in SLA_KINDS]
    want_lines = expected_notifications(sla_expected, router)
    allowed_lines = expected_notifications(sla_allowed, router)
    printed = printed_notifications(logs)
    printed_sla = Counter({k: c for k, c in printed.items() if k[0] in SLA_KINDS})
    lines_lost = want_lines - set(printed_sla)
    twice = {k: c for k, c in printed.items() if c > 1}
    lines_unexpected = set(printed_sla) - allowed_lines

    # Processed offsets, sampled: every invalid input record must have its dead letter (source partition, offset).
    now = datetime.now(UTC)
    invalid_at = set()
    for p, rows in read.items():
        for off, value in rows:
            try:
                decode_event(value, settings.limits, now)
            except InvalidEvent:
                invalid_at.add((p, off))
    lettered = set()
    for rows in letters.values():
        for _, value in rows:
            letter = json.loads(value)
            if letter.get("source_topic") == EVENTS:
                lettered.add((letter.get("partition"), letter.get("offset")))
    unlettered = sorted(invalid_at - lettered)

    total_end = sum(ends.values())
    total_committed = sum(c or 0 for c in committed.values())
    summary = {
        "seed": state["seed"],
        "duration_s": state["duration_s"],
        "rate_per_min": state["rate_per_min"],
        "kills": state["kills"],
        "produced": state["produced"],
        "acknowledged": len(acked),
        "resent": state["resent"],
        "input": input_report,
        "committed": committed,
        "end_offsets": ends,
        "committed_total": total_committed,
        "end_total": total_end,
        "processed_per_worker": state["processed"],
        "processed_total": sum(state["processed"]),
        "invalid_input": len(invalid_at),
        "invalid_never_dead_lettered": unlettered,
        "replay_events": len(events),
        "replay_invalid": sum(invalid.values()),
        "expected_alerts": len(want),
        "topic_alerts": len(on_topic),
        "topic_records_sla": sum(on_topic.values()),
        "lost_alerts": len(lost),
        "expected_as_acknowledged": len(want_acked),
        "missing_vs_acknowledged": len(want_acked - set(on_topic)),
        "unexpected_vs_acknowledged": len(set(on_topic) - allowed - want_acked),
        "duplicated_on_topic": duplicated,
        "unexpected_alerts": len(unexpected),
        "expected_notifications": len(want_lines),
        "printed_notifications": sum(printed.values()),
        "printed_distinct_sla": len(printed_sla),
        "lost_notifications": len(lines_lost),
        "delivered_twice": sum(c - 1 for c in twice.values()),
        "unexpected_notifications": len(lines_unexpected),
        "kinds_expected": dict(Counter(k for _, k, _ in want)),
        "channels_expected": dict(Counter(a.channel for a in sla_expected)),
        "examples": {
            "lost": sorted(lost)[:5],
            "unexpected": sorted(unexpected)[:5],
            "twice": sorted(twice)[:3],
            "lines_lost": sorted(lines_lost)[:3],
        },
        "workdir": str(tmp),
    }
    return summary


async def analyze_again(tmp: Path) -> dict[str, Any]:
    state = json.loads((tmp / "state.json").read_text(encoding="utf-8"))
    with EmbeddedBroker(tmp / "broker") as broker:
        return await analyze(tmp, broker.bootstrap, state)


def print_table(s: dict[str, Any]) -> None:
    rows = [
        ("events produced (acknowledged, acks=all)", f"{s['produced']} ({s['acknowledged']})"),
        (
            "input records read back / missing / moved",
            f"{sum(p['read'] for p in s['input']['partitions'].values())} / {s['input']['missing']} / "
            f"{s['input']['moved']}",
        ),
        ("input offset gaps", str({p: r["gaps"] for p, r in s["input"]["partitions"].items() if r["gaps"]} or 0)),
        ("committed offsets / end offsets (sum)", f"{s['committed_total']} / {s['end_total']}"),
        ("events processed (metrics, sum over workers)", f"{s['processed_total']:.0f}"),
        (
            "invalid input records / never dead-lettered (skipped)",
            f"{s['invalid_input']} / {len(s['invalid_never_dead_lettered'])}",
        ),
        ("SLA alerts expected by replay", str(s["expected_alerts"])),
        ("  on the topic (distinct / records)", f"{s['topic_alerts']} / {s['topic_records_sla']}"),
        ("  lost (expected, never on the topic)", str(s["lost_alerts"])),
        (
            "  expected from the records as acknowledged / of them never on the topic",
            f"{s['expected_as_acknowledged']} / {s['missing_vs_acknowledged']}",
        ),
        ("  duplicated on the topic", str(s["duplicated_on_topic"])),
        ("  unexpected (on the topic, not in replay)", str(s["unexpected_alerts"])),
        ("SLA notifications expected (log sink)", str(s["expected_notifications"])),
        ("  printed (all lines / distinct SLA)", f"{s['printed_notifications']} / {s['printed_distinct_sla']}"),
        ("  lost (expected, never printed)", str(s["lost_notifications"])),
        ("  delivered twice (same line again)", str(s["delivered_twice"])),
        ("  unexpected (printed, not expected)", str(s["unexpected_notifications"])),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"| {'measure'.ljust(width)} | value |")
    print(f"| {'-' * width} | --- |")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=180.0, help="wall seconds of paced stream")
    parser.add_argument("--rate", type=float, default=60.0, help="new conversations per minute")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--min-up", type=float, default=5.0, help="least seconds a worker serves before its kill")
    parser.add_argument("--max-up", type=float, default=25.0)
    parser.add_argument("--settle", type=float, default=10.0, help="seconds after the commit catches up")
    parser.add_argument("--settle-timeout", type=float, default=180.0)
    parser.add_argument(
        "--margin", type=float, default=10.0, help="seconds the worker runs on after the end of settling"
    )
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--json", type=Path, default=None, help="write the summary here")
    parser.add_argument(
        "--broker-kill",
        action="store_true",
        help="SIGKILL the broker instead of SIGTERM when restarting it (noida-db saves on SIGTERM)",
    )
    parser.add_argument("--worker-loglevel", default=None, help="run workers at this faust log level (e.g. info)")
    parser.add_argument(
        "--analyze",
        type=Path,
        default=None,
        help="only compare again: the work dir of a finished run (its broker data and state.json)",
    )
    args = parser.parse_args()
    if args.analyze is not None:
        summary = asyncio.run(analyze_again(args.analyze))
    else:
        tmp = Path(tempfile.mkdtemp(prefix="chaos-"))
        with ensure_redis(args.redis) as redis_url:
            summary = asyncio.run(chaos(args, tmp, redis_url))
    print(json.dumps(summary, indent=1, default=str))
    print_table(summary)
    if args.json is not None:
        args.json.write_text(json.dumps(summary, indent=1, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
