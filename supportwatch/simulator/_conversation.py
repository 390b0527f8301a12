"""One simulated conversation, start to close, as v1 event dicts in event-time order."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from supportwatch.simulator._config import ReplyTarget, SimulatorConfig
from supportwatch.simulator._customers import Customer
from supportwatch.simulator._texts import Mood, agent_text, bot_text, customer_text, nudge_text

Band = Literal["on_time", "near", "late", "critical"]
# How long a customer takes to answer an agent, per channel: (low, high) seconds.
_CUSTOMER_GAP = {
    "chat": (10, 120), "phone": (5, 40), "messaging": (60, 1800), "social": (300, 3600),
    "email": (1800, 6 * 3600),
}  # fmt: skip
_BOT_CHANNELS = frozenset({"chat", "messaging"})
_WORSE: dict[Mood, Mood] = {"happy": "neutral", "neutral": "angry", "angry": "angry"}
_BETTER: dict[Mood, Mood] = {"angry": "neutral", "neutral": "happy", "happy": "happy"}
_EXTRA_FIELDS: tuple[tuple[str, tuple[Any, ...]], ...] = (
    ("locale", ("en-US", "en-GB", "en-IE", "en-AU")),
    ("source", ({"app": "ios", "version": "3.2.1"}, {"app": "android", "version": "3.1.9"}, {"app": "web"})),
    ("tags", (["vip"], ["first_order"], ["b2b", "invoice"], [])),
    ("sdk_version", ("1.4.0", "2.0.0-rc1")),
)


@dataclass(frozen=True, slots=True)
class Planned:
    """One event of a conversation: when it happens and its JSON-able v1 body."""

    at: datetime
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Conversation:
    """A planned conversation: its events in event-time order, and whether it went badly (a late
    reply, a reopen, or an angry customer at the end)."""

    opened_at: datetime
    events: list[Planned]
    troubled: bool


def draw_reply(rng: random.Random, config: SimulatorConfig, target: ReplyTarget) -> tuple[float, Band]:
    """An agent's reply delay in seconds and the band it falls in relative to ``target``."""
    roll = rng.random()
    if roll < config.critical_ratio:
        return target.critical * rng.uniform(1.05, 1.4), "critical"
    roll -= config.critical_ratio
    if roll < config.late_ratio:
        return target.target + (target.critical - target.target) * rng.uniform(0.05, 0.9), "late"
    roll -= config.late_ratio
    if roll < config.near_breach_ratio:
        return target.target * rng.uniform(0.75, 0.98), "near"
    return target.target * rng.uniform(0.05, 0.6), "on_time"


def format_time(rng: random.Random, at: datetime) -> str:
    """RFC 3339 with milliseconds, the UTC offset written as ``Z`` or ``+00:00``."""
    text = at.isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z") if rng.random() < 0.5 else text


