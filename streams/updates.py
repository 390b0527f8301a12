"""What an :class:`~tracking.Update` means for the metrics: outcomes, signals, detractors,
surveys and resolutions, counted in one place for events and ticks alike."""

from __future__ import annotations

from collections.abc import Callable

from mood.metrics import MoodMetrics
from sla.metrics import SlaMetrics
from sla.signals import ClockOutcome
from tracking import Update
from tracking.metrics import TrackingMetrics


class UpdateMetrics:
    def __init__(
        self,
        sla: SlaMetrics,
        mood: MoodMetrics,
        tracking: TrackingMetrics,
        record_outcome: Callable[[ClockOutcome], None],
    ) -> None:
        self._sla = sla
        self._mood = mood
        self._tracking = tracking
        self._record_outcome = record_outcome

    def observe(self, update: Update) -> None:
        for outcome in update.outcomes:
            self._sla.observe_outcome(outcome)
            self._record_outcome(outcome)
        for signal in update.signals:
            self._sla.observe_signal(signal)
        record = update.record
        if record is None:
            return
        channel, team = record.sla.core.channel, record.sla.core.team
        for detractor in update.detractors:
            self._mood.observe_detractor(channel, detractor.reason.value, team)
        if update.survey is not None:
            self._mood.observe_survey(channel, update.survey.kind, update.survey.score)
        if update.resolution is not None:
            resolution = update.resolution
            self._tracking.observe_resolution(resolution.channel, resolution.first_contact, resolution.team)
