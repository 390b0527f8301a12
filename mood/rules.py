"""The ``detractor`` section of the configuration file: when a customer turns detractor."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from supportwatch.base.yamlfile import Lines

SECTION = "detractor"


class MoodRules(BaseModel):
    """Smoothing of the customer's mood and the thresholds of each detractor reason.

    ``mood_alpha``: weight of the newest message in the EWMA mood (1 = no smoothing).
    ``mood_threshold``: the mood falling below it turns the customer detractor (``sentiment_turn``),
    provided the mood was at or above ``mood_rearm`` (neutral or positive) before; reaching
    ``mood_rearm`` again re-arms both message rules.
    ``consecutive_negative``: that many negative messages in a row (0 turns the rule off).
    ``nps_max``, ``csat_max``, ``ces_min``: detractor survey answers (null turns a rule off); a
    later non-detractor answer of the same kind re-arms its rule.
    ``history``: how many recent message scores a conversation keeps.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    mood_alpha: float = Field(default=0.4, gt=0, le=1)
    mood_threshold: float = Field(default=-0.4, ge=-1, le=1)
    mood_rearm: float = Field(default=-0.1, ge=-1, le=1)
    consecutive_negative: int = Field(default=3, ge=0, le=1000)
    nps_max: float | None = Field(default=6, ge=0, le=10)
    csat_max: float | None = Field(default=2, ge=1, le=5)
    ces_min: float | None = Field(default=5, ge=1, le=7)
    history: int = Field(default=20, ge=1, le=1000)

    @model_validator(mode="after")
    def _rearm_above_threshold(self) -> Self:
        if self.mood_rearm <= self.mood_threshold:
            raise ValueError("mood_rearm must be above mood_threshold")
        return self


def parse_rules(section: Any, lines: Lines) -> MoodRules:
    """Validate the ``detractor`` section; a missing section means the defaults.

    Errors name the file, line and field, e.g. ``policy.yaml:41: detractor.csat_max: ...``.
    """
    if section is None:
        return MoodRules()
    if not isinstance(section, dict):
        raise lines.error((SECTION,), "must be a mapping of rule settings")
    try:
        return MoodRules.model_validate(section)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = first["loc"] if first["loc"] else ("mood_rearm",)
        raise lines.error((SECTION, *location), first["msg"]) from exc
