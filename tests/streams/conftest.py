"""A pipeline for faust ``test_context()`` tests: in-memory tables, no broker connection
(outputs are collected), the real default model and the real Redis."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest

from supportwatch.alerts import AlertSettings
from supportwatch.broker import free_port
from supportwatch.models import Classifier, ModelSettings, load_classifier
from supportwatch.runtime import build_runtime
from supportwatch.settings import Role, Settings
from supportwatch.streams.app import Pipeline
from tests.kit import CollectingOutputs, ManualClock, delivery
from tests.streams.harness import T0, Harness, Highwaters


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return load_classifier(ModelSettings())


@pytest.fixture
def harness(tmp_path: Path, redis_url: str, classifier: Classifier) -> Harness:
    return build_harness(tmp_path, redis_url, classifier)


def build_harness(tmp_path: Path, redis_url: str, classifier: Classifier, role: Role = Role.ALL) -> Harness:
    """A pipeline of ``role`` with its own Redis prefix, data directory and manual clock."""
    alerts = AlertSettings(redis_url=redis_url, redis_prefix=f"test:{uuid.uuid4().hex}:")
    settings = Settings(broker_url="kafka://127.0.0.1:9", data_dir=tmp_path / role.value, alerts=alerts,
                        metrics_port=free_port(), role=role)
    clock = ManualClock(T0)
    runtime = build_runtime(settings, now=clock, classifier=classifier)
    log = io.StringIO()

    outputs = CollectingOutputs()
    highwaters = Highwaters()
    pipeline = Pipeline(runtime, delivery=lambda: delivery(runtime, out=log), outputs=outputs, highwater=highwaters,
                        committed=lambda partition: None)
    pipeline.app.finalize()
    pipeline.app.flow_control.resume()
    return Harness(pipeline, outputs, clock, log, highwaters)
