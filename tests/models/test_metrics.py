from __future__ import annotations

from prometheus_client import CollectorRegistry

from supportwatch.models.metrics import SentimentMetrics
from supportwatch.models.protocol import Sentiment


def test_known_label_sets_start_at_zero() -> None:
    registry = CollectorRegistry()
    SentimentMetrics(registry)
    assert registry.get_sample_value("supportwatch_messages_classified_total",
                                     {"channel": "email", "label": "neutral"}) == 0
    assert registry.get_sample_value("supportwatch_sentiment_score_count", {"channel": "chat"}) == 0
    assert registry.get_sample_value("supportwatch_model_inference_seconds_count", {"backend": "onnx-int8"}) == 0


def test_observe_counts_labels_and_scores() -> None:
    registry = CollectorRegistry()
    metrics = SentimentMetrics(registry)
    metrics.observe("chat", Sentiment.from_probs({"negative": 0.9, "neutral": 0.1, "positive": 0.0}))
    metrics.observe("chat", Sentiment.from_probs({"negative": 0.0, "neutral": 0.3, "positive": 0.7}))
    assert registry.get_sample_value("supportwatch_messages_classified_total",
                                     {"channel": "chat", "label": "negative"}) == 1
    assert registry.get_sample_value("supportwatch_sentiment_score_bucket",
                                     {"channel": "chat", "le": "-0.8"}) == 1
    assert registry.get_sample_value("supportwatch_sentiment_score_bucket",
                                     {"channel": "chat", "le": "0.6"}) == 1
    assert registry.get_sample_value("supportwatch_sentiment_score_bucket",
                                     {"channel": "chat", "le": "0.8"}) == 2


def test_observe_batch_records_latency_and_size() -> None:
    registry = CollectorRegistry()
    metrics = SentimentMetrics(registry)
    metrics.observe_batch("onnx-int8", 32, 0.02)
    assert registry.get_sample_value("supportwatch_model_inference_seconds_sum", {"backend": "onnx-int8"}) == 0.02
    assert registry.get_sample_value("supportwatch_model_batch_size_bucket",
                                     {"backend": "onnx-int8", "le": "16.0"}) == 0
    assert registry.get_sample_value("supportwatch_model_batch_size_bucket",
                                     {"backend": "onnx-int8", "le": "32.0"}) == 1
