"""Static checks of the provisioned Grafana dashboards: stable unique uids, the provisioned
datasource, generated JSON up to date, and no query of a series the worker does not export."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from supportwatch.grafana import generate
from supportwatch.grafana.panels import DATASOURCE_UID, expand, queries

from .known_metrics import METRICS, TARGET_LABELS, series_names
from .promql import (
    ROOT,
    dashboards,
    grouping_labels,
    matcher_labels,
    recorded,
    rules,
    series,
)

EXPECTED_UIDS = {"supportwatch-sla", "supportwatch-sentiment", "supportwatch-teams", "supportwatch-customers",
                 "supportwatch-pipeline"}
PROVISIONING = ROOT / "grafana" / "provisioning"


def _all_queries() -> list[tuple[str, str]]:
    found = [(f"{board['uid']} / {title}", expr) for board in dashboards().values() for title, expr in queries(board)]
    found += [(f"{file} / {rule.get('record') or rule['alert']}", rule["expr"]) for file, rule in rules()]
    return found


def _walk(node: Any) -> list[dict[str, Any]]:
    """Every mapping inside a JSON document."""
    if isinstance(node, dict):
        return [node, *(m for value in node.values() for m in _walk(value))]
    if isinstance(node, list):
        return [m for value in node for m in _walk(value)]
    return []


def test_committed_json_is_what_the_generator_writes() -> None:
    committed = {path.name: path.read_text() for path in generate.OUT.glob("*.json")}
    assert committed == generate.render(), "run: python grafana/generate.py"


def test_dashboard_uids_are_stable_and_unique() -> None:
    boards = dashboards()
    uids = [board["uid"] for board in boards.values()]
    assert sorted(uids) == sorted(EXPECTED_UIDS)
    for name, board in boards.items():
        assert name == f"{board['uid']}.json"
        assert board["editable"] is False
        ids = [panel["id"] for panel in board["panels"]]
        assert len(ids) == len(set(ids)), name


def test_every_datasource_is_the_provisioned_prometheus() -> None:
    provisioned = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())
    assert [source["uid"] for source in provisioned["datasources"]] == [DATASOURCE_UID]
    for name, board in dashboards().items():
        refs = [node["datasource"] for node in _walk(board) if isinstance(node.get("datasource"), dict)]
        assert refs, name
        assert {ref["uid"] for ref in refs} == {DATASOURCE_UID}, name


def test_dashboard_provider_locks_ui_updates() -> None:
    provider = yaml.safe_load((PROVISIONING / "dashboards" / "supportwatch.yml").read_text())["providers"]
    assert len(provider) == 1
    assert provider[0]["allowUiUpdates"] is False
    assert provider[0]["type"] == "file"
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./grafana/dashboards:{provider[0]['options']['path']}:ro" in mounts


@pytest.mark.parametrize("uid", sorted(EXPECTED_UIDS - {"supportwatch-pipeline"}))
def test_business_dashboards_filter_by_channel(uid: str) -> None:
    board = dashboards()[f"{uid}.json"]
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert "channel" in variables
    assert variables["channel"]["allValue"] == ".*"
    assert any('channel=~"$channel"' in expr for _, expr in queries(board))
    if "team" in variables:
        assert any('team=~"$team"' in expr for _, expr in queries(board))


def test_every_panel_has_a_query_and_a_description() -> None:
    for name, board in dashboards().items():
        for panel in board["panels"]:
            if panel["type"] in ("row", "text"):
                continue
            assert panel["targets"], (name, panel["title"])
            assert panel["description"], (name, panel["title"])


def test_queries_read_only_exported_series_and_recording_rules() -> None:
    known = set(series_names()) | set(recorded())
    unknown = {(where, name) for where, expr in _all_queries() for name in series(expr) if name not in known}
    assert unknown == set()


def test_queries_match_only_labels_the_series_carry() -> None:
    exported = series_names()
    rules_out = {name: grouping_labels(expr) for name, expr in recorded().items()}
    allowed_extra = TARGET_LABELS
    wrong = set()
    for where, expr in _all_queries():
        for name, label in matcher_labels(expr):
            labels = exported.get(name, rules_out.get(name, frozenset()))
            if label not in labels | allowed_extra:
                wrong.add((where, name, label))
    assert wrong == set()


def test_alerts_point_at_existing_dashboards() -> None:
    uids = {board["uid"] for board in dashboards().values()}
    for _, rule in rules():
        if "alert" in rule:
            assert rule["annotations"]["dashboard_uid"] in uids


def test_known_metrics_match_the_architecture_table() -> None:
    table = (ROOT / "docs" / "architecture.md").read_text().split("## Metrics", 1)[1]
    documented = set()
    for line in table.splitlines():
        if line.startswith("|"):
            documented.update(re.findall(r"`(supportwatch_[a-z_]+)`(?!\*)", line))
    ours = {name for name in METRICS if not name.startswith("supportwatch_faust_")}
    assert ours == documented


def test_every_query_parses(promtool: str, tmp_path: Path) -> None:
    """promtool parses each expression, template variables expanded as Grafana would."""
    queries_ = _all_queries()
    rule_file = {"groups": [{"name": "parse", "rules": [
        {"record": f"parse:q{index}", "expr": expand(expr)} for index, (_, expr) in enumerate(queries_)
    ]}]}
    path = tmp_path / "parse.yml"
    path.write_text(yaml.safe_dump(rule_file))
    result = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(queries_)} rules found" in result.stdout
