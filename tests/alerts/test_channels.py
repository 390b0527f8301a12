from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportwatch.alerts import AlertKind, ChannelHealth, parse_channel_goals
from supportwatch.base.exceptions import ConfigError
from tests.alerts.conftest import T0, load_yaml

LINK = "https://helpdesk.example/c/{conversation_id}"


def test_parse_goals_and_errors(tmp_path: Path) -> None:
    data, lines = load_yaml(tmp_path, "channel_goals:\n  chat: 0.9\n  default: 1\n")
    assert parse_channel_goals(data["channel_goals"], lines) == {"chat": 0.9, "default": 1.0}
    data, lines = load_yaml(tmp_path, "channel_goals:\n  chat: 0.9\n  email: 1.5\n")
    with pytest.raises(ConfigError) as info:
        parse_channel_goals(data["channel_goals"], lines)
    assert (info.value.line, info.value.field) == (3, "channel_goals.email")
    data, lines = load_yaml(tmp_path, "channel_goals:\n  chat: high\n")
    with pytest.raises(ConfigError, match=r"config.yaml:2: channel_goals.chat"):
        parse_channel_goals(data["channel_goals"], lines)


def test_one_degraded_and_one_recovered_per_episode() -> None:
    health = ChannelHealth({"chat": 0.9}, LINK)
    assert health.observe("chat", 0.95, T0) is None
    degraded = health.observe("chat", 0.8, T0 + timedelta(minutes=1))
    assert degraded is not None and degraded.kind is AlertKind.CHANNEL_DEGRADED
    assert health.observe("chat", 0.7, T0 + timedelta(minutes=2)) is None
    assert health.episodes == {"chat": T0 + timedelta(minutes=1)}
    recovered = health.observe("chat", 0.9, T0 + timedelta(minutes=3))
    assert recovered is not None and recovered.is_resolved and recovered.id == degraded.id
    assert health.observe("email", 0.1, T0) is None  # no goal, not watched


@given(st.lists(st.floats(min_value=0, max_value=1), max_size=60))
def test_alerts_alternate_degraded_then_recovered(ratios: list[float]) -> None:
    health = ChannelHealth({"default": 0.9}, LINK)
    alerts = [health.observe("chat", r, T0 + timedelta(minutes=i)) for i, r in enumerate(ratios)]
    kinds = [a.kind for a in alerts if a is not None]
    expected = [AlertKind.CHANNEL_DEGRADED, AlertKind.RESOLVED] * len(kinds)
    assert kinds == expected[: len(kinds)]
    restored = ChannelHealth({"default": 0.9}, LINK, health.episodes)
    assert restored.episodes == health.episodes
