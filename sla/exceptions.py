"""Errors of the SLA engine. Configuration problems are reported as
:class:`supportwatch.base.exceptions.ConfigError` (file, line, field); these are the rest."""

from __future__ import annotations

from supportwatch.base.exceptions import SupportwatchError


class SlaError(SupportwatchError):
    """Base of the SLA engine's own errors."""


class CalendarError(SlaError):
    """A business-hours computation cannot finish (e.g. a calendar without open hours)."""


class StateError(SlaError):
    """A stored conversation state cannot be read back (unknown format)."""


class DeadlineError(SlaError):
    """A deadline did not move past the time it was fired at: an internal error, raised so that a
    loop over deadlines stops instead of firing the same time again."""
