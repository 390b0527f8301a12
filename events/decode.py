"""Raw Kafka message bytes to a typed :class:`~events.model.Event`, or a located reason.

The checks run cheapest first and each refuses with one bounded reason (events/exceptions.py), so
nothing but :class:`InvalidEvent` ever leaves :func:`decode_event`, and an accepted event serialises
to UTF-8 JSON, fits a Kafka record and is safe for the SLA engine's calendars."""

from __future__ import annotations

import base64
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from pydantic import ValidationError

from supportwatch.events.exceptions import InvalidEvent, Reason
from supportwatch.events.limits import EventLimits
from supportwatch.events.model import Event

_NAIVE_TYPES = {"timezone_aware"}
_MISSING_TYPES = {"missing"}
_KNOWN_FIELDS = frozenset(Event.model_fields)
_SURVEY_FIELDS = frozenset({"kind", "score"})
_ID_FIELDS = ("event_id", "conversation_id", "agent_id", "customer_id", "customer_tier", "team")
# A JSON string (escapes included) or one bracket: enough to measure nesting without parsing.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_SURROGATE = re.compile("[\ud800-\udfff]")
# A \uD800-\uDFFF escape: the only way a strictly decoded UTF-8 message can carry a surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})?", re.ASCII)
_REPLACEMENT = "\ufffd"


def _show(value: str) -> str:
    """A sender's string as it may appear in a detail: short and ASCII (no surrogate survives)."""
    return json.dumps(value[:40])


def _finite(number: str) -> float:
    value = float(number)
    if math.isinf(value):
        raise InvalidEvent("invalid_value", f"{number[:40]} is not a finite number")
    return value


def _no_constant(name: str) -> NoReturn:
    raise InvalidEvent("invalid_value", f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(parse_float=_finite, parse_constant=_no_constant)


def _reason_for(exc: ValidationError) -> tuple[Reason, str]:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "event"
    if first["type"] in _NAIVE_TYPES:
        return "naive_timestamp", f"{where}: timestamp has no UTC offset"
    if first["type"] in _MISSING_TYPES:
        return "missing_field", f"{where}: required"
    return "invalid_value", f"{where}: {first['msg']}"


def _utf8_size(value: str) -> int:
    return len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))


def _over(value: str, limit: int) -> bool:
    """Whether ``value`` is over ``limit`` UTF-8 bytes, without encoding it when the length tells."""
    return len(value) > limit or (len(value) * 4 > limit and _utf8_size(value) > limit)


def _too_deep(text: str, max_depth: int) -> bool:
    """Whether any field's value nests arrays and objects deeper than ``max_depth`` (the event
    object itself is the first level). Measured on the text, so that no nesting reaches the parser's
    recursion limit; a message with few brackets cannot be too deep and is not scanned."""
    limit = max_depth + 1
    if text.count("{") + text.count("[") <= limit:
        return False
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        char = match[0][0]
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char != '"':
            depth -= 1
    return False


