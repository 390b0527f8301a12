"""The events of one conversation still within the lateness horizon, in event-time order.

A conversation holds a handful of these (at most the engine's ``max_buffered``), and there are
hundreds of thousands of conversations, so the log is one flat tuple of :data:`STRIDE` fields per
event (no tuple per event): ``(ts, id key, attrs, agent_id, customer_id, ts, id key, ...)``. The
event's content that many events share - action, channel, priority, team, customer tier - is one shared tuple
(:func:`record`). Events are ordered by ``(ts, id key)``, so equal times never depend on arrival
order. The id key only orders; duplicates are found by the full event-id digests the state keeps
(:attr:`sla.state.ConversationSla.ids`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any, cast

STRIDE = 5
# (action, channel, priority or None, team or None, customer tier or None). action: "c"/"a"/"b"
# customer, agent, bot message; a status value; "" for anything else.
Attrs = tuple[str, str, str | None, str | None, str | None]
# One event: (ts, id key, attrs, agent_id, customer_id).
Record = tuple[float, int, Attrs, str | None, str | None]
Log = tuple[Any, ...]

_SHARED_LIMIT = 10_000
_ATTRS: dict[Attrs, Attrs] = {}


def record(ts: float, key: int, action: str, channel: str, priority: str | None, team: str | None,
           agent_id: str | None, customer_id: str | None, tier: str | None = None) -> Record:
    """A record with shared attrs and interned agent id."""
    attrs = (action, channel, priority, team, tier)
    if len(_ATTRS) < _SHARED_LIMIT:
        attrs = _ATTRS.setdefault(attrs, attrs)
    else:
        attrs = _ATTRS.get(attrs, attrs)
    return (ts, key, attrs, None if agent_id is None else sys.intern(agent_id), customer_id)


def size(log: Log | None) -> int:
    return len(log) // STRIDE if log else 0


def records(log: Log) -> Iterator[Record]:
    for i in range(0, len(log), STRIDE):
        yield cast(Record, log[i : i + STRIDE])


def precedes_last(log: Log, ts: float, key: int) -> bool:
    """Whether an event ``(ts, key)`` sorts at or before the latest buffered one."""
    last = log[-STRIDE]
    return ts < last or (ts == last and key <= log[1 - STRIDE])


def insert(log: Log, rec: Record) -> Log:
    """``log`` with ``rec`` after every buffered event that sorts at or before it."""
    ts, key = rec[0], rec[1]
    i = len(log)
    while i and (ts < log[i - STRIDE] or (ts == log[i - STRIDE] and key < log[i - STRIDE + 1])):
        i -= STRIDE
    return log[:i] + rec + log[i:]


def older_than(log: Log, horizon: float) -> int:
    """How many leading events are older than ``horizon``."""
    n = 0
    while n * STRIDE < len(log) and log[n * STRIDE] < horizon:
        n += 1
    return n


def to_lists(log: Log) -> list[list[Any]]:
    """Each event as ``[ts, key, action, channel, priority, team, agent_id, customer_id]``, with the
    customer tier appended when it has one (a log written before tiers has none)."""
    out = []
    for ts, key, (action, channel, priority, team, tier), agent_id, customer_id in records(log):
        item = [ts, key, action, channel, priority, team, agent_id, customer_id]
        if tier is not None:
            item.append(tier)
        out.append(item)
    return out


def from_lists(items: list[list[Any]]) -> Log:
    out: list[Any] = []
    for ts, key, action, channel, priority, team, agent_id, customer_id, *tier in items:
        out.extend(record(float(ts), int(key), sys.intern(str(action)), sys.intern(str(channel)),
                          _opt_intern(priority), _opt_intern(team), agent_id, customer_id,
                          _opt_intern(tier[0]) if tier else None))
    return tuple(out)


def _opt_intern(value: Any) -> str | None:
    return None if value is None else sys.intern(str(value))
