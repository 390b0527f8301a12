"""Customer stage benchmark: facts/s and customers/s through the customer core as the live stage
runs it, and memory per customer held in the customer table.

    PYTHONPATH=. python benchmarks/customer_stage.py --customers 1000000

Synthetic customers over 30 days: each opens a conversation (every channel), which is answered,
sometimes breaches (10%) or turns detractor (5%), and is solved and closed; a quarter come back
within a day on another channel 70% of the time (repeat contacts, channel switches, first-contact
corrections). Facts are applied in event-time order, and for each fact the stage's work is done:
read the customer's stored bytes, decode, apply (context on the fact's alerts, repeat, risk),
encode and store the bytes back (streams/customers.py does the same per customer and batch).

Memory: tracemalloc of the table as the memory store holds it (customer id -> encoded bytes) after
every fact was applied (copied under tracing, which would slow the run itself threefold), divided by
the customers held; also the largest record.
"""

from __future__ import annotations

import argparse
import gc
import heapq
import random
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime

from supportwatch.alerts import Alert, AlertKind
from supportwatch.alerts.model import SEVERITY_OF, stable_id
from supportwatch.customers import ConversationFact, CustomerTracker
from supportwatch.customers.rules import CustomerRules
from supportwatch.streams.codec import decode_customer, encode_customer

T0 = datetime(2026, 11, 1, tzinfo=UTC).timestamp()
CHANNELS = ("chat", "chat", "phone", "email", "messaging", "social")
SPAN = 30 * 86400.0


def _alert(kind: AlertKind, conversation: str, channel: str) -> Alert:
    return Alert(id=stable_id(kind.value, conversation), kind=kind, level=kind.value, severity=SEVERITY_OF[kind],
                 conversation_id=conversation, channel=channel, fired_at=datetime.fromtimestamp(T0, UTC),
                 summary=kind.value, customer_id=None)


def _conversation(rng: random.Random, customer: str, n: int, at: float, channel: str) -> list[ConversationFact]:
    cid = f"{customer}-conv-{n}"
    team = rng.choice(("billing", "returns", "tech"))
    base = {"customer_id": customer, "conversation_id": cid, "channel": channel, "team": team}
    facts = [ConversationFact(seq=1, at=at, opened=True, **base),
             ConversationFact(seq=2, at=at + 60, answered=True, mood=rng.uniform(-1, 1), **base)]
    seq = 3
    if rng.random() < 0.10:
        facts.append(ConversationFact(seq=seq, at=at + 120, alerts=(_alert(AlertKind.SLA_BREACH, cid, channel),),
                                      **base))
        seq += 1
    if rng.random() < 0.05:
        facts.append(ConversationFact(seq=seq, at=at + 180, alerts=(_alert(AlertKind.DETRACTOR, cid, channel),),
                                      mood=-0.7, **base))
        seq += 1
    facts.append(ConversationFact(seq=seq, at=at + 600, resolved=True, is_open=False, **base))
    return facts


def facts(customers: int, seed: int) -> Iterator[ConversationFact]:
    """Every customer's facts, merged in event-time order (generated per customer, lazily)."""
    rng = random.Random(seed)

    def of(i: int) -> list[ConversationFact]:
        customer = f"cust-{i:08d}"
        at = T0 + rng.uniform(0, SPAN)
        channel = rng.choice(CHANNELS)
        out = _conversation(rng, customer, 0, at, channel)
        if rng.random() < 0.25:
            again = channel if rng.random() < 0.3 else rng.choice([c for c in CHANNELS if c != channel])
            out += _conversation(rng, customer, 1, at + rng.uniform(1200, 86400), again)
        return out

    per_customer = (sorted(of(i), key=lambda f: f.at) for i in range(customers))
    yield from heapq.merge(*_chunks(per_customer, 50_000), key=lambda f: f.at)


def _chunks(streams: Iterator[list[ConversationFact]], size: int) -> list[list[ConversationFact]]:
    """Sorted runs of ``size`` customers each (heapq.merge over a handful of runs, not a million)."""
    runs: list[list[ConversationFact]] = []
    run: list[ConversationFact] = []
    for n, items in enumerate(streams, 1):
        run.extend(items)
        if n % size == 0:
            runs.append(sorted(run, key=lambda f: f.at))
            run = []
    if run:
        runs.append(sorted(run, key=lambda f: f.at))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    tracker = CustomerTracker(CustomerRules(), "https://desk/{conversation_id}")
    started = time.perf_counter()
    stream = list(facts(args.customers, args.seed))
    print(f"built {len(stream):,} facts of {args.customers:,} customers in {time.perf_counter() - started:.1f} s",
          flush=True)

    gc.collect()
    table: dict[str, bytes] = {}
    counts = {"alerts": 0, "repeat": 0, "recontacts": 0}
    wall, cpu = time.perf_counter(), time.process_time()
    for fact in stream:
        stored = table.get(fact.customer_id)
        state = decode_customer(stored)[1] if stored is not None else None
        step = tracker.apply(state, fact)
        table[fact.customer_id] = encode_customer(0, step.state)
        counts["alerts"] += len(step.alerts)
        counts["repeat"] += step.repeat is not None
        counts["recontacts"] += len(step.recontacts)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    applied = len(stream)
    del stream
    gc.collect()
    tracemalloc.start()  # the table copied under tracing: what the memory store holds, key and value
    copy = {key.encode().decode(): bytes(bytearray(value)) for key, value in table.items()}
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    largest = max(len(value) for value in table.values())
    print(f"{applied:,} facts in {wall:.1f} s wall / {cpu:.1f} s CPU: {applied / wall:,.0f} facts/s, "
          f"{args.customers / wall:,.0f} customers/s (one process)")
    print(f"alerts out {counts['alerts']:,}; repeat contacts {counts['repeat']:,}; "
          f"first-contact corrections {counts['recontacts']:,}")
    print(f"memory: {held / len(copy):,.0f} bytes per customer held ({len(copy):,} customers, tracemalloc of "
          f"the table: ids and encoded records); largest record {largest} bytes")


if __name__ == "__main__":
    main()
