"""Live figures over every open conversation a worker holds, kept incrementally.

Counts by channel and state, running clocks by channel and clock, and the oldest unanswered
customer message per channel (a heap with lazy deletion), so a scrape never scans the table.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from supportwatch.sla.plans import Deadline
from supportwatch.tracking.record import ConversationRecord


class OpenState(StrEnum):
    WAITING_FIRST_REPLY = "waiting_first_reply"
    WAITING_REPLY = "waiting_reply"
    ANSWERED = "answered"
    PAUSED = "paused"


@dataclass(frozen=True, slots=True)
class OpenEntry:
    channel: str
    team: str
    state: OpenState
    waiting_since: float | None  # epoch seconds of the unanswered customer message
    clocks: frozenset[str]
    priority: str = "normal"
    agent_id: str | None = None
    mood: float | None = None  # the customer's smoothed mood, -1..1
    deadline: Deadline | None = None  # the running clock due first: what the worklist sorts by


class OpenConversations:
    def __init__(self) -> None:
        self._entries: dict[str, OpenEntry] = {}
        self._states: Counter[tuple[str, str, OpenState]] = Counter()
        self._clocks: Counter[tuple[str, str]] = Counter()
        self._waiting: dict[str, list[tuple[float, str]]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, conversation_id: str, entry: OpenEntry | None) -> None:
        """Record a conversation's current entry; None removes it (closed or evicted)."""
        old = self._entries.pop(conversation_id, None)
        if old is not None:
            self._states[(old.channel, old.team, old.state)] -= 1
            for clock in old.clocks:
                self._clocks[(old.channel, clock)] -= 1
        if entry is None:
            return
        self._entries[conversation_id] = entry
        self._states[(entry.channel, entry.team, entry.state)] += 1
        for clock in entry.clocks:
            self._clocks[(entry.channel, clock)] += 1
        if entry.waiting_since is not None and (old is None or old.waiting_since != entry.waiting_since):
            heapq.heappush(self._waiting.setdefault(entry.channel, []), (entry.waiting_since, conversation_id))

    def clear(self) -> None:
        self._entries.clear()
        self._states.clear()
        self._clocks.clear()
        self._waiting.clear()

    def items(self) -> Iterator[tuple[str, OpenEntry]]:
        return iter(self._entries.items())

    def count(self, channel: str, state: OpenState) -> int:
        return sum(n for (c, _, s), n in self._states.items() if c == channel and s == state)

    def counts(self) -> list[tuple[str, str, OpenState, int]]:
        """(channel, team, state, count) for every combination seen."""
        return [(c, t, s, n) for (c, t, s), n in self._states.items()]

    def running(self, channel: str, clock: str) -> int:
        return self._clocks[(channel, clock)]

    def oldest_waiting(self, channel: str) -> float | None:
        """Epoch seconds of the oldest unanswered customer message on ``channel``."""
        heap = self._waiting.get(channel)
        while heap:
            since, conversation_id = heap[0]
            entry = self._entries.get(conversation_id)
            if entry is not None and entry.channel == channel and entry.waiting_since == since:
                return since
            heapq.heappop(heap)
        return None


_CLOCK_NAMES = ("first_reply", "next_reply", "resolution")
_DONE = ("solved", "closed")


def open_entry(record: ConversationRecord, deadline: Deadline | None = None) -> OpenEntry | None:
    """The conversation's live figures, or None when it is no longer open; ``deadline`` is its
    running clock due first (``Tracker.deadline``)."""
    core = record.sla.core
    runs = core.runs()
    if core.status in _DONE and not any(run is not None and run.active for run in runs):
        return None
    first, following, _ = runs
    clocks = frozenset(name for name, run in zip(_CLOCK_NAMES, runs, strict=True) if run is not None and run.running)
    if first is not None and first.active:
        state, since = OpenState.WAITING_FIRST_REPLY, first.started
    elif following is not None and following.active:
        state, since = OpenState.WAITING_REPLY, following.started
    else:
        state, since = OpenState.ANSWERED, None
    if not clocks and any(run is not None and run.active for run in runs):
        state = OpenState.PAUSED
    mood = record.mood.mood if record.mood is not None else None
    return OpenEntry(core.channel, core.team or "", state, since, clocks, core.priority, core.agent_id, mood, deadline)
