"""The ``customers`` section of the configuration file: repeat contacts, true first-contact
resolution and the churn-risk rule.

    customers:
      repeat_window: 24h       # a new conversation within this of the previous one: repeat_contact
      fcr_window: 7d           # a resolution is first contact when no new conversation follows within this
      at_risk:
        window: 30d            # what the rule counts
        threshold: 5           # at risk when the points reach this
        min_contacts: 2        # over at least this many conversations in the window
        points: {breaches: 1, criticals: 1, detractors: 2, repeat_contacts: 1, low_surveys: 2}
        low_survey: {csat_max: 2, nps_max: 6, ces_min: 5}
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from supportwatch.base.yamlfile import Lines
from supportwatch.sla.durations import parse_duration

SECTION = "customers"
DAY = 86_400.0


class RiskReason(StrEnum):
    BREACHES = "breaches"
    CRITICALS = "criticals"
    DETRACTORS = "detractors"
    REPEAT_CONTACTS = "repeat_contacts"
    LOW_SURVEYS = "low_surveys"


def _seconds(value: Any) -> Any:
    return parse_duration(value) if isinstance(value, str) else value


Seconds = Annotated[float, BeforeValidator(_seconds), Field(gt=0)]


class LowSurvey(BaseModel):
    """Survey answers that count as low (null: that kind never counts)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    csat_max: float | None = Field(default=2, ge=1, le=5)
    nps_max: float | None = Field(default=6, ge=0, le=10)
    ces_min: float | None = Field(default=5, ge=1, le=7)

    def is_low(self, kind: str, score: float) -> bool:
        if kind == "csat":
            return self.csat_max is not None and score <= self.csat_max
        if kind == "nps":
            return self.nps_max is not None and score <= self.nps_max
        if kind == "ces":
            return self.ces_min is not None and score >= self.ces_min
        return False


def _default_points() -> dict[RiskReason, float]:
    return {RiskReason.BREACHES: 1, RiskReason.CRITICALS: 1, RiskReason.DETRACTORS: 2,
            RiskReason.REPEAT_CONTACTS: 1, RiskReason.LOW_SURVEYS: 2}


class AtRiskRule(BaseModel):
    """A customer is at risk when the points of what they went through within ``window`` reach
    ``threshold`` over at least ``min_contacts`` conversations (one bad conversation alone is the
    detractor alert's business); each reason scores ``points[reason]`` per occurrence (a reason left
    out scores 0)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    window: Seconds = 30 * DAY
    threshold: float = Field(default=5, gt=0)
    min_contacts: int = Field(default=2, ge=1, le=16)
    points: dict[RiskReason, Annotated[float, Field(ge=0)]] = Field(default_factory=_default_points)
    low_survey: LowSurvey = LowSurvey()


class CustomerRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    repeat_window: Seconds = 1 * DAY
    fcr_window: Seconds = 7 * DAY
    at_risk: AtRiskRule = AtRiskRule()

    @property
    def horizon(self) -> float:
        """The longest time anything is remembered for (contacts are counted over 30 days)."""
        return max(30 * DAY, self.at_risk.window, self.fcr_window, self.repeat_window)


def parse_customer_rules(section: Any, lines: Lines) -> CustomerRules:
    """Validate the ``customers`` section (missing: the defaults); errors name file, line and field."""
    if section is None:
        return CustomerRules()
    if not isinstance(section, dict):
        raise lines.error((SECTION,), "must be a mapping (repeat_window, fcr_window, at_risk)")
    try:
        return CustomerRules.model_validate(section)
    except ValidationError as exc:
        raise lines.pydantic_error((SECTION,), exc) from exc
