"""Fixtures of the live-worker integration tests: an embedded Kafka-protocol broker per test and
a worker configuration on it (temp data dir, a Redis prefix of its own on the test Redis)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from supportwatch.broker import EmbeddedBroker
from tests.integration.live import WorkerConfig, write_policy

# The phone first-reply clock, shortened: warnings 20 s and 25 s after the customer's message (late
# enough for a loaded worker to commit its offsets first), breach at 40 s, critical at 80 s. Every
# other section of the file is the shipped default.
SHORT_PHONE = {"first_reply": {"target": "40s", "critical": "80s", "warnings": ["20s before", "15s before"]}}
WARNINGS = {"warning:20s before": timedelta(seconds=20), "warning:15s before": timedelta(seconds=25)}
BREACH = timedelta(seconds=40)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker(tmp_path / "broker") as running:
        yield running


@pytest.fixture
def worker_config(tmp_path: Path, broker: EmbeddedBroker, redis_url: str) -> WorkerConfig:
    return WorkerConfig(
        bootstrap=broker.bootstrap,
        redis_url=redis_url,
        redis_prefix=f"test:restart:{uuid.uuid4().hex}:",
        policy_file=write_policy(tmp_path / "policy.yaml", SHORT_PHONE),
        data_dir=tmp_path / "worker",
    )
