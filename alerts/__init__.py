"""Alerts: one alert model, routing to recipients and sinks, Redis dedup + outbox delivery.

Never imports faust: the streams/ agents call :meth:`AlertDelivery.submit` and run
:meth:`AlertDelivery.drain` as a background task.
"""

from supportwatch.alerts.alertmanager import AlertmanagerSink
from supportwatch.alerts.build import (
    channel_degraded,
    channel_recovered,
    detractor_resolved,
    from_detractor,
    from_sla_signal,
)
from supportwatch.alerts.channels import ChannelHealth, parse_channel_goals
from supportwatch.alerts.delivery import AlertDelivery, backoff_seconds
from supportwatch.alerts.exceptions import AlertsError, RedisUnavailable, RoutingError, SinkError, UnknownAlert
from supportwatch.alerts.metrics import AlertMetrics
from supportwatch.alerts.model import Action, Alert, AlertKind, Severity
from supportwatch.alerts.oncall import AckState, OnCall
from supportwatch.alerts.routing import CalendarLike, Route, RoutePlan, Router, RoutingConfig, Skipped, parse_routing
from supportwatch.alerts.settings import AlertSettings
from supportwatch.alerts.sinks import IDEMPOTENCY_HEADER, LogSink, Notification, Sink
from supportwatch.alerts.webhook import SIGNATURE_HEADER, SlackSink, WebhookSink, sign, verify_signature
from supportwatch.alerts.wiring import build_sinks, connect_redis, http_client

__all__ = [
    "IDEMPOTENCY_HEADER",
    "SIGNATURE_HEADER",
    "AckState",
    "Action",
    "Alert",
    "AlertDelivery",
    "AlertKind",
    "AlertMetrics",
    "AlertSettings",
    "AlertmanagerSink",
    "AlertsError",
    "CalendarLike",
    "ChannelHealth",
    "LogSink",
    "Notification",
    "OnCall",
    "RedisUnavailable",
    "Route",
    "RoutePlan",
    "Router",
    "RoutingConfig",
    "RoutingError",
    "Severity",
    "Sink",
    "UnknownAlert",
    "SinkError",
    "Skipped",
    "SlackSink",
    "WebhookSink",
    "backoff_seconds",
    "build_sinks",
    "channel_degraded",
    "channel_recovered",
    "connect_redis",
    "detractor_resolved",
    "from_detractor",
    "from_sla_signal",
    "http_client",
    "parse_channel_goals",
    "parse_routing",
    "sign",
    "verify_signature",
]
