"""Pipeline metrics of the application shell, built against the one injected registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from supportwatch import __version__
from supportwatch.events import Channel, EventType
from supportwatch.events.exceptions import REASONS

DROP_REASONS = ("duplicate", "late")
STAGES = ("classify", "track", "store", "tick", "customer", "emit", "deliver")  # streams.failures.Stage


class PipelineMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.events = Counter(
            "supportwatch_events", "Valid events consumed, by channel and type",
            ["channel", "type"], registry=registry,
        )
        self.invalid = Counter(
            "supportwatch_invalid_events", "Invalid events sent to the dead-letter topic, by reason",
            ["reason"], registry=registry,
        )
        self.dropped = Counter(
            "supportwatch_events_dropped", "Valid events that changed nothing (repeated event id, too late)",
            ["reason"], registry=registry,
        )
        self.stage_errors = Counter(
            "supportwatch_stage_errors", "Records a stage could not handle, dead-lettered with the stage's name",
            ["stage"], registry=registry,
        )
        self.build_info = Gauge(
            "supportwatch_build_info", "supportwatch version", ["version"], registry=registry
        )
        self.build_info.labels(version=__version__).set(1)
        for channel in Channel:
            for kind in EventType:
                self.events.labels(channel=channel.value, type=kind.value)
        for invalid in REASONS:
            self.invalid.labels(reason=invalid)
        for stage in STAGES:
            self.stage_errors.labels(stage=stage)
        for dropped in DROP_REASONS:
            self.dropped.labels(reason=dropped)

    def dropped_event(self, reason: str) -> None:
        self.dropped.labels(reason=reason).inc()
