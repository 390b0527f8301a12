"""The SLA engine: events in, signals and outcomes out, for one conversation at a time.

Events are handled by event time. Those within ``lateness`` of the latest time seen (the
watermark: the latest event time or ``advance`` time) are kept in a small log; one that arrives
out of order is inserted and the log re-applied from the core saved before it, so the final state
is the same as if the events had come in order (equal times are ordered by event-id hash).
Older events are dropped as ``"late"``, repeated ``event_id``s as ``"duplicate"``. Whatever was
emitted - a level fired, an outcome, a stop - is recorded per (clock, cycle) and never emitted
again, also after a re-application or a restart from :meth:`ConversationSla.to_dict`.

Levels fire from :meth:`SlaEngine.advance` (wall time in live mode, event time in replay) and,
for levels that fell due before an event, from :meth:`SlaEngine.apply` just before it is applied.
``fired_at`` is the ``advance`` time, or the watermark for levels found by ``apply``.
"""

from __future__ import annotations

import bisect
import math
import sys
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from events.model import Author, Event, EventType
from sla.calendar import add_counted
from sla.policy import BREACH, CLOCKS, CRITICAL, Level, PolicySet
from sla.signals import ClockOutcome, ConversationRef, SignalKind, SlaSignal
from sla.state import OUTCOME, STOPPED, ConversationSla, Core, Record, Run, emitted_key
from sla.transitions import Stop, apply_record, counted_at, policy_of

_KINDS = {1: SignalKind.WARNING, 2: SignalKind.BREACH, 3: SignalKind.CRITICAL}
_AUTHOR_ACTIONS = {Author.CUSTOMER: "c", Author.AGENT: "a", Author.BOT: "b"}


@dataclass(slots=True)
class SlaStep:
    state: ConversationSla
    signals: list[SlaSignal] = field(default_factory=list)
    outcomes: list[ClockOutcome] = field(default_factory=list)
    dropped: Literal["duplicate", "late"] | None = None


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _iso(ts: float | None) -> str | None:
    return None if ts is None else _dt(ts).isoformat()


def _order(rec: Record) -> tuple[float, int]:
    """Events are applied by event time; equal times by event-id hash, so arrival order never matters."""
    return (rec[0], rec[1])


def to_record(event: Event) -> Record:
    """The compact form of an event kept in the log (interned team and agent ids)."""
    if event.type is EventType.MESSAGE:
        action = _AUTHOR_ACTIONS.get(event.author, "") if event.author is not None else ""
    elif event.type is EventType.STATUS and event.status is not None:
        action = event.status.value
    else:
        action = ""
    priority = event.priority.value if "priority" in event.model_fields_set else None
    team = sys.intern(event.team) if event.team is not None else None
    agent = sys.intern(event.agent_id) if event.agent_id is not None else None
    key = zlib.crc32(event.event_id.encode("utf-8"))
    ts = event.occurred_at.timestamp()
    return (ts, key, action, event.channel.value, priority, team, agent, event.customer_id)


