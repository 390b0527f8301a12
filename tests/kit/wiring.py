"""The alert delivery of the tests, wired by the worker's own :func:`build_delivery`."""

from __future__ import annotations

import io
import random
from typing import TextIO

import httpx
import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry

from supportwatch.alerts import AlertDelivery, AlertMetrics, AlertSettings, Router
from supportwatch.base.clock import Now
from supportwatch.runtime import Runtime
from supportwatch.streams.delivery import build_delivery


def delivery(
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
    """:func:`build_delivery` with the tests' defaults: the log sink writes to ``out`` (a fresh
    StringIO, not stdout), and bare settings get metrics on a registry of their own."""
    if metrics is None and isinstance(source, AlertSettings):
        metrics = AlertMetrics(CollectorRegistry())
    return build_delivery(source, router=router, metrics=metrics, now=now, out=io.StringIO() if out is None else out,
                          redis=redis, http=http, rng=rng)
