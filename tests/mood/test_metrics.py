from __future__ import annotations

from prometheus_client import CollectorRegistry

from supportwatch.events.model import SurveyKind
from supportwatch.mood import DetractorReason
from supportwatch.mood.metrics import MoodMetrics, nps_category


def test_known_label_sets_start_at_zero() -> None:
    registry = CollectorRegistry()
    MoodMetrics(registry)
    assert registry.get_sample_value("supportwatch_detractors_total",
                                     {"channel": "email", "reason": "ces", "team": ""}) == 0
    assert registry.get_sample_value("supportwatch_nps_responses_total",
                                     {"channel": "chat", "category": "promoter"}) == 0
    assert registry.get_sample_value("supportwatch_csat_score_count", {"channel": "phone"}) == 0


def test_detractors_counted_by_channel_and_reason() -> None:
    registry = CollectorRegistry()
    metrics = MoodMetrics(registry)
    metrics.observe_detractor("chat", DetractorReason.SENTIMENT_TURN, "billing")
    metrics.observe_detractor("chat", "sentiment_turn", "billing")
    metrics.observe_detractor("chat", "sentiment_turn")
    assert registry.get_sample_value("supportwatch_detractors_total",
                                     {"channel": "chat", "reason": "sentiment_turn", "team": "billing"}) == 2
    assert registry.get_sample_value("supportwatch_detractors_total",
                                     {"channel": "chat", "reason": "sentiment_turn", "team": ""}) == 1
    assert registry.get_sample_value("supportwatch_detractors_total",
                                     {"channel": "email", "reason": "sentiment_turn", "team": ""}) == 0


def test_survey_distributions_have_one_bucket_per_answer() -> None:
    registry = CollectorRegistry()
    metrics = MoodMetrics(registry)
    for score in (1, 2, 2, 5):
        metrics.observe_survey("email", SurveyKind.CSAT, score)
    assert registry.get_sample_value("supportwatch_csat_score_bucket", {"channel": "email", "le": "1.0"}) == 1
    assert registry.get_sample_value("supportwatch_csat_score_bucket", {"channel": "email", "le": "2.0"}) == 3
    assert registry.get_sample_value("supportwatch_csat_score_bucket", {"channel": "email", "le": "4.0"}) == 3
    assert registry.get_sample_value("supportwatch_csat_score_sum", {"channel": "email"}) == 10
    metrics.observe_survey("email", "ces", 7)
    assert registry.get_sample_value("supportwatch_ces_score_bucket", {"channel": "email", "le": "6.0"}) == 0
    assert registry.get_sample_value("supportwatch_ces_score_bucket", {"channel": "email", "le": "7.0"}) == 1


def test_nps_categories_give_promoters_minus_detractors() -> None:
    registry = CollectorRegistry()
    metrics = MoodMetrics(registry)
    for score in (10, 9, 8, 3, 0, 9):
        metrics.observe_survey("social", SurveyKind.NPS, score)
    count = {c: registry.get_sample_value("supportwatch_nps_responses_total",
                                          {"channel": "social", "category": c}) for c in
             ("promoter", "passive", "detractor")}
    assert count == {"promoter": 3, "passive": 1, "detractor": 2}
    assert registry.get_sample_value("supportwatch_nps_score_count", {"channel": "social"}) == 6
    assert registry.get_sample_value("supportwatch_csat_score_count", {"channel": "social"}) == 0


def test_nps_category_boundaries() -> None:
    assert [nps_category(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor", "detractor", "passive", "passive", "promoter", "promoter"]
