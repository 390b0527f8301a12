"""One conversation tracked end to end: SLA clocks and mood, turned into alerts (pure core)."""

from supportwatch.tracking.open_index import OpenConversations, OpenState
from supportwatch.tracking.record import ConversationRecord
from supportwatch.tracking.tracker import Tracker, Update

__all__ = ["ConversationRecord", "OpenConversations", "OpenState", "Tracker", "Update"]