class _Script:
    def __init__(self, rng: random.Random, config: SimulatorConfig, channel: str, customer: Customer) -> None:
        self.rng, self.config, self.channel = rng, config, channel
        self.customer_id, self.customer_tier = customer.customer_id, customer.tier
        self.conversation_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self.team = rng.choice(config.teams)
        self.agent_id = f"{self.team}-{rng.randint(1, config.agents_per_team):02d}"
        self.priority = rng.choices(("low", "normal", "high", "urgent"), weights=(0.1, 0.65, 0.18, 0.07))[0]
        self.planned: list[Planned] = []

    def add(self, at: datetime, kind: str, **fields: Any) -> None:
        rng = self.rng
        at = at.replace(microsecond=at.microsecond // 1000 * 1000)  # what the wire format carries
        body: dict[str, Any] = {
            "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "conversation_id": self.conversation_id,
            "occurred_at": format_time(rng, at),
            "channel": self.channel,
            "type": kind,
            "priority": self.priority,
            "customer_id": self.customer_id,
        }
        if self.customer_tier is not None:
            body["customer_tier"] = self.customer_tier
        body.update({k: v for k, v in fields.items() if v is not None})
        if rng.random() < self.config.extra_fields_ratio:
            for name, choices in rng.sample(_EXTRA_FIELDS, rng.randint(1, 2)):
                body[name] = rng.choice(choices)
        self.planned.append(Planned(at, body))

    def text(self, text: str) -> str | None:
        """Phone messages are call events: half of them carry no transcript."""
        return None if self.channel == "phone" and self.rng.random() < 0.5 else text

    def customer(self, at: datetime, text: str) -> None:
        self.add(at, "message", author="customer", text=self.text(text))

    def agent(self, at: datetime) -> None:
        text = self.text(agent_text(self.rng))
        self.add(at, "message", author="agent", text=text, agent_id=self.agent_id, team=self.team)

    def status(self, at: datetime, status: str, author: str) -> None:
        fields = {"agent_id": self.agent_id, "team": self.team} if author == "agent" else {}
        self.add(at, "status", status=status, author=author, **fields)


def conversation(
    rng: random.Random,
    config: SimulatorConfig,
    channel: str,
    t0: datetime,
    customer: Customer,
    first_reply: tuple[float, Band] | None = None,
) -> Conversation:
    """One conversation of ``customer`` that opens at ``t0``.

    ``first_reply`` forces the first agent reply's delay and band (the demo backlog uses it).
    """
    s = _Script(rng, config, channel, customer)
    target = config.targets[channel]
    gap_low, gap_high = _CUSTOMER_GAP[channel]
    mood: Mood = rng.choices(("angry", "neutral", "happy"), weights=(0.3, 0.58, 0.12))[0]
    turns_angry_at = rng.randint(0, 2) if rng.random() < config.turn_angry_ratio else None
    late = critical = 0

    def seconds(value: float) -> timedelta:
        return timedelta(seconds=value)

    def wait_for_agent(asked_at: datetime, delay: float, band: Band) -> datetime:
        nonlocal mood, late, critical
        late += band in ("late", "critical")
        critical += band == "critical"
        if channel == "phone" or band == "on_time":
            nudges = 0
        elif band == "near":
            nudges = int(rng.random() < 0.3)
        else:
            nudges = 2 if band == "critical" else rng.randint(1, 2)
        for fraction in sorted(rng.uniform(0.3, 0.95) for _ in range(nudges)):
            text = customer_text(rng, mood) if mood == "angry" else nudge_text(rng)
            s.customer(asked_at + seconds(delay * fraction), text)
            mood = _WORSE[mood] if rng.random() < 0.5 else mood
        replied_at = asked_at + seconds(delay)
        s.agent(replied_at)
        return replied_at

    s.status(t0, "open", "system")
    s.customer(t0, customer_text(rng, mood, opening=True))
    delay, band = first_reply or draw_reply(rng, config, target)
    assigned_at = t0 + seconds(delay * rng.uniform(0.02, 0.3))
    s.add(assigned_at, "assignment", author="system", agent_id=s.agent_id, team=s.team)
    if channel in _BOT_CHANNELS and rng.random() < config.bot_ratio:
        s.add(t0 + seconds(min(rng.uniform(1, 8), delay / 2)), "message", author="bot", text=bot_text(rng))
    t = wait_for_agent(t0, delay, band)
    waiting_status: str | None = None
    for turn in range(rng.choices((0, 1, 2, 3), weights=(0.25, 0.35, 0.25, 0.15))[0]):
        t += seconds(rng.uniform(gap_low, gap_high))
        if turns_angry_at == turn:
            mood = "angry"
            if s.priority in ("low", "normal") and rng.random() < 0.4:
                s.priority = "high"
        else:
            mood = _WORSE[mood] if band in ("late", "critical") and rng.random() < 0.5 else mood
            mood = _BETTER[mood] if band in ("on_time", "near") and rng.random() < 0.4 else mood
        if waiting_status is not None:
            s.status(t, "open", "system")
            waiting_status = None
        s.customer(t, customer_text(rng, mood))
        delay, band = draw_reply(rng, config, target)
        t = wait_for_agent(t, delay, band)
        roll = rng.random()
        waiting_status = "pending" if roll < 0.25 else "on_hold" if roll < 0.3 else None
        if waiting_status is not None:
            s.status(t + seconds(1), waiting_status, "agent")
    if mood != "angry" and rng.random() < 0.6:
        t += seconds(rng.uniform(gap_low, gap_high))
        if waiting_status is not None:
            s.status(t, "open", "system")
        s.customer(t, customer_text(rng, "happy"))
    t += seconds(rng.uniform(5, max(10, target.target * 0.3)))
    s.status(t, "solved", "agent")
    reopened = rng.random() < config.reopen_ratio
    if reopened:
        t += seconds(rng.uniform(gap_low, gap_high) * 2)
        mood = _WORSE[mood]
        s.customer(t, customer_text(rng, mood))
        s.status(t, "open", "customer")
        delay, band = draw_reply(rng, config, target)
        t = wait_for_agent(t, delay, band) + seconds(rng.uniform(5, max(10, target.target * 0.3)))
        s.status(t, "solved", "agent")
    if rng.random() < config.survey_ratio:
        base = {"happy": 0.9, "neutral": 0.7, "angry": 0.25}[mood]
        experience = base - 0.12 * late - 0.2 * critical - 0.2 * reopened + rng.gauss(0, 0.08)
        experience = min(1.0, max(0.0, experience))
        kind = rng.choices(("csat", "nps", "ces"), weights=(0.5, 0.3, 0.2))[0]
        score = {
            "csat": 1 + round(4 * experience), "nps": round(10 * experience), "ces": 7 - round(6 * experience)
        }  # fmt: skip
        t += seconds(rng.uniform(30, 1800))
        s.add(t, "survey", author="customer", survey={"kind": kind, "score": score[kind]})
    s.status(t + seconds(rng.uniform(300, 3600)), "closed", "system")
    s.planned.sort(key=lambda p: p.at)
    return Conversation(t0, s.planned, late > 0 or reopened or mood == "angry")
