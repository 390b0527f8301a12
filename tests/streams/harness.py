"""The harness of the agent tests: a pipeline on a manual clock whose outputs are collected."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from streams.app import Pipeline
from streams.outputs import CollectingOutputs
from supportwatch.settings import Settings
from tests.clocks import ManualClock

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class Harness:
    def __init__(self, pipeline: Pipeline, outputs: CollectingOutputs, clock: ManualClock, log: io.StringIO) -> None:
        self.pipeline = pipeline
        self.outputs = outputs
        self.clock = clock
        self.log = log

    @property
    def settings(self) -> Settings:
        return self.pipeline.runtime.settings

    def sample(self, name: str, **labels: str) -> float:
        value = self.pipeline.runtime.registry.get_sample_value(name, labels)
        return 0.0 if value is None else value


