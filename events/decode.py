"""Raw Kafka message bytes to a typed :class:`~events.model.Event`, or a located reason."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from events.exceptions import InvalidEvent, Reason
from events.model import Event

_NAIVE_TYPES = {"timezone_aware"}
_MISSING_TYPES = {"missing"}


def _reason_for(exc: ValidationError) -> tuple[Reason, str]:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "event"
    if first["type"] in _NAIVE_TYPES:
        return "naive_timestamp", f"{where}: timestamp has no UTC offset"
    if first["type"] in _MISSING_TYPES:
        return "missing_field", f"{where}: required"
    return "invalid_value", f"{where}: {first['msg']}"


def decode_event(raw: bytes | str, max_text_bytes: int) -> Event:
    """Validate one message. Raises :class:`InvalidEvent` with a bounded ``reason``."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidEvent("bad_encoding", f"not UTF-8 at byte {exc.start}") from exc
    else:
        text = raw
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidEvent("bad_json", f"{exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    if not isinstance(data, dict):
        raise InvalidEvent("not_an_object", f"expected a JSON object, got {type(data).__name__}")
    body = data.get("text")
    if isinstance(body, str) and len(body.encode("utf-8", "replace")) > max_text_bytes:
        raise InvalidEvent("text_too_large", f"text is over {max_text_bytes} bytes")
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
