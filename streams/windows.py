"""Per-channel windowed SLA figures in faust windowed tables (tumbling 1 min, hopping 15 min and
1 h), exported as Prometheus gauges at scrape time and judged against each channel's goal."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

import faust
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from alerts import Alert, ChannelHealth
from events import Channel
from sla.signals import Clock, ClockOutcome
from supportwatch.clock import Now

# name: (size, step); a step of None is a tumbling window
WINDOWS: dict[str, tuple[float, float | None]] = {"1m": (60, None), "15m": (900, 300), "1h": (3600, 900)}
REPLY_CLOCKS = (Clock.FIRST_REPLY, Clock.NEXT_REPLY)
MIN_RESPONSES = 5  # fewer responses in the window say nothing about a channel's health


def json_schema() -> faust.Schema:
    """Table keys and values as JSON: str keys survive changelog recovery as str."""
    return faust.Schema(key_serializer="json", value_serializer="json")


def _key(channel: str, clock: str, measure: str) -> str:
    return f"{channel}|{clock}|{measure}"


class ResponseWindows:
    check_interval = 15.0

    def __init__(
        self,
        app: faust.App,
        partitions: int,
        registry: CollectorRegistry,
        goals: Mapping[str, float],
        link_template: str,
        now: Now,
    ) -> None:
        self._now = now
        self.tables: dict[str, Any] = {}
        for name, (size, step) in WINDOWS.items():
            table = app.Table(
                f"responses-{name}", default=int, partitions=partitions, schema=json_schema()
            )
            self.tables[name] = (
                table.tumbling(size, expires=timedelta(seconds=size * 3))
                if step is None
                else table.hopping(size, step, expires=timedelta(seconds=size * 2))
            )
        self._health = ChannelHealth(goals, link_template)
        registry.register(_WindowCollector(self))

    def record(self, outcome: ClockOutcome) -> None:
        """Count one finished clock in every window (inside the tracking agent's stream)."""
        channel, clock = outcome.conversation.channel, outcome.clock.value
        measure = "ok" if outcome.within_target else "breached"
        for table in self.tables.values():
            table[_key(channel, clock, "n")] += 1
            table[_key(channel, clock, measure)] += 1

    def current(self, window: str, channel: str, clock: str, measure: str) -> int:
        """The count in the window that ends soonest among those holding the injected clock's now
        (writes go by the message timestamp, which is the event time)."""
        wrapper = self.tables[window]
        window_range = wrapper.table.window.earliest(self._now().timestamp())
        return int(wrapper[_key(channel, clock, measure)][window_range])

    def degradation(self, at: datetime) -> list[Alert]:
        """Reply clocks over the rolling 15 min window, judged against each channel's goal."""
        out = []
        for channel in Channel:
            n = sum(self.current("15m", channel.value, c.value, "n") for c in REPLY_CLOCKS)
            ok = sum(self.current("15m", channel.value, c.value, "ok") for c in REPLY_CLOCKS)
            if n < MIN_RESPONSES:
                continue
            alert = self._health.observe(channel.value, ok / n, at)
            if alert is not None:
                out.append(alert)
        return out


class _WindowCollector(Collector):
    def __init__(self, windows: ResponseWindows) -> None:
        self._windows = windows

    def collect(self) -> Iterator[Metric]:
        labels = ["channel", "clock", "window"]
        responses = GaugeMetricFamily(
            "supportwatch_window_responses", "Responses (finished clocks) in the window", labels=labels)
        within = GaugeMetricFamily(
            "supportwatch_window_responses_within_target", "Responses within target in the window", labels=labels)
        breaches = GaugeMetricFamily(
            "supportwatch_window_breaches", "Responses that missed their target in the window", labels=labels)
        ratio = GaugeMetricFamily(
            "supportwatch_window_within_target_ratio",
            "Share of responses within target in the window (this worker's partitions)", labels=labels)
        for window in WINDOWS:
            for channel in Channel:
                for clock in Clock:
                    values = [channel.value, clock.value, window]
                    n = self._windows.current(window, channel.value, clock.value, "n")
                    ok = self._windows.current(window, channel.value, clock.value, "ok")
                    responses.add_metric(values, n)
                    within.add_metric(values, ok)
                    breaches.add_metric(values, self._windows.current(window, channel.value, clock.value, "breached"))
                    if n:
                        ratio.add_metric(values, ok / n)
        yield from (responses, within, breaches, ratio)
