"""Errors of the customer level."""

from __future__ import annotations

from supportwatch.base.exceptions import SupportwatchError


class CustomersError(SupportwatchError):
    """Base of the customer level's errors."""


class FactError(CustomersError, ValueError):
    """A conversation fact that cannot be read (the customer stage dead-letters it)."""


class CustomerStateError(CustomersError, ValueError):
    """A stored customer state that cannot be read."""
