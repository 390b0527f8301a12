"""What one event does to a conversation's clocks: the SLA semantics, as a pure function of the
:class:`~sla.state.Core` and a buffered event :data:`~sla.log.Record`.

* first reply runs from the first customer message to the first agent message (a bot's only
  when the policy counts bot replies); next reply from each customer message that follows an
  agent reply to the next agent reply (more customer messages in between do not restart it);
* resolution runs from open (or the first customer message) to solved/closed, paused while the
  status is one its policy pauses on; a customer message after solved/closed reopens (new cycle);
* a change of channel, priority, team, customer or customer tier re-evaluates the policy of every active clock:
  time counted so far is kept, thresholds come from the new policy from then on.
"""

from __future__ import annotations

from typing import NamedTuple

from supportwatch.sla.log import Action, Record
from supportwatch.sla.plans import Plans
from supportwatch.sla.policy import ClockIndex
from supportwatch.sla.state import Core, Run

# The values, bound once. On Python 3.11 an Enum attribute look-up costs about 90 ns, and indexing
# or comparing with a member misses the interpreter's fast paths for exact ints and strs.
FIRST, NEXT, RESOLUTION = ClockIndex.FIRST_REPLY.value, ClockIndex.NEXT_REPLY.value, ClockIndex.RESOLUTION.value
CUSTOMER, AGENT, BOT = Action.CUSTOMER.value, Action.AGENT.value, Action.BOT.value
_STOP_STATUSES = ("solved", "closed")
_PAUSE_STATUSES = ("pending", "on_hold")


class Stop(NamedTuple):
    """A clock that an event stopped; ``answered``: it reached its goal (an outcome to record)."""

    idx: int  # the clock's index (sla.policy.ClockIndex)
    run: Run
    answered: bool


def apply_record(core: Core, rec: Record, plans: Plans) -> list[Stop]:
    """Apply one event (already in event-time order) to ``core``; returns the clocks it stopped."""
    ts, _, (action, channel, priority, team, tier), agent_id, customer_id = rec
    changed = channel != core.channel
    core.channel = channel
    if priority is not None and priority != core.priority:
        core.priority, changed = priority, True
    if team is not None and team != core.team:
        core.team, changed = team, True
    if customer_id is not None and customer_id != core.customer_id:
        core.customer_id, changed = customer_id, True
    if tier is not None and tier != core.tier:
        core.tier, changed = tier, True
    if agent_id is not None:
        core.agent_id = agent_id
    if changed:
        _reevaluate(core, ts, plans)
    if action == CUSTOMER:
        _customer_message(core, ts, plans)
    elif action == AGENT or action == BOT:
        return _agent_message(core, ts, plans, bot=action == BOT)
    elif action == "open":
        core.status = "open"
        _sync_pauses(core, ts, plans)
        if core.resolution is None or core.resolution.stopped is not None:
            _start(core, RESOLUTION, ts, plans)
    elif action in _PAUSE_STATUSES:
        core.status = action
        _sync_pauses(core, ts, plans)
    elif action in _STOP_STATUSES:
        core.status = action
        return _stop_all(core, ts, plans)
    return []


def _customer_message(core: Core, ts: float, plans: Plans) -> None:
    if core.status != "open":
        core.status = "open"  # a customer reply reopens solved/closed and resumes paused clocks
        _sync_pauses(core, ts, plans)
    if core.resolution is None or core.resolution.stopped is not None:
        _start(core, RESOLUTION, ts, plans)
    first, following = core.first, core.next
    waiting = (first is not None and first.stopped is None) or (following is not None and following.stopped is None)
    if not waiting:
        _start(core, NEXT if core.replied else FIRST, ts, plans)


def _agent_message(core: Core, ts: float, plans: Plans, bot: bool) -> list[Stop]:
    for index, run in ((FIRST, core.first), (NEXT, core.next)):
        if run is None or run.stopped is not None:
            continue
        if bot and not plans.of(core, index, run).count_bot_replies:
            continue
        stopped = _stop(core, index, run, ts, plans)
        if index == FIRST:
            core.replied = True
        return [Stop(index, stopped, True)]
    return []


def _stop_all(core: Core, ts: float, plans: Plans) -> list[Stop]:
    stops = []
    for index, run in enumerate(core.runs()):
        if run is not None and run.stopped is None:
            stops.append(Stop(index, _stop(core, index, run, ts, plans), index == RESOLUTION))
    return stops


def _start(core: Core, index: int, ts: float, plans: Plans) -> None:
    plan = plans.winner(core, index)
    previous = core.runs()[index]
    cycle = previous.cycle + 1 if previous is not None else 1
    resumed = None if core.status in plan.pause_on else ts
    _set_run(core, index, Run(plan.policy.name, cycle, ts, 0.0, resumed))


def _stop(core: Core, index: int, run: Run, ts: float, plans: Plans) -> Run:
    acc = plans.of(core, index, run).counted(run, ts)
    stopped = Run(run.policy, run.cycle, run.started, acc, None, ts)
    _set_run(core, index, stopped)
    return stopped


def _sync_pauses(core: Core, ts: float, plans: Plans) -> None:
    for index, run in enumerate(core.runs()):
        if run is None or run.stopped is not None:
            continue
        plan = plans.of(core, index, run)
        pause = core.status in plan.pause_on
        if pause and run.resumed is not None:
            _set_run(core, index, Run(run.policy, run.cycle, run.started, plan.counted(run, ts)))
        elif not pause and run.resumed is None:
            _set_run(core, index, Run(run.policy, run.cycle, run.started, run.acc, ts))


def _reevaluate(core: Core, ts: float, plans: Plans) -> None:
    for index, run in enumerate(core.runs()):
        if run is None or run.stopped is not None:
            continue
        name = plans.winner(core, index).policy.name
        if run.policy == name:
            continue
        if run.resumed is not None:  # bank the time counted under the old policy's calendar
            acc = plans.of(core, index, run).counted(run, ts)
            _set_run(core, index, Run(name, run.cycle, run.started, acc, ts))
        else:
            _set_run(core, index, Run(name, run.cycle, run.started, run.acc))
    _sync_pauses(core, ts, plans)


def _set_run(core: Core, index: int, run: Run) -> None:
    if index == FIRST:
        core.first = run
    elif index == NEXT:
        core.next = run
    else:
        core.resolution = run
