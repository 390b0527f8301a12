"""Broken messages for the dead-letter path: each made from a valid event, with the reason the
event contract must give when it refuses it."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from typing import Any

from supportwatch.events.exceptions import Reason

_REQUIRED = ("event_id", "conversation_id", "occurred_at", "channel", "type")
_UNKNOWN_CHANNELS = ("fax", "carrier_pigeon", "sms-legacy", "Chat", "whatsapp ")


def _dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _bad_json(rng: random.Random, body: dict[str, Any], size: int) -> bytes:
    raw = _dumps(body)
    return raw[: max(1, int(len(raw) * rng.uniform(0.3, 0.9)))]


def _not_an_object(rng: random.Random, body: dict[str, Any], size: int) -> bytes:
    return _dumps([body])


def _bad_encoding(rng: random.Random, body: dict[str, Any], size: int) -> bytes:
    text = json.dumps(body | {"text": "Café crème — reçu n° 42"}, ensure_ascii=False)
    return text.encode("latin-1", "replace")


def _missing_field(rng: random.Random, body: dict[str, Any], size: int) -> bytes:
    dropped = rng.choice(_REQUIRED)
    return _dumps({k: v for k, v in body.items() if k != dropped})


def _naive_timestamp(rng: random.Random, body: dict[str, Any], size: int) -> bytes:
    naive = body["occurred_at"].removesuffix("Z").removesuffix("+00:00")
    return _dumps(body | {"occurred_at": naive})


def _invalid_value(rng: random.Random, body: dict[str, Any], size: int) -> bytes:
    return _dumps(body | {"channel": rng.choice(_UNKNOWN_CHANNELS)})


def _text_too_large(rng: random.Random, body: dict[str, Any], size: int) -> bytes:
    words = "please help my order is late and nobody answers "
    return _dumps(body | {"type": "message", "author": "customer", "text": words * (size // len(words) + 1)})


BREAKERS: dict[Reason, Callable[[random.Random, dict[str, Any], int], bytes]] = {
    "bad_json": _bad_json,
    "not_an_object": _not_an_object,
    "bad_encoding": _bad_encoding,
    "missing_field": _missing_field,
    "naive_timestamp": _naive_timestamp,
    "invalid_value": _invalid_value,
    "text_too_large": _text_too_large,
}
# Mostly the realistic breakages (bad JSON, missing fields, naive timestamps, unknown channels).
_WEIGHTS = {
    "bad_json": 3, "missing_field": 3, "naive_timestamp": 3, "invalid_value": 3,
    "text_too_large": 1, "bad_encoding": 1, "not_an_object": 1,
}  # fmt: skip


def break_event(rng: random.Random, body: dict[str, Any], oversized_bytes: int) -> tuple[Reason, bytes]:
    """A broken copy of ``body`` (with a fresh event id) and the reason it must be refused for."""
    reasons = list(BREAKERS)
    reason = rng.choices(reasons, weights=[_WEIGHTS[r] for r in reasons])[0]
    copy = body | {"event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4))}
    return reason, BREAKERS[reason](rng, copy, oversized_bytes)
