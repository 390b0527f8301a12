"""YAML configuration with line numbers, so a validation error can point at the line.

``load(path)`` returns the plain data and a :class:`Lines` map from a field path
(``("policies", 2, "target")``) to the 1-based line it was written on. Packages validate
their own section and raise :class:`~supportwatch.base.exceptions.ConfigError` through
:meth:`Lines.error`, which finds the nearest line for a path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from supportwatch.base.exceptions import ConfigError

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Lines:
    path: Path
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, key: Sequence[str | int]) -> int | None:
        """The line of ``key``, or of its closest written ancestor."""
        probe = tuple(key)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), None)

    def error(self, key: Sequence[str | int], message: str) -> ConfigError:
        dotted = ".".join(str(part) for part in key) or "(document)"
        return ConfigError(self.path, self.line_of(key), dotted, message)

    def pydantic_error(self, prefix: Sequence[str | int], exc: Any) -> ConfigError:
        """Turn the first error of a ``pydantic.ValidationError`` into a located ConfigError."""
        first = exc.errors()[0]
        return self.error((*prefix, *first["loc"]), first["msg"])


def _walk(node: yaml.Node, key: PathKey, lines: dict[PathKey, int]) -> None:
    lines[key] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            child = (*key, str(k.value))
            lines[child] = k.start_mark.line + 1
            _walk(v, child, lines)
            lines[child] = k.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*key, i), lines)


class _BadValue(Exception):
    """A scalar that parses but cannot be built (an unquoted ``2026-13-01`` is a date to YAML)."""

    def __init__(self, node: yaml.Node, cause: Exception) -> None:
        super().__init__(str(cause))
        self.node = node
        self.cause = cause


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, telling which node a value error came from."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:
            raise _BadValue(node, exc) from exc


def load(path: Path) -> tuple[Any, Lines]:
    """Parse ``path`` safely; a syntax error or an impossible value (``2026-13-01``) becomes a
    ConfigError with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, None, "(file)", f"cannot read: {exc.strerror}") from exc
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(path, line, "(syntax)", str(exc.problem)) from exc
    except _BadValue as exc:
        value = exc.node.value if isinstance(exc.node, yaml.ScalarNode) else exc.node.tag
        message = f"invalid value {value!r}: {exc.cause}"
        raise ConfigError(path, exc.node.start_mark.line + 1, "(syntax)", message) from exc.cause
    finally:
        loader.dispose()
    lines: dict[PathKey, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, Lines(path, lines)
