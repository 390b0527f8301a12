"""Customer mood through a conversation and the detractor rules (pure: no faust, no I/O)."""

from supportwatch.mood.exceptions import MoodError, NaiveTimeError
from supportwatch.mood.rules import MoodRules, parse_rules
from supportwatch.mood.signals import DetractorReason, DetractorSignal
from supportwatch.mood.state import MoodState
from supportwatch.mood.tracker import MoodTracker

__all__ = [
    "DetractorReason", "DetractorSignal", "MoodError", "MoodRules", "MoodState", "MoodTracker",
    "NaiveTimeError", "parse_rules",
]
