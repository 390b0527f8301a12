"""The alert delivery of the tests, wired by the worker's own :func:`build_delivery`."""

from __future__ import annotations

import io
from typing import Any, TextIO

from prometheus_client import CollectorRegistry

from supportwatch.alerts import AlertDelivery, AlertMetrics, AlertSettings
from supportwatch.runtime import Runtime
from supportwatch.streams.delivery import build_delivery


def delivery(
    source: Runtime | AlertSettings, *, metrics: AlertMetrics | None = None, out: TextIO | None = None,
    **wiring: Any,
) -> AlertDelivery:
    """:func:`build_delivery` with the tests' defaults: the log sink writes to ``out`` (a fresh
    StringIO, not stdout), and bare settings get metrics on a registry of their own; ``wiring``
    (router, now, redis, http, rng) goes to :func:`build_delivery` as it is."""
    if metrics is None and isinstance(source, AlertSettings):
        metrics = AlertMetrics(CollectorRegistry())
    return build_delivery(source, metrics=metrics, out=io.StringIO() if out is None else out, **wiring)
