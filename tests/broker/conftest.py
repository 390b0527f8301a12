"""Fixtures for the embedded-broker tests: one real noida-db broker per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from supportwatch.broker import EmbeddedBroker


@pytest.fixture
def broker() -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker() as running:
        yield running
