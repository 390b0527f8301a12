"""Which conversation is due next, without scanning all open conversations.

A min-heap of ``(due, sequence, key)`` with lazy deletion and lazy increase. Deadlines mostly
move later (a level fired, a clock stopped), so :meth:`DeadlineIndex.set` with a later due time
only notes it, and the key's heap entry is moved down when it reaches the top; an earlier due
time pushes a new entry and makes the old one stale. Stale entries are skipped when they reach
the top, and the heap is rebuilt when stale entries outnumber live ones.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class DeadlineIndex(Generic[K]):
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, K]] = []
        # key -> (due, due of its live heap entry (<= due), sequence of that entry)
        self._current: dict[K, tuple[float, float, int]] = {}
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self._current)

    def __contains__(self, key: object) -> bool:
        return key in self._current

    def __iter__(self) -> Iterator[K]:
        return iter(self._current)

    def due_of(self, key: K) -> float | None:
        entry = self._current.get(key)
        return None if entry is None else entry[0]

    def set(self, key: K, due_ts: float | None) -> None:
        """Make ``due_ts`` the key's deadline; ``None`` removes it."""
        if due_ts is None:
            self.discard(key)
            return
        entry = self._current.get(key)
        if entry is not None and due_ts >= entry[1]:
            if due_ts != entry[0]:
                self._current[key] = (due_ts, entry[1], entry[2])  # its heap entry moves down when on top
            return
        seq = next(self._seq)
        self._current[key] = (due_ts, due_ts, seq)
        heapq.heappush(self._heap, (due_ts, seq, key))
        if len(self._heap) > 2 * len(self._current) + 64:
            self._rebuild()

    def discard(self, key: K) -> None:
        self._current.pop(key, None)

    def clear(self) -> None:
        """Forget every deadline (before a rebuild after a restart or rebalance)."""
        self._current.clear()
        self._heap.clear()

    def pop_due(self, now_ts: float, limit: int | None = None) -> list[K]:
        """Remove and return every key due at or before ``now_ts``, earliest first (at most
        ``limit`` of them; the rest stay due)."""
        heap, current = self._heap, self._current
        due: list[K] = []
        while heap and heap[0][0] <= now_ts and (limit is None or len(due) < limit):
            at, seq, key = heapq.heappop(heap)
            entry = current.get(key)
            if entry is None or entry[2] != seq:
                continue  # stale
            if entry[0] > at:  # moved later since pushed: back in at its due time
                current[key] = (entry[0], entry[0], seq)
                heapq.heappush(heap, (entry[0], seq, key))
                continue
            del current[key]
            due.append(key)
        return due

    def peek(self) -> float | None:
        """The earliest deadline, or None when the index is empty."""
        heap, current = self._heap, self._current
        while heap:
            at, seq, key = heap[0]
            entry = current.get(key)
            if entry is not None and entry[2] == seq:
                if entry[0] == at:
                    return at
                current[key] = (entry[0], entry[0], seq)
                heapq.heapreplace(heap, (entry[0], seq, key))
            else:
                heapq.heappop(heap)
        return None

    def _rebuild(self) -> None:
        self._current = {key: (at, at, seq) for key, (at, _, seq) in self._current.items()}
        self._heap = [(at, seq, key) for key, (at, _, seq) in self._current.items()]
        heapq.heapify(self._heap)
