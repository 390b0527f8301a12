"""Everything a worker (or a replay) needs, built once at start-up from the settings:
configuration, the metrics registry and its groups, the tracking core and the classifier."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta

from prometheus_client import CollectorRegistry

from supportwatch.alerts import AlertMetrics
from supportwatch.base.clock import Now, wall_clock
from supportwatch.config import Config, load_config
from supportwatch.customers import CustomerTracker
from supportwatch.customers.metrics import CustomerMetrics
from supportwatch.metrics import PipelineMetrics
from supportwatch.models import Classifier, load_classifier
from supportwatch.models.metrics import SentimentMetrics
from supportwatch.mood import MoodTracker
from supportwatch.mood.metrics import MoodMetrics
from supportwatch.settings import Settings
from supportwatch.sla import SlaEngine
from supportwatch.sla.metrics import SlaMetrics
from supportwatch.tracking import Tracker
from supportwatch.tracking.metrics import TrackingMetrics


@dataclass
class Runtime:
    settings: Settings
    config: Config
    registry: CollectorRegistry
    now: Now
    tracker: Tracker
    customer_tracker: CustomerTracker
    pipeline_metrics: PipelineMetrics
    sla_metrics: SlaMetrics
    sentiment_metrics: SentimentMetrics
    mood_metrics: MoodMetrics
    tracking_metrics: TrackingMetrics
    alert_metrics: AlertMetrics
    customer_metrics: CustomerMetrics
    _classifier: Classifier | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def classifier(self) -> Classifier:
        """The sentiment classifier, loaded on first use and then kept."""
        with self._lock:
            if self._classifier is None:
                self._classifier = load_classifier(self.settings.model)
            return self._classifier


def build_runtime(
    settings: Settings,
    *,
    now: Now = wall_clock,
    registry: CollectorRegistry | None = None,
    classifier: Classifier | None = None,
) -> Runtime:
    config = load_config(settings.policy_file)
    registry = registry if registry is not None else CollectorRegistry()
    engine = SlaEngine(config.policies, lateness=timedelta(seconds=settings.lateness_seconds))
    tracker = Tracker(engine, MoodTracker(config.mood_rules), settings.alerts.link_template)
    return Runtime(
        settings=settings,
        config=config,
        registry=registry,
        now=now,
        tracker=tracker,
        customer_tracker=CustomerTracker(config.customer_rules, settings.alerts.link_template),
        pipeline_metrics=PipelineMetrics(registry),
        sla_metrics=SlaMetrics(registry, config.policies),
        sentiment_metrics=SentimentMetrics(registry),
        mood_metrics=MoodMetrics(registry),
        tracking_metrics=TrackingMetrics(registry),
        alert_metrics=AlertMetrics(registry),
        customer_metrics=CustomerMetrics(registry),
        _classifier=classifier,
    )
