"""Customer mood through a conversation and the detractor rules (pure: no faust, no I/O)."""

from mood.exceptions import MoodError, NaiveTimeError
from mood.rules import MoodRules, parse_rules
from mood.signals import DetractorReason, DetractorSignal
from mood.state import MoodState
from mood.tracker import MoodTracker

__all__ = [
    "DetractorReason", "DetractorSignal", "MoodError", "MoodRules", "MoodState", "MoodTracker",
    "NaiveTimeError", "parse_rules",
]
