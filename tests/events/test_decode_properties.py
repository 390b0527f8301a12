"""Property: structured mutations of valid events either decode to an Event that every later stage
can serialise, or are refused with a reason from REASONS (and a dead letter that serialises too).
Never anything else."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from supportwatch.events import REASONS, DeadLetter, Event, EventLimits, InvalidEvent, decode_event

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
LIMITS = EventLimits()
KAFKA_MAX_RECORD = 1_000_000
FIELDS = ("event_id", "conversation_id", "occurred_at", "channel", "type", "author", "text", "status",
          "survey", "priority", "team", "agent_id", "customer_id")  # fmt: skip
ENUMS = {
    "channel": ["chat", "phone", "email", "social", "messaging"],
    "type": ["message", "status", "survey", "assignment"],
    "author": ["customer", "agent", "bot", "system"],
    "status": ["open", "pending", "on_hold", "solved", "closed"],
    "priority": ["low", "normal", "high", "urgent"],
}

offsets = st.timedeltas(min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59)).map(
    lambda d: timezone(timedelta(minutes=d // timedelta(minutes=1)))
)


def wall(year: int, month: int, day: int) -> datetime:
    """A wall-clock bound for st.datetimes (which takes naive bounds and adds the offset)."""
    return datetime(year, month, day, tzinfo=UTC).replace(tzinfo=None)


instants = st.datetimes(min_value=wall(1, 1, 2), max_value=wall(9999, 12, 30), timezones=offsets)
near_instants = st.datetimes(min_value=wall(1999, 12, 30), max_value=wall(2026, 3, 12), timezones=offsets)
plausible = st.datetimes(min_value=wall(2000, 1, 2), max_value=wall(2026, 3, 10), timezones=offsets)
stamps = st.one_of(
    near_instants.map(datetime.isoformat),
    instants.map(datetime.isoformat),
    near_instants.map(lambda d: d.replace(tzinfo=None).isoformat()),
    st.sampled_from(["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59Z", "2000-01-01T00:00:00Z", "-0", "0",
                     (NOW + timedelta(days=1)).isoformat(), "2026-03-02T09:15:00.1234567890Z", ""]),
    st.integers(-(2**63), 2**63), st.floats(),
)  # fmt: skip
odd_chars = st.characters(categories=["Cs", "Cc", "Cf", "Zs", "Mn", "So", "Lo"])
texts = st.one_of(
    st.text(max_size=40),
    st.text(odd_chars, max_size=40),
    st.integers(0, 70_000).map(lambda n: "x" * n),
    st.integers(0, 20_000).map(lambda n: "é" * n),
    st.sampled_from(["\ud800", "\udfff", "a\ud83d", "\ud83d\ude00", "\x00", "\u202e", "\ufeff", "{[", '"']),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), texts,
                    st.integers(0, 4299).map(lambda n: 10**n))  # fmt: skip
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
                      max_leaves=8)  # fmt: skip
deep = st.integers(1, 1200).flatmap(lambda n: st.sampled_from(["[" * n + "]" * n, '{"a":' * n + "1" + "}" * n]))


@st.composite
def valid_events(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(ENUMS["type"]))
    body: dict[str, Any] = {
        "event_id": draw(st.uuids()).hex, "conversation_id": f"c-{draw(st.integers(0, 50))}",
        "occurred_at": draw(plausible).isoformat(), "channel": draw(st.sampled_from(ENUMS["channel"])),
        "type": kind, "priority": draw(st.sampled_from(ENUMS["priority"])),
    }  # fmt: skip
    if kind == "message":
        body |= {"author": draw(st.sampled_from(ENUMS["author"])), "text": draw(st.text(max_size=60))}
    elif kind == "status":
        body["status"] = draw(st.sampled_from(ENUMS["status"]))
    elif kind == "survey":
        survey_kind, low, high = draw(st.sampled_from([("csat", 1, 5), ("nps", 0, 10), ("ces", 1, 7)]))
        body["survey"] = {"kind": survey_kind, "score": draw(st.integers(low, high))}
    else:
        body |= {"agent_id": "a-1", "team": "billing"}
    return body


@st.composite
def mutated(draw: st.DrawFn) -> bytes | str:
    body = draw(valid_events())
    raw_tail: list[str] = []
    for _ in range(draw(st.integers(0, 4))):
        field = draw(st.sampled_from(FIELDS) | texts)
        how = draw(st.sampled_from(["value", "delete", "stamp", "enum", "deep", "nonfinite", "bigint", "score"]))
        if how == "value":
            body[field] = draw(values)
        elif how == "delete":
            body.pop(field, None)
        elif how == "stamp":
            body["occurred_at"] = draw(stamps)
        elif how == "enum" and field in ENUMS:
            body[field] = draw(st.sampled_from(ENUMS[field]).map(lambda v: v.upper()) | texts)
        elif how == "score":
            body["survey"] = {"kind": draw(st.sampled_from(["csat", "nps", "ces", "x"])), "score": draw(values)}
        elif how in ("deep", "nonfinite", "bigint"):
            literal = {"deep": deep, "nonfinite": st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e999"]),
                       "bigint": st.integers(4290, 4310).map(lambda n: "9" * n)}[how]  # fmt: skip
            raw_tail.append(f"{json.dumps(field)}: {draw(literal)}")
    text = json.dumps(body, ensure_ascii=draw(st.booleans()))
    if raw_tail:
        text = text[:-1] + (", " if body else "") + ", ".join(raw_tail) + "}"
    encoding = draw(st.sampled_from(["utf-8", "str", "cut", "flip"]))
    if encoding == "str":
        return text
    data = text.encode("utf-8", "surrogatepass")
    if encoding == "cut":
        return data[: draw(st.integers(0, len(data)))]
    if encoding == "flip" and data:
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    return data


def check_accepted(event: Event) -> None:
    dumped = event.model_dump_json()
    encoded = json.dumps(event.model_dump(mode="json"), ensure_ascii=False).encode("utf-8")
    assert len(dumped) < KAFKA_MAX_RECORD and len(encoded) < KAFKA_MAX_RECORD
    assert Event.model_validate(json.loads(dumped)) == event
    assert LIMITS.earliest <= event.at <= NOW + timedelta(days=1)


@settings(max_examples=300, deadline=timedelta(seconds=2))
@given(mutated())
def test_mutated_events_decode_or_are_refused_with_a_known_reason(data: bytes | str) -> None:
    try:
        event = decode_event(data, LIMITS, NOW)
    except InvalidEvent as exc:
        assert exc.reason in REASONS
        original = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
        letter = DeadLetter(exc.reason, exc.detail, original, NOW, "supportwatch.events", 0, 1)
        assert json.loads(letter.to_json())["reason"] == exc.reason
    else:
        check_accepted(event)


@settings(max_examples=100, deadline=timedelta(seconds=2))
@given(valid_events())
def test_valid_events_are_accepted_as_sent(body: dict[str, Any]) -> None:
    event = decode_event(json.dumps(body).encode(), LIMITS, NOW)
    check_accepted(event)
    assert event.event_id == body["event_id"] and event.at == datetime.fromisoformat(body["occurred_at"])
