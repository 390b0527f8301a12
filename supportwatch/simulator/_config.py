"""Simulator settings: arrival rate, channel mix, returning customers, how often agents are late, what
breaks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta
from types import MappingProxyType

from supportwatch.events import Channel
from supportwatch.simulator.exceptions import SimulatorConfigError


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """A channel's reply target and critical limit, in seconds, as the simulated agents see them."""

    target: float
    critical: float


CHANNEL_TARGETS: Mapping[str, ReplyTarget] = MappingProxyType(
    {
        "chat": ReplyTarget(60, 180),
        "phone": ReplyTarget(20, 120),
        "messaging": ReplyTarget(30 * 60, 2 * 3600),
        "social": ReplyTarget(3600, 4 * 3600),
        "email": ReplyTarget(4 * 3600, 24 * 3600),
    }
)
DEFAULT_MIX: Mapping[str, float] = MappingProxyType(
    {"chat": 0.35, "messaging": 0.2, "email": 0.2, "social": 0.15, "phone": 0.1}
)
TEAMS: tuple[str, ...] = ("billing", "tech", "returns", "shipping", "accounts")
_RATIOS = (
    "late_ratio", "critical_ratio", "near_breach_ratio", "invalid_ratio", "bot_ratio", "turn_angry_ratio",
    "reopen_ratio", "survey_ratio", "extra_fields_ratio", "returning_share", "channel_switch_ratio", "vip_share",
)  # fmt: skip


@dataclass(frozen=True)
class SimulatorConfig:
    """How the simulated support floor behaves. Times are simulated (event) time.

    Every conversation's first agent reply falls, relative to its channel's target (``targets``), in
    one of four bands: ``critical_ratio`` past the critical limit, ``late_ratio`` between target and
    critical limit, ``near_breach_ratio`` at 75-98 % of the target, the rest well within it. Next
    replies draw from the same bands. ``backlog_per_channel`` conversations per channel are already
    waiting at ``start`` and reach their target (or critical limit) within ``backlog_horizon``: this
    is what makes slow channels (email: 4 h) show breaches in a short demo.

    A ``returning_share`` of new conversations comes from a customer whose latest conversation opened
    ``return_gap_min`` to ``return_gap_max`` earlier (one whose conversation went badly is likelier),
    on another channel with probability ``channel_switch_ratio``; the last ``remembered_customers``
    customers can return. A ``vip_share`` of new customers are ``"vip"``: every event of their
    conversations carries ``customer_tier``.
    """

    seed: int = 7
    conversations_per_minute: float = 60.0
    channel_mix: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    speedup: float = 1.0
    late_ratio: float = 0.12
    critical_ratio: float = 0.03
    near_breach_ratio: float = 0.15
    invalid_ratio: float = 0.01
    bot_ratio: float = 0.5
    turn_angry_ratio: float = 0.12
    reopen_ratio: float = 0.05
    survey_ratio: float = 0.6
    extra_fields_ratio: float = 0.05
    backlog_per_channel: int = 0
    backlog_horizon: timedelta = timedelta(hours=1)
    targets: Mapping[str, ReplyTarget] = field(default_factory=lambda: dict(CHANNEL_TARGETS))
    teams: tuple[str, ...] = TEAMS
    agents_per_team: int = 6
    oversized_text_bytes: int = 20_000
    returning_share: float = 0.25
    channel_switch_ratio: float = 0.7
    return_gap_min: timedelta = timedelta(minutes=2)
    return_gap_max: timedelta = timedelta(hours=2)
    remembered_customers: int = 10_000
    vip_share: float = 0.05

    def __post_init__(self) -> None:
        for name in _RATIOS:
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise SimulatorConfigError(f"{name} must be within 0-1, got {getattr(self, name)}")
        if self.late_ratio + self.critical_ratio + self.near_breach_ratio > 1.0:
            raise SimulatorConfigError("late_ratio + critical_ratio + near_breach_ratio must not exceed 1")
        if self.conversations_per_minute <= 0 or self.speedup <= 0:
            raise SimulatorConfigError("conversations_per_minute and speedup must be positive")
        unknown = set(self.channel_mix) - {c.value for c in Channel}
        if unknown:
            raise SimulatorConfigError(f"channel_mix names unknown channels: {sorted(unknown)}")
        if any(w < 0 for w in self.channel_mix.values()) or sum(self.channel_mix.values()) <= 0:
            raise SimulatorConfigError("channel_mix weights must be >= 0 with a positive sum")
        missing = set(self.channel_mix) - set(self.targets)
        if missing:
            raise SimulatorConfigError(f"targets has no reply target for {sorted(missing)}")
        if any(t.target <= 0 or t.critical <= t.target for t in self.targets.values()):
            raise SimulatorConfigError("each reply target must be positive and below its critical limit")
        if self.backlog_per_channel < 0 or self.backlog_horizon <= timedelta(0):
            raise SimulatorConfigError("backlog_per_channel must be >= 0 and backlog_horizon positive")
        if not self.teams or self.agents_per_team < 1 or self.oversized_text_bytes < 1:
            raise SimulatorConfigError("teams must be non-empty; agents_per_team, oversized_text_bytes >= 1")
        if self.return_gap_min < timedelta(0) or self.return_gap_max <= self.return_gap_min:
            raise SimulatorConfigError("return_gap_min must be >= 0 and below return_gap_max")
        if self.remembered_customers < 1:
            raise SimulatorConfigError("remembered_customers must be >= 1")

    @classmethod
    def demo(cls, seed: int = 7, **overrides: object) -> SimulatorConfig:
        """The demo's settings: run with ``speedup=60`` (one simulated minute per wall second), a
        rate the CPU classifier keeps up with, and a backlog that breaches on every channel within
        the first wall-clock minute."""
        values: dict[str, object] = {
            "seed": seed,
            "speedup": 60.0,
            "conversations_per_minute": 5.0,
            "backlog_per_channel": 6,
            "backlog_horizon": timedelta(minutes=50),
        }
        values.update(overrides)
        known = {f.name for f in fields(cls)}
        if set(values) - known:
            raise SimulatorConfigError(f"unknown SimulatorConfig fields: {sorted(set(values) - known)}")
        return cls(**values)  # type: ignore[arg-type]
