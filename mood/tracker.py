"""Following a customer's mood through a conversation and deciding when they turn detractor."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from supportwatch.events.model import SurveyKind
from supportwatch.models.protocol import Sentiment
from supportwatch.mood.exceptions import NaiveTimeError
from supportwatch.mood.rules import MoodRules
from supportwatch.mood.signals import DetractorReason, DetractorSignal
from supportwatch.mood.state import MoodState

_MESSAGE_REASONS = frozenset({DetractorReason.SENTIMENT_TURN, DetractorReason.CONSECUTIVE_NEGATIVE})
_SURVEY_REASONS = {SurveyKind.NPS: DetractorReason.NPS, SurveyKind.CSAT: DetractorReason.CSAT,
                   SurveyKind.CES: DetractorReason.CES}


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise NaiveTimeError(f"event time {at.isoformat()} has no timezone")
    return at.astimezone(UTC)


class MoodTracker:
    """Pure: applies one customer message or survey answer to a conversation's MoodState.

    Each reason fires one signal, then stays quiet until re-armed: the message rules when the
    mood recovers to ``mood_rearm``, a survey rule on a later non-detractor answer of its kind.
    """

    def __init__(self, rules: MoodRules) -> None:
        self.rules = rules

    def on_message(self, state: MoodState | None, sentiment: Sentiment,
                   at: datetime) -> tuple[MoodState, list[DetractorSignal]]:
        rules, at = self.rules, _utc(at)
        state = state or MoodState()
        previous = state.mood
        mood = sentiment.score if previous is None else (
            rules.mood_alpha * sentiment.score + (1 - rules.mood_alpha) * previous)
        mood = max(-1.0, min(1.0, mood))
        run = state.negative_run + 1 if sentiment.label == "negative" else 0
        fired, armed = state.fired, state.armed
        if mood >= rules.mood_rearm:
            armed = True
            if run == 0:
                fired = fired - _MESSAGE_REASONS
        signals: list[DetractorSignal] = []
        if armed and mood < rules.mood_threshold and DetractorReason.SENTIMENT_TURN not in fired:
            before = previous if previous is not None else mood
            signals.append(DetractorSignal(DetractorReason.SENTIMENT_TURN,
                                           f"mood {mood:.2f} after {before:.2f}", at, mood))
            armed = False
        if (rules.consecutive_negative and run >= rules.consecutive_negative
                and DetractorReason.CONSECUTIVE_NEGATIVE not in fired):
            signals.append(DetractorSignal(DetractorReason.CONSECUTIVE_NEGATIVE,
                                           f"{run} negative messages in a row", at, mood))
        fired = fired | {signal.reason for signal in signals}
        scores = (*state.scores, round(sentiment.score, 3))[-rules.history :]
        new = replace(state, scores=scores, mood=mood, messages=state.messages + 1, negative_run=run,
                      armed=armed, fired=frozenset(fired), last_at=at)
        return new, signals

    def on_survey(self, state: MoodState | None, kind: SurveyKind | str, score: float,
                  at: datetime) -> tuple[MoodState, list[DetractorSignal]]:
        at = _utc(at)
        kind = SurveyKind(kind)
        state = state or MoodState()
        reason = _SURVEY_REASONS[kind]
        surveys = tuple(sorted({**dict(state.surveys), kind.value: float(score)}.items()))
        fired = state.fired
        signals: list[DetractorSignal] = []
        if self.is_detractor(kind, score):
            if reason not in fired:
                signals.append(DetractorSignal(reason, f"{kind.value.upper()} {score:g}", at,
                                               state.mood if state.mood is not None else 0.0))
                fired = fired | {reason}
        else:
            fired = fired - {reason}
        return replace(state, surveys=surveys, fired=frozenset(fired), last_at=at), signals

    def is_detractor(self, kind: SurveyKind, score: float) -> bool:
        """Whether a survey answer counts as a detractor under the configured thresholds."""
        rules = self.rules
        if kind is SurveyKind.NPS:
            return rules.nps_max is not None and score <= rules.nps_max
        if kind is SurveyKind.CSAT:
            return rules.csat_max is not None and score <= rules.csat_max
        return rules.ces_min is not None and score >= rules.ces_min
