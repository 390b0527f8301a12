"""Helpers of the SLA engine tests (imported by conftest.py and the test modules); events come from
the test kit's ``event_factory``."""

from __future__ import annotations

from hypothesis import strategies as st

from supportwatch.events.model import Event
from supportwatch.sla import ClockOutcome, ConversationSla, SlaEngine, SlaSignal
from tests.kit import T0, MakeEvent, event_factory

__all__ = ["T0", "MakeEvent", "event_factory", "feed", "script_events", "shuffled_within"]

def script_events(script: list[tuple[int, str]], conversation_id: str, channel: str = "email") -> list[Event]:
    """Events of one conversation from ``(seconds after the previous one, action)`` pairs: an event kind
    of :func:`event_factory`, ``"urgent"``/``"normal"`` (a priority change) or ``"billing"`` (a team change)."""
    ev = event_factory(conversation_id, channel=channel)
    events, at = [], 0
    for gap, action in script:
        at += gap
        if action in ("urgent", "normal"):
            events.append(ev(at, "system", priority=action))
        elif action == "billing":
            events.append(ev(at, "assignment", team="billing"))
        else:
            events.append(ev(at, action))
    return events


def feed(engine: SlaEngine, events: list[Event]) -> tuple[ConversationSla, list[SlaSignal], list[ClockOutcome]]:
    """Apply ``events`` in arrival order (none may be dropped); the final state and all it emitted."""
    state: ConversationSla | None = None
    signals: list[SlaSignal] = []
    outcomes: list[ClockOutcome] = []
    for event in events:
        step = engine.apply(state, event)
        assert step.dropped is None
        state = step.state
        signals += step.signals
        outcomes += step.outcomes
    assert state is not None
    return state, signals, outcomes


@st.composite
def shuffled_within(draw: st.DrawFn, events: list[Event], lateness: float) -> list[Event]:
    """An arrival order in which no event is older than the latest seen minus the lateness."""
    pending = list(events)
    arrived: list[Event] = []
    while pending:
        oldest = min(e.occurred_at.timestamp() for e in pending)
        # only an event that leaves every pending one within the lateness may come next
        allowed = [e for e in pending if e.occurred_at.timestamp() - lateness <= oldest]
        pick = draw(st.sampled_from(allowed))
        pending.remove(pick)
        arrived.append(pick)
    return arrived
