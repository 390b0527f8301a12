"""Tracking metrics: first-contact resolutions, and live gauges over the open conversations
this worker holds (collected at scrape time from :class:`OpenConversations`)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from supportwatch.events import Channel
from supportwatch.sla.signals import Clock
from supportwatch.tracking.open_index import OpenConversations, OpenState


class TrackingMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry
        self.resolutions = Counter(
            "supportwatch_resolutions",
            "Conversations solved for the first time; first_contact when at most one agent reply came before",
            ["channel", "first_contact", "team"], registry=registry,
        )
        for channel in Channel:
            for first in ("true", "false"):
                self.resolutions.labels(channel=channel.value, first_contact=first, team="")

    def observe_resolution(self, channel: str, first_contact: bool, team: str | None) -> None:
        self.resolutions.labels(channel=channel, first_contact=str(first_contact).lower(), team=team or "").inc()

    def watch(self, conversations: OpenConversations) -> None:
        """Export live gauges over ``conversations`` at every scrape."""
        self._registry.register(_OpenCollector(conversations))


class _OpenCollector(Collector):
    def __init__(self, conversations: OpenConversations) -> None:
        self._open = conversations

    def collect(self) -> Iterator[Metric]:
        states = GaugeMetricFamily(
            "supportwatch_open_conversations", "Open conversations held by this worker, by state",
            labels=["channel", "state", "team"])
        clocks = GaugeMetricFamily(
            "supportwatch_running_clocks", "SLA clocks running (not paused or stopped)", labels=["channel", "clock"])
        oldest = GaugeMetricFamily(
            "supportwatch_oldest_unanswered_timestamp_seconds",
            "Event time of the oldest unanswered customer message, per channel", labels=["channel"])
        seen = {(channel, team, state) for channel, team, state, _ in self._open.counts()}
        for channel, team, state, count in self._open.counts():
            states.add_metric([channel, state.value, team], count)
        for channel in Channel:
            for state in OpenState:
                if (channel.value, "", state) not in seen:
                    states.add_metric([channel.value, state.value, ""], 0)
            for clock in Clock:
                clocks.add_metric([channel.value, clock.value], self._open.running(channel.value, clock.value))
            since = self._open.oldest_waiting(channel.value)
            if since is not None:
                oldest.add_metric([channel.value], since)
        yield from (states, clocks, oldest)
