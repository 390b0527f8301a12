"""One conversation tracked end to end: SLA clocks and mood, turned into alerts (pure core)."""

from tracking.open_index import OpenConversations, OpenState
from tracking.record import ConversationRecord
from tracking.tracker import Tracker, Update

__all__ = ["ConversationRecord", "OpenConversations", "OpenState", "Tracker", "Update"]