def _parse(raw: bytes | str, limits: EventLimits) -> tuple[Any, bool]:
    """The parsed JSON and whether it may carry lone surrogates."""
    if isinstance(raw, bytes):
        if len(raw) > limits.max_event_bytes:
            raise InvalidEvent("too_large", f"message is over {limits.max_event_bytes} bytes")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidEvent("bad_encoding", f"not UTF-8 at byte {exc.start}") from exc
        surrogates = "\\u" in text and _SURROGATE_ESCAPE.search(text) is not None
    else:
        text = raw
        if _over(text, limits.max_event_bytes):
            raise InvalidEvent("too_large", f"message is over {limits.max_event_bytes} bytes")
        raw_surrogate = not text.isascii() and _SURROGATE.search(text) is not None
        surrogates = raw_surrogate or _SURROGATE_ESCAPE.search(text) is not None
    if _too_deep(text, limits.max_extra_depth):
        raise InvalidEvent("too_deep", f"nested deeper than {limits.max_extra_depth} levels")
    try:
        return _DECODER.decode(text), surrogates
    except InvalidEvent:
        raise
    except json.JSONDecodeError as exc:
        raise InvalidEvent("bad_json", f"{exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except (ValueError, RecursionError) as exc:  # e.g. an integer of over 4300 digits
        raise InvalidEvent("bad_json", str(exc)[:120]) from exc


def _refuse_surrogates(value: Any, where: str) -> None:
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise InvalidEvent("bad_encoding", f"{where}: lone UTF-16 surrogate")
    elif isinstance(value, dict):
        for key, item in value.items():
            if _SURROGATE.search(key):
                raise InvalidEvent("bad_encoding", f"{where}: a key with a lone UTF-16 surrogate")
            _refuse_surrogates(item, f"{where}.{_show(key)}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_surrogates(item, f"{where}[{index}]")


def _surrogates(data: dict[str, Any]) -> None:
    """Lone surrogates (from ``\\ud800``-style escapes) cannot be written as UTF-8: in ``text`` each
    becomes U+FFFD, so the customer's message still counts; anywhere else the event is refused."""
    for key, value in data.items():
        if key == "text" and isinstance(value, str):
            data[key] = _SURROGATE.sub(_REPLACEMENT, value)
        elif _SURROGATE.search(key):
            raise InvalidEvent("bad_encoding", "a field name with a lone UTF-16 surrogate")
        else:
            _refuse_surrogates(value, _show(key))


def _occurred_at(value: Any, limits: EventLimits, now: datetime) -> datetime:
    if not isinstance(value, str):
        raise InvalidEvent("invalid_value", "occurred_at: must be an RFC 3339 string with a UTC offset")
    match = _RFC3339.fullmatch(value)
    if match is None:
        raise InvalidEvent("invalid_value", "occurred_at: not an RFC 3339 timestamp")
    if match[1] is None:
        raise InvalidEvent("naive_timestamp", "occurred_at: timestamp has no UTC offset")
    try:
        at = datetime.fromisoformat(value.upper())
    except ValueError as exc:
        raise InvalidEvent("invalid_value", f"occurred_at: {exc}"[:120]) from exc
    if at < limits.earliest or at > now + limits.max_future:
        raise InvalidEvent("implausible_time", f"occurred_at: {value} is before {limits.earliest.isoformat()} "
                           f"or more than {limits.max_future_seconds:g} s ahead of {now.isoformat()}")
    return at


def _extra_size(data: dict[str, Any]) -> int:
    """UTF-8 bytes of the unknown fields (at the top and in ``survey``) as compact JSON."""
    extra: dict[str, Any] = {}
    if not _KNOWN_FIELDS.issuperset(data):
        extra = {key: data[key] for key in data.keys() - _KNOWN_FIELDS}
    survey = data.get("survey")
    if isinstance(survey, dict) and not _SURVEY_FIELDS.issuperset(survey):
        extra["survey"] = {key: survey[key] for key in survey.keys() - _SURVEY_FIELDS}
    if not extra:
        return 0
    return len(json.dumps(extra, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _check_fields(data: dict[str, Any], limits: EventLimits, now: datetime) -> None:
    if "occurred_at" in data:
        data["occurred_at"] = _occurred_at(data["occurred_at"], limits, now)
    max_id = limits.max_id_bytes
    for name in _ID_FIELDS:
        value = data.get(name)
        if isinstance(value, str) and len(value) * 4 > max_id and _over(value, max_id):
            raise InvalidEvent("field_too_large", f"{name} is over {limits.max_id_bytes} bytes")
    body = data.get("text")
    if isinstance(body, str) and _over(body, limits.max_text_bytes):
        raise InvalidEvent("text_too_large", f"text is over {limits.max_text_bytes} bytes")
    if _extra_size(data) > limits.max_extra_bytes:
        raise InvalidEvent("field_too_large", f"the extra fields are over {limits.max_extra_bytes} bytes")


def decode_event(raw: bytes | str, limits: EventLimits, now: datetime) -> Event:
    """Validate one message against ``limits``; ``now`` (aware) bounds ``occurred_at`` from above.

    Raises :class:`InvalidEvent` with a bounded ``reason``, and nothing else."""
    data, surrogates = _parse(raw, limits)
    if not isinstance(data, dict):
        raise InvalidEvent("not_an_object", f"expected a JSON object, got {type(data).__name__}")
    if surrogates:
        _surrogates(data)
    _check_fields(data, limits, now)
    try:
        return Event.model_validate(data)
    except ValidationError as exc:
        raise InvalidEvent(*_reason_for(exc)) from exc


@dataclass(frozen=True)
class DeadLetter:
    """What goes to the dead-letter topic: the original bytes and why they were refused."""

    reason: Reason
    detail: str
    original: bytes
    received_at: datetime
    source_topic: str
    partition: int | None = None
    offset: int | None = None

    def to_json(self) -> bytes:
        original_text: str | None
        try:
            original_text = self.original.decode("utf-8")
        except UnicodeDecodeError:
            original_text = None
        return json.dumps(
            {
                "reason": self.reason,
                "detail": self.detail,
                "original_base64": base64.b64encode(self.original).decode("ascii"),
                "original_text": original_text,
                "received_at": self.received_at.isoformat(),
                "source_topic": self.source_topic,
                "partition": self.partition,
                "offset": self.offset,
            },
            ensure_ascii=False,
        ).encode("utf-8")
