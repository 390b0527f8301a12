"""Errors of the event simulator."""

from __future__ import annotations

from supportwatch.base.exceptions import SupportwatchError


class SimulatorConfigError(SupportwatchError, ValueError):
    """A :class:`~supportwatch.simulator.SimulatorConfig` value is out of range."""
