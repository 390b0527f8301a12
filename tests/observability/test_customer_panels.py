"""The Customers dashboard's queries compute what their panels say: promtool evaluates every query of
supportwatch-customers.json (variables on "All", a 1-hour range) over synthetic series of two workers,
the recording rules loaded, and each result is checked value by value (the demo scrape of
test_prometheus_scrape.py only shows that every query returns something)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from supportwatch.grafana.panels import expand, queries

from .promql import RULES, dashboards

CHANNELS = ("chat", "phone", "email", "social", "messaging")
# Repeat contacts a minute per worker, (channel, from_channel): chat after chat stays on its channel.
REPEATS = {("chat", "chat"): 2, ("chat", "phone"): 1, ("email", "chat"): 1}
RESOLVED = [  # (instance, channel, team, resolutions a minute, recontacts a minute or None: no series yet)
    ("w1", "chat", "billing", 4, 1),
    ("w2", "email", "", 2, None),
    ("w2", "phone", "billing", 0, 0),
]
QUIET = [(f'{{channel="{c}"}}', 0.0) for c in ("phone", "social", "messaging")]  # no repeat contacts
AT_RISK = {"breaches": 3, "criticals": 1, "detractors": 4, "repeat_contacts": 6, "low_surveys": 0}

# (panel title, query index) -> expected samples at minute 150; every query of the dashboard is listed.
EXPECTED: dict[tuple[str, int], list[tuple[str, float]]] = {
    ("Customers at risk now", 0): [("{}", 12)],
    ("Customers tracked", 0): [("{}", 250)],
    ("Customers at risk by reason", 0): [(f'{{reason="{r}"}}', 2 * v) for r, v in AT_RISK.items()],
    ("Repeat contacts per channel", 0): [('{channel="chat"}', 360), ('{channel="email"}', 120),
                                         *QUIET],
    ("Repeat-contact share of new contacts", 0): [('{channel="chat"}', 0.3), ('{channel="email"}', 0.1),
                                                  *QUIET],
    # same-channel repeats and pairs without a switch are left out
    ("Channel switches in range (from → to)", 0): [('{channel="chat",from_channel="phone"}', 120),
                                                    ('{channel="email",from_channel="chat"}', 120)],
    ("Repeat-contact share in range", 0): [('{channel="chat"}', 0.3), ('{channel="email"}', 0.1),
                                           *QUIET],
    # email has no recontact series yet: 100%; phone resolved nothing: no figure
    ("First-contact resolution in range: true vs per conversation", 0): [('{channel="chat"}', 0.75),
                                                                          ('{channel="email"}', 1)],
    ("First-contact resolution in range: true vs per conversation", 1): [('{channel="chat"}', 0.6)],
    ("True first-contact resolution per team in range", 0): [('{team="billing"}', 0.75), ("{}", 1)],
    ("True first-contact resolution per channel (24 h)", 0): [('{channel="chat"}', 0.75), ('{channel="email"}', 1)],
    ("True first-contact resolution per team (24 h)", 0): [('{team="billing"}', 0.75), ("{}", 1)],
    ("Customers at risk over time", 0): [("{}", 12)],
    ("Customers at risk over time", 1): [(f'{{reason="{r}"}}', 2 * v) for r, v in AT_RISK.items()],
    ("Customers tracked over time", 0): [("{}", 250)],
}


def _series(name: str, values: str, **labels: str) -> dict[str, str]:
    matchers = ",".join(f'{key}="{value}"' for key, value in {"job": "supportwatch", **labels}.items())
    return {"series": f"{name}{{{matchers}}}", "values": values}


def _input() -> list[dict[str, str]]:
    found = []
    for instance in ("w1", "w2"):
        for channel in CHANNELS:
            found.append(_series("supportwatch_customer_contacts_total", "0+10x200", instance=instance,
                                 channel=channel))
            for previous in CHANNELS:
                found.append(_series("supportwatch_repeat_contacts_total",
                                     f"0+{REPEATS.get((channel, previous), 0)}x200",
                                     instance=instance, channel=channel, from_channel=previous))
        found += [_series("supportwatch_customers_at_risk", f"{count}x200", instance=instance, reason=reason)
                  for reason, count in AT_RISK.items()]
    found += [_series("supportwatch_at_risk_customers", "5x200", instance="w1"),
              _series("supportwatch_at_risk_customers", "7x200", instance="w2"),
              _series("supportwatch_customers", "100x200", instance="w1"),
              _series("supportwatch_customers", "150x200", instance="w2")]
    for instance, channel, team, resolved, recontacted in RESOLVED:
        found.append(_series("supportwatch_customer_resolutions_total", f"0+{resolved}x200", instance=instance,
                             channel=channel, team=team))
        if recontacted is not None:
            found.append(_series("supportwatch_customer_recontacts_total", f"0+{recontacted}x200",
                                 instance=instance, channel=channel, team=team))
    # per conversation: 3 of 5 chat resolutions a minute had at most one agent reply
    found += [_series("supportwatch_resolutions_total", "0+3x200", instance="w1", channel="chat", team="billing",
                      first_contact="true"),
              _series("supportwatch_resolutions_total", "0+2x200", instance="w1", channel="chat", team="billing",
                      first_contact="false")]
    return found


def test_every_customer_panel_query_computes_its_figure(promtool: str, tmp_path: Path) -> None:
    board = dashboards()["supportwatch-customers.json"]
    cases = []
    seen: dict[str, int] = {}
    for title, expr in queries(board):
        index = seen.get(title, 0)
        seen[title] = index + 1
        expected = EXPECTED[(title, index)]
        # promtool compares exactly: rounded to 4 decimals, 0.09999999999999999 is 0.1
        cases.append({"expr": f"round({expand(expr, range_='1h', rate_interval='5m')}, 0.0001)", "eval_time": "150m",
                      "exp_samples": [{"labels": labels, "value": value} for labels, value in expected]})
    assert set(EXPECTED) == {(title, index) for title, count in seen.items() for index in range(count)}
    test_file = tmp_path / "customers-test.yml"
    test_file.write_text(yaml.safe_dump({
        "rule_files": [str(path) for path in sorted(RULES.glob("*.yml"))],
        "evaluation_interval": "1m",
        "tests": [{"name": "customers dashboard", "interval": "1m", "input_series": _input(),
                   "promql_expr_test": cases}],
    }, allow_unicode=True))
    result = subprocess.run([promtool, "test", "rules", str(test_file)], capture_output=True, text=True,
                            timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
