"""A pipeline for faust ``test_context()`` tests: in-memory tables, no broker connection
(outputs are collected), the real default model and the real Redis."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from alerts import AlertDelivery, AlertSettings, Router, build_sinks, connect_redis, http_client
from models import Classifier, ModelSettings, load_classifier
from streams.app import Pipeline
from streams.outputs import CollectingOutputs
from supportwatch.broker import free_port
from supportwatch.runtime import build_runtime
from supportwatch.settings import Settings
from tests.clocks import ManualClock
from tests.streams.harness import T0, Harness, Highwaters


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return load_classifier(ModelSettings())


@pytest.fixture
def harness(tmp_path: Path, redis_url: str, classifier: Classifier) -> Iterator[Harness]:
    alerts = AlertSettings(redis_url=redis_url, redis_prefix=f"test:{uuid.uuid4().hex}:")
    settings = Settings(broker_url="kafka://127.0.0.1:9", data_dir=tmp_path, alerts=alerts, metrics_port=free_port())
    clock = ManualClock(T0)
    runtime = build_runtime(settings, now=clock, classifier=classifier)
    log = io.StringIO()

    def delivery() -> AlertDelivery:
        router = Router(runtime.config.routing, calendars=runtime.config.policies.calendars)
        sinks = build_sinks(alerts, http_client(alerts), log, clock)
        return AlertDelivery(alerts, router, connect_redis(alerts), sinks, runtime.alert_metrics, clock)

    outputs = CollectingOutputs()
    highwaters = Highwaters()
    pipeline = Pipeline(runtime, delivery=delivery, outputs=outputs, highwater=highwaters,
                        committed=lambda partition: None)
    pipeline.app.finalize()
    pipeline.app.flow_control.resume()
    yield Harness(pipeline, outputs, clock, log, highwaters)
