"""How far each input partition has been applied, and so how far its deadlines may fire.

A deadline fires only once the partition's events up to its due time have been applied: after a
restart or a lag, a reply still waiting in the backlog must stop its clock before the clock's
breach is judged. So each partition has a *fire horizon*:

* caught up (every record the broker holds for the partition has been applied): the wall clock;
* behind: the partition's event-time watermark, the latest event time applied on it. A reply in
  the backlog is applied before the deadline it answers is judged, as in ``supportwatch replay``;
  an event that arrives out of order, later than events after it, is a late event here as there
  (the SLA engine still orders it in within the lateness).

Pure: the broker's high watermark comes in as a function (faust's consumer in the worker).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Highwater = Callable[[int], int | None]  # partition -> offset of the next record the broker will hold
Committed = Callable[[int], int | None]  # partition -> the consumer group's committed offset


class PartitionProgress:
    def __init__(self, highwater: Highwater, committed: Committed = lambda partition: None,
                 unknown_grace_seconds: float = 30.0) -> None:
        self._highwater = highwater
        self._committed = committed
        self._grace = unknown_grace_seconds
        self._started: dict[int, float] = {}  # partition -> when it was (re)assigned, by the injected clock
        self._next: dict[int, int] = {}  # partition -> offset of the next record to apply
        self._event_ts: dict[int, float] = {}  # partition -> latest event time applied

    def start(self, partition: int, now_ts: float | None = None) -> None:
        """A partition (re)assigned: what was applied before counts no more (records may be read again)."""
        self._next.pop(partition, None)
        self._event_ts.pop(partition, None)
        if now_ts is not None:
            self._started[partition] = now_ts

    def forget(self, partitions: Iterable[int]) -> None:
        for partition in partitions:
            self._next.pop(partition, None)
            self._event_ts.pop(partition, None)

    def applied(self, partition: int, offset: int, event_ts: float | None) -> None:
        """The record at ``offset`` was applied (or dead-lettered); ``event_ts`` its event time."""
        if offset + 1 > self._next.get(partition, -1):
            self._next[partition] = offset + 1
        if event_ts is not None and event_ts > self._event_ts.get(partition, float("-inf")):
            self._event_ts[partition] = event_ts

    def position(self, partition: int) -> int | None:
        """The offset up to which the partition is applied: the next record after the last one applied,
        or the committed offset (the group commits only what was applied) if that is further."""
        applied, committed = self._next.get(partition), self._committed(partition)
        if applied is None:
            return committed
        return applied if committed is None else max(applied, committed)

    def caught_up(self, partition: int) -> bool:
        highwater = self._highwater(partition)
        position = self.position(partition)
        return highwater is not None and position is not None and position >= highwater

    def horizon(self, partition: int, now_ts: float) -> float | None:
        """Up to when the partition's deadlines may fire now; None: not yet (nothing applied)."""
        if self.caught_up(partition):
            return now_ts
        applied = self._event_ts.get(partition)
        if applied is None:
            started = self._started.get(partition)
            if self.position(partition) is None and started is not None and now_ts - started > self._grace:
                return now_ts  # liveness: a position still unknown long after the assignment
            return None
        return min(now_ts, applied)

    def lag(self, partition: int) -> int | None:
        """Records the broker holds for the partition that are not applied yet."""
        highwater = self._highwater(partition)
        position = self.position(partition)
        if highwater is None or position is None:
            return None
        return max(0, highwater - position)
