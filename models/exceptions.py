"""Errors of the sentiment model package."""

from __future__ import annotations

from supportwatch.base.exceptions import SupportwatchError


class ModelError(SupportwatchError):
    """Base of every error the models package raises on purpose."""


class ModelLoadError(ModelError):
    """A configured model cannot be loaded: missing files, unknown backend files, unmappable labels."""


class EvaluationDataError(ModelError):
    """A line of an evaluation file is not a ``{"text", "label"}`` JSON object with a known label."""

    def __init__(self, path: str, line: int, message: str) -> None:
        self.path = path
        self.line = line
        super().__init__(f"{path}:{line}: {message}")
