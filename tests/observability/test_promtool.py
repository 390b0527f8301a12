"""promtool validates the stack's Prometheus config and rules, and unit-tests every alerting rule."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from .promql import ROOT, rules

PROMETHEUS = ROOT / "prometheus"
RULE_TESTS = sorted((PROMETHEUS / "tests").glob("*.yml"))


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120, cwd=PROMETHEUS)


def test_config_is_valid_and_loads_the_rule_files(promtool: str) -> None:
    result = _run(promtool, "check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    rule_files = len(list((PROMETHEUS / "rules").glob("*.yml")))
    assert rule_files >= 2
    assert f"SUCCESS: {rule_files} rule files found" in result.stdout


def test_rules_are_valid(promtool: str) -> None:
    result = _run(promtool, "check", "rules", *sorted((PROMETHEUS / "rules").glob("*.yml")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_unit_tests_pass(promtool: str) -> None:
    result = _run(promtool, "test", "rules", *RULE_TESTS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alerting_rule_has_a_firing_and_a_quiet_case() -> None:
    alerts = {rule["alert"] for _, rule in rules() if "alert" in rule}
    firing: set[str] = set()
    quiet: set[str] = set()
    for path in RULE_TESTS:
        for group in yaml.safe_load(path.read_text())["tests"]:
            for case in group.get("alert_rule_test", []):
                (firing if case["exp_alerts"] else quiet).add(case["alertname"])
    assert alerts, "no alerting rules found"
    assert alerts - firing == set(), "alerting rules never shown to fire"
    assert alerts - quiet == set(), "alerting rules never shown to stay quiet"
    assert (firing | quiet) - alerts == set(), "tests of alerts that do not exist"


def test_every_rule_is_labelled_and_documented() -> None:
    for file, rule in rules():
        if "alert" not in rule:
            continue
        assert rule["labels"]["severity"] in {"warning", "major", "critical"}, (file, rule["alert"])
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], (file, rule["alert"])
        assert rule["annotations"]["dashboard_uid"].startswith("supportwatch-"), (file, rule["alert"])
