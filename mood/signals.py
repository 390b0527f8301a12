"""What mood tracking tells the rest of supportwatch: a customer turned detractor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class DetractorReason(StrEnum):
    SENTIMENT_TURN = "sentiment_turn"  # smoothed mood fell below the threshold after being neutral/positive
    CONSECUTIVE_NEGATIVE = "consecutive_negative"  # N negative customer messages in a row
    NPS = "nps"  # NPS answer 0-6
    CSAT = "csat"  # CSAT answer <= 2 of 5
    CES = "ces"  # CES answer >= 5 of 7


@dataclass(frozen=True, slots=True)
class DetractorSignal:
    reason: DetractorReason
    detail: str  # short human text, e.g. "mood -0.62 after 0.20" or "NPS 3"
    at: datetime  # event time of the message or survey that triggered it
    mood: float  # smoothed mood at that moment, in [-1, 1]
