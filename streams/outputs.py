"""Where stages send what they produce. Agents get faust topics; tests get a collecting sink.

``send`` hands a record to the producer; ``flush`` waits until the broker has acknowledged every
record sent since the last flush. The conversations stage flushes its alerts before it writes the
conversation table's changelog, so a crash in between repeats an alert (deduplicated on delivery)
rather than losing one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Protocol


class Outputs(Protocol):
    async def send(self, topic: str, key: str, value: bytes) -> None: ...

    async def flush(self) -> None: ...


class TopicOutputs:
    """Sends to faust topics by name, keyed by a string (conversation id or channel)."""

    def __init__(self, topics: Mapping[str, Any]) -> None:
        self._topics = topics
        self._pending: list[Any] = []

    async def send(self, topic: str, key: str, value: bytes) -> None:
        self._pending.append(await self._topics[topic].send(key=key.encode("utf-8"), value=value))

    async def flush(self) -> None:
        pending, self._pending = self._pending, []
        if pending:
            await asyncio.gather(*pending)


class CollectingOutputs:
    """Keeps everything sent, per topic, in order: the testing sink of the stages."""

    def __init__(self) -> None:
        self.sent: dict[str, list[tuple[str, bytes]]] = {}
        self.flushes = 0

    async def send(self, topic: str, key: str, value: bytes) -> None:
        self.sent.setdefault(topic, []).append((key, value))

    async def flush(self) -> None:
        self.flushes += 1

    def values(self, topic: str) -> list[bytes]:
        return [value for _, value in self.sent.get(topic, [])]
