from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from supportwatch.events.model import SurveyKind
from supportwatch.mood import MoodRules, MoodState, MoodTracker
from tests.mood.helpers import at, sentiment


def test_empty_state_round_trips() -> None:
    assert MoodState.from_dict(MoodState().to_dict()) == MoodState()


def test_state_is_compact(tracker: MoodTracker) -> None:
    state = None
    for minute in range(200):
        state, _ = tracker.on_message(state, sentiment(-0.123456789), at(minute))
    assert state is not None
    assert len(json.dumps(state.to_dict())) < 300


events = st.lists(
    st.one_of(
        st.tuples(st.just("message"), st.floats(min_value=-1, max_value=1, allow_nan=False)),
        st.tuples(st.just("nps"), st.integers(min_value=0, max_value=10).map(float)),
        st.tuples(st.just("csat"), st.integers(min_value=1, max_value=5).map(float)),
        st.tuples(st.just("ces"), st.integers(min_value=1, max_value=7).map(float)),
    ),
    min_size=1, max_size=40,
)


@given(events)
def test_to_dict_round_trips_through_json(steps: list[tuple[str, float]]) -> None:
    tracker = MoodTracker(MoodRules())
    state: MoodState | None = None
    for minute, (kind, value) in enumerate(steps):
        if kind == "message":
            state, _ = tracker.on_message(state, sentiment(value), at(minute))
        else:
            state, _ = tracker.on_survey(state, SurveyKind(kind), value, at(minute))
    assert state is not None
    assert MoodState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


@given(events, st.integers(min_value=1, max_value=40))
def test_restoring_mid_conversation_changes_nothing(steps: list[tuple[str, float]], cut: int) -> None:
    tracker = MoodTracker(MoodRules())
    straight: MoodState | None = None
    restored: MoodState | None = None
    straight_signals, restored_signals = [], []
    for minute, (kind, value) in enumerate(steps):
        if minute == cut and restored is not None:
            restored = MoodState.from_dict(json.loads(json.dumps(restored.to_dict())))
        for name in ("straight", "restored"):
            state = straight if name == "straight" else restored
            if kind == "message":
                state, signals = tracker.on_message(state, sentiment(value), at(minute))
            else:
                state, signals = tracker.on_survey(state, SurveyKind(kind), value, at(minute))
            if name == "straight":
                straight, straight_signals = state, straight_signals + signals
            else:
                restored, restored_signals = state, restored_signals + signals
    assert restored == straight
    assert restored_signals == straight_signals
