"""The events of one conversation still within the lateness horizon, in event-time order.

A conversation holds a handful of these (at most the engine's ``max_buffered``), and there are
hundreds of thousands of conversations, so the log is one flat tuple of :data:`STRIDE` fields per
event (no tuple per event): the :class:`Field` values of each event in turn. The event's content
that many events share - action, channel, priority, team, customer tier - is one shared tuple
(:data:`Attrs`, :func:`record`). Events are ordered by ``(ts, id key)``, so equal times never
depend on arrival order. The id key only orders; duplicates are found by the full event-id
digests the state keeps (:attr:`sla.state.ConversationSla.ids`).

Only this module knows that layout: the others go through its functions, and read a
:data:`Record` (one event) by its :class:`Field` order.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from enum import IntEnum, StrEnum
from typing import Any, cast


class Field(IntEnum):
    """The fields of a :data:`Record`, in order; also each event's offsets within the log."""

    TS = 0  # event time, epoch seconds
    KEY = 1  # the id key that orders events of equal time (sla.dedup.order_key)
    ATTRS = 2  # the shared Attrs
    AGENT_ID = 3
    CUSTOMER_ID = 4


class Attr(IntEnum):
    """The fields of an :data:`Attrs`, in order."""

    ACTION = 0  # an Action, a status value, or "" for anything else
    CHANNEL = 1
    PRIORITY = 2  # None: the event did not set it
    TEAM = 3
    TIER = 4  # the customer tier


class Action(StrEnum):
    """The action of a message event, by its author; stored as the value."""

    CUSTOMER = "c"
    AGENT = "a"
    BOT = "b"


STRIDE = len(Field)
Attrs = tuple[str, str, str | None, str | None, str | None]  # in Attr order
Record = tuple[float, int, Attrs, str | None, str | None]  # in Field order
Log = tuple[Any, ...]

# offsets of the latest event's fields, from the log's end (plain ints: the cheapest index)
_LAST_TS = Field.TS - STRIDE
_LAST_KEY = Field.KEY - STRIDE
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
    """How many events ``log`` holds."""
    return len(log) // STRIDE if log else 0


def records(log: Log) -> Iterator[Record]:
    for i in range(0, len(log), STRIDE):
        yield cast(Record, log[i : i + STRIDE])


def first_channel(log: Log) -> str:
    """The channel of the earliest event."""
    channel: str = log[Field.ATTRS][Attr.CHANNEL]
    return channel


def last_ts(log: Log) -> float:
    """The time of the latest event."""
    ts: float = log[_LAST_TS]
    return ts


def position(log: Log, n: int) -> tuple[float, int]:
    """``(ts, id key)`` of the ``n``-th event (from 0): where it sorts."""
    at = n * STRIDE
    return log[at + Field.TS], log[at + Field.KEY]


def precedes_last(log: Log, ts: float, key: int) -> bool:
    """Whether an event ``(ts, key)`` sorts at or before the latest buffered one."""
    last = log[_LAST_TS]
    return ts < last or (ts == last and key <= log[_LAST_KEY])


def append(log: Log | None, rec: Record) -> Log:
    """``log`` (None: an empty one) with ``rec`` as its latest event."""
    return log + rec if log else rec


def insert(log: Log, rec: Record) -> Log:
    """``log`` with ``rec`` after every buffered event that sorts at or before it."""
    ts, key, _, _, _ = rec
    end = len(log)  # the end of the event compared
    while end and (ts < log[end + _LAST_TS] or (ts == log[end + _LAST_TS] and key < log[end + _LAST_KEY])):
        end -= STRIDE
    return log[:end] + rec + log[end:]


def older_than(log: Log, horizon: float) -> int:
    """How many leading events are older than ``horizon``."""
    times = log[Field.TS :: STRIDE]
    n = 0
    while n < len(times) and times[n] < horizon:
        n += 1
    return n


def split(log: Log, n: int) -> tuple[Log, Log]:
    """The first ``n`` events and the others."""
    at = n * STRIDE
    return log[:at], log[at:]


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
