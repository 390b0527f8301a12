from __future__ import annotations

from pathlib import Path

import pytest

from supportwatch.base.exceptions import ConfigError
from supportwatch.base.yamlfile import load
from supportwatch.mood import MoodRules, parse_rules

SHIPPED = Path(__file__).resolve().parents[2] / "supportwatch" / "config" / "default.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_default_section_parses() -> None:
    data, lines = load(SHIPPED)
    rules = parse_rules(data.get("detractor"), lines)
    assert rules.nps_max == 6
    assert rules.csat_max == 2
    assert rules.ces_min == 5
    assert rules.mood_threshold < rules.mood_rearm


def test_missing_section_means_defaults(tmp_path: Path) -> None:
    data, lines = load(write(tmp_path, "policies: []\n"))
    assert parse_rules(data.get("detractor"), lines) == MoodRules()


def test_custom_values(tmp_path: Path) -> None:
    data, lines = load(write(tmp_path, "detractor:\n  consecutive_negative: 0\n  nps_max: null\n"))
    rules = parse_rules(data["detractor"], lines)
    assert rules.consecutive_negative == 0
    assert rules.nps_max is None


def test_error_names_file_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "detractor:\n  mood_alpha: 0.5\n  csat_max: 9\n")
    data, lines = load(path)
    with pytest.raises(ConfigError) as caught:
        parse_rules(data["detractor"], lines)
    assert caught.value.line == 3
    assert caught.value.field == "detractor.csat_max"
    assert str(caught.value).startswith(f"{path}:3: detractor.csat_max:")


def test_unknown_field_is_refused(tmp_path: Path) -> None:
    data, lines = load(write(tmp_path, "detractor:\n  mood_alpha: 0.5\n  threshold: -0.3\n"))
    with pytest.raises(ConfigError) as caught:
        parse_rules(data["detractor"], lines)
    assert (caught.value.line, caught.value.field) == (3, "detractor.threshold")


def test_rearm_must_be_above_threshold(tmp_path: Path) -> None:
    data, lines = load(write(tmp_path, "detractor:\n  mood_threshold: -0.2\n  mood_rearm: -0.5\n"))
    with pytest.raises(ConfigError) as caught:
        parse_rules(data["detractor"], lines)
    assert caught.value.field == "detractor.mood_rearm"
    assert caught.value.line == 3


def test_section_must_be_a_mapping(tmp_path: Path) -> None:
    data, lines = load(write(tmp_path, "detractor: [1, 2]\n"))
    with pytest.raises(ConfigError) as caught:
        parse_rules(data["detractor"], lines)
    assert (caught.value.line, caught.value.field) == (1, "detractor")
