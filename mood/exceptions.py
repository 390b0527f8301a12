"""Errors of the mood package (configuration errors are supportwatch's ConfigError, with file:line)."""

from __future__ import annotations

from supportwatch.base.exceptions import SupportwatchError


class MoodError(SupportwatchError):
    """Base of every error the mood package raises on purpose."""


class NaiveTimeError(MoodError, ValueError):
    """An event time without a timezone reached the mood tracker."""
