"""The bounds of the v1 event contract (README, "The event contract (v1)").

Settings group ``limits`` (``SUPPORTWATCH_LIMITS__MAX_EVENT_BYTES`` etc.); every limit is what the
edge checks before an event reaches the SLA engine, the classifier or a Kafka record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cached_property

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class EventLimits(BaseModel):
    """What a v1 event may be. Byte sizes are UTF-8 bytes."""

    model_config = ConfigDict(frozen=True)

    max_event_bytes: int = Field(
        default=65_536, ge=1024, le=512_000,
        description="the whole raw message; larger ones are refused before parsing (too_large)",
    )  # fmt: skip
    max_text_bytes: int = Field(default=16_384, ge=64, description="the message text (text_too_large)")
    max_id_bytes: int = Field(
        default=256, ge=16,
        description="event_id, conversation_id, agent_id, customer_id, customer_tier and team, each (field_too_large)",
    )  # fmt: skip
    earliest: AwareDatetime = Field(
        default=datetime(2000, 1, 1, tzinfo=UTC), description="the earliest occurred_at (implausible_time)"
    )
    max_future_seconds: float = Field(
        default=86_400.0, ge=0, le=366 * 86_400,
        description="occurred_at at most this far past the receiver's clock (implausible_time)",
    )  # fmt: skip
    max_extra_depth: int = Field(
        default=8, ge=1, le=64,
        description="nesting of JSON arrays and objects within any field's value (too_deep)",
    )  # fmt: skip
    max_extra_bytes: int = Field(
        default=8192, ge=0, description="the unknown extra fields together, as compact JSON (field_too_large)"
    )

    @cached_property
    def max_future(self) -> timedelta:
        """``max_future_seconds`` as a timedelta, computed once (it is added to every event's now)."""
        return timedelta(seconds=self.max_future_seconds)
