"""The policy of a running clock, resolved once per policy and clock instead of once per look-up.

A :class:`ClockPlan` bundles what the engine needs for one clock of one policy (its policy and
clock settings, calendar, ordered levels, pause statuses). :class:`Plans` holds one per (policy
name, clock) and finds the plan a run counts under, or the one a conversation would match now.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from supportwatch.sla.calendar import add_counted, counted_between
from supportwatch.sla.policy import CLOCKS, ClockPolicy, Policy, PolicySet

if TYPE_CHECKING:
    from supportwatch.sla.state import Core, Run


class ClockPlan:
    """One clock of one policy, with the arithmetic a run of that clock needs."""

    __slots__ = ("policy", "clock", "calendar", "levels", "pause_on", "count_bot_replies")

    def __init__(self, policy: Policy, clock: ClockPolicy) -> None:
        self.policy = policy
        self.clock = clock
        self.calendar = policy.calendar
        self.levels = clock.levels
        self.pause_on = clock.pause_on
        self.count_bot_replies = policy.count_bot_replies

    def counted(self, run: Run, ts: float) -> float:
        """Counted seconds of ``run`` at ``ts`` (at its stop or pause when not running)."""
        resumed = run.resumed
        if resumed is None:
            return run.acc
        if self.calendar is None:
            return run.acc + (ts - resumed if ts > resumed else 0.0)
        return run.acc + counted_between(self.calendar, resumed, ts)

    def due(self, run: Run, seconds: float) -> float:
        """When the running ``run`` will have counted ``seconds``."""
        resumed = run.resumed
        assert resumed is not None  # noqa: S101 - only running clocks have due times
        if seconds <= run.acc:
            return resumed
        if self.calendar is None:
            return resumed + (seconds - run.acc)
        return add_counted(self.calendar, resumed, seconds - run.acc)


class Plans:
    """The plans of one :class:`PolicySet`."""

    def __init__(self, policies: PolicySet) -> None:
        self.policies = policies
        self._by_name: dict[str, tuple[ClockPlan | None, ...]] = {
            policy.name: tuple(ClockPlan(policy, policy.clocks[c]) if c in policy.clocks else None for c in CLOCKS)
            for policy in policies.policies
        }

    def of(self, core: Core, index: int, run: Run) -> ClockPlan:
        """The plan ``run`` counts under (re-matched if the configuration no longer has its policy)."""
        plans = self._by_name.get(run.policy)
        if plans is not None:
            plan = plans[index]
            if plan is not None:
                return plan
        return self.winner(core, index)

    def winner(self, core: Core, index: int) -> ClockPlan:
        """The plan the conversation matches now for clock ``index``."""
        policy = self.policies.match(core.channel, core.priority, core.team, core.customer_id, core.tier)[index]
        plan = self._by_name[policy.name][index]
        assert plan is not None  # noqa: S101 - match only returns policies that set the clock
        return plan

    def next_deadline(self, core: Core) -> Deadline | None:
        """The running clock whose target falls due first (already passed included), or None when no
        clock runs: what the on-call worklist sorts by."""
        best: Deadline | None = None
        for index, run in enumerate(core.runs()):
            if run is None or not run.running:
                continue
            plan = self.of(core, index, run)
            target = plan.due(run, plan.clock.target)
            if best is None or target < best.target_ts:
                best = Deadline(CLOCKS[index].value, run.cycle, target, plan.due(run, plan.clock.critical),
                                plan.clock.target)
        return best


class Deadline(NamedTuple):
    """A running clock's next promise: its target and critical times (epoch seconds)."""

    clock: str
    cycle: int
    target_ts: float
    critical_ts: float
    target_seconds: float
