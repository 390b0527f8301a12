"""One customer's state across conversations and channels, bounded whatever their history.

Kept: the latest :data:`MAX_CONVERSATIONS` conversations (open ones are evicted last), the times of
the latest :data:`MAX_TIMES` occurrences of each counted kind within the horizon (contacts,
breaches, criticals, detractor signals, low surveys, repeat contacts), the latest mood, the latest
:data:`MAX_SURVEYS` survey answers, the tier and the churn-risk episode. A count over a window
saturates at the kind's cap. Stored as compact JSON with times relative to the oldest one and each
team named once, so a customer with any history stays under 1 KiB with ids of up to 64 bytes
(tests/customers/test_state.py); ids of the contract's 256-byte limit bound it at 2.5 KiB.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from supportwatch.customers.exceptions import CustomerStateError

MAX_CONVERSATIONS = 6
MAX_SURVEYS = 3
FORMAT = 1


class Counted(StrEnum):
    """What a customer's state counts over time windows (short values: they are JSON keys)."""

    CONTACTS = "c"
    BREACHES = "b"
    CRITICALS = "x"
    DETRACTORS = "d"
    LOW_SURVEYS = "s"
    REPEAT_CONTACTS = "r"


MAX_TIMES = {Counted.CONTACTS: 16, Counted.BREACHES: 8, Counted.CRITICALS: 8, Counted.DETRACTORS: 8,
             Counted.LOW_SURVEYS: 8, Counted.REPEAT_CONTACTS: 8}


def conversation_key(conversation_id: str) -> str:
    """A short digest of a conversation id: what the state remembers a conversation by."""
    return hashlib.blake2b(conversation_id.encode("utf-8"), digest_size=5).hexdigest()


@dataclass(slots=True)
class Contact:
    """One of the customer's recent conversations."""

    key: str  # conversation_key(conversation_id)
    channel: str
    team: str | None
    opened: float  # epoch seconds of its first fact
    last: float  # epoch seconds of its latest fact
    seq: int  # the latest fact applied
    is_open: bool = True
    resolved: float | None = None  # when it was first solved
    recontacted: bool = False  # a new conversation followed its resolution within the FCR window
    repeat: bool = False  # it came within the repeat window of an earlier conversation
    # An earlier conversation's first fact arrived after this one's (their partitions' facts can
    # arrive out of event-time order): its channel, until this conversation's next fact raises the alert.
    pending_from: str | None = None


