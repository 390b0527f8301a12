"""The ``customers`` section: defaults, and errors that point at the file's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportwatch.base.exceptions import ConfigError
from supportwatch.config import load_config
from supportwatch.customers.rules import CustomerRules, RiskReason

SHIPPED = Path(__file__).resolve().parents[2] / "supportwatch" / "config" / "default.yaml"


def test_the_shipped_file_sets_the_defaults() -> None:
    rules = load_config(None).customer_rules
    assert rules == CustomerRules()
    assert rules.repeat_window == 86400 and rules.fcr_window == 7 * 86400
    assert rules.at_risk.points[RiskReason.CRITICALS] == 1 and rules.at_risk.threshold == 5


@pytest.mark.parametrize(("section", "line", "field"), [
    ("customers:\n  repeat_window: soon\n", 2, "customers.repeat_window"),
    ("customers:\n  at_risk:\n    threshold: 0\n", 3, "customers.at_risk.threshold"),
    ("customers:\n  at_risk:\n    points: {breaches: 1, refunds: 3}\n", 3, "customers.at_risk.points.refunds"),
    ("customers:\n  fcr_windw: 7d\n", 2, "customers.fcr_windw"),
    ("customers: [1]\n", 1, "customers"),
])
def test_a_bad_value_names_file_line_and_field(tmp_path: Path, section: str, line: int, field: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(SHIPPED.read_text().split("\ncustomers:\n")[0] + "\n" + section)
    offset = len(SHIPPED.read_text().split("\ncustomers:\n")[0].splitlines())
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.line == offset + line
    assert caught.value.field.startswith(field)
