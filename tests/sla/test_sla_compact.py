"""The compact state: runs shared between the core and its base are never changed, the event log
keeps only what can still be re-ordered, and states stored by the previous release still load."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from supportwatch.sla import ConversationSla, PolicySet, SlaEngine
from supportwatch.sla import log as buffer
from supportwatch.sla.state import Run
from tests.sla.sla_testkit import MakeEvent, event_factory, script_events

ACTIONS = ["customer", "agent", "bot", "pending", "on_hold", "open", "solved", "closed", "urgent", "billing"]


scripts = st.lists(st.tuples(st.integers(0, 200), st.sampled_from(ACTIONS)), min_size=1, max_size=25)


@settings(max_examples=100)
@given(scripts, st.randoms(use_true_random=False))
def test_runs_are_never_changed_once_made(policies: PolicySet, script: list[tuple[int, str]], rnd: Any) -> None:
    """The base shares runs with the core, so re-applying the log relies on runs being immutable."""
    engine = SlaEngine(policies, lateness=timedelta(seconds=120))
    events = script_events(script, "conv-c")
    arrival = sorted(events, key=lambda e: e.occurred_at.timestamp() + rnd.uniform(0, 100))  # within lateness
    seen: dict[int, tuple[Run, list[Any]]] = {}
    state: ConversationSla | None = None
    for event in arrival:
        state = engine.apply(state, event).state
        for core in (state.core, state.base):
            for run in core.runs() if core is not None else ():
                if run is not None:
                    seen.setdefault(id(run), (run, run.to_list()))
    assert all(run.to_list() == first for run, first in seen.values())


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 3)), min_size=1, max_size=30, unique=True))
def test_the_log_keeps_event_order_and_survives_a_round_trip(events: list[tuple[int, int]]) -> None:
    log: buffer.Log = ()
    for ts, key in events:
        log = buffer.insert(log, buffer.record(float(ts), key, "c", "chat", None, "support", "a-1", "cust"))
    order = [(rec[buffer.Field.TS], rec[buffer.Field.KEY]) for rec in buffer.records(log)]
    assert order == sorted((float(ts), key) for ts, key in events)
    assert [buffer.position(log, n) for n in range(buffer.size(log))] == order
    assert buffer.last_ts(log) == order[-1][0]
    head, tail = buffer.split(log, 2)
    assert buffer.size(head) == min(2, len(order)) and head + tail == log
    assert buffer.from_lists(json.loads(json.dumps(buffer.to_lists(log)))) == log
    assert buffer.older_than(log, 25.0) == sum(1 for ts, _ in events if ts < 25)


def test_events_far_apart_keep_only_the_latest_in_the_log(engine: SlaEngine, ev: MakeEvent) -> None:
    state = engine.apply(None, ev(0, "customer")).state
    for at, what in ((600, "agent"), (1200, "customer"), (1230, "agent")):
        engine.apply(state, ev(at, what))
    assert buffer.size(state.log) == 2  # 1200 and 1230: within the lateness of each other
    assert engine.apply(state, ev(1215, "pending")).dropped is None  # so 1200 can still be preceded
    engine.apply(state, ev(2000, "customer"))
    assert buffer.size(state.log) == 1 and state.base is not None
    assert state.base.first is state.core.first  # the base shares the runs the event left unchanged


OLD_STATE = {  # stored by release 1 (one tuple per buffered event), after e1..e5 below
    "v": 1, "id": "conv-old", "w": 1772445730.0,
    "core": ["chat", "normal", "support", "a-7", "cust-9", "pending", True,
             ["chat", 1, 1772445600.0, 30.0, None, 1772445630.0], ["chat", 1, 1772445700.0, 25.0, None, 1772445725.0],
             ["chat", 1, 1772445600.0, 130.0, None, None]],
    "base": ["chat", "normal", None, None, None, None, False, None, None, None],
    "log": [[1772445600.0, 3125578153, "c", "chat", None, "support", None, "cust-9"],
            [1772445630.0, 591779859, "a", "chat", None, None, "a-7", None],
            [1772445700.0, 1413671045, "c", "chat", None, None, None, None],
            [1772445725.0, 3173076400, "a", "chat", None, None, None, None],
            [1772445730.0, 3391520038, "pending", "chat", None, None, None, None]],
    "em": [[0, 1, "warning:50%"], [0, 1, "outcome"], [0, 1, "stopped"], [1, 1, "outcome"]],
}


def test_a_state_stored_by_the_previous_release_goes_on_as_if_never_stored(engine: SlaEngine) -> None:
    """Format 1 had no event-id digests: the restored state knows the ids of the events after it."""
    ev = event_factory("conv-old", channel="chat")
    events = [ev(0, "customer", customer_id="cust-9", team="support"), ev(30, "agent", agent_id="a-7"),
              ev(100, "customer"), ev(130, "pending"), ev(125, "agent")]
    later = [ev(110, "customer"), ev(400, "open"), ev(410, "customer")]  # the first re-orders the old log
    fresh: ConversationSla | None = None
    for event in events:
        fresh = engine.apply(fresh, event).state
    assert fresh is not None
    assert fresh.core.to_list() == OLD_STATE["core"]
    stored = ConversationSla.from_dict(json.loads(json.dumps(OLD_STATE)))
    for event in later:
        a, b = engine.apply(fresh, event), engine.apply(stored, event)
        assert a.dropped is None and b.dropped is None
        assert [(s.kind, s.clock, s.level, s.cycle) for s in a.signals] == [
            (s.kind, s.clock, s.level, s.cycle) for s in b.signals]
        assert a.outcomes == b.outcomes
    ids = stored.to_dict().pop("ids")
    assert {k: v for k, v in stored.to_dict().items() if k != "ids"} == {
        k: v for k, v in fresh.to_dict().items() if k != "ids"}
    assert stored.ids == fresh.ids[-len(stored.ids):] and len(stored.ids) == 16 * len(later) and ids


def test_a_restored_state_shares_equal_runs_between_core_and_base(engine: SlaEngine, ev: MakeEvent) -> None:
    state = engine.apply(None, ev(0, "customer")).state
    engine.apply(state, ev(600, "agent"))
    engine.apply(state, ev(1200, "customer"))  # buffered; the base is the core before it
    restored = ConversationSla.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored.base is not None and restored.base.first is restored.core.first  # stopped at 600 in both
    assert restored.core.next is not None and restored.base.next is None
    assert restored.to_dict() == state.to_dict()
