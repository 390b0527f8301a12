"""What a conversation tells its customer: a compact summary of what changed, and its alerts.

The input is keyed by conversation and the customer state by customer, so the conversations
stage sends one :class:`ConversationFact` per change that matters to the customer (opened,
answered, breached, mood, survey, resolved, closed) to the customers topic, keyed by customer id,
never every event. The fact carries the conversation's alerts too, so that the customer stage adds
the customer's context to each one, in order, before it goes to the alerts topic; the breaches,
criticals and detractor signals the customer suffered are counted from them, one at a time, so an
alert's context is the same however the conversation's changes were grouped into facts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from supportwatch.alerts import Alert
from supportwatch.customers.exceptions import FactError


@dataclass(frozen=True, slots=True)
class ConversationFact:
    customer_id: str
    conversation_id: str
    seq: int  # 1, 2, ... per conversation: a fact seen again changes nothing (its alerts go out again)
    at: float  # event time of the change, epoch seconds
    channel: str
    team: str | None = None
    priority: str | None = None
    tier: str | None = None
    opened: bool = False  # the conversation's first fact: a new contact
    is_open: bool = True  # not solved or closed
    answered: bool = False  # its first reply came
    mood: float | None = None  # the conversation's mood, -1..1
    survey: tuple[str, float] | None = None  # (kind, score)
    resolved: bool = False  # solved for the first time
    alerts: tuple[Alert, ...] = ()  # in order; breaches, criticals and detractor signals are counted from them

    def to_json(self) -> bytes:
        out: dict[str, Any] = {"c": self.customer_id, "v": self.conversation_id, "n": self.seq, "t": self.at,
                               "ch": self.channel}
        for key, value, empty in (
            ("tm", self.team, None), ("pr", self.priority, None), ("ti", self.tier, None),
            ("o", int(self.opened), 0), ("op", int(self.is_open), 1), ("a", int(self.answered), 0),
            ("m", self.mood, None), ("r", int(self.resolved), 0),
        ):
            if value != empty:
                out[key] = value
        if self.survey is not None:
            out["s"] = list(self.survey)
        if self.alerts:
            out["al"] = [alert.model_dump(mode="json") for alert in self.alerts]
        return json.dumps(out, separators=(",", ":"), allow_nan=False).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> ConversationFact:
        try:
            data = json.loads(raw)
            survey = data.get("s")
            return cls(
                customer_id=str(data["c"]), conversation_id=str(data["v"]), seq=int(data["n"]), at=float(data["t"]),
                channel=str(data["ch"]), team=data.get("tm"), priority=data.get("pr"), tier=data.get("ti"),
                opened=bool(data.get("o", 0)), is_open=bool(data.get("op", 1)), answered=bool(data.get("a", 0)),
                mood=float(data["m"]) if data.get("m") is not None else None,
                survey=(str(survey[0]), float(survey[1])) if survey is not None else None,
                resolved=bool(data.get("r", 0)),
                alerts=tuple(Alert.model_validate(item) for item in data.get("al", ())),
            )
        except (ValueError, TypeError, KeyError, IndexError, ValidationError) as exc:
            raise FactError(f"unreadable conversation fact: {type(exc).__name__}: {exc}"[:300]) from exc


def tier_event(fact: ConversationFact, tier: str) -> dict[str, Any]:
    """The v1 ``assignment`` event that gives a new conversation its customer's remembered tier,
    at the conversation's opening (so its policies are matched as if the first event had said it);
    its id is stable, so a repeat is dropped as a duplicate."""
    return {
        "event_id": f"customer-tier:{fact.conversation_id}:{tier}",
        "conversation_id": fact.conversation_id,
        "occurred_at": datetime.fromtimestamp(fact.at, UTC).isoformat(),
        "channel": fact.channel,
        "type": "assignment",
        "customer_id": fact.customer_id,
        "customer_tier": tier,
    }
