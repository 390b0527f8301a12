"""Alerts: one alert model, routing to recipients and sinks, Redis dedup + outbox delivery.

Never imports faust: the streams/ agents call :meth:`AlertDelivery.submit` and run
:meth:`AlertDelivery.drain` as a background task.
"""

from alerts.alertmanager import AlertmanagerSink
from alerts.build import (
    channel_degraded,
    channel_recovered,
    detractor_resolved,
    from_detractor,
    from_sla_signal,
)
from alerts.channels import ChannelHealth, parse_channel_goals
from alerts.delivery import AlertDelivery, backoff_seconds
from alerts.exceptions import AlertsError, RedisUnavailable, RoutingError, SinkError, UnknownAlert
from alerts.metrics import AlertMetrics
from alerts.model import Action, Alert, AlertKind, Severity
from alerts.oncall import AckState, OnCall
from alerts.routing import CalendarLike, Route, RoutePlan, Router, RoutingConfig, Skipped, parse_routing
from alerts.settings import AlertSettings
from alerts.sinks import IDEMPOTENCY_HEADER, LogSink, Notification, Sink
from alerts.webhook import SIGNATURE_HEADER, SlackSink, WebhookSink, sign, verify_signature
from alerts.wiring import build_sinks, connect_redis, http_client

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