@dataclass(slots=True)
class CustomerState:
    customer_id: str
    tier: str | None = None
    contacts: list[Contact] = field(default_factory=list)  # oldest first
    times: dict[Counted, list[int]] = field(default_factory=dict)  # minutes since the epoch, oldest first
    mood: float | None = None
    mood_channel: str | None = None
    mood_at: float | None = None
    surveys: list[tuple[str, float, float]] = field(default_factory=list)  # (kind, score, at)
    risk_episode: int = 0
    risk: tuple[str, ...] = ()  # the reasons while at risk; () when not at risk

    def contact(self, key: str) -> Contact | None:
        for contact in self.contacts:
            if contact.key == key:
                return contact
        return None

    def add_contact(self, contact: Contact) -> None:
        """Keep the latest conversations: a closed one is evicted before an open one."""
        self.contacts.append(contact)
        self.contacts.sort(key=lambda c: c.opened)
        while len(self.contacts) > MAX_CONVERSATIONS:
            closed = [c for c in self.contacts if not c.is_open]
            victim = min(closed or self.contacts, key=lambda c: c.last)
            self.contacts.remove(victim)

    def record(self, kind: Counted, at: float, times: int = 1) -> None:
        stamps = self.times.setdefault(kind, [])
        minute = math.floor(at / 60)
        for _ in range(min(times, MAX_TIMES[kind])):
            stamps.append(minute)
        stamps.sort()
        del stamps[: max(0, len(stamps) - MAX_TIMES[kind])]

    def count(self, kind: Counted, since: float) -> int:
        """Occurrences at or after ``since`` (epoch seconds), up to the kind's cap."""
        floor = math.floor(since / 60)
        return sum(1 for minute in self.times.get(kind, ()) if minute >= floor)

    def prune(self, before: float) -> None:
        """Forget counted times before ``before`` (epoch seconds)."""
        floor = math.floor(before / 60)
        for kind in list(self.times):
            kept = [minute for minute in self.times[kind] if minute >= floor]
            if kept:
                self.times[kind] = kept
            else:
                del self.times[kind]

    # --- storage -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Compact JSON-able form: conversation times in seconds and counted times in minutes,
        each relative to ``b`` (the earliest of them, in minutes)."""
        minutes = [m for stamps in self.times.values() for m in stamps]
        minutes += [math.floor(c.opened / 60) for c in self.contacts]
        base = min(minutes) if minutes else 0
        origin = base * 60
        out: dict[str, Any] = {"v": FORMAT, "id": self.customer_id, "b": base}
        if self.tier is not None:
            out["ti"] = self.tier
        if self.contacts:
            teams = sorted({c.team for c in self.contacts if c.team is not None})
            if teams:
                out["tm"] = teams
            out["cv"] = [_contact_row(c, origin, teams) for c in self.contacts]
        if self.times:
            out["t"] = {kind.value: [m - base for m in stamps] for kind, stamps in self.times.items()}
        if self.mood is not None:
            out["m"] = [round(self.mood, 3), self.mood_channel, _rel(self.mood_at, origin)]
        if self.surveys:
            out["s"] = [[kind, score, _rel(at, origin)] for kind, score, at in self.surveys]
        if self.risk_episode:
            out["k"] = [self.risk_episode, list(self.risk)]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CustomerState:
        if not isinstance(data, dict) or data.get("v") != FORMAT:
            raise CustomerStateError(f"unknown customer state format: {str(data)[:80]}")
        try:
            base = int(data["b"])
            origin = base * 60
            state = cls(str(data["id"]), tier=data.get("ti"))
            teams = [str(team) for team in data.get("tm", ())]
            state.contacts = [_contact_from(row, origin, teams) for row in data.get("cv", ())]
            state.times = {Counted(kind): [base + int(m) for m in stamps] for kind, stamps in data.get("t", {}).items()}
            if "m" in data:
                mood, channel, at = data["m"]
                state.mood, state.mood_channel, state.mood_at = float(mood), channel, _abs(at, origin)
            state.surveys = [(str(kind), float(score), origin + float(at)) for kind, score, at in data.get("s", ())]
            if "k" in data:
                episode, reasons = data["k"]
                state.risk_episode, state.risk = int(episode), tuple(str(r) for r in reasons)
        except (KeyError, TypeError, ValueError) as exc:
            raise CustomerStateError(f"unreadable customer state: {type(exc).__name__}: {exc}"[:300]) from exc
        return state


def _rel(at: float | None, origin: float) -> int | None:
    return None if at is None else round(at - origin)


def _abs(at: Any, origin: float) -> float | None:
    return None if at is None else origin + float(at)


def _contact_row(c: Contact, origin: float, teams: list[str]) -> list[Any]:
    flags = (1 if c.is_open else 0) | (2 if c.recontacted else 0) | (4 if c.repeat else 0)
    team = teams.index(c.team) if c.team is not None else None
    row: list[Any] = [c.key, c.channel, team, _rel(c.opened, origin), round(c.last - c.opened), c.seq, flags]
    if c.resolved is not None or c.pending_from is not None:
        row.append(round(c.resolved - c.opened) if c.resolved is not None else None)
    if c.pending_from is not None:
        row.append(c.pending_from)
    return row


def _contact_from(row: list[Any], origin: float, teams: list[str]) -> Contact:
    key, channel, team, opened, last, seq, flags, *rest = row
    start = origin + float(opened)
    resolved = rest[0] if rest else None
    return Contact(
        key=str(key), channel=str(channel), team=teams[int(team)] if team is not None else None,
        opened=start, last=start + float(last), seq=int(seq),
        is_open=bool(int(flags) & 1), recontacted=bool(int(flags) & 2), repeat=bool(int(flags) & 4),
        resolved=start + float(resolved) if resolved is not None else None,
        pending_from=str(rest[1]) if len(rest) > 1 else None,
    )
