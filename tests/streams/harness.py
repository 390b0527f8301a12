"""The harness of the agent tests: a pipeline on a manual clock whose outputs are collected, and
whose broker high watermarks the test sets (``caught_up`` / ``behind``)."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from supportwatch.settings import Settings
from supportwatch.streams.app import Pipeline
from tests.kit import CollectingOutputs, Events, ManualClock

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


class Highwaters:
    """The broker's high watermark per partition, as the test says it is."""

    def __init__(self) -> None:
        self.offsets: dict[int, int] = {}

    def __call__(self, partition: int) -> int | None:
        return self.offsets.get(partition)


class Harness:
    def __init__(self, pipeline: Pipeline, outputs: CollectingOutputs, clock: ManualClock, log: io.StringIO,
                 highwaters: Highwaters) -> None:
        self.pipeline = pipeline
        self.outputs = outputs
        self.clock = clock
        self.log = log
        self.highwaters = highwaters

    @property
    def settings(self) -> Settings:
        return self.pipeline.runtime.settings

    def sample(self, name: str, **labels: str) -> float:
        value = self.pipeline.runtime.registry.get_sample_value(name, labels)
        return 0.0 if value is None else value

    def alerts(self) -> list[dict[str, Any]]:
        return [json.loads(v) for v in self.outputs.values(self.settings.topics.alerts)]

    def letters(self) -> list[dict[str, Any]]:
        return [json.loads(v) for v in self.outputs.values(self.settings.topics.deadletter)]

    async def wait_for(self, what: str, done: Any, timeout: float = 30.0) -> None:
        """Poll ``done()`` until it is true (the agent's batch window closes after the last put)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not done():
            if loop.time() > deadline:
                raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
            await asyncio.sleep(0.01)


# The JSON bytes of a chat event ``seconds`` after T0 (team billing, agent-7):
# raw_event(seconds, kind="customer", conversation="c-1", **fields).
raw_event = Events(base=T0, agent="agent-7").json
