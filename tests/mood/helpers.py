from __future__ import annotations

from datetime import UTC, datetime, timedelta

from supportwatch.models.protocol import Sentiment

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def sentiment(score: float) -> Sentiment:
    """A Sentiment with the given score; the label follows the larger side (neutral near 0)."""
    pos, neg = max(score, 0.0), max(-score, 0.0)
    return Sentiment.from_probs({"negative": neg, "neutral": 1.0 - pos - neg, "positive": pos})


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)
