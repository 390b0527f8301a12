"""Validated SLA policies and how a conversation is matched to them.

A :class:`Policy` matches on conversation fields (channel, priority, team, customer_id, customer_tier) and sets
any of the three clocks. For each clock, the most specific matching policy that sets that clock
wins (most matched fields; a tie goes to the first in file order).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum

from supportwatch.sla.calendar import BusinessCalendar
from supportwatch.sla.signals import Clock


class ClockIndex(IntEnum):
    """A clock's index into :data:`CLOCKS`, the runs of a conversation and everything kept per clock."""

    FIRST_REPLY = 0
    NEXT_REPLY = 1
    RESOLUTION = 2


CLOCKS: tuple[Clock, ...] = tuple(Clock[index.name] for index in ClockIndex)
MATCH_FIELDS: tuple[str, ...] = ("channel", "priority", "team", "customer_id", "customer_tier")
PAUSE_STATUSES: frozenset[str] = frozenset({"pending", "on_hold"})
BREACH = "breach"
CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Level:
    """One escalation step of a clock: fires when ``seconds`` counted seconds have elapsed."""

    name: str  # "warning:80%", "warning:2m before", "breach", "critical"
    seconds: float
    rank: int  # 1 warning, 2 breach, 3 critical

    @property
    def kind(self) -> str:
        return self.name.split(":", 1)[0]


@dataclass(frozen=True)
class ClockPolicy:
    target: float
    critical: float
    warnings: tuple[Level, ...] = ()
    pause_on: frozenset[str] = PAUSE_STATUSES
    levels: tuple[Level, ...] = field(init=False)

    def __post_init__(self) -> None:
        levels = (*self.warnings, Level(BREACH, self.target, 2), Level(CRITICAL, self.critical, 3))
        object.__setattr__(self, "levels", tuple(sorted(levels, key=lambda lv: (lv.seconds, lv.rank))))


@dataclass(frozen=True)
class Policy:
    name: str
    match: Mapping[str, frozenset[str]]  # field -> accepted values
    clocks: Mapping[Clock, ClockPolicy]
    calendar: BusinessCalendar | None = None
    count_bot_replies: bool = False

    @property
    def specificity(self) -> int:
        return len(self.match)

    def matches(self, attrs: Mapping[str, str | None]) -> bool:
        return all(attrs.get(key) in values for key, values in self.match.items())


AttrKey = tuple[str, str, str | None, str | None, str | None]
_CACHE_LIMIT = 50_000


class PolicySet:
    """All policies and calendars of one configuration file."""

    def __init__(self, policies: list[Policy], calendars: Mapping[str, BusinessCalendar]) -> None:
        self.policies: tuple[Policy, ...] = tuple(policies)
        self.calendars: dict[str, BusinessCalendar] = dict(calendars)
        self._by_name = {p.name: p for p in self.policies}
        # most specific first; sorted() is stable so file order breaks ties
        self._ordered = sorted(self.policies, key=lambda p: -p.specificity)
        self._uses_customer = any("customer_id" in p.match for p in self.policies)
        self._cache: dict[AttrKey, tuple[Policy, ...]] = {}

    def get(self, name: str) -> Policy | None:
        return self._by_name.get(name)

    def match(
        self, channel: str, priority: str, team: str | None, customer_id: str | None, tier: str | None = None
    ) -> tuple[Policy, ...]:
        """The winning policy for each clock (in :data:`CLOCKS` order)."""
        key: AttrKey = (channel, priority, team, customer_id if self._uses_customer else None, tier)
        found = self._cache.get(key)
        if found is None:
            attrs = {"channel": channel, "priority": priority, "team": team, "customer_id": customer_id,
                     "customer_tier": tier}
            found = tuple(self._first(clock, attrs) for clock in CLOCKS)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = found
        return found

    def _first(self, clock: Clock, attrs: Mapping[str, str | None]) -> Policy:
        for policy in self._ordered:
            if clock in policy.clocks and policy.matches(attrs):
                return policy
        raise LookupError(f"no policy sets {clock.value} for {dict(attrs)}")

    def targets(self, clock: Clock) -> list[float]:
        """Every target and critical limit any policy sets for ``clock``, sorted, unique."""
        limits = {
            limit
            for p in self.policies
            if clock in p.clocks
            for limit in (p.clocks[clock].target, p.clocks[clock].critical)
        }
        return sorted(limits)
