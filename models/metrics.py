"""Prometheus metrics of classification: messages by label, scores, model latency and batch size."""

from __future__ import annotations

from typing import get_args

from prometheus_client import CollectorRegistry, Counter, Histogram

from supportwatch.events.model import Channel
from supportwatch.models.protocol import LABELS, Sentiment
from supportwatch.models.settings import Backend

SCORE_BUCKETS = (-1.0, -0.8, -0.6, -0.4, -0.2, 0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class SentimentMetrics:
    """The models package's metric group, built against an injected registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.classified = Counter(
            "supportwatch_messages_classified_total", "Customer messages classified, by channel and label",
            ["channel", "label"], registry=registry)
        self.score = Histogram(
            "supportwatch_sentiment_score", "Sentiment score P(positive) - P(negative) of customer messages",
            ["channel"], buckets=SCORE_BUCKETS, registry=registry)
        self.inference = Histogram(
            "supportwatch_model_inference_seconds", "Wall time of one classify() call on a batch",
            ["backend"], buckets=LATENCY_BUCKETS, registry=registry)
        self.batch_size = Histogram(
            "supportwatch_model_batch_size", "Messages per classify() call",
            ["backend"], buckets=BATCH_BUCKETS, registry=registry)
        for channel in Channel:
            self.score.labels(channel.value)
            for label in LABELS:
                self.classified.labels(channel.value, label)
        for backend in get_args(Backend):
            self.inference.labels(backend)
            self.batch_size.labels(backend)

    def observe_batch(self, backend: str, size: int, seconds: float) -> None:
        self.inference.labels(backend).observe(seconds)
        self.batch_size.labels(backend).observe(size)

    def observe(self, channel: str, sentiment: Sentiment) -> None:
        self.classified.labels(channel, sentiment.label).inc()
        self.score.labels(channel).observe(sentiment.score)
