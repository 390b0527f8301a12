"""Durations and warning thresholds as written in the policy file: ``20s``, ``90m``, ``1h30m``,
``1d``; warnings ``80%`` (fraction of the target) or ``2m before`` (lead time before the target)."""

from __future__ import annotations

import re

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_DURATION = re.compile(r"(?:\d+(?:\.\d+)?[smhd])+")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)%")
_BEFORE = re.compile(r"(\S+)\s+before")


def parse_duration(text: object) -> float:
    """Seconds of a duration such as ``20s`` or ``1h30m``; ValueError when malformed or zero."""
    if not isinstance(text, str) or not _DURATION.fullmatch(text.strip()):
        raise ValueError(f"expected a duration like 20s, 5m, 4h or 1d, got {text!r}")
    seconds = sum(float(n) * _UNITS[unit] for n, unit in _PART.findall(text.strip()))
    if seconds <= 0:
        raise ValueError(f"a duration must be positive, got {text!r}")
    return seconds


def warning_seconds(text: object, target: float) -> float:
    """Counted seconds at which a warning fires: ``80%`` of ``target`` or ``2m before`` it."""
    if isinstance(text, str):
        spec = text.strip()
        percent = _PERCENT.fullmatch(spec)
        if percent:
            return target * float(percent.group(1)) / 100.0
        before = _BEFORE.fullmatch(spec)
        if before:
            return target - parse_duration(before.group(1))
    raise ValueError(f"expected a warning like '80%' or '2m before', got {text!r}")

