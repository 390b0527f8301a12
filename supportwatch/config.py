"""The YAML configuration file: SLA calendars and policies, detractor rules, alert routing,
channel goals and the customer rules. Loaded once at start-up; each section is validated by the package that owns
it, and every error names the file, line and field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from supportwatch.alerts import RoutingConfig, parse_channel_goals, parse_routing
from supportwatch.base import yamlfile
from supportwatch.customers import CustomerRules, parse_customer_rules
from supportwatch.mood import MoodRules, parse_rules
from supportwatch.sla import DEFAULT_FILE, PolicySet, parse_policies

SECTIONS = ("calendars", "policies", "detractor", "routing", "channel_goals", "customers")


def default_config_path() -> Path:
    return DEFAULT_FILE


@dataclass(frozen=True)
class Config:
    path: Path
    policies: PolicySet
    mood_rules: MoodRules
    routing: RoutingConfig
    channel_goals: dict[str, float]
    customer_rules: CustomerRules


def load_config(path: Path | None) -> Config:
    path = path or default_config_path()
    data, lines = yamlfile.load(path)
    if not isinstance(data, dict):
        raise lines.error((), "the configuration must be a mapping of sections")
    for key in data:
        if key not in SECTIONS:
            raise lines.error((str(key),), f"unknown section; expected one of {', '.join(SECTIONS)}")
    return Config(
        path=path,
        policies=parse_policies(data, lines),
        mood_rules=parse_rules(data.get("detractor"), lines),
        routing=parse_routing(data.get("routing"), lines),
        channel_goals=parse_channel_goals(data.get("channel_goals"), lines),
        customer_rules=parse_customer_rules(data.get("customers"), lines),
    )
