"""SLA engine benchmark: replay throughput of the pure core and memory per open conversation.

    python benchmarks/sla_replay.py --conversations 40000 --open 100000

Throughput: synthetic conversations (all channels, 1-4 exchanges, pauses, solves, a few
priority changes, 2% of events delivered out of order within the lateness, 1% duplicates) are
built first, then replayed by event time the way the replay command does it: before each event,
every conversation due by then is popped from the DeadlineIndex and advanced; the event is
applied; the conversation's next due time goes back into the index. Events/s counts input events,
per second of wall time and per second of this process's CPU time (the machine is shared).

Memory: tracemalloc over ``--open`` conversations held as ConversationSla objects in a dict,
each waiting for a next reply (first reply answered, next reply and resolution running), with
ids and team/agent/customer strings as a worker would hold them.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import random
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

from supportwatch.events.model import Event
from supportwatch.replay import partition_of
from supportwatch.sla import ConversationSla, DeadlineIndex, SlaEngine, load_policies

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CHANNELS = ["chat", "chat", "chat", "phone", "email", "email", "messaging", "social"]
REPLY_DELAY = {"chat": 90, "phone": 30, "email": 6 * 3600, "messaging": 1800, "social": 3600}


def _event(rng: random.Random, cid: str, n: int, at: float, channel: str, **fields: Any) -> Event:
    body: dict[str, Any] = {
        "event_id": f"{cid}-{n}",
        "conversation_id": cid,
        "occurred_at": T0 + timedelta(seconds=at),
        "channel": channel,
        "customer_id": f"cust-{cid}",
    }
    kind = fields.pop("kind")
    if kind in ("customer", "agent", "bot"):
        body.update(type="message", author=kind, text="hello")
    else:
        body.update(type="status", status=kind)
    return Event(**body, **fields)


def conversation(rng: random.Random, i: int, span: float) -> list[Event]:
    cid = f"conv-{i:07d}"
    channel = rng.choice(CHANNELS)
    delay = REPLY_DELAY[channel]
    at = rng.uniform(0, span)
    events = [_event(rng, cid, 0, at, channel, kind="customer", priority=rng.choice(["normal", "normal", "high"]))]
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.3:
            at += rng.uniform(1, 20)
            events.append(_event(rng, cid, len(events), at, channel, kind="bot"))
        at += rng.expovariate(1 / delay)
        agent = f"agent-{rng.randint(1, 200)}"
        events.append(_event(rng, cid, len(events), at, channel, kind="agent", agent_id=agent, team="support"))
        if rng.random() < 0.2:
            at += rng.uniform(60, 3600)
            events.append(_event(rng, cid, len(events), at, channel, kind="pending"))
        if rng.random() < 0.05:
            at += rng.uniform(1, 60)
            events.append(_event(rng, cid, len(events), at, channel, kind="customer", priority="urgent"))
        at += rng.expovariate(1 / (3 * delay))
        events.append(_event(rng, cid, len(events), at, channel, kind="customer"))
    at += rng.expovariate(1 / delay)
    events.append(_event(rng, cid, len(events), at, channel, kind="agent"))
    at += rng.uniform(1, 600)
    events.append(_event(rng, cid, len(events), at, channel, kind="solved"))
    return events


def build_stream(conversations: int, seed: int, lateness: float) -> list[Event]:
    rng = random.Random(seed)
    span = conversations * 2.0  # a new conversation every 2 s on average
    stream = sorted((e for i in range(conversations) for e in conversation(rng, i, span)), key=lambda e: e.occurred_at)
    # deliver 2% of the events late (within the lateness) and 1% twice
    for k in range(len(stream) - 1, 0, -1):
        if rng.random() < 0.02:
            j = k
            limit = stream[k].occurred_at + timedelta(seconds=lateness)
            while j + 1 < len(stream) and stream[j + 1].occurred_at < limit:
                j += 1
            stream.insert(j, stream.pop(k))
    for k in rng.sample(range(len(stream)), len(stream) // 100):
        stream.append(stream[k])  # redelivered at the end, like after a consumer restart
    return stream


def replay(engine: SlaEngine, stream: list[Event]) -> dict[str, float]:
    states: dict[str, ConversationSla] = {}
    index: DeadlineIndex[str] = DeadlineIndex()
    signals = outcomes = dropped = 0
    start, cpu = time.perf_counter(), time.process_time()
    for event in stream:
        now_ts = event.occurred_at.timestamp()
        for cid in index.pop_due(now_ts):
            state = states[cid]
            signals += len(engine.advance(state, now_ts).signals)
            index.set(cid, engine.next_due_ts(state))
        cid = event.conversation_id
        step = engine.apply(states.get(cid), event)
        states[cid] = step.state
        signals += len(step.signals)
        outcomes += len(step.outcomes)
        dropped += step.dropped is not None
        index.set(cid, engine.next_due_ts(step.state))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"events": len(stream), "seconds": elapsed, "events_per_s": len(stream) / elapsed,
            "cpu_events_per_s": len(stream) / cpu, "signals": signals, "outcomes": outcomes, "dropped": dropped}


def replay_partitioned(engine: SlaEngine, stream: list[Event], workers: int) -> list[dict[str, float]]:
    """Replay each partition (conversation id hash modulo ``workers``) in its own forked process."""
    parts: list[list[Event]] = [[] for _ in range(workers)]
    for event in stream:
        parts[partition_of(event.conversation_id, workers)].append(event)
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.starmap(replay, [(engine, part) for part in parts])


def memory_per_open(engine: SlaEngine, count: int, settled: bool) -> float:
    """Bytes per open conversation; ``settled``: the last event is older than the lateness."""
    gap = 600 if settled else 20
    templates = []
    for i in range(count):
        cid = f"conv-{i:07d}"
        templates.append([
            _event(random.Random(i), cid, 0, 0, "chat", kind="customer", team="support"),
            _event(random.Random(i), cid, 1, gap, "chat", kind="agent", agent_id=f"agent-{i % 200}"),
            _event(random.Random(i), cid, 2, 2 * gap, "chat", kind="customer"),
        ])
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    states: dict[str, ConversationSla] = {}
    for events in templates:
        state = None
        for event in events:
            state = engine.apply(state, event).state
        assert state is not None
        states[state.conversation_id] = state
    del templates  # the events themselves are not part of the state
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    used = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    sample = next(iter(states.values()))
    assert sample.core.next is not None and sample.core.next.active
    return used / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=40_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--lateness", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="replay the stream this often (fresh states each time)")
    parser.add_argument("--workers", type=int, default=1,
                        help="also replay with this many processes, each owning the conversations of its partition")
    args = parser.parse_args()
    engine = SlaEngine(load_policies(None), lateness=timedelta(seconds=args.lateness))
    stream = build_stream(args.conversations, args.seed, args.lateness)
    for _ in range(args.repeat):
        result = replay(engine, stream)
        print(f"replay: {result['events']:,} events in {result['seconds']:.2f} s = {result['events_per_s']:,.0f} "
              f"events/s wall, {result['cpu_events_per_s']:,.0f} events/s of process CPU time "
              f"({result['signals']:,} signals, {result['outcomes']:,} outcomes, {result['dropped']:,} dropped)")
    if args.workers > 1:
        for _ in range(args.repeat):
            parts = replay_partitioned(engine, stream, args.workers)
            events = sum(int(p["events"]) for p in parts)
            wall = max(p["seconds"] for p in parts)
            cpu = max(p["events"] / p["cpu_events_per_s"] for p in parts)
            print(f"replay, {args.workers} worker processes (partitioned by conversation id, as by the topic key): "
                  f"{events:,} events = {events / wall:,.0f} events/s wall, {events / cpu:,.0f} events/s of the "
                  f"busiest worker's CPU time")
    for settled in (True, False):
        per = memory_per_open(engine, args.open, settled)
        label = "settled (last event older than the lateness)" if settled else "active (events within the lateness)"
        print(f"memory: {per:,.0f} bytes per open conversation, {label}, {args.open:,} conversations")


if __name__ == "__main__":
    main()
