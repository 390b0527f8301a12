"""What an :class:`~supportwatch.tracking.Update` says, read in one place.

The live worker and ``supportwatch replay`` both hand every update to :func:`read`: it tells an
:class:`UpdateReader` each part (dropped, outcomes, signals, detractors, survey, resolution) and
returns what leaves the conversation. The worker's reader is :class:`UpdateMetrics`; replay's builds
its report. So what an update means for the figures and for the outputs is written once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from supportwatch.alerts import Alert
from supportwatch.customers import ConversationFact
from supportwatch.events import Survey
from supportwatch.mood.metrics import MoodMetrics
from supportwatch.mood.signals import DetractorSignal
from supportwatch.sla.metrics import SlaMetrics
from supportwatch.sla.signals import ClockOutcome, SlaSignal
from supportwatch.tracking.metrics import TrackingMetrics
from supportwatch.tracking.tracker import Resolution, Update


class UpdateReader:
    """One reader of updates; each part it does not override is ignored."""

    def dropped(self, reason: str) -> None:
        """The event changed nothing: ``duplicate`` or ``late``."""

    def outcome(self, outcome: ClockOutcome) -> None:
        """A clock stopped: a response or resolution time."""

    def signal(self, signal: SlaSignal) -> None:
        """A level fired (warning, breach, critical) or a fired clock stopped."""

    def detractor(self, channel: str, team: str | None, detractor: DetractorSignal) -> None:
        """The customer turned detractor in a conversation of ``channel`` / ``team``."""

    def survey(self, channel: str, survey: Survey) -> None:
        """The event carried a survey answer."""

    def resolution(self, resolution: Resolution) -> None:
        """The conversation was solved for the first time."""


@dataclass(frozen=True, slots=True)
class Emitted:
    """What leaves a conversation: its alerts go inside its customer's fact when it has one (the
    customer stage adds the customer's context), else straight to the alerts."""

    alerts: list[Alert]
    fact: ConversationFact | None


NOTHING = Emitted([], None)


def read(update: Update, reader: UpdateReader) -> Emitted:
    """Tell ``reader`` every part of ``update`` and return what it emits (nothing when dropped)."""
    if update.dropped is not None:
        reader.dropped(update.dropped)
        return NOTHING
    for outcome in update.outcomes:
        reader.outcome(outcome)
    for signal in update.signals:
        reader.signal(signal)
    record = update.record
    if record is not None:
        channel, team = record.sla.core.channel, record.sla.core.team
        for detractor in update.detractors:
            reader.detractor(channel, team, detractor)
        if update.survey is not None:
            reader.survey(channel, update.survey)
        if update.resolution is not None:
            reader.resolution(update.resolution)
    return Emitted(update.alerts, update.fact)


class UpdateMetrics(UpdateReader):
    """The worker's reader: outcomes, signals, detractors, surveys and resolutions as metrics."""

    def __init__(self, sla: SlaMetrics, mood: MoodMetrics, tracking: TrackingMetrics,
                 record_outcome: Callable[[ClockOutcome], None], dropped: Callable[[str], None]) -> None:
        self._sla = sla
        self._mood = mood
        self._tracking = tracking
        self._record_outcome = record_outcome
        self._dropped = dropped

    def dropped(self, reason: str) -> None:
        self._dropped(reason)

    def outcome(self, outcome: ClockOutcome) -> None:
        self._sla.observe_outcome(outcome)
        self._record_outcome(outcome)

    def signal(self, signal: SlaSignal) -> None:
        self._sla.observe_signal(signal)

    def detractor(self, channel: str, team: str | None, detractor: DetractorSignal) -> None:
        self._mood.observe_detractor(channel, detractor.reason.value, team)

    def survey(self, channel: str, survey: Survey) -> None:
        self._mood.observe_survey(channel, survey.kind, survey.score)

    def resolution(self, resolution: Resolution) -> None:
        self._tracking.observe_resolution(resolution.channel, resolution.first_contact, resolution.team)
