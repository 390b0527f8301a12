"""The v1 event contract: typed interaction events, validated at the edge."""

from events.decode import DeadLetter, decode_event
from events.exceptions import InvalidEvent
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
    "Author",
    "Channel",
    "DeadLetter",
    "Event",
    "EventType",
    "InvalidEvent",
    "Priority",
    "Status",
    "Survey",
    "SurveyKind",
    "decode_event",
]
