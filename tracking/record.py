"""What the conversation table holds per conversation, and how it is serialised."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from supportwatch.mood import MoodState
from supportwatch.sla import ConversationSla


@dataclass(slots=True)
class ConversationRecord:
    sla: ConversationSla
    mood: MoodState | None = None
    agent_replies: int = 0
    resolved_once: bool = False
    # What the customer stage was told (customers.ConversationFact): facts sent, whether the
    # conversation was open then, and its mood then (a fact follows a mood change of MOOD_STEP).
    facts: int = 0
    fact_open: bool = True
    fact_mood: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"s": self.sla.to_dict()}
        if self.mood is not None:
            out["m"] = self.mood.to_dict()
        if self.agent_replies:
            out["a"] = self.agent_replies
        if self.resolved_once:
            out["o"] = 1
        if self.facts:
            out["f"] = [self.facts, int(self.fact_open), self.fact_mood]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConversationRecord:
        mood = data.get("m")
        facts, fact_open, fact_mood = data.get("f", (0, 1, None))
        return cls(
            sla=ConversationSla.from_dict(data["s"]),
            mood=MoodState.from_dict(mood) if mood is not None else None,
            agent_replies=int(data.get("a", 0)),
            resolved_once=bool(data.get("o", 0)),
            facts=int(facts), fact_open=bool(fact_open), fact_mood=float(fact_mood) if fact_mood is not None else None,
        )
