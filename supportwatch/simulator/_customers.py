"""Who opens the next conversation, and on which channel: a new customer, or a recent one coming back,
mostly on another channel (the chat breached, so they call). Remembers a bounded number of customers."""

from __future__ import annotations

import bisect
import random
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from supportwatch.simulator._config import SimulatorConfig

# A return draws a remembered customer at random, up to _TRIES times: one whose last conversation went
# well is kept with probability _CONTENT_KEPT, one whose conversation went badly always.
_TRIES = 4
_CONTENT_KEPT = 0.2


@dataclass(frozen=True, slots=True)
class Customer:
    """A simulated customer; ``tier`` is ``"vip"`` or ``None``."""

    customer_id: str
    tier: str | None = None


@dataclass(frozen=True, slots=True)
class _Visit:
    opened_at: datetime
    customer: Customer
    channel: str
    troubled: bool


def _opened_at(visit: _Visit) -> datetime:
    return visit.opened_at


class Customers:
    """Each customer's latest conversation, oldest first, for at most ``remembered_customers``
    customers and ``return_gap_max`` of event time; a customer who comes back is remembered again
    with the new conversation. Customer ids are unique within a stream."""

    def __init__(self, rng: random.Random, config: SimulatorConfig) -> None:
        self._config = config
        self._next_number = rng.randrange(1_000_000, 9_000_000)
        self._recent: deque[_Visit] = deque()
        self._mix = list(config.channel_mix)
        self._weights = [config.channel_mix[c] for c in self._mix]

    def new(self, rng: random.Random) -> Customer:
        """A customer not seen before: ``vip`` with probability ``vip_share``."""
        number = self._next_number
        self._next_number += 1
        return Customer(f"cust-{number:07d}", "vip" if rng.random() < self._config.vip_share else None)

    def arrival(self, rng: random.Random, at: datetime) -> tuple[Customer, str]:
        """The customer and channel of a conversation that opens at ``at`` (arrival-time order).

        With probability ``returning_share`` a remembered customer whose latest conversation opened
        between ``return_gap_max`` and ``return_gap_min`` before ``at`` comes back (a new customer
        when there is none), on another channel with probability ``channel_switch_ratio``.
        """
        config = self._config
        while self._recent and self._recent[0].opened_at < at - config.return_gap_max:
            self._recent.popleft()
        if rng.random() < config.returning_share:
            visit = self._take_returning(rng, at)
            if visit is not None:
                return visit.customer, self._next_channel(rng, visit.channel)
        return self.new(rng), rng.choices(self._mix, weights=self._weights)[0]

    def remember(self, opened_at: datetime, customer: Customer, channel: str, troubled: bool) -> None:
        """Note a conversation; ``troubled``: it went badly, so its customer is likelier to return."""
        bisect.insort(self._recent, _Visit(opened_at, customer, channel, troubled), key=_opened_at)
        if len(self._recent) > self._config.remembered_customers:
            self._recent.popleft()

    def _take_returning(self, rng: random.Random, at: datetime) -> _Visit | None:
        eligible = bisect.bisect_right(self._recent, at - self._config.return_gap_min, key=_opened_at)
        if eligible == 0:
            return None
        index = rng.randrange(eligible)
        for _ in range(_TRIES - 1):
            if self._recent[index].troubled or rng.random() < _CONTENT_KEPT:
                break
            index = rng.randrange(eligible)
        visit = self._recent[index]
        del self._recent[index]
        return visit

    def _next_channel(self, rng: random.Random, previous: str) -> str:
        others = [(c, w) for c, w in zip(self._mix, self._weights, strict=True) if c != previous and w > 0]
        if not others or rng.random() >= self._config.channel_switch_ratio:
            return previous
        return rng.choices([c for c, _ in others], weights=[w for _, w in others])[0]
