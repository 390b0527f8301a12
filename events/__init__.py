"""The v1 event contract: typed interaction events, validated at the edge."""

from events.decode import DeadLetter, decode_event
from events.exceptions import REASONS, InvalidEvent, Reason
from events.limits import EventLimits
from events.model import (
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
