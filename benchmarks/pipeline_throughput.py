"""End-to-end throughput of the live path against the ceiling faust itself allows, in one run.

    PYTHONPATH=. python benchmarks/pipeline_throughput.py --events 20000

On one embedded noida-db broker, with the same simulator input (``--events`` events on every
channel, current timestamps, 1% invalid) produced to a fresh topic for each configuration before
its consumer starts:

1. ``bare``: a faust agent that decodes each event and forwards it to another topic (the ceiling),
   once with aiokafka's own fetcher and once with the worker's (supportwatch/streams/fetching.py),
   which does not spin on the embedded broker's empty fetches; ratios are given to both;
2. ``worker``: ``supportwatch worker`` with the shipped model (validate, classify, track, alerts,
   delivery to the log sink through Redis);
3. ``worker-no-sentiment``: the same with ``SUPPORTWATCH_SENTIMENT_ENABLED=false``.

Throughput is events over the seconds from the first event consumed to the last (so start-up
and the model load are not counted). Then a paced phase feeds the model-backed worker a live
stream (``--paced-rate`` conversations a second for ``--paced-seconds``; again for each model-backed
``--variant``) and reports the lag from
an input event's send to the alert it caused (``resolved``/``detractor``), and from a deadline to
its alert (``warning``/``breach``/``critical``), both by the alert record's broker timestamp, and
lists each deadline alert more than 1 s late with when in the phase it was due.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from supportwatch.broker import EmbeddedBroker, ensure_topics
from supportwatch.embedded_redis import ensure_redis
from supportwatch.processes import signal_group
from supportwatch.simulator import Simulator, SimulatorConfig
from supportwatch.streams.fetching import use_worker_fetcher
from tests.integration.live import DEFAULT_CONFIG, LiveWorker, WorkerConfig

ROOT = Path(__file__).resolve().parents[1]


def simulated(n: int, seed: int) -> list[tuple[bytes, bytes]]:
    """``n`` simulator events whose event times end about now (the stream of the last minutes)."""
    config = SimulatorConfig(seed=seed, conversations_per_minute=600.0)
    probe = list(_take(Simulator(config, datetime.now(UTC)), n))
    span = probe[-1][0] - probe[0][0]
    start = datetime.now(UTC) - span - timedelta(seconds=30)
    return [(key, value) for _, key, value in _take(Simulator(config, start), n)]


def _take(sim: Simulator, n: int) -> list[tuple[datetime, bytes, bytes]]:
    out = []
    for item in sim.events():
        out.append(item)
        if len(out) >= n:
            break
    return out


async def produce(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]]) -> dict[bytes, float]:
    """Send every message; returns each value's send time (epoch seconds)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks=1, max_batch_size=256 * 1024)
    await producer.start()
    sent: dict[bytes, float] = {}
    try:
        pending = []
        for key, value in messages:
            sent[value] = time.time()
            pending.append(await producer.send(topic, value, key=key))
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return sent


