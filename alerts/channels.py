"""Channel goals (config section ``channel_goals``) and the degraded/recovered decision per channel."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from supportwatch.alerts.build import channel_degraded, channel_recovered
from supportwatch.alerts.model import Alert
from supportwatch.base.yamlfile import Lines

DEFAULT_GOAL_KEY = "default"


def parse_channel_goals(section: Any, lines: Lines) -> dict[str, float]:
    """``channel_goals: {email: 0.9, chat: 0.95, default: 0.9}``: within-target ratio goals in (0, 1]."""
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise lines.error(("channel_goals",), "must be a mapping of channel to a ratio in (0, 1]")
    goals: dict[str, float] = {}
    for channel, value in section.items():
        key = ("channel_goals", str(channel))
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise lines.error(key, "must be a number in (0, 1]")
        if not 0 < float(value) <= 1:
            raise lines.error(key, f"{value} is not in (0, 1]")
        goals[str(channel)] = float(value)
    return goals


class ChannelHealth:
    """Turns a stream of (channel, rolling within-target ratio) observations into degraded and
    recovered alerts, one pair per episode. ``episodes`` (channel -> degraded since) is the state to
    keep across restarts."""

    def __init__(
        self, goals: Mapping[str, float], link_template: str, episodes: Mapping[str, datetime] | None = None
    ) -> None:
        self._goals = dict(goals)
        self._link_template = link_template
        self._since: dict[str, datetime] = dict(episodes or {})

    @property
    def episodes(self) -> dict[str, datetime]:
        return dict(self._since)

    def goal_of(self, channel: str) -> float | None:
        return self._goals.get(channel, self._goals.get(DEFAULT_GOAL_KEY))

    def observe(self, channel: str, ratio: float, at: datetime) -> Alert | None:
        goal = self.goal_of(channel)
        if goal is None:
            return None
        since = self._since.get(channel)
        if ratio < goal and since is None:
            self._since[channel] = at
            return channel_degraded(channel, ratio, goal, at, self._link_template)
        if ratio >= goal and since is not None:
            del self._since[channel]
            return channel_recovered(channel, ratio, goal, since, at, self._link_template)
        return None
