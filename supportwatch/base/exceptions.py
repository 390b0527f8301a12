"""Errors of the application shell (settings, configuration files, command line)."""

from __future__ import annotations

from pathlib import Path


class SupportwatchError(Exception):
    """Base of every error supportwatch raises on purpose."""


class ConfigError(SupportwatchError):
    """A configuration file is invalid; the message names the file, line and field."""

    def __init__(self, path: Path | str, line: int | None, field: str, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {field}: {message}")


class BrokerError(SupportwatchError):
    """The embedded Kafka-protocol broker is missing, did not start, or a topic is unusable."""
