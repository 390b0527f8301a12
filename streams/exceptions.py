"""Errors of the streaming layer."""

from __future__ import annotations

from supportwatch.exceptions import SupportwatchError


class StreamsError(SupportwatchError):
    """The streaming layer cannot go on (e.g. the broker cannot be reached at start-up)."""
