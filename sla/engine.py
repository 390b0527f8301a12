"""The SLA engine: events in, signals and outcomes out, for one conversation at a time.

Events are handled by event time. Those within ``lateness`` of the latest time seen (the
watermark: the latest event time) are kept in a small log; one that arrives out of order is
inserted and the log re-applied from the core saved before it, so the final state is the same as
if the events had come in order (equal times are ordered by a key from the event-id digest).
An event in order is applied once: it joins the log, or, when everything buffered has fallen
behind the lateness horizon, the core so far becomes the saved core and the log restarts with it.
The log holds at most ``max_buffered`` events: beyond that the oldest are folded into the saved
core even within the lateness, and an event that would precede them is ``"late"`` too.

A repeated ``event_id`` (one of the last ``remember_ids`` applied, compared by a 128-bit digest:
:mod:`sla.dedup`) is dropped as ``"duplicate"`` whatever else it carries: the first copy wins.
Older events are dropped as ``"late"``. Whatever was emitted - a level fired, an outcome, a stop -
is recorded per (clock, cycle) and never emitted again, also after a re-application or a restart
from :meth:`ConversationSla.to_dict`; cycles that nothing can re-apply any more are forgotten.
So a conversation's state, and the work per event, are bounded however long it runs.

All times are epoch seconds (floats) inside the engine, so a due time is compared as computed.
Levels fire from :meth:`SlaEngine.advance` (wall time in live mode, event time in replay) and,
for levels that fell due before an event, from :meth:`SlaEngine.apply` just before it is applied.
``fired_at`` is the ``advance`` time, or the watermark for levels found by ``apply``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from supportwatch.events.model import Author, Channel, Event, EventType, Priority, Status
from supportwatch.sla import dedup
from supportwatch.sla import log as buffer
from supportwatch.sla.log import Action, Record
from supportwatch.sla.plans import ClockPlan, Plans
from supportwatch.sla.policy import BREACH, CLOCKS, CRITICAL, Level, PolicySet
from supportwatch.sla.signals import ClockOutcome, ConversationRef, SignalKind, SlaSignal
from supportwatch.sla.state import OUTCOME, STOPPED, ConversationSla, Core, Run, emitted_key
from supportwatch.sla.transitions import Stop, apply_record

_KINDS = {1: SignalKind.WARNING, 2: SignalKind.BREACH, 3: SignalKind.CRITICAL}
_AUTHOR_ACTIONS: dict[Author | None, str] = {  # values: the log keeps plain strings
    Author.CUSTOMER: Action.CUSTOMER.value,
    Author.AGENT: Action.AGENT.value,
    Author.BOT: Action.BOT.value,
}
# enum values by member: a dict look-up is cheaper than Enum.value on every event
_STATUS_ACTIONS = {status: status.value for status in Status}
_PRIORITIES = {priority: priority.value for priority in Priority}
_CHANNELS = {channel: channel.value for channel in Channel}
_INF = math.inf
# A level due at or before the time fired up to: (due time, level rank, clock index, level, run, plan).
_Due = tuple[float, int, int, Level, Run, ClockPlan]


@dataclass(slots=True)
class SlaStep:
    state: ConversationSla
    signals: list[SlaSignal] = field(default_factory=list)
    outcomes: list[ClockOutcome] = field(default_factory=list)
    dropped: Literal["duplicate", "late"] | None = None


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def _firing_order(due: _Due) -> tuple[float, int, int]:
    """By due time, then rank (a warning before a breach due with it), then clock index."""
    at, rank, index, *_ = due
    return at, rank, index


def to_record(event: Event, id_digest: bytes) -> Record:
    """The compact form of an event kept in the log (interned strings, shared attributes);
    ``id_digest``: :func:`sla.dedup.digest` of its id."""
    kind = event.type
    if kind is EventType.MESSAGE:
        action = _AUTHOR_ACTIONS.get(event.author, "")
    elif kind is EventType.STATUS and event.status is not None:
        action = _STATUS_ACTIONS[event.status]
    else:
        action = ""
    priority = _PRIORITIES[event.priority] if "priority" in event.__pydantic_fields_set__ else None
    return buffer.record(event.occurred_at.timestamp(), dedup.order_key(id_digest), action,
                         _CHANNELS[event.channel], priority, event.team, event.agent_id, event.customer_id,
                         event.customer_tier)


class SlaEngine:
    """Pure SLA logic over :class:`ConversationSla` states; ``apply`` and ``advance`` update the
    state in place and return it in the :class:`SlaStep`."""

    def __init__(
        self, policies: PolicySet, lateness: timedelta = timedelta(seconds=60), compact_after: int = 8,
        remember_ids: int = 32, max_buffered: int = 64,
    ) -> None:
        """``compact_after``: buffered events before the log is trimmed to the lateness horizon;
        ``remember_ids``: event ids (digests) kept per conversation to drop repeats;
        ``max_buffered``: the most events a conversation buffers for re-ordering."""
        if remember_ids < 1 or max_buffered < 1 or compact_after < 1:
            raise ValueError("compact_after, remember_ids and max_buffered must be at least 1")
        self.policies = policies
        self.plans = Plans(policies)
        self.lateness = lateness.total_seconds()
        self.compact_after = compact_after
        self.remember_ids = remember_ids
        self.max_buffered = max_buffered
        self._compact_at = min(compact_after, max_buffered)  # events buffered before one more calls _compact
        self._ids_size = remember_ids * dedup.DIGEST_SIZE

    # --- events ------------------------------------------------------------------------------
    def apply(self, state: ConversationSla | None, event: Event) -> SlaStep:
        id_digest = dedup.digest(event.event_id)
        rec = to_record(event, id_digest)
        ts, key, _, _, _ = rec
        if state is None:
            state = ConversationSla(event.conversation_id, Core(_CHANNELS[event.channel]))
        elif id_digest in state.ids and dedup.seen(state.ids, id_digest):  # `in`: the cheap common "no"
            return SlaStep(state, dropped="duplicate")
        elif ts < state.watermark - self.lateness or (state.floor is not None and (ts, key) <= state.floor):
            return SlaStep(state, dropped="late")
        ids = state.ids + id_digest  # the newest remember_ids digests (inline: once per event)
        state.ids = ids if len(ids) <= self._ids_size else ids[-self._ids_size :]
        log = state.log
        watermark = state.watermark
        fired_at = ts if ts > watermark else watermark
        if log and buffer.precedes_last(log, ts, key):
            return self._reorder(state, rec, fired_at)
        if log and buffer.last_ts(log) >= fired_at - self.lateness:
            state.log = buffer.append(log, rec)
            if buffer.size(log) >= self._compact_at:
                self._compact(state, fired_at)
        else:  # nothing buffered can be preceded any more: the core so far is the new base
            if watermark != -_INF:  # the first event's base is a new core (state.base_core)
                state.base = state.core.copy()
                state.keep_emitted_from(state.core)
            state.log = buffer.append(None, rec)
            state.floor = None
        step = SlaStep(state)
        self._step(state, rec, fired_at, step)
        state.watermark = fired_at
        return step

    def _reorder(self, state: ConversationSla, rec: Record, fired_at: float) -> SlaStep:
        """An event that precedes buffered ones: insert it and re-apply the log from its base."""
        log = state.log
        assert log is not None  # noqa: S101 - only called with a non-empty log
        state.log = log = buffer.insert(log, rec)
        step = SlaStep(state)
        state.core = state.base_core()
        state.due = None
        for old in buffer.records(log):
            self._step(state, old, fired_at, step)
        state.watermark = fired_at
        self._compact(state)
        return step

    def _step(self, state: ConversationSla, rec: Record, fired_at: float, step: SlaStep) -> None:
        ts, _, _, _, _ = rec
        if self._next_due_ts(state) <= ts:
            self._fire(state, ts, fired_at, step)
        state.due = None
        stops = apply_record(state.core, rec, self.plans)
        for stop in stops:
            self._stopped(state, stop, fired_at, step)

    # --- time --------------------------------------------------------------------------------
    def advance(self, state: ConversationSla, now_ts: float) -> SlaStep:
        """Fire every level due at or before ``now_ts`` (epoch seconds), each exactly once, in due
        order. Afterwards :meth:`next_due_ts` is later than ``now_ts`` (or None): a caller that
        advances to a due time it was given always moves on.

        ``now_ts`` does not move the watermark: lateness is judged in event time only, so events that
        reach a worker late (a backlog after a restart, a slow producer) still stop their clocks.
        Buffered events older than ``now_ts - lateness`` are folded in, so a closed conversation
        becomes finished without waiting for another event.
        """
        step = SlaStep(state)
        if self._next_due_ts(state) <= now_ts:
            self._fire(state, now_ts, now_ts, step)
        if state.log:
            self._compact(state, max(state.watermark, now_ts))
        return step

    def next_due(self, state: ConversationSla) -> datetime | None:
        """When the next level of a running clock falls due (possibly already past)."""
        due = self.next_due_ts(state)
        return None if due is None else datetime.fromtimestamp(due, UTC)

    def next_due_ts(self, state: ConversationSla) -> float | None:
        """:meth:`next_due` in epoch seconds, as a :class:`~sla.deadlines.DeadlineIndex` keeps it."""
        due = self._next_due_ts(state)
        return None if due == _INF else due

    def _next_due_ts(self, state: ConversationSla) -> float:
        due = state.due
        if due is None:
            state.due = due = self._levels_due(state, -_INF, [])
        return due

    def _levels_due(self, state: ConversationSla, upto: float, due: list[_Due]) -> float:
        """Append the unemitted levels of running clocks due at or before ``upto`` to ``due``, in
        clock and level order; return the earliest due time of the others (inf: none), each clock's
        first unemitted level due after ``upto``."""
        core = state.core
        emitted = state.emitted
        following = _INF
        for index, run in enumerate((core.first, core.next, core.resolution)):  # core.runs(), one call less
            if run is None or run.resumed is None:
                continue
            plan = self.plans.of(core, index, run)
            for level in plan.levels:
                if emitted and (index, run.cycle, level.name) in emitted:
                    continue
                at = plan.due(run, level.seconds)
                if at > upto:
                    if at < following:
                        following = at
                    break
                due.append((at, level.rank, index, level, run, plan))
        return following

    def _fire(self, state: ConversationSla, upto: float, fired_at: float, step: SlaStep) -> None:
        """Emit every unemitted level due at or before ``upto`` (the caller checked the next due),
        in due order; the levels still to come give the new next due time."""
        due: list[_Due] = []
        state.due = self._levels_due(state, upto, due)
        if not due:
            return
        if len(due) > 1:
            due.sort(key=_firing_order)
        ref = self.ref(state)
        out = step.signals
        for at, _, index, level, run, plan in due:
            state.emitted = (*state.emitted, emitted_key(index, run.cycle, level.name))
            # Signals and outcomes are built positionally, each argument commented with its field:
            # keywords (a NamedTuple called with keywords builds a dict) cost 0.84 instead of 0.37 us
            # a signal, and 5% more instructions in benchmarks/sla_replay.py (callgrind, 3 replays of
            # 300 conversations: 947.6M instead of 902.8M).
            out.append(
                SlaSignal(
                    _KINDS[level.rank],  # kind
                    ref,  # conversation
                    CLOCKS[index],  # clock
                    level.name,  # level
                    plan.policy.name,  # policy
                    run.cycle,  # cycle
                    run.started,  # started
                    at,  # due
                    fired_at,  # fired
                    plan.clock.target,  # target_seconds
                    plan.counted(run, fired_at if fired_at > at else at),  # elapsed_seconds
                )
            )

    def _stopped(self, state: ConversationSla, stop: Stop, fired_at: float, step: SlaStep) -> None:
        index, run, answered = stop
        cycle = run.cycle
        fired: list[str] = []  # levels emitted for this run (a loop: cheaper than comprehensions here)
        has_outcome = has_stopped = False
        for clock, emitted_cycle, level in state.emitted:
            if emitted_cycle == cycle and clock == index:
                if level == OUTCOME:
                    has_outcome = True
                elif level == STOPPED:
                    has_stopped = True
                else:
                    fired.append(level)
        with_outcome = answered and not has_outcome
        with_stopped = bool(fired) and not has_stopped
        if not with_outcome and not with_stopped:
            return
        plan = self.plans.of(state.core, index, run)
        ref = self.ref(state)
        assert run.stopped is not None  # noqa: S101
        if with_outcome:
            state.emitted = (*state.emitted, emitted_key(index, cycle, OUTCOME))
            step.outcomes.append(
                ClockOutcome(  # positional: see _fire
                    ref,  # conversation
                    CLOCKS[index],  # clock
                    plan.policy.name,  # policy
                    run.started,  # started
                    run.stopped,  # stopped
                    run.acc,  # elapsed_seconds
                    plan.clock.target,  # target_seconds
                    plan.clock.critical,  # critical_seconds
                )
            )
        if not with_stopped:
            return
        state.emitted = (*state.emitted, emitted_key(index, cycle, STOPPED))
        highest = CRITICAL if CRITICAL in fired else BREACH if BREACH in fired else fired[-1]
        step.signals.append(
            SlaSignal(  # positional: see _fire
                SignalKind.STOPPED,  # kind
                ref,  # conversation
                CLOCKS[index],  # clock
                highest,  # level
                plan.policy.name,  # policy
                cycle,  # cycle
                run.started,  # started
                run.stopped,  # due
                fired_at,  # fired
                plan.clock.target,  # target_seconds
                run.acc,  # elapsed_seconds
            )
        )

    # --- housekeeping ------------------------------------------------------------------------
    def _compact(self, state: ConversationSla, upto: float | None = None) -> None:
        """Forget events that nothing can precede any more (older than ``upto`` - lateness;
        ``upto`` defaults to the watermark), and the oldest beyond ``max_buffered``."""
        log = state.log
        if not log:
            return
        horizon = (state.watermark if upto is None else upto) - self.lateness
        if buffer.last_ts(log) < horizon:
            state.log = state.base = state.floor = None
            state.keep_emitted_from(state.core)
            return
        size = buffer.size(log)
        folded = buffer.older_than(log, horizon) if size > self.compact_after else 0
        if size - folded > self.max_buffered:  # still within the lateness: the floor marks what was folded
            folded = size - self.max_buffered
            state.floor = buffer.position(log, folded - 1)
        elif state.floor is not None:
            floor_ts, _ = state.floor
            if floor_ts < state.watermark - self.lateness:
                state.floor = None  # the lateness alone refuses whatever precedes it now
        if folded:
            folding, kept = buffer.split(log, folded)
            base = state.base_core()  # before the log changes: it may hold the first events
            for rec in buffer.records(folding):
                apply_record(base, rec, self.plans)
            state.base = base
            state.log = kept
            state.keep_emitted_from(base)

    def ref(self, state: ConversationSla) -> ConversationRef:
        """The conversation's attributes, as its signals and outcomes carry them."""
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
            plan = self.plans.of(core, index, run)
            policy, clock_policy = plan.policy, plan.clock
            levels = [
                {
                    "level": level.name,
                    "threshold_seconds": level.seconds,
                    "due_at": _iso(plan.due(run, level.seconds)) if run.resumed is not None else None,
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
                    "counted_seconds": plan.counted(run, ts),
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
            **({"customer_tier": core.tier} if core.tier is not None else {}),
            "status": core.status,
            "watermark": _iso(state.watermark) if state.watermark != float("-inf") else None,
            "buffered_events": buffer.size(state.log),
            "next_due": next_due.isoformat() if next_due is not None else None,
            "clocks": clocks,
        }