class SlaEngine:
    """Pure SLA logic over :class:`ConversationSla` states; ``apply`` and ``advance`` update the
    state in place and return it in the :class:`SlaStep`."""

    def __init__(
        self, policies: PolicySet, lateness: timedelta = timedelta(seconds=60), compact_after: int = 8
    ) -> None:
        self.policies = policies
        self.lateness = lateness.total_seconds()
        self.compact_after = compact_after

    # --- events ------------------------------------------------------------------------------
    def apply(self, state: ConversationSla | None, event: Event) -> SlaStep:
        rec = to_record(event)
        ts = rec[0]
        if state is None:
            state = ConversationSla(event.conversation_id, Core(rec[3]))
        elif ts < state.watermark - self.lateness:
            return SlaStep(state, dropped="late")
        log = state.log
        if log and any(old[1] == rec[1] and old[0] == ts for old in log):
            return SlaStep(state, dropped="duplicate")
        step = SlaStep(state)
        fired_at = max(state.watermark, ts)
        if not log:
            state.base = state.core.copy()
            state.log = [rec]
            self._step(state, rec, fired_at, step)
        elif (ts, rec[1]) >= (log[-1][0], log[-1][1]):
            log.append(rec)
            self._step(state, rec, fired_at, step)
        else:
            log.insert(bisect.bisect_right(log, (ts, rec[1]), key=_order), rec)
            assert state.base is not None  # noqa: S101 - a non-empty log always has its base
            state.core = state.base.copy()
            state.due = None
            for old in log:
                self._step(state, old, fired_at, step)
        state.watermark = fired_at
        self._compact(state)
        return step

    def _step(self, state: ConversationSla, rec: Record, fired_at: float, step: SlaStep) -> None:
        self._fire(state, rec[0], fired_at, step.signals)
        state.due = None
        for stop in apply_record(state.core, rec, self.policies):
            self._stopped(state, stop, fired_at, step)

    # --- time --------------------------------------------------------------------------------
    def advance(self, state: ConversationSla, now: datetime) -> SlaStep:
        """Fire every level due at or before ``now``, each exactly once, in due order.

        ``now`` does not move the watermark: lateness is judged in event time only, so events that
        reach a worker late (a backlog after a restart, a slow producer) still stop their clocks.
        Buffered events older than ``now - lateness`` are folded in, so a closed conversation
        becomes finished without waiting for another event.
        """
        ts = now.timestamp()
        step = SlaStep(state)
        self._fire(state, ts, ts, step.signals)
        self._compact(state, max(state.watermark, ts))
        return step

    def next_due(self, state: ConversationSla) -> datetime | None:
        """When the next level of a running clock falls due (possibly already past)."""
        due = self._next_due_ts(state)
        return None if due == math.inf else _dt(due)

    def _next_due_ts(self, state: ConversationSla) -> float:
        if state.due is not None:
            return state.due
        best = math.inf
        core = state.core
        for index, run in enumerate(core.runs()):
            if run is None or run.resumed is None:
                continue
            for level in self._levels(core, index, run):
                if (index, run.cycle, level.name) not in state.emitted:
                    best = min(best, self._due(core, index, run, level))
                    break
        state.due = best
        return best

    def _levels(self, core: Core, index: int, run: Run) -> tuple[Level, ...]:
        return policy_of(self.policies, core, index, run)[1].levels

    def _due(self, core: Core, index: int, run: Run, level: Level) -> float:
        assert run.resumed is not None  # noqa: S101 - only running clocks have due times
        if level.seconds <= run.acc:
            return run.resumed
        policy, _ = policy_of(self.policies, core, index, run)
        return add_counted(policy.calendar, run.resumed, level.seconds - run.acc)

    def _fire(self, state: ConversationSla, upto: float, fired_at: float, out: list[SlaSignal]) -> None:
        if self._next_due_ts(state) > upto:
            return
        state.due = None
        core = state.core
        due: list[tuple[float, int, int, Level]] = []
        for index, run in enumerate(core.runs()):
            if run is None or run.resumed is None:
                continue
            for level in self._levels(core, index, run):
                if (index, run.cycle, level.name) in state.emitted:
                    continue
                at = self._due(core, index, run, level)
                if at > upto:
                    break
                due.append((at, level.rank, index, level))
        if not due:
            return
        ref = self.ref(state)
        for at, _, index, level in sorted(due, key=lambda d: (d[0], d[1], d[2])):
            run = core.runs()[index]
            assert run is not None  # noqa: S101
            policy, clock_policy = policy_of(self.policies, core, index, run)
            state.emitted = (*state.emitted, emitted_key(index, run.cycle, level.name))
            out.append(
                SlaSignal(
                    kind=_KINDS[level.rank],
                    conversation=ref,
                    clock=CLOCKS[index],
                    level=level.name,
                    policy=policy.name,
                    cycle=run.cycle,
                    started_at=_dt(run.started),
                    due_at=_dt(at),
                    fired_at=_dt(fired_at),
                    target_seconds=clock_policy.target,
                    elapsed_seconds=counted_at(self.policies, core, index, run, max(fired_at, at)),
                )
            )

    def _stopped(self, state: ConversationSla, stop: Stop, fired_at: float, step: SlaStep) -> None:
        index, run, answered = stop
        policy, clock_policy = policy_of(self.policies, state.core, index, run)
        ref = self.ref(state)
        assert run.stopped is not None  # noqa: S101
        if answered and (index, run.cycle, OUTCOME) not in state.emitted:
            state.emitted = (*state.emitted, emitted_key(index, run.cycle, OUTCOME))
            step.outcomes.append(
                ClockOutcome(
                    conversation=ref,
                    clock=CLOCKS[index],
                    policy=policy.name,
                    started_at=_dt(run.started),
                    stopped_at=_dt(run.stopped),
                    elapsed_seconds=run.acc,
                    target_seconds=clock_policy.target,
                    critical_seconds=clock_policy.critical,
                )
            )
        mine = (index, run.cycle)
        fired = [e[2] for e in state.emitted if e[:2] == mine and e[2] not in (OUTCOME, STOPPED)]
        if not fired or (index, run.cycle, STOPPED) in state.emitted:
            return
        state.emitted = (*state.emitted, emitted_key(index, run.cycle, STOPPED))
        highest = CRITICAL if CRITICAL in fired else BREACH if BREACH in fired else fired[-1]
        step.signals.append(
            SlaSignal(
                kind=SignalKind.STOPPED,
                conversation=ref,
                clock=CLOCKS[index],
                level=highest,
                policy=policy.name,
                cycle=run.cycle,
                started_at=_dt(run.started),
                due_at=_dt(run.stopped),
                fired_at=_dt(fired_at),
                target_seconds=clock_policy.target,
                elapsed_seconds=run.acc,
            )
        )

    # --- housekeeping ------------------------------------------------------------------------
    def _compact(self, state: ConversationSla, upto: float | None = None) -> None:
        """Forget events that nothing can precede any more (older than ``upto`` - lateness;
        ``upto`` defaults to the watermark)."""
        log = state.log
        if not log:
            return
        horizon = (state.watermark if upto is None else upto) - self.lateness
        if log[-1][0] < horizon:
            state.log = state.base = None
            latest = {(i, run.cycle) for i, run in enumerate(state.core.runs()) if run is not None}
            state.emitted = tuple(e for e in state.emitted if (e[0], e[1]) in latest)
        elif len(log) > self.compact_after and log[0][0] < horizon:
            assert state.base is not None  # noqa: S101
            n = bisect.bisect_left(log, horizon, key=lambda r: r[0])
            for rec in log[:n]:
                apply_record(state.base, rec, self.policies)
            del log[:n]

    def ref(self, state: ConversationSla) -> ConversationRef:
        core = state.core
        return ConversationRef(
            state.conversation_id, core.channel, core.priority, core.team, core.agent_id, core.customer_id
        )

    # --- inspection --------------------------------------------------------------------------
    def describe(self, state: ConversationSla, now: datetime) -> dict[str, Any]:
        """Every clock of the conversation with its counted time and due times (JSON-able)."""
        ts = now.timestamp()
        core = state.core
        clocks = []
        for index, run in enumerate(core.runs()):
            if run is None:
                continue
            policy, clock_policy = policy_of(self.policies, core, index, run)
            levels = [
                {
                    "level": level.name,
                    "threshold_seconds": level.seconds,
                    "due_at": _iso(self._due(core, index, run, level)) if run.resumed is not None else None,
                    "fired": (index, run.cycle, level.name) in state.emitted,
                }
                for level in clock_policy.levels
            ]
            clocks.append(
                {
                    "clock": CLOCKS[index].value,
                    "cycle": run.cycle,
                    "policy": policy.name,
                    "calendar": policy.calendar.name if policy.calendar is not None else None,
                    "state": run.state,
                    "started_at": _iso(run.started),
                    "stopped_at": _iso(run.stopped),
                    "counted_seconds": counted_at(self.policies, core, index, run, ts),
                    "target_seconds": clock_policy.target,
                    "critical_seconds": clock_policy.critical,
                    "levels": levels,
                }
            )
        next_due = self.next_due(state)
        return {
            "conversation_id": state.conversation_id,
            "channel": core.channel,
            "priority": core.priority,
            "team": core.team,
            "agent_id": core.agent_id,
            "customer_id": core.customer_id,
            "status": core.status,
            "watermark": _iso(state.watermark) if state.watermark != float("-inf") else None,
            "buffered_events": len(state.log or ()),
            "next_due": next_due.isoformat() if next_due is not None else None,
            "clocks": clocks,
        }
