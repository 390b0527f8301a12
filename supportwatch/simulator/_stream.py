"""The endless, seeded, event-time-ordered stream of a simulated support floor."""

from __future__ import annotations

import heapq
import itertools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from supportwatch.events.exceptions import Reason
from supportwatch.simulator._broken import break_event
from supportwatch.simulator._config import SimulatorConfig
from supportwatch.simulator._conversation import Conversation, Planned, conversation
from supportwatch.simulator._customers import Customer, Customers
from supportwatch.simulator.exceptions import SimulatorConfigError

_Entry = tuple[datetime, int, Planned, Iterator[Planned]]


def _seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - a reproducible simulation, not a secret


@dataclass(frozen=True, slots=True)
class SimRecord:
    """One Kafka message: event time, key (conversation id), value; ``invalid`` names the reason a
    deliberately broken message must be refused for (``None`` for a valid v1 event)."""

    at: datetime
    key: bytes
    value: bytes
    invalid: Reason | None = None


class Simulator:
    """Conversations arrive as a Poisson process (``conversations_per_minute`` of event time), from a
    new customer on a channel drawn from ``channel_mix`` or from a recent one coming back
    (``returning_share``); their events are merged in event-time order. Each call of :meth:`records`
    or :meth:`events` starts the same stream again from ``start``."""

    def __init__(self, config: SimulatorConfig, start: datetime) -> None:
        if start.tzinfo is None or start.utcoffset() is None:
            raise SimulatorConfigError("start must be a timezone-aware datetime")
        self.config = config
        self.start = start.astimezone(UTC)

    def events(self) -> Iterator[tuple[datetime, bytes, bytes]]:
        """``(event time, key, value)`` for every message, valid or not, in event-time order."""
        for record in self.records():
            yield record.at, record.key, record.value

    def records(self) -> Iterator[SimRecord]:
        config = self.config
        rng = _seeded(config.seed)
        broken_rng = _seeded(rng.getrandbits(64))
        customers = Customers(rng, config)
        heap: list[_Entry] = []
        order = itertools.count()

        def begin(script: Iterator[Planned]) -> None:
            first = next(script, None)
            if first is not None:
                heapq.heappush(heap, (first.at, next(order), first, script))

        for channel in sorted(c for c, weight in config.channel_mix.items() if weight > 0):
            lates = sum(1 for index in range(config.backlog_per_channel) if index % 5)
            for index in range(config.backlog_per_channel):
                customer = customers.new(rng)
                critical = index % 5 == 0
                # the late replies land evenly over 1.6 horizons: a reply of every channel in any
                # stretch of 0.4 horizon (the dashboards' rate windows see every channel early on)
                slot = (index - index // 5 - 0.5) / max(1, lates) * 1.6
                backlog = self._backlog_conversation(_seeded(rng.getrandbits(64)), channel, customer, critical, slot)
                customers.remember(backlog.opened_at, customer, channel, backlog.troubled)
                begin(iter(backlog.events))
        rate = config.conversations_per_minute / 60.0
        arrival = self.start + timedelta(seconds=rng.expovariate(rate))
        while True:
            if not heap or arrival <= heap[0][0]:
                customer, channel = customers.arrival(rng, arrival)
                convo = conversation(_seeded(rng.getrandbits(64)), config, channel, arrival, customer)
                customers.remember(arrival, customer, channel, convo.troubled)
                begin(iter(convo.events))
                arrival += timedelta(seconds=rng.expovariate(rate))
                continue
            at, _, planned, script = heapq.heappop(heap)
            key = planned.body["conversation_id"].encode()
            yield SimRecord(at, key, json.dumps(planned.body, ensure_ascii=False).encode("utf-8"))
            if broken_rng.random() < config.invalid_ratio:
                reason, value = break_event(broken_rng, planned.body, config.oversized_text_bytes)
                yield SimRecord(at, key, value, reason)
            begin(script)

    def _backlog_conversation(
        self, rng: random.Random, channel: str, customer: Customer, critical: bool, slot: float
    ) -> Conversation:
        """A conversation already waiting at ``start`` whose first reply comes late (after its target,
        before its critical limit) ``slot`` horizons after ``start``, or (``critical``, every fifth of
        a channel's backlog) that reaches its critical limit within the horizon after ``start``."""
        target = self.config.targets[channel]
        if critical:
            due = self.start + self.config.backlog_horizon * rng.uniform(0.0, 1.0)
            delay = target.critical * rng.uniform(1.02, 1.2)
            opened = due - timedelta(seconds=target.critical)
            return conversation(rng, self.config, channel, opened, customer, (delay, "critical"))
        ceiling = min(1.6, 0.95 * target.critical / target.target)
        replied = self.start + self.config.backlog_horizon * slot
        # breached (at least 5% over target) after ``start`` where the reply comes late enough for it
        since_start = (replied - self.start).total_seconds() / target.target
        over = rng.uniform(0.05, min(ceiling - 1, since_start) if since_start > 0.05 else ceiling - 1)
        delay = target.target * (1 + over)
        opened = replied - timedelta(seconds=delay)
        return conversation(rng, self.config, channel, opened, customer, (delay, "late"))
