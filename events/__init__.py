"""The v1 event contract: typed interaction events, validated at the edge."""

from supportwatch.events.decode import DeadLetter, decode_event
from supportwatch.events.exceptions import REASONS, InvalidEvent, Reason
from supportwatch.events.limits import EventLimits
from supportwatch.events.model import (
    Author,
    Channel,
    Event,
    EventType,
    Priority,
    Status,
    Survey,
    SurveyKind,
)

__all__ = [
    "REASONS",
    "Author",
    "Channel",
    "DeadLetter",
    "Event",
    "EventLimits",
    "EventType",
    "InvalidEvent",
    "Priority",
    "Reason",
    "Status",
    "Survey",
    "SurveyKind",
    "decode_event",
]
