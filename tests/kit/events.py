"""One event builder for every test package: a v1 event from a compact description.

``when`` is seconds after the shape's ``base`` time (or an aware datetime, taken as it is); ``kind``
is an author (``customer``, ``agent``, ``bot``, ``system``: a message), a survey kind (``nps``,
``csat``, ``ces``, with ``score``), ``assignment``, or else a status (``open``, ``solved`` ...).

An :class:`Events` shape holds what a test package's events share (channel, team, agent, customer,
text, base time); each call may override any of them by keyword, and every other keyword is an
event field (``priority``, ``customer_tier``, ``event_id`` ...). The same description gives a
validated :class:`~supportwatch.events.Event` (``shape(...)``), its JSON bytes (``shape.json(...)``)
or the ``(key, bytes)`` record a producer sends (``shape.raw(...)``, keyed by the conversation id).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from supportwatch.events import Event

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday, 10:00 UTC (11:00 in Berlin)
TEXT = "Hello, where is my parcel?"
AUTHORS = ("customer", "agent", "bot", "system")
SURVEYS = ("nps", "csat", "ces")

MakeEvent = Callable[..., Event]


@dataclasses.dataclass(frozen=True)
class Events:
    """What the events of a test share; ``None`` leaves a field out (``text=None``: a textless phone message)."""

    base: datetime = T0
    conversation: str = "c-1"
    channel: str = "chat"
    team: str | None = "billing"
    agent: str | None = None
    customer: str | None = None
    text: str | None = TEXT
    timespec: str = "auto"  # of occurred_at in JSON: "milliseconds" as the live tests send it

    def but(self, **changes: Any) -> Events:
        """This shape with other defaults."""
        return dataclasses.replace(self, **changes)

    def _compose(self, when: float | datetime, kind: str, conversation: str | None,
                 fields: dict[str, Any]) -> tuple[dict[str, Any], datetime, str]:
        """The body without occurred_at, the time, and the timespec of its JSON form."""
        shape = self.but(**{name: fields.pop(name) for name in _SHAPE if name in fields})
        conversation = conversation or shape.conversation
        at = when if isinstance(when, datetime) else shape.base + timedelta(seconds=when)
        body: dict[str, Any] = {
            "event_id": fields.pop("event_id", None) or f"{conversation}-{when}-{kind}",
            "conversation_id": conversation,
            "channel": shape.channel,
        }
        for key, value in (("team", shape.team), ("agent_id", shape.agent), ("customer_id", shape.customer)):
            if value is not None:
                body[key] = value
        if kind in AUTHORS:
            body |= {"type": "message", "author": kind}
            if shape.text is not None:
                body["text"] = shape.text
        elif kind in SURVEYS:
            body |= {"type": "survey", "survey": {"kind": kind, "score": fields.pop("score", None)}}
        elif kind == "assignment":
            body["type"] = "assignment"
        else:
            body |= {"type": "status", "status": kind}
        return body | fields, at, shape.timespec

    def body(self, when: float | datetime = 0, kind: str = "customer", conversation: str | None = None,
             **fields: Any) -> dict[str, Any]:
        """The event as a JSON object (occurred_at an RFC 3339 string)."""
        body, at, timespec = self._compose(when, kind, conversation, fields)
        return _ordered(body, at.isoformat(timespec=timespec))

    def __call__(self, when: float | datetime = 0, kind: str = "customer", conversation: str | None = None,
                 **fields: Any) -> Event:
        """A validated event."""
        body, at, _ = self._compose(when, kind, conversation, fields)
        return Event.model_validate(_ordered(body, at))

    def json(self, when: float | datetime = 0, kind: str = "customer", conversation: str | None = None,
             **fields: Any) -> bytes:
        """The event's JSON bytes, as a producer sends them."""
        return json.dumps(self.body(when, kind, conversation, **fields)).encode("utf-8")

    def raw(self, when: float | datetime = 0, kind: str = "customer", conversation: str | None = None,
            **fields: Any) -> tuple[str, bytes]:
        """``(key, value)`` of the input record: the conversation id and the event's JSON bytes."""
        body = self.body(when, kind, conversation, **fields)
        return body["conversation_id"], json.dumps(body).encode("utf-8")


_SHAPE = tuple(f.name for f in dataclasses.fields(Events) if f.name != "conversation")


def _ordered(body: dict[str, Any], occurred_at: object) -> dict[str, Any]:
    """occurred_at after the ids, where the wire format has it."""
    head = {key: body.pop(key) for key in ("event_id", "conversation_id")}
    return head | {"occurred_at": occurred_at} | body


event = Events()
"""Events of the default shape: ``event(seconds, kind="customer", conversation="c-1", **fields)``."""
raw_event = event.raw
"""``(key, bytes)`` records of the default shape: ``raw_event(at, kind, conversation, **fields)``."""


def event_factory(conversation_id: str = "conv-1", channel: str = "chat") -> MakeEvent:
    """The SLA engine tests' builder: ``ev(seconds_after_T0, "customer"|"agent"|"bot"|"system"|status|
    "assignment", event_id=None, **fields)``; ids count up per factory (``conv-1-e1``, ``conv-1-e2`` ...);
    no team, messages say ``...``."""
    ids = itertools.count(1)
    shape = Events(conversation=conversation_id, channel=channel, team=None, text="...")

    def make(at: float, what: str, event_id: str | None = None, **fields: Any) -> Event:
        return shape(at, what, event_id=event_id or f"{conversation_id}-e{next(ids)}", **fields)

    return make
