"""The worker's alert delivery, wired in one place: the configured sinks over one HTTP client, the
Redis outbox and the router. The deliver agent gets it from a runtime; the tests and the fault
worker get it the same way, from a runtime or from bare alert settings."""

from __future__ import annotations

import random
import sys
from typing import TYPE_CHECKING, TextIO

import httpx
import redis.asyncio as aioredis

from supportwatch.alerts import (
    AlertDelivery,
    AlertMetrics,
    AlertSettings,
    Router,
    build_sinks,
    connect_redis,
    http_client,
)
from supportwatch.base.clock import Now, wall_clock

if TYPE_CHECKING:
    from supportwatch.runtime import Runtime


def build_delivery(
    source: Runtime | AlertSettings,
    *,
    router: Router | None = None,
    metrics: AlertMetrics | None = None,
    now: Now | None = None,
    out: TextIO | None = None,
    redis: aioredis.Redis | None = None,
    http: httpx.AsyncClient | None = None,
    rng: random.Random | None = None,
) -> AlertDelivery:
    """An :class:`AlertDelivery` as the worker runs it.

    From a runtime: its alert settings, its routing with the policies' business-hours calendars,
    its alert metrics and its clock. From bare alert settings: ``router`` and ``metrics`` must be
    given; the clock is the wall clock. Whatever is passed replaces the runtime's part. The log sink
    writes to ``out`` (stdout); ``redis`` and ``http`` replace the clients built from the settings."""
    if isinstance(source, AlertSettings):
        if router is None or metrics is None:
            raise TypeError("build_delivery from bare AlertSettings needs a router and metrics")
        settings, clock = source, now or wall_clock
    else:
        settings, clock = source.settings.alerts, now or source.now
        if router is None:
            router = Router(source.config.routing, calendars=source.config.policies.calendars)
        if metrics is None:
            metrics = source.alert_metrics
    sinks = build_sinks(settings, http if http is not None else http_client(settings),
                        sys.stdout if out is None else out, clock)
    client = redis if redis is not None else connect_redis(settings)
    return AlertDelivery(settings, router, client, sinks, metrics, clock, rng)
