"""Tracking metrics: first-contact resolutions, and live gauges over the open conversations
this worker holds (collected at scrape time from :class:`OpenConversations`)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from events import Channel
from sla.signals import Clock
from tracking.open_index import OpenConversations, OpenState


class TrackingMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry
        self.resolutions = Counter(
            "supportwatch_resolutions",
            "Conversations solved for the first time; first_contact when at most one agent reply came before",
            ["channel", "first_contact"], registry=registry,
        )
        for channel in Channel:
            for first in ("true", "false"):
                self.resolutions.labels(channel=channel.value, first_contact=first)

    def observe_resolution(self, channel: str, first_contact: bool) -> None:
        self.resolutions.labels(channel=channel, first_contact=str(first_contact).lower()).inc()

    def watch(self, conversations: OpenConversations) -> None:
        """Export live gauges over ``conversations`` at every scrape."""
        self._registry.register(_OpenCollector(conversations))


class _OpenCollector(Collector):
    def __init__(self, conversations: OpenConversations) -> None:
        self._open = conversations

    def collect(self) -> Iterator[Metric]:
        states = GaugeMetricFamily(
            "supportwatch_open_conversations", "Open conversations held by this worker, by state",
            labels=["channel", "state"])
        clocks = GaugeMetricFamily(
            "supportwatch_running_clocks", "SLA clocks running (not paused or stopped)", labels=["channel", "clock"])
        oldest = GaugeMetricFamily(
            "supportwatch_oldest_unanswered_timestamp_seconds",
            "Event time of the oldest unanswered customer message, per channel", labels=["channel"])
        for channel in Channel:
            for state in OpenState:
                states.add_metric([channel.value, state.value], self._open.count(channel.value, state))
            for clock in Clock:
                clocks.add_metric([channel.value, clock.value], self._open.running(channel.value, clock.value))
            since = self._open.oldest_waiting(channel.value)
            if since is not None:
                oldest.add_metric([channel.value], since)
        yield from (states, clocks, oldest)
