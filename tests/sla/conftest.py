"""Fixtures of the SLA engine tests: the shipped policies, an engine, and an event factory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from supportwatch.base.yamlfile import load
from supportwatch.sla import PolicySet, SlaEngine, load_policies, parse_policies
from tests.sla.sla_testkit import MakeEvent, event_factory


@pytest.fixture(scope="session")
def policies() -> PolicySet:
    return load_policies(None)


@pytest.fixture
def engine(policies: PolicySet) -> SlaEngine:
    return SlaEngine(policies, lateness=timedelta(seconds=60))


@pytest.fixture
def ev() -> MakeEvent:
    return event_factory()


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], PolicySet]:
    """Parse a YAML text as a configuration file (errors name tmp file:line:field)."""

    def parse(text: str) -> PolicySet:
        path = tmp_path / "policies.yaml"
        path.write_text(text, encoding="utf-8")
        data, lines = load(path)
        return parse_policies(data, lines)

    return parse
