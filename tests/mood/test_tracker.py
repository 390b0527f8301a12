from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportwatch.events.model import SurveyKind
from supportwatch.mood import DetractorReason, MoodRules, MoodState, MoodTracker, NaiveTimeError
from tests.mood.helpers import at, sentiment


def feed(tracker: MoodTracker, scores: list[float]) -> tuple[MoodState, list[DetractorReason]]:
    state: MoodState | None = None
    reasons: list[DetractorReason] = []
    for minute, score in enumerate(scores):
        state, signals = tracker.on_message(state, sentiment(score), at(minute))
        reasons.extend(s.reason for s in signals)
    assert state is not None
    return state, reasons


def test_first_message_sets_the_mood_and_later_ones_smooth_it(tracker: MoodTracker) -> None:
    state, _ = tracker.on_message(None, sentiment(0.5), at(0))
    assert state.mood == pytest.approx(0.5)
    state, _ = tracker.on_message(state, sentiment(-0.5), at(1))
    assert state.mood == pytest.approx(0.4 * -0.5 + 0.6 * 0.5)
    assert state.scores == (0.5, -0.5)
    assert state.messages == 2
    assert state.last_at == at(1)


def test_turn_fires_once_when_mood_falls_after_being_neutral() -> None:
    tracker = MoodTracker(MoodRules(consecutive_negative=0))
    state, reasons = feed(tracker, [0.3, 0.0, -0.9, -0.9, -0.9, -0.9])
    assert reasons == [DetractorReason.SENTIMENT_TURN]
    assert DetractorReason.SENTIMENT_TURN in state.fired


def test_turn_signal_carries_mood_and_detail(tracker: MoodTracker) -> None:
    state, _ = tracker.on_message(None, sentiment(0.2), at(0))
    state, first = tracker.on_message(state, sentiment(-0.95), at(1))
    state, second = tracker.on_message(state, sentiment(-0.95), at(2))
    assert first == []
    (signal,) = second
    assert signal.reason is DetractorReason.SENTIMENT_TURN
    assert signal.at == at(2)
    assert signal.mood == pytest.approx(state.mood)
    assert signal.mood < -0.4
    assert signal.detail.startswith(f"mood {state.mood:.2f} after ")


def test_a_conversation_that_starts_angry_is_no_turn() -> None:
    tracker = MoodTracker(MoodRules(consecutive_negative=0))
    _, reasons = feed(tracker, [-0.9, -0.9, -0.9, -0.9])
    assert reasons == []


def test_turn_rearms_after_recovery() -> None:
    tracker = MoodTracker(MoodRules(consecutive_negative=0))
    _, reasons = feed(tracker, [0.2, -0.9, -0.9, 0.9, 0.9, -0.9, -0.9, -0.9])
    assert reasons == [DetractorReason.SENTIMENT_TURN, DetractorReason.SENTIMENT_TURN]


def test_no_rearm_without_recovery() -> None:
    tracker = MoodTracker(MoodRules(consecutive_negative=0))
    _, reasons = feed(tracker, [0.2, -0.9, -0.9, -0.3, -0.9, -0.9, -0.9])
    assert reasons == [DetractorReason.SENTIMENT_TURN]


def test_consecutive_negative_fires_at_n_and_rearms_after_recovery() -> None:
    tracker = MoodTracker(MoodRules(consecutive_negative=3, mood_threshold=-1.0, mood_rearm=-0.1))
    _, reasons = feed(tracker, [-0.9, -0.9, -0.9, -0.9, 0.9, 0.9, 0.9, -0.9, -0.9, -0.9])
    assert reasons == [DetractorReason.CONSECUTIVE_NEGATIVE, DetractorReason.CONSECUTIVE_NEGATIVE]


def test_a_break_in_the_run_without_recovery_does_not_rearm() -> None:
    tracker = MoodTracker(MoodRules(consecutive_negative=2, mood_threshold=-1.0))
    _, reasons = feed(tracker, [-0.9, -0.9, 0.0, -0.9, -0.9])
    assert reasons == [DetractorReason.CONSECUTIVE_NEGATIVE]


def test_consecutive_rule_off_at_zero() -> None:
    tracker = MoodTracker(MoodRules(consecutive_negative=0))
    _, reasons = feed(tracker, [-0.9] * 10)
    assert reasons == []


@pytest.mark.parametrize(("kind", "score", "reason"), [
    (SurveyKind.NPS, 6, DetractorReason.NPS), (SurveyKind.NPS, 0, DetractorReason.NPS),
    (SurveyKind.CSAT, 2, DetractorReason.CSAT), (SurveyKind.CSAT, 1, DetractorReason.CSAT),
    (SurveyKind.CES, 5, DetractorReason.CES), (SurveyKind.CES, 7, DetractorReason.CES),
])
def test_detractor_survey_answers(tracker: MoodTracker, kind: SurveyKind, score: float,
                                  reason: DetractorReason) -> None:
    state, signals = tracker.on_survey(None, kind, score, at(0))
    assert [s.reason for s in signals] == [reason]
    assert signals[0].detail == f"{kind.value.upper()} {score:g}"
    assert signals[0].mood == 0.0
    assert state.survey(kind.value) == score


