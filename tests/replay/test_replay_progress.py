"""Replay always moves on: due times stay epoch-second floats from the engine to the deadline index
and back, so a tick at a due time fires it (no datetime round trip rounding it down), and a deadline
that would not move raises instead of spinning."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportwatch.cli import main
from supportwatch.config import load_config
from supportwatch.events import Event
from supportwatch.mood import MoodTracker
from supportwatch.replay import replay
from supportwatch.sla import SlaEngine
from supportwatch.sla.exceptions import DeadlineError
from supportwatch.tracking import ConversationRecord, Tracker, Update
from tests.kit import Events

# the incident: these four made `supportwatch replay` loop forever
INCIDENT = [
    {"event_id": "e1", "conversation_id": "c1", "occurred_at": "2026-11-30T10:38:48.947+00:00", "channel": "chat",
     "type": "message", "author": "customer", "text": "hi"},
    {"event_id": "e2", "conversation_id": "c1", "occurred_at": "2026-11-30T10:38:48.965+00:00", "channel": "chat",
     "type": "status", "status": "pending"},
    {"event_id": "e3", "conversation_id": "c1", "occurred_at": "2026-11-30T10:38:52.614+00:00", "channel": "chat",
     "type": "status", "status": "open"},
    {"event_id": "e4", "conversation_id": "c1", "occurred_at": "2026-11-30T10:49:22.596+00:00", "channel": "chat",
     "type": "message", "author": "agent", "text": "hello"},
]
T0 = datetime(2026, 11, 30, 10, 38, 48, 947000, tzinfo=UTC)
KINDS = ["customer", "customer", "agent", "bot", "pending", "on_hold", "open", "solved", "closed"]
OFFSETS = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]


@pytest.fixture(scope="module")
def tracker() -> Tracker:
    config = load_config(None)
    return Tracker(SlaEngine(config.policies), MoodTracker(config.mood_rules), "https://desk/c/{conversation_id}")


@pytest.mark.timeout(60)
def test_the_incident_events_replay_to_the_right_first_reply(tmp_path: Path) -> None:
    events = tmp_path / "incident.jsonl"
    events.write_text("".join(json.dumps(row) + "\n" for row in INCIDENT), encoding="utf-8")
    report = tmp_path / "report.json"
    assert main(["replay", str(events), "--report", str(report), "--no-sentiment"]) == 0
    row = json.loads(report.read_text())["conversations"][0]
    # 633.649 s from the message to the reply, less 3.649 s pending
    assert row["first_reply_seconds"] == 630.0 and row["first_reply_within_target"] is False
    assert row["breached"] == ["first_reply"] and row["critical"] == ["first_reply"] and row["warnings"] == 2


# chat events, no team; messages say "..."
EVENTS = Events(team=None, text="...")


conversation_steps = st.lists(st.tuples(st.integers(0, 4 * 3_600_000) | st.integers(0, 50),
                                        st.sampled_from(KINDS), st.sampled_from(OFFSETS)), min_size=1, max_size=10)


@settings(max_examples=80, deadline=None)
@given(st.lists(conversation_steps, min_size=1, max_size=3))
def test_replay_terminates_and_fires_each_level_once(tracker: Tracker,
                                                     conversations: list[list[tuple[int, str, timezone]]]) -> None:
    """Random millisecond times (and offsets): replay ends, and no alert level fires twice."""
    events = []
    for c, steps in enumerate(conversations):
        ms = 0
        for n, (gap, kind, zone) in enumerate(steps):
            ms += gap
            at = (T0 + timedelta(milliseconds=ms)).astimezone(zone)
            events.append(EVENTS(at, kind, f"conv-{c}", event_id=f"conv-{c}-{n}"))
    events.sort(key=lambda e: e.occurred_at.timestamp())
    result = replay(events, tracker, {}, end=events[-1].occurred_at + timedelta(days=10))
    fired = Counter((alert.id, alert.level) for alert in result.alerts)
    assert all(count == 1 for count in fired.values()), fired.most_common(3)


class _StuckTracker(Tracker):
    """A broken engine: each tick leaves the conversation due ``step`` seconds later (0: again now)."""

    step = 0.0

    def on_tick(self, record: ConversationRecord, now_ts: float) -> Update:
        return Update(record=record, next_due_ts=now_ts + self.step)


@pytest.mark.parametrize("step", [0.0, -1.0, 1e-3])  # the same time, earlier, creeping on
def test_a_deadline_that_does_not_move_on_raises_instead_of_spinning(step: float) -> None:
    config = load_config(None)
    stuck = _StuckTracker(SlaEngine(config.policies), MoodTracker(config.mood_rules), "{conversation_id}")
    stuck.step = step
    events = [Event.model_validate(row) for row in INCIDENT]
    with pytest.raises(DeadlineError, match="would not progress"):
        replay(events, stuck, {})
