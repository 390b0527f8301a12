"""Prometheus metrics of alerting, built against an injected registry."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from supportwatch.alerts.model import SEVERITY_OF, AlertKind

OUTCOMES = ("delivered", "deduplicated", "retried", "failed", "suppressed", "acknowledged", "snoozed",
            "digested")
KNOWN_SINKS = ("alertmanager", "slack", "webhook", "log")
DELIVERY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)


class AlertMetrics:
    """``supportwatch_alerts_raised_total{kind,channel,severity,team}``,
    ``supportwatch_alerts_total{kind,sink,outcome}``, ``supportwatch_alert_delivery_seconds{sink}``
    (from submit to the sink's acceptance) and ``supportwatch_alert_outbox_depth``."""

    def __init__(
        self, registry: CollectorRegistry, sinks: Iterable[str] = KNOWN_SINKS, channels: Iterable[str] = ()
    ) -> None:
        self.raised = Counter(
            "supportwatch_alerts_raised_total",
            "Alerts submitted for delivery, by kind, channel, severity and team",
            ["kind", "channel", "severity", "team"],
            registry=registry,
        )
        self.outcomes = Counter(
            "supportwatch_alerts_total",
            "Alert notifications by kind, sink and outcome",
            ["kind", "sink", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "supportwatch_alert_delivery_seconds",
            "Seconds from submit to delivery, by sink",
            ["sink"],
            buckets=DELIVERY_BUCKETS,
            registry=registry,
        )
        self.outbox_depth = Gauge(
            "supportwatch_alert_outbox_depth",
            "Notifications waiting in the outbox (queued, in flight, or waiting to retry)",
            registry=registry,
        )
        sinks = tuple(sinks)
        for channel in channels:
            for kind, severity in SEVERITY_OF.items():
                self.raised.labels(kind.value, channel, severity.value, "")
        for sink in sinks:
            self.latency.labels(sink)
            for kind in AlertKind:
                for outcome in OUTCOMES:
                    self.outcomes.labels(kind.value, sink, outcome)

    def outcome(self, kind: AlertKind | str, sink: str, outcome: str, count: int = 1) -> None:
        self.outcomes.labels(str(kind), sink, outcome).inc(count)
