"""Live SLA firing: how late warnings fire with many open conversations in real workers.

    PYTHONPATH=. python benchmarks/sla_live.py --conversations 100000

Starts a noida-db broker and one ``supportwatch worker`` process (the test Redis, a prefix of its
own), then loads ``--conversations`` open phone conversations: one customer message each, without
text (no classification), each naming its customer (``--anonymous``: none, so the alerts skip the
customer stage; ``--split``: a ``conversations`` worker and a ``customers`` worker, each its own
process; ``--workers N``: N workers of the default role sharing the partitions). The phone
first-reply clock has a single warning at 50% of a 1 h target.
``--due`` of the conversations (default: all) get an ``occurred_at`` that makes their warning come
due at a uniformly random time in ``[T + lead, T + lead + window]`` (T: when producing starts); the
others are due an hour later and only fill the table and the deadline index. ``--lead`` must cover
the load, so the warnings fire from an idle, fully loaded worker; the script prints the margin.

For every warning on the alerts topic (read from the beginning, no group) it computes:
  fired - due    ``fired_at - due_at`` from the alert JSON (the worker's tick loop and track agent)
  arrival - due  when this script read the alert from the topic minus ``due_at`` (adds the
                 producer, the broker and our consumer)
  sent - fired   the alert record's timestamp (when the worker's producer took it) minus
                 ``fired_at``: the hop through the customers topic (conversations that name a
                 customer) and the worker's producer
and prints p50/p90/p99/max, with counts of expected, received and repeated warnings. ``--facts``
also reads the customers topic and prints when the facts carrying the warnings were sent.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import random
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaProducer

from supportwatch.broker import EmbeddedBroker
from supportwatch.embedded_redis import ensure_redis
from supportwatch.settings import Settings
from tests.integration.live import (
    CUSTOMERS_TOPIC,
    EVENTS_TOPIC,
    LiveWorker,
    Received,
    WorkerConfig,
    all_consuming,
    phone_message,
    produce,
    read_alerts,
    split_roles,
    wait_consuming,
    write_policy,
)

TARGET = timedelta(hours=1)
WARNING_AT = TARGET / 2
POLICY = {
    "first_reply": {"target": "1h", "critical": "2h", "warnings": ["50%"]},
    "resolution": {"target": "1d", "critical": "3d", "warnings": ["80%"]},
}


def _quantiles(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return (f"p50 {at(0.50):.3f} s  p90 {at(0.90):.3f} s  p99 {at(0.99):.3f} s  max {ordered[-1]:.3f} s  "
            f"min {ordered[0]:.3f} s")


def _warnings(record: Received) -> int:
    """The warnings a record of the alerts topic is: 1 or 0."""
    return int(record.alert["kind"] == "sla_warning")


def _carried_warnings(record: Received) -> int:
    """The warnings a fact of the customers topic carries."""
    return sum(1 for alert in record.alert.get("al", []) if alert["kind"] == "sla_warning")


def _warnings_done(expected: int, count: Callable[[Received], int] = _warnings) -> Callable[[list[Received]], bool]:
    seen = 0
    warnings = 0

    def done(received: list[Received]) -> bool:
        nonlocal seen, warnings
        warnings += sum(count(r) for r in received[seen:])
        seen = len(received)
        return warnings >= expected

    return done


def _open(workers: list[LiveWorker]) -> float:
    return sum(worker.sample("supportwatch_open_conversations", channel="phone", state="waiting_first_reply") or 0.0
               for worker in workers)


def _layout(args: argparse.Namespace) -> str:
    if args.split:
        return "a conversations and a customers worker"
    return "one worker" if args.workers == 1 else f"{args.workers} workers sharing the partitions"


async def run(args: argparse.Namespace, tmp: Path, redis_url: str) -> None:
    n = args.conversations
    expected = args.due if args.due is not None else n
    rng = random.Random(args.seed)
    with EmbeddedBroker(tmp / "broker") as broker:
        config = WorkerConfig(
            bootstrap=broker.bootstrap, redis_url=redis_url, redis_prefix=f"bench:sla-live:{uuid.uuid4().hex}:",
            policy_file=write_policy(tmp / "policy.yaml", POLICY), data_dir=tmp / "worker",
            partitions=args.partitions,
        )
        with ExitStack() as workers:
            if args.split:
                config, customers = split_roles(config)
                workers.enter_context(LiveWorker(customers, tmp / "customers-worker.log")).wait_serving(timeout=300)
            started = time.monotonic()
            shared = [workers.enter_context(LiveWorker(
                dataclasses.replace(config, data_dir=tmp / f"worker-{n}") if n else config,
                tmp / (f"worker-{n + 1}.log" if n else "worker.log"))) for n in range(args.workers)]
            worker = shared[0]
            for each in shared:
                each.wait_serving(timeout=300)
            joined = (await wait_consuming(worker, broker.bootstrap) if len(shared) == 1
                      else await all_consuming(shared, broker.bootstrap, args.partitions))
            print(f"worker consuming after {time.monotonic() - started:.1f} s (group join and warm-up event "
                  f"{joined:.1f} s; log {worker.log_path})", flush=True)

            now = datetime.now(UTC)
            base = now.replace(microsecond=now.microsecond // 1000 * 1000) + timedelta(seconds=args.lead)
            # Millisecond steps: the event contract's precision. Conversations beyond --due are due an
            # hour after the window: they only fill the table and the deadline index.
            window_ms = int(args.window * 1000)
            dues = sorted(base + timedelta(milliseconds=rng.randrange(window_ms)) for _ in range(expected))
            dues += [base + TARGET] * (n - expected)
            messages = [(f"live-{i}", phone_message(f"live-{i}", at - WARNING_AT, identified=not args.anonymous))
                        for i, at in enumerate(dues)]
            load_started = time.monotonic()
            sent = await produce(broker.bootstrap, messages)
            produced = time.monotonic() - load_started
            reported = load_started
            while (count := _open(shared)) < n:
                if dead := [w for w in shared if not w.alive()]:
                    raise RuntimeError(f"a worker died:\n{dead[0].log_tail()}")
                elapsed = time.monotonic() - load_started
                if elapsed > args.lead + args.window:
                    raise RuntimeError(f"only {count:.0f} of {n} conversations open: load too slow")
                if time.monotonic() - reported >= 15:
                    reported = time.monotonic()
                    print(f"  {elapsed:.0f} s: {count:.0f} open", flush=True)
                await asyncio.sleep(0.5)
            loaded = time.monotonic() - load_started
            margin = (dues[0] - datetime.now(UTC)).total_seconds()
            print(f"load: {sent} messages produced in {produced:.1f} s, {n} conversations open after {loaded:.1f} s "
                  f"({n / loaded:,.0f}/s); first warning due {margin:.1f} s later", flush=True)
            # Read only now: against noida-db an idle consumer polls without pause and would slow the load.
            timeout = max(0.0, margin) + args.window + args.grace
            reading = asyncio.create_task(read_alerts(broker.bootstrap, _warnings_done(expected), timeout=timeout))
            facts = asyncio.create_task(read_alerts(
                broker.bootstrap, _warnings_done(expected, _carried_warnings), timeout=timeout, topic=CUSTOMERS_TOPIC,
            )) if args.facts else None
            if args.burst_rate:
                await asyncio.sleep(max(0.0, margin + args.window / 2 - args.burst_seconds / 2))
                burst = await _burst(broker.bootstrap, args.burst_rate, args.burst_seconds)
                print(f"burst: {burst} new conversations at {args.burst_rate:g}/s for {args.burst_seconds:g} s, "
                      "in the middle of the window", flush=True)
            received = await reading
            carried = await facts if facts is not None else []

    warnings = [r for r in received if r.alert["kind"] == "sla_warning"]
    repeats = sum(c - 1 for c in Counter((r.alert["conversation_id"], r.alert["level"]) for r in warnings).values())
    fired = [(datetime.fromisoformat(r.alert["fired_at"]) - datetime.fromisoformat(r.alert["due_at"])).total_seconds()
             for r in warnings]
    arrival = [r.arrived - datetime.fromisoformat(r.alert["due_at"]).timestamp() for r in warnings]
    hop = [r.sent - datetime.fromisoformat(r.alert["fired_at"]).timestamp() for r in warnings]
    other = Counter(r.alert["kind"] for r in received if r.alert["kind"] != "sla_warning")
    print(f"warnings: expected {expected}, received {len(warnings)}, repeated {repeats}; other alerts {dict(other)}")
    print(f"fired - due:   {_quantiles(fired)}")
    print(f"arrival - due: {_quantiles(arrival)}")
    print(f"sent - fired:  {_quantiles(hop)}")
    if args.facts:
        fact_sent = [r.sent - datetime.fromisoformat(a["fired_at"]).timestamp()
                     for r in carried for a in r.alert.get("al", []) if a["kind"] == "sla_warning"]
        print(f"fact sent - fired: {_quantiles(fact_sent)} (n={len(fact_sent)})")
    print(f"window: {expected} of {n} open conversations due over {args.window:g} s "
          f"({expected / args.window:,.0f}/s), {args.partitions} partitions, "
          f"tick interval {Settings().tick_interval_seconds:g} s, "
          f"{_layout(args)}")


async def _burst(bootstrap: str, rate: float, seconds: float) -> int:
    """New phone conversations (due an hour later) at ``rate`` a second for ``seconds``, paced."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks=1)
    await producer.start()
    began = time.monotonic()
    sent = 0
    try:
        while (elapsed := time.monotonic() - began) < seconds:
            for _ in range(int(elapsed * rate) - sent):
                key = f"burst-{sent}"
                await producer.send(EVENTS_TOPIC, phone_message(key, datetime.now(UTC)), key=key.encode())
                sent += 1
            await asyncio.sleep(0.01)
        await producer.flush()
    finally:
        await producer.stop()
    return sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=None,
                        help="how many conversations come due in the window (default: all)")
    parser.add_argument("--lead", type=float, default=240.0, help="seconds from the load's start to the first due")
    parser.add_argument("--window", type=float, default=60.0, help="seconds over which the warnings come due")
    parser.add_argument("--grace", type=float, default=120.0, help="seconds to wait for late warnings")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--facts", action="store_true",
                        help="also read the customers topic: when the facts carrying the warnings were sent")
    parser.add_argument("--anonymous", action="store_true",
                        help="conversations without a customer_id: their alerts skip the customer stage")
    parser.add_argument("--split", action="store_true",
                        help="the customer stage in a worker of its own (SUPPORTWATCH_ROLE=customers)")
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes of the default role sharing the partitions (not with --split)")
    parser.add_argument("--burst-rate", type=float, default=0.0,
                        help="input events a second of a burst of new conversations in the middle of the window")
    parser.add_argument("--burst-seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    if args.split and args.workers != 1:
        parser.error("--split runs one worker of each role: leave --workers at 1")
    with tempfile.TemporaryDirectory(prefix="sla-live-") as tmp, ensure_redis(args.redis) as redis_url:
        asyncio.run(run(args, Path(tmp), redis_url))


if __name__ == "__main__":
    main()
