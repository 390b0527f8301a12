"""Prometheus metrics of mood: detractors by reason, survey answer distributions, NPS categories.

NPS per channel for Grafana (promoters minus detractors, in percent)::

    100 * (sum by (channel) (increase(supportwatch_nps_responses_total{category="promoter"}[1d]))
         - sum by (channel) (increase(supportwatch_nps_responses_total{category="detractor"}[1d])))
        / sum by (channel) (increase(supportwatch_nps_responses_total[1d]))
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from supportwatch.events.model import Channel, SurveyKind
from supportwatch.mood.signals import DetractorReason

# One bucket per possible answer.
_BUCKETS = {SurveyKind.CSAT: range(1, 6), SurveyKind.NPS: range(0, 11), SurveyKind.CES: range(1, 8)}
NPS_CATEGORIES = ("promoter", "passive", "detractor")


def nps_category(score: float) -> str:
    """The standard NPS category of an answer (9-10 promoter, 7-8 passive, 0-6 detractor)."""
    if score >= 9:
        return "promoter"
    return "passive" if score >= 7 else "detractor"


class MoodMetrics:
    """The mood package's metric group, built against an injected registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.detractors = Counter(
            "supportwatch_detractors_total", "Customers turned detractor, by channel and reason",
            ["channel", "reason", "team"], registry=registry)
        self.surveys = {
            kind: Histogram(f"supportwatch_{kind.value}_score", f"{kind.value.upper()} survey answers",
                            ["channel"], buckets=[float(b) for b in buckets], registry=registry)
            for kind, buckets in _BUCKETS.items()
        }
        self.nps = Counter(
            "supportwatch_nps_responses", "NPS answers by channel and category",
            ["channel", "category"], registry=registry)
        for channel in Channel:
            for reason in DetractorReason:
                self.detractors.labels(channel.value, reason.value, "")
            for histogram in self.surveys.values():
                histogram.labels(channel.value)
            for category in NPS_CATEGORIES:
                self.nps.labels(channel.value, category)

    def observe_survey(self, channel: str, kind: SurveyKind | str, score: float) -> None:
        kind = SurveyKind(kind)
        self.surveys[kind].labels(channel).observe(score)
        if kind is SurveyKind.NPS:
            self.nps.labels(channel, nps_category(score)).inc()

    def observe_detractor(self, channel: str, reason: DetractorReason | str, team: str | None = None) -> None:
        self.detractors.labels(channel, DetractorReason(reason).value, team or "").inc()
