"""Where stages send what they produce. Agents get faust topics; tests get a collecting sink."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Outputs(Protocol):
    async def send(self, topic: str, key: str, value: bytes) -> None: ...


class TopicOutputs:
    """Sends to faust topics by name, keyed by a string (conversation id or channel)."""

    def __init__(self, topics: Mapping[str, Any]) -> None:
        self._topics = topics

    async def send(self, topic: str, key: str, value: bytes) -> None:
        await self._topics[topic].send(key=key.encode("utf-8"), value=value)


class CollectingOutputs:
    """Keeps everything sent, per topic, in order: the testing sink of the stages."""

    def __init__(self) -> None:
        self.sent: dict[str, list[tuple[str, bytes]]] = {}

    async def send(self, topic: str, key: str, value: bytes) -> None:
        self.sent.setdefault(topic, []).append((key, value))

    def values(self, topic: str) -> list[bytes]:
        return [value for _, value in self.sent.get(topic, [])]
