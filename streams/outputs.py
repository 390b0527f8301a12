"""Where stages send what they produce. Agents get faust topics; tests get a collecting sink.

``send`` hands a record to the producer and returns its receipt, which completes once the broker
has acknowledged the record. A stage waits for its own batch's receipts before it writes its
table's changelog (streams/sending.py), so a crash in between repeats an alert (deduplicated on
delivery) rather than losing one; the stages share the producer, not each other's receipts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
from typing import Any, Protocol


class Outputs(Protocol):
    async def send(self, topic: str, key: str, value: bytes) -> Awaitable[Any]: ...


class TopicOutputs:
    """Sends to faust topics by name, keyed by a string (conversation id or channel)."""

    def __init__(self, topics: Mapping[str, Any]) -> None:
        self._topics = topics

    async def send(self, topic: str, key: str, value: bytes) -> Awaitable[Any]:
        receipt: Awaitable[Any] = await self._topics[topic].send(key=key.encode("utf-8"), value=value)
        return receipt


class CollectingOutputs:
    """Keeps everything sent, per topic, in order: the testing sink of the stages."""

    def __init__(self) -> None:
        self.sent: dict[str, list[tuple[str, bytes]]] = {}

    async def send(self, topic: str, key: str, value: bytes) -> Awaitable[Any]:
        self.sent.setdefault(topic, []).append((key, value))
        receipt: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        receipt.set_result(None)
        return receipt

    def values(self, topic: str) -> list[bytes]:
        return [value for _, value in self.sent.get(topic, [])]
