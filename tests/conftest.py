"""Fixtures shared by every tier: a real Redis over TCP (the one on 127.0.0.1:6379 when it
answers, else a throwaway redis-server, else fakeredis' TCP server)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from supportwatch.embedded_redis import ensure_redis

# Property tests judge correctness, never speed: a loaded 2-core machine must not fail them.
settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("default")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with ensure_redis(os.environ.get("SUPPORTWATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")) as url:
        yield url
