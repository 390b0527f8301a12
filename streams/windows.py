"""Per-channel windowed SLA figures (tumbling 1 min, hopping 15 min and 1 h), kept in memory
by event time, exported as Prometheus gauges at scrape time and judged against each channel's goal.

Counts are this worker's own partitions since it started: they are figures for dashboards and
the channel-degradation alert, not state to recover (Prometheus keeps their history). Each window
is a ring of step-sized buckets, so recording an outcome costs a few dict updates and no
changelog record.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from datetime import datetime

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from supportwatch.alerts import Alert, ChannelHealth
from supportwatch.base.clock import Now
from supportwatch.events import Channel
from supportwatch.sla.signals import Clock, ClockOutcome

# name: (size, step); a step of None is a tumbling window
WINDOWS: dict[str, tuple[float, float | None]] = {"1m": (60, None), "15m": (900, 300), "1h": (3600, 900)}
REPLY_CLOCKS = (Clock.FIRST_REPLY, Clock.NEXT_REPLY)
MIN_RESPONSES = 5  # fewer responses in the window say nothing about a channel's health
MEASURES = ("n", "ok", "breached")


class _Window:
    """Counts per (channel, clock, measure) in buckets of ``step`` seconds of event time."""

    def __init__(self, size: float, step: float | None) -> None:
        self.size = size
        self.step = step if step is not None else size
        self._buckets: dict[tuple[str, str, str], dict[int, int]] = {}

    def add(self, key: tuple[str, str, str], ts: float) -> None:
        buckets = self._buckets.setdefault(key, {})
        bucket = math.floor(ts / self.step)
        buckets[bucket] = buckets.get(bucket, 0) + 1
        if len(buckets) > 2 * self.size / self.step + 2:
            for old in [b for b in buckets if b <= bucket - self.size / self.step * 2]:
                del buckets[old]

    def current(self, key: tuple[str, str, str], now_ts: float) -> int:
        """The count in the window that ends soonest among those holding ``now_ts``."""
        buckets = self._buckets.get(key)
        if not buckets:
            return 0
        last = math.floor(now_ts / self.step)  # the bucket holding now; the window starts per-1 steps back
        first = last - round(self.size / self.step) + 1
        return sum(buckets.get(b, 0) for b in range(first, last + 1))


class ResponseWindows:
    check_interval = 15.0

    def __init__(self, registry: CollectorRegistry, goals: Mapping[str, float], link_template: str, now: Now) -> None:
        self._now = now
        self.windows = {name: _Window(size, step) for name, (size, step) in WINDOWS.items()}
        self._health = ChannelHealth(goals, link_template)
        registry.register(_WindowCollector(self))

    def record(self, outcome: ClockOutcome) -> None:
        """Count one finished clock in every window, at its stop time."""
        channel, clock = outcome.conversation.channel, outcome.clock.value
        measure = "ok" if outcome.within_target else "breached"
        for window in self.windows.values():
            window.add((channel, clock, "n"), outcome.stopped)
            window.add((channel, clock, measure), outcome.stopped)

    def current(self, window: str, channel: str, clock: str, measure: str) -> int:
        return self.windows[window].current((channel, clock, measure), self._now().timestamp())

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
