"""Errors of the event contract."""

from __future__ import annotations

from typing import Literal, get_args

from supportwatch.base.exceptions import SupportwatchError

Reason = Literal[
    "too_large",
    "bad_encoding",
    "bad_json",
    "too_deep",
    "not_an_object",
    "missing_field",
    "invalid_value",
    "naive_timestamp",
    "implausible_time",
    "text_too_large",
    "field_too_large",
]
REASONS: tuple[Reason, ...] = get_args(Reason)


class InvalidEvent(SupportwatchError, ValueError):
    """A raw message that is not a valid v1 event; ``reason`` is a bounded metric label."""

    def __init__(self, reason: Reason, detail: str) -> None:
        self.reason: Reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")