@pytest.mark.parametrize(("kind", "score"), [
    (SurveyKind.NPS, 7), (SurveyKind.NPS, 10), (SurveyKind.CSAT, 3), (SurveyKind.CSAT, 5),
    (SurveyKind.CES, 4), (SurveyKind.CES, 1),
])
def test_satisfied_survey_answers(tracker: MoodTracker, kind: SurveyKind, score: float) -> None:
    state, signals = tracker.on_survey(None, kind, score, at(0))
    assert signals == []
    assert state.survey(kind.value) == score


def test_survey_rule_fires_once_and_rearms_on_a_good_answer(tracker: MoodTracker) -> None:
    state, first = tracker.on_survey(None, "csat", 1, at(0))
    state, again = tracker.on_survey(state, "csat", 2, at(1))
    state, good = tracker.on_survey(state, "csat", 5, at(2))
    state, third = tracker.on_survey(state, "csat", 1, at(3))
    assert [len(first), len(again), len(good), len(third)] == [1, 0, 0, 1]
    assert state.survey("csat") == 1


def test_survey_signal_carries_current_mood(tracker: MoodTracker) -> None:
    state, _ = tracker.on_message(None, sentiment(0.5), at(0))
    _, (signal,) = tracker.on_survey(state, SurveyKind.NPS, 3, at(1))
    assert signal.mood == pytest.approx(0.5)


def test_survey_rules_can_be_turned_off() -> None:
    tracker = MoodTracker(MoodRules(nps_max=None, csat_max=None, ces_min=None))
    state = None
    for kind, score in ((SurveyKind.NPS, 0), (SurveyKind.CSAT, 1), (SurveyKind.CES, 7)):
        state, signals = tracker.on_survey(state, kind, score, at(0))
        assert signals == []


def test_naive_time_is_refused(tracker: MoodTracker) -> None:
    with pytest.raises(NaiveTimeError):
        tracker.on_message(None, sentiment(0.0), datetime(2026, 1, 1))  # noqa: DTZ001


def test_history_is_bounded() -> None:
    tracker = MoodTracker(MoodRules(history=5))
    state, _ = feed(tracker, [0.1 * i for i in range(10)])
    assert state.scores == (0.5, 0.6, 0.7, 0.8, 0.9)
    assert state.messages == 10


scores = st.lists(st.floats(min_value=-1, max_value=1, allow_nan=False), min_size=1, max_size=60)
rules = st.builds(
    MoodRules,
    mood_alpha=st.floats(min_value=0.05, max_value=1),
    mood_threshold=st.floats(min_value=-0.9, max_value=-0.3),
    mood_rearm=st.floats(min_value=-0.2, max_value=0.5),
    consecutive_negative=st.integers(min_value=0, max_value=5),
    history=st.integers(min_value=1, max_value=30),
)


@given(rules, scores)
def test_mood_stays_within_the_scores(mood_rules: MoodRules, values: list[float]) -> None:
    state, _ = feed(MoodTracker(mood_rules), values)
    assert state.mood is not None
    assert min(values) - 1e-9 <= state.mood <= max(values) + 1e-9
    assert len(state.scores) == min(len(values), mood_rules.history)


@given(rules, scores)
def test_each_message_reason_fires_at_most_once_between_recoveries(mood_rules: MoodRules,
                                                                   values: list[float]) -> None:
    tracker = MoodTracker(mood_rules)
    state: MoodState | None = None
    fired_since_recovery: set[DetractorReason] = set()
    for minute, value in enumerate(values):
        state, signals = tracker.on_message(state, sentiment(value), at(minute))
        for signal in signals:
            assert signal.reason not in fired_since_recovery
            fired_since_recovery.add(signal.reason)
            assert signal.mood == state.mood
        assert state.mood is not None
        if state.mood >= mood_rules.mood_rearm and state.negative_run == 0:
            fired_since_recovery.clear()


@given(rules, scores)
def test_turn_fires_only_below_threshold_after_being_neutral(mood_rules: MoodRules,
                                                             values: list[float]) -> None:
    tracker = MoodTracker(mood_rules)
    state: MoodState | None = None
    seen_neutral = False
    for minute, value in enumerate(values):
        state, signals = tracker.on_message(state, sentiment(value), at(minute))
        assert state.mood is not None
        turns = [s for s in signals if s.reason is DetractorReason.SENTIMENT_TURN]
        if turns:
            assert seen_neutral
            assert state.mood < mood_rules.mood_threshold
            seen_neutral = False
        if state.mood >= mood_rules.mood_rearm:
            seen_neutral = True
