"""Reading the dashboards and rule files of the repository, and the names a PromQL expression uses.

A small lexical reading, enough for our own queries: strings, label matchers, ranges and grouping
lists are removed, what remains as a bare identifier not followed by ``(`` is a series name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = ROOT / "grafana" / "dashboards"
RULES = ROOT / "prometheus" / "rules"

KEYWORDS = frozenset({
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool",
    "inf", "nan",
})
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}")
_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")


@dataclass(frozen=True)
class Query:
    where: str  # "dashboard uid / panel title" or "rule file / rule name"
    expr: str


def dashboards() -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text()) for path in sorted(DASHBOARDS.glob("*.json"))}


def rules() -> Iterator[tuple[str, dict[str, Any]]]:
    """(file name, rule) for every rule of every file under prometheus/rules/."""
    for path in sorted(RULES.glob("*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                yield path.name, rule


def recorded() -> dict[str, str]:
    """Recording rule name -> expression."""
    return {rule["record"]: rule["expr"] for _, rule in rules() if "record" in rule}


def _strip(expr: str) -> str:
    expr = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}", " ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)
    return _GROUPING.sub(" ", expr)


def series(expr: str) -> set[str]:
    """Series names (metrics and recording rules) an expression reads."""
    stripped = _strip(expr)
    names = set()
    for match in re.finditer(r"(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?!\s*\(|[\w:])", stripped):
        word = match.group(1)
        if word.lower() not in KEYWORDS and not re.fullmatch(r"\d+[smhdwy]", word):
            names.add(word)
    return names


def matcher_labels(expr: str) -> list[tuple[str, str]]:
    """(series name, label name) of every label matcher in a selector with a name."""
    unquoted = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)
    return [(m.group(1), label) for m in _SELECTOR.finditer(unquoted) for label in _MATCHER.findall(m.group(2))]


def grouping_labels(expr: str) -> set[str]:
    """Labels named in by/on/... lists."""
    return {label.strip() for m in _GROUPING.finditer(expr) for label in m.group(2).split(",") if label.strip()}
