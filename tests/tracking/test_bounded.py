"""A conversation that never ends (a bot loop, a customer who keeps writing) keeps a bounded
record: what is stored per event does not grow with the number of events before it."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import timedelta

from supportwatch.config import load_config
from supportwatch.events import Event
from supportwatch.models.protocol import Sentiment
from supportwatch.mood import MoodTracker
from supportwatch.sla import SlaEngine
from supportwatch.sla import log as buffer
from supportwatch.tracking import ConversationRecord, Tracker
from tests.kit import Events

LOOP = Events(conversation="loop", team=None)  # chat, no team: events of the conversation "loop"
NEGATIVE = Sentiment.from_probs({"negative": 0.9, "neutral": 0.05, "positive": 0.05})
STATUSES = ["pending", "open", "on_hold", "open", "solved"]


def endless_conversation(count: int, seed: int = 5) -> Iterator[Event]:
    """Bursts of bot loops (events 0.2-1 s apart, far more than the log keeps within the lateness),
    agent replies, status changes and quiet spells; one event in ten arrives up to 40 s late."""
    rng = random.Random(seed)
    at, held = 0.0, []
    for n in range(count):
        burst = (n // 500) % 3 != 2
        at += rng.uniform(0.2, 1.0) if burst else rng.choice([5.0, 30.0, 90.0, 900.0])
        roll = rng.random()
        when = at - (rng.uniform(0, 40) if roll < 0.1 else 0)
        if roll < 0.45:
            held.append(LOOP(when, "customer", event_id=f"loop-{n}", text="still broken"))
        elif roll < 0.8:
            held.append(LOOP(when, "bot", event_id=f"loop-{n}", text="Have you tried restarting?"))
        elif roll < 0.9:
            held.append(LOOP(when, "agent", event_id=f"loop-{n}", text="Looking", agent=f"a-{n % 7}"))
        else:
            held.append(LOOP(when, rng.choice(STATUSES), event_id=f"loop-{n}"))
        if len(held) > 1 and rng.random() < 0.5:
            yield held.pop(rng.randrange(len(held)))  # a little shuffling of arrival order
        else:
            yield held.pop(0)
    yield from held


def test_a_100000_event_conversation_keeps_a_bounded_record() -> None:
    config = load_config(None)
    engine = SlaEngine(config.policies, lateness=timedelta(seconds=60))
    tracker = Tracker(engine, MoodTracker(config.mood_rules), "https://desk/c/{conversation_id}")
    record: ConversationRecord | None = None
    sizes: dict[int, int] = {}
    buffered = dropped = 0
    for n, event in enumerate(endless_conversation(100_000), start=1):
        update = tracker.on_event(record, event, NEGATIVE if event.is_customer_message else None)
        record = update.record
        assert record is not None
        dropped += update.dropped is not None
        buffered = max(buffered, buffer.size(record.sla.log))
        if n % 1000 == 0:
            sizes[n] = len(json.dumps(record.to_dict()))
    assert record is not None and max(sizes.values()) < 64 * 1024
    assert sizes[100_000] < 3 * sizes[1000]
    assert buffered == engine.max_buffered  # the count bound was reached, and held
    assert len(record.sla.emitted) < 60 and len(record.sla.ids) == 16 * engine.remember_ids
    assert dropped < 10_000
