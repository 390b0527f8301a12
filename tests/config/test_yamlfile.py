"""supportwatch.base.yamlfile: data with line numbers; every unreadable file becomes a ConfigError naming its line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from supportwatch.base.exceptions import ConfigError
from supportwatch.base.yamlfile import load


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_data_and_lines(tmp_path: Path) -> None:
    text = "calendars:\n  office:\n    holidays:\n      - 2026-12-25\n      - 2026-12-26\n"
    data, lines = load(write(tmp_path, text))
    assert data == {"calendars": {"office": {"holidays": [date(2026, 12, 25), date(2026, 12, 26)]}}}
    assert lines.line_of(("calendars", "office", "holidays", 1)) == 5
    error = lines.error(("calendars", "office", "timezone"), "missing")
    assert str(error).endswith("config.yaml:2: calendars.office.timezone: missing")


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("calendars:\n  office:\n    holidays:\n      - 2026-12-25\n      - 2026-13-01\n", 5, "2026-13-01"),
        ("policies:\n  - name: chat\n    since: 2026-02-30\n", 3, "2026-02-30"),
        ("a: 1\nb: [1, 2\n", 3, "expected ','"),
        ("a: 1\n---\nb: 2\n", 2, "another document"),
    ],
)
def test_unreadable_values_and_syntax_name_the_line(tmp_path: Path, text: str, line: int, needle: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(write(tmp_path, text))
    assert caught.value.line == line and caught.value.field == "(syntax)"
    assert needle in str(caught.value)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path / "absent.yaml")
    assert caught.value.line is None and caught.value.field == "(file)"


def test_an_empty_file_is_no_data(tmp_path: Path) -> None:
    data, lines = load(write(tmp_path, "# nothing yet\n"))
    assert data is None and lines.line_of(("policies",)) is None
