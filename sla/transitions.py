"""What one event does to a conversation's clocks: the SLA semantics, as a pure function of the
:class:`~sla.state.Core` and a buffered event :data:`~sla.state.Record`.

* first reply runs from the first customer message to the first agent message (a bot's only
  when the policy counts bot replies); next reply from each customer message that follows an
  agent reply to the next agent reply (more customer messages in between do not restart it);
* resolution runs from open (or the first customer message) to solved/closed, paused while the
  status is one its policy pauses on; a customer message after solved/closed reopens (new cycle);
* a change of channel, priority, team or customer re-evaluates the policy of every active clock:
  time counted so far is kept, thresholds come from the new policy from then on.
"""

from __future__ import annotations

from typing import NamedTuple

from sla.calendar import counted_between
from sla.policy import CLOCKS, ClockPolicy, Policy, PolicySet
from sla.state import Core, Record, Run

FIRST, NEXT, RESOLUTION = 0, 1, 2
_STOP_STATUSES = ("solved", "closed")
_PAUSE_STATUSES = ("pending", "on_hold")


class Stop(NamedTuple):
    """A clock that an event stopped; ``answered``: it reached its goal (an outcome to record)."""

    idx: int  # clock index, in sla.policy.CLOCKS order
    run: Run
    answered: bool


def policy_of(policies: PolicySet, core: Core, index: int, run: Run) -> tuple[Policy, ClockPolicy]:
    """The policy a run counts under (re-matched if the configuration no longer has it)."""
    clock = CLOCKS[index]
    policy = policies.get(run.policy)
    if policy is None or clock not in policy.clocks:
        policy = policies.match(core.channel, core.priority, core.team, core.customer_id)[index]
    return policy, policy.clocks[clock]


def counted_at(policies: PolicySet, core: Core, index: int, run: Run, ts: float) -> float:
    """Counted seconds of ``run`` at ``ts`` (at its stop when stopped)."""
    if run.resumed is None:
        return run.acc
    policy, _ = policy_of(policies, core, index, run)
    return run.acc + counted_between(policy.calendar, run.resumed, ts)


def apply_record(core: Core, rec: Record, policies: PolicySet) -> list[Stop]:
    """Apply one event (already in event-time order) to ``core``; returns the clocks it stopped."""
    ts, _, action, channel, priority, team, agent_id, customer_id = rec
    changed = channel != core.channel
    core.channel = channel
    if priority is not None and priority != core.priority:
        core.priority, changed = priority, True
    if team is not None and team != core.team:
        core.team, changed = team, True
    if customer_id is not None and customer_id != core.customer_id:
        core.customer_id, changed = customer_id, True
    if agent_id is not None:
        core.agent_id = agent_id
    if changed:
        _reevaluate(core, ts, policies)
    if action == "c":
        _customer_message(core, ts, policies)
    elif action == "a" or action == "b":
        return _agent_message(core, ts, policies, bot=action == "b")
    elif action == "open":
        core.status = "open"
        _sync_pauses(core, ts, policies)
        if core.resolution is None or not core.resolution.active:
            _start(core, RESOLUTION, ts, policies)
    elif action in _PAUSE_STATUSES:
        core.status = action
        _sync_pauses(core, ts, policies)
    elif action in _STOP_STATUSES:
        core.status = action
        return _stop_all(core, ts, policies)
    return []


def _customer_message(core: Core, ts: float, policies: PolicySet) -> None:
    if core.status != "open":
        core.status = "open"  # a customer reply reopens solved/closed and resumes paused clocks
        _sync_pauses(core, ts, policies)
    if core.resolution is None or not core.resolution.active:
        _start(core, RESOLUTION, ts, policies)
    waiting = (core.first is not None and core.first.active) or (core.next is not None and core.next.active)
    if not waiting:
        _start(core, NEXT if core.replied else FIRST, ts, policies)


def _agent_message(core: Core, ts: float, policies: PolicySet, bot: bool) -> list[Stop]:
    for index in (FIRST, NEXT):
        run = core.first if index == FIRST else core.next
        if run is None or not run.active:
            continue
        if bot and not policy_of(policies, core, index, run)[0].count_bot_replies:
            continue
        _stop(core, index, run, ts, policies)
        if index == FIRST:
            core.replied = True
        return [Stop(index, run, True)]
    return []


def _stop_all(core: Core, ts: float, policies: PolicySet) -> list[Stop]:
    stops = []
    for index, run in enumerate(core.runs()):
        if run is not None and run.active:
            _stop(core, index, run, ts, policies)
            stops.append(Stop(index, run, index == RESOLUTION))
    return stops


def _start(core: Core, index: int, ts: float, policies: PolicySet) -> None:
    policy = policies.match(core.channel, core.priority, core.team, core.customer_id)[index]
    previous = core.runs()[index]
    run = Run(policy.name, previous.cycle + 1 if previous is not None else 1, ts, resumed=ts)
    if core.status in policy.clocks[CLOCKS[index]].pause_on:
        run.resumed = None
    _set_run(core, index, run)


def _stop(core: Core, index: int, run: Run, ts: float, policies: PolicySet) -> None:
    run.acc = counted_at(policies, core, index, run, ts)
    run.resumed = None
    run.stopped = ts


def _sync_pauses(core: Core, ts: float, policies: PolicySet) -> None:
    for index, run in enumerate(core.runs()):
        if run is None or not run.active:
            continue
        pause = core.status in policy_of(policies, core, index, run)[1].pause_on
        if pause and run.resumed is not None:
            run.acc = counted_at(policies, core, index, run, ts)
            run.resumed = None
        elif not pause and run.resumed is None:
            run.resumed = ts


def _reevaluate(core: Core, ts: float, policies: PolicySet) -> None:
    winners = policies.match(core.channel, core.priority, core.team, core.customer_id)
    for index, run in enumerate(core.runs()):
        if run is None or not run.active or run.policy == winners[index].name:
            continue
        if run.resumed is not None:  # bank the time counted under the old policy's calendar
            run.acc = counted_at(policies, core, index, run, ts)
            run.resumed = ts
        run.policy = winners[index].name
    _sync_pauses(core, ts, policies)


def _set_run(core: Core, index: int, run: Run) -> None:
    if index == FIRST:
        core.first = run
    elif index == NEXT:
        core.next = run
    else:
        core.resolution = run
