"""Build the configured sinks and the Redis client from AlertSettings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TextIO

import httpx
import redis.asyncio as aioredis

from supportwatch.alerts.alertmanager import AlertmanagerSink
from supportwatch.alerts.settings import AlertSettings
from supportwatch.alerts.sinks import LogSink, Sink, utc_now
from supportwatch.alerts.webhook import SlackSink, WebhookSink


def build_sinks(
    settings: AlertSettings, http: httpx.AsyncClient, out: TextIO, now: Callable[[], datetime] = utc_now
) -> dict[str, Sink]:
    """The sinks that are configured, by name: alertmanager, slack, webhook, log."""
    sinks: dict[str, Sink] = {}
    if settings.alertmanager_url:
        ttl = settings.alertmanager_ttl_seconds
        sinks["alertmanager"] = AlertmanagerSink(http, settings.alertmanager_url, ttl, now)
    if settings.slack_webhook_url is not None:
        sinks["slack"] = SlackSink(http, settings.slack_webhook_url)
    if settings.webhook_url is not None:
        sinks["webhook"] = WebhookSink(http, settings.webhook_url, settings.webhook_secret, now)
    if settings.log_sink:
        sinks["log"] = LogSink(out, now, settings.log_group_seconds, settings.log_quiet_levels)
    return sinks


def http_client(settings: AlertSettings) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=settings.http_timeout_seconds)


def connect_redis(settings: AlertSettings) -> aioredis.Redis:
    """A Redis client for ``redis_url``, with the password from the secret setting."""
    password = settings.redis_password.get_secret_value() if settings.redis_password else None
    return aioredis.Redis.from_url(
        settings.redis_url, password=password, socket_timeout=5.0, socket_connect_timeout=2.0
    )
