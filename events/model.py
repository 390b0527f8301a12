"""Typed records of the v1 event contract (README, "Event contract")."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator


class Channel(StrEnum):
    CHAT = "chat"
    PHONE = "phone"
    EMAIL = "email"
    SOCIAL = "social"
    MESSAGING = "messaging"


class EventType(StrEnum):
    MESSAGE = "message"
    STATUS = "status"
    SURVEY = "survey"
    ASSIGNMENT = "assignment"


class Author(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"


class Status(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class SurveyKind(StrEnum):
    CSAT = "csat"
    NPS = "nps"
    CES = "ces"


SURVEY_RANGES: dict[SurveyKind, tuple[float, float]] = {
    SurveyKind.CSAT: (1, 5),
    SurveyKind.NPS: (0, 10),
    SurveyKind.CES: (1, 7),
}


class Survey(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    kind: SurveyKind
    score: float = Field(strict=True, allow_inf_nan=False)  # a JSON number: no bool, no string

    @model_validator(mode="after")
    def _in_range(self) -> Self:
        low, high = SURVEY_RANGES[self.kind]
        if not low <= self.score <= high:
            raise ValueError(f"{self.kind.value} score must be within {low:g}-{high:g}")
        return self


class Event(BaseModel):
    """One interaction event. Unknown extra fields are kept (``model_extra``), not rejected."""

    model_config = ConfigDict(frozen=True, extra="allow", str_strip_whitespace=False)

    event_id: str = Field(min_length=1)
    conversation_id: str = Field(min_length=1)
    occurred_at: AwareDatetime
    channel: Channel
    type: EventType
    author: Author | None = None
    text: str | None = None
    status: Status | None = None
    survey: Survey | None = None
    priority: Priority = Priority.NORMAL
    team: str | None = None
    agent_id: str | None = None
    customer_id: str | None = None
    customer_tier: str | None = None  # e.g. "vip"; the latest value wins, per conversation and customer

    @model_validator(mode="after")
    def _fields_for_type(self) -> Self:
        if self.type is EventType.MESSAGE:
            if self.author is None:
                raise ValueError("a message needs an author")
            if self.text is None and self.channel is not Channel.PHONE:
                raise ValueError("a message needs text (only phone messages may omit it)")
        elif self.type is EventType.STATUS and self.status is None:
            raise ValueError("a status event needs a status")
        elif self.type is EventType.SURVEY and self.survey is None:
            raise ValueError("a survey event needs a survey")
        return self

    @property
    def at(self) -> datetime:
        """``occurred_at`` in UTC."""
        return self.occurred_at.astimezone(UTC)

    @property
    def is_customer_message(self) -> bool:
        return self.type is EventType.MESSAGE and self.author is Author.CUSTOMER