async def end_offsets(bootstrap: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        offsets = await consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
        return sum(offsets.values())
    finally:
        await consumer.stop()


async def read_topic(bootstrap: str, topic: str, timeout: float = 30.0) -> list[Any]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        out: list[Any] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            positions = [await consumer.position(tp) for tp in tps]
            if all(position >= ends[tp] for position, tp in zip(positions, tps, strict=True)):
                break
            for records in (await consumer.getmany(timeout_ms=200, max_records=10_000)).values():
                out.extend(records)
        return out
    finally:
        await consumer.stop()


async def watch(progress: Callable[[], Awaitable[float]], total: int, timeout: float,
                alive: Callable[[], bool]) -> tuple[float, float]:
    """Poll ``progress()`` until it reaches ``total``; returns (events/s from the first event on, seconds)."""
    deadline = time.monotonic() + timeout
    first: tuple[float, float] | None = None
    done = 0.0
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError("the process under test died")
        done = await progress()
        now = time.monotonic()
        if done > 0 and first is None:
            first = (now, done)
        if done >= total and first is not None:
            seconds = max(now - first[0], 1e-9)
            return (total - first[1]) / seconds, seconds
        await asyncio.sleep(0.5)
    raise TimeoutError(f"only {done:.0f} of {total} done within {timeout:g} s")


async def run_bare(bootstrap: str, messages: list[tuple[bytes, bytes]], tmp: Path, timeout: float,
                   fetcher: str) -> float:
    source, sink = f"bench.bare.{uuid.uuid4().hex[:6]}", f"bench.bare-out.{uuid.uuid4().hex[:6]}"
    await ensure_topics(bootstrap, {source: 4, sink: 4})
    await produce(bootstrap, source, messages)
    env = dict(os.environ, BARE_BROKER=f"kafka://{bootstrap}", BARE_SOURCE=source, BARE_SINK=sink,
                BARE_APP_ID=f"bare-{uuid.uuid4().hex[:6]}", BARE_FETCHER=fetcher)
    with (tmp / f"bare-{fetcher}.log").open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed argv
            [sys.executable, str(ROOT / "benchmarks" / "_bare_agent.py")],
            cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            rate, seconds = await watch(lambda: end_offsets(bootstrap, sink), len(messages), timeout,
                                        lambda: process.poll() is None)
        finally:
            signal_group(process, 15, 20)
    print(f"bare faust agent (decode + forward, {fetcher}'s fetcher): {rate:,.0f} events/s ({seconds:.1f} s)",
          flush=True)
    return rate


def worker_config(base: WorkerConfig, name: str, sentiment: bool, extra: dict[str, str]) -> WorkerConfig:
    prefix = f"bench.{name}.{uuid.uuid4().hex[:6]}"
    env = {
        "SUPPORTWATCH_APP_ID": prefix, "SUPPORTWATCH_TOPICS__EVENTS": f"{prefix}.events",
        "SUPPORTWATCH_TOPICS__ALERTS": f"{prefix}.alerts", "SUPPORTWATCH_TOPICS__DEADLETTER": f"{prefix}.deadletter",
        "SUPPORTWATCH_TOPICS__CUSTOMERS": f"{prefix}.customers",
        "SUPPORTWATCH_SENTIMENT_ENABLED": "true" if sentiment else "false", "HF_HUB_OFFLINE": "1", **extra,
    }
    (base.data_dir / name).mkdir(parents=True, exist_ok=True)
    return replace(base, data_dir=base.data_dir / name, extra_env=env, redis_prefix=f"{prefix}:")


async def consumed(worker: LiveWorker) -> float:
    try:
        metrics = await asyncio.to_thread(worker.metrics)
    except httpx.HTTPError:
        return 0.0
    names = ("supportwatch_events_total", "supportwatch_invalid_events_total", "supportwatch_stage_errors_total")
    return sum(value for (name, _), value in metrics.items() if name in names)


async def run_worker(config: WorkerConfig, name: str, messages: list[tuple[bytes, bytes]], tmp: Path,
                     timeout: float) -> tuple[float, LiveWorker]:
    env = config.extra_env or {}
    worker = LiveWorker(config, tmp / f"{name}.log").start()
    worker.wait_serving(timeout=300)
    await produce(config.bootstrap, env["SUPPORTWATCH_TOPICS__EVENTS"], messages)
    rate, seconds = await watch(lambda: consumed(worker), len(messages), timeout, worker.alive)
    print(f"{name}: {rate:,.0f} events/s ({seconds:.1f} s)", flush=True)
    return rate, worker


def _quantiles(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)
    at = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return f"p50 {at(0.5):.3f} s  p99 {at(0.99):.3f} s  max {ordered[-1]:.3f} s  (n={len(ordered)})"


async def paced_lag(worker: LiveWorker, config: WorkerConfig, args: argparse.Namespace) -> None:
    env = config.extra_env or {}
    sim = Simulator(replace(SimulatorConfig(seed=args.seed + 1), conversations_per_minute=args.paced_rate * 60),
                    datetime.now(UTC))
    producer = AIOKafkaProducer(bootstrap_servers=config.bootstrap, linger_ms=5, acks=1)
    await producer.start()
    sent: dict[tuple[str, str], float] = {}
    began = time.monotonic()
    try:
        for at, key, value in sim.events():
            offset = (at - sim.start).total_seconds()
            if offset > args.paced_seconds:
                break
            wait = offset - (time.monotonic() - began)
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                data = json.loads(value)
                sent[(str(data["conversation_id"]), str(data["occurred_at"]))] = time.time()
            except (ValueError, KeyError, TypeError):
                pass
            await producer.send(env["SUPPORTWATCH_TOPICS__EVENTS"], value, key=key)
    finally:
        await producer.stop()
    await asyncio.sleep(args.paced_settle)
    by_event: list[float] = []
    by_due: list[float] = []
    late: list[str] = []
    for record in await read_topic(config.bootstrap, env["SUPPORTWATCH_TOPICS__ALERTS"]):
        alert = json.loads(record.value)
        emitted = record.timestamp / 1000
        if alert["kind"] in ("resolved", "detractor"):
            fired = datetime.fromisoformat(alert["fired_at"])
            match = [t for (cid, occurred), t in sent.items()
                     if cid == alert["conversation_id"] and datetime.fromisoformat(occurred) == fired]
            if match:
                by_event.append(emitted - match[0])
        elif alert["kind"] in ("sla_warning", "sla_breach", "sla_critical") and alert.get("due_at"):
            due = datetime.fromisoformat(alert["due_at"]).timestamp()
            if due >= sim.start.timestamp():
                lateness = emitted - due
                by_due.append(lateness)
                if lateness > 1.0:
                    late.append(f"{alert['kind']} {alert['channel']} due {due - sim.start.timestamp():.1f} s "
                                f"into the phase, {lateness:.2f} s late")
    print(f"paced phase ({args.paced_rate:g} conversations/s for {args.paced_seconds:g} s):")
    print(f"  event sent -> alert emitted: {_quantiles(by_event)}")
    print(f"  due -> alert emitted:        {_quantiles(by_due)}", flush=True)
    for line in late:
        print(f"    over 1 s: {line}")


async def main_async(args: argparse.Namespace, tmp: Path, redis_url: str) -> None:
    messages = simulated(args.events, args.seed)
    print(f"input: {len(messages)} simulator events, 4 partitions", flush=True)
    with EmbeddedBroker(tmp / "broker") as broker:
        base = WorkerConfig(bootstrap=broker.bootstrap, redis_url=redis_url, redis_prefix="bench:",
                            policy_file=DEFAULT_CONFIG, data_dir=tmp / "workers")
        bares = {fetcher: await run_bare(broker.bootstrap, messages, tmp, args.timeout, fetcher)
                 for fetcher in ("aiokafka", "worker")}
        rates = {}
        runs = [("worker-no-sentiment", False, {}), ("worker", True, {})]
        runs += [(f"variant {spec}", not spec.startswith("no-sentiment:"), _env(spec)) for spec in args.variant]
        for name, sentiment, extra in runs:
            config = worker_config(base, re.sub(r"[^A-Za-z0-9._-]", "-", name), sentiment, extra)
            rates[name], worker = await run_worker(config, name, messages, tmp, args.timeout)
            try:
                if sentiment and args.paced_seconds > 0:
                    await paced_lag(worker, config, args)
            finally:
                worker.stop()
    for fetcher, bare in bares.items():
        ratios = ", ".join(f"{name} {rate / bare:.2f}x" for name, rate in rates.items())
        print(f"ratios to the bare agent with {fetcher}'s fetcher: {ratios}")


def _env(spec: str) -> dict[str, str]:
    """``[no-sentiment:]KEY=VALUE,KEY=VALUE`` -> the worker's extra environment."""
    pairs = spec.split(":", 1)[1] if spec.startswith("no-sentiment:") else spec
    return dict(pair.split("=", 1) for pair in pairs.split(",") if pair)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds each configuration may take")
    parser.add_argument("--paced-rate", type=float, default=5.0, help="conversations a second in the paced phase")
    parser.add_argument("--paced-seconds", type=float, default=60.0)
    parser.add_argument("--paced-settle", type=float, default=5.0)
    parser.add_argument("--variant", action="append", default=[],
                        help="another worker run with extra env, e.g. no-sentiment:SUPPORTWATCH_PRODUCER_LINGER_MS=5")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    use_worker_fetcher()  # this script's own consumers share the cores with the measured ones: no spinning
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as tmp, ensure_redis(args.redis) as redis_url:
        asyncio.run(main_async(args, Path(tmp), redis_url))


if __name__ == "__main__":
    main()
