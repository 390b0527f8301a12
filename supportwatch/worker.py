"""``supportwatch worker``: create the topics, load the model once, then run the faust worker."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

import faust

from supportwatch.base.clock import Now, wall_clock
from supportwatch.broker import ensure_topics
from supportwatch.runtime import build_runtime
from supportwatch.settings import Settings
from supportwatch.streams import build_app

# Model threads in a worker unless SUPPORTWATCH_MODEL__THREADS says otherwise: on 2 cores the loop,
# aiokafka's fetcher and the model share the CPUs, and one model thread moved more events than two
# (BENCHMARKS.md "Live pipeline"). Offline commands (replay, training) keep the model's default.
WORKER_MODEL_THREADS = 1


def worker_settings(settings: Settings) -> Settings:
    """``settings`` with the worker's model threads, unless they were set explicitly."""
    if "threads" in settings.model.model_fields_set:
        return settings
    model = settings.model.model_copy(update={"threads": WORKER_MODEL_THREADS})
    return settings.model_copy(update={"model": model})


def run_worker(
    settings: Settings,
    *,
    now: Now = wall_clock,
    tasks: Iterable[Callable[[], Awaitable[None]]] = (),
    loglevel: str = "warning",
) -> int:
    """Run until SIGINT/SIGTERM (or until a task sends one). Returns the exit code."""
    settings = worker_settings(settings)
    asyncio.run(ensure_topics(settings.bootstrap_servers, settings.topics.all()))
    runtime = build_runtime(settings, now=now)
    if settings.sentiment_enabled:
        runtime.classifier()
    pipeline = build_app(runtime)
    for task in tasks:
        pipeline.app.task(task)
    # Alerts print to stdout one line each: keep stdout ours, not faust's logger.
    worker = faust.Worker(pipeline.app, loglevel=loglevel, quiet=True, redirect_stdouts=False)
    # faust's terminal spinner sets the root logger to DEBUG to spin on every record: every
    # per-message debug call of aiokafka and faust then builds a record (~9% of a busy worker).
    worker.spinner = None
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
