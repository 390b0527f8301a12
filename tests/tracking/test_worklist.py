"""The on-call worklist core: open conversations by next SLA target, soonest (overdue) first,
filtered, merged across workers, joined with ack states."""

from __future__ import annotations

from datetime import timedelta

import pytest

from supportwatch.alerts.model import stable_id
from supportwatch.config import load_config
from supportwatch.mood import MoodTracker
from supportwatch.sla import SlaEngine
from supportwatch.sla.plans import Deadline
from supportwatch.tracking import ConversationRecord, OpenConversations, OpenState, Tracker
from supportwatch.tracking.open_index import OpenEntry, open_entry
from supportwatch.tracking.worklist import Filters, local_items, merge, with_states
from tests.tracking.test_tracker import NEGATIVE, T0, event, ts


@pytest.fixture(scope="module")
def tracker() -> Tracker:
    config = load_config(None)
    return Tracker(SlaEngine(config.policies), MoodTracker(config.mood_rules), "https://desk/c/{conversation_id}")


def _entry(channel: str, target_in: float, team: str = "billing", target: float = 60.0) -> OpenEntry:
    deadline = Deadline("first_reply", 0, ts(target_in), ts(target_in + 120), target)
    return OpenEntry(channel, team, OpenState.WAITING_FIRST_REPLY, ts(target_in - target), frozenset({"first_reply"}),
                     "normal", "agent-1", -0.4, deadline)


def _open(**entries: OpenEntry) -> OpenConversations:
    index = OpenConversations()
    for conversation_id, entry in entries.items():
        index.put(conversation_id, entry)
    return index


def test_sorted_by_time_left_overdue_first_and_within_the_horizon() -> None:
    index = _open(late=_entry("chat", -30), soon=_entry("chat", 5), later=_entry("email", 1800),
                  beyond=_entry("email", 7200))
    items = local_items(index, ts(0), Filters(horizon_seconds=3600))
    assert [i["conversation_id"] for i in items] == ["late", "soon", "later"]
    assert [i["state"] for i in items] == ["overdue", "near", "fine"]
    assert items[0]["seconds_left"] == -30.0
    assert items[0]["alert_id"] == stable_id("sla", "late", "first_reply", "0")
    assert items[1]["due_at"] == (T0 + timedelta(seconds=5)).isoformat()
    assert (items[1]["agent_id"], items[1]["mood"], items[1]["clock"]) == ("agent-1", -0.4, "first_reply")


def test_filters_by_channel_and_team_and_limits() -> None:
    index = _open(a=_entry("chat", 10), b=_entry("email", 20), c=_entry("chat", 30, team="returns"))
    assert [i["conversation_id"] for i in local_items(index, ts(0), Filters(channel="chat"))] == ["a", "c"]
    assert [i["conversation_id"] for i in local_items(index, ts(0), Filters(team="returns"))] == ["c"]
    assert [i["conversation_id"] for i in local_items(index, ts(0), Filters(limit=2))] == ["a", "b"]


def test_merge_of_two_workers_is_sorted_and_lists_a_conversation_once() -> None:
    one = local_items(_open(a=_entry("chat", -5), c=_entry("chat", 40)), ts(0), Filters())
    two = local_items(_open(b=_entry("phone", 10), c=_entry("chat", 40)), ts(0), Filters())
    merged = merge([one, two], limit=10)
    assert [i["conversation_id"] for i in merged] == ["a", "b", "c"]
    states = {merged[1]["alert_id"]: {"acknowledged_by": "dana"}}
    shown = with_states(merged, states, "https://desk/c/{conversation_id}")
    assert [i["ack"] for i in shown] == [{}, {"acknowledged_by": "dana"}, {}]
    assert shown[0]["link"] == "https://desk/c/a"


def test_a_tracked_conversation_is_listed_by_its_running_clock(tracker: Tracker) -> None:
    record: ConversationRecord | None = tracker.on_event(None, event(0), NEGATIVE).record
    assert record is not None
    entry = open_entry(record, tracker.deadline(record))
    assert entry is not None and entry.deadline is not None
    index = _open(**{"c-1": entry})
    items = local_items(index, ts(30), Filters(horizon_seconds=600))
    assert [(i["clock"], i["channel"], i["team"], i["agent_id"]) for i in items] == [
        ("first_reply", "chat", "billing", "a-1")]
    assert items[0]["seconds_left"] == 30.0  # chat first reply: 1 minute
    assert items[0]["mood"] is not None and items[0]["mood"] < 0
    answered = tracker.on_event(record, event(40, "agent"), None).record
    assert answered is not None
    after = open_entry(answered, tracker.deadline(answered))
    assert after is not None and after.deadline is not None and after.deadline.clock == "resolution"
