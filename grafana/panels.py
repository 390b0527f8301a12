"""Building blocks of the supportwatch Grafana dashboards: panels, targets, variables, layout.

Only plain dicts in Grafana's dashboard JSON model (schema 39); ``grafana/generate.py`` assembles them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

DATASOURCE_UID = "supportwatch-prometheus"
DATASOURCE = {"type": "prometheus", "uid": DATASOURCE_UID}
SCRAPE_JOB = "supportwatch"

Json = dict[str, Any]


def target(expr: str, legend: str = "", instant: bool = False) -> Json:
    """One PromQL query of a panel; refIds are assigned by :func:`panel`."""
    return {
        "datasource": DATASOURCE,
        "expr": expr,
        "legendFormat": legend or "__auto",
        "range": not instant,
        "instant": instant,
    }


def _thresholds(steps: Sequence[tuple[str, float | None]]) -> Json:
    return {"mode": "absolute", "steps": [{"color": color, "value": value} for color, value in steps]}


def panel(
    kind: str,
    title: str,
    targets: list[Json],
    description: str,
    unit: str = "short",
    thresholds: Sequence[tuple[str, float | None]] | None = None,
    threshold_lines: bool = False,
    stacked: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
    width: int = 12,
    height: int = 8,
) -> Json:
    """A panel of ``kind`` (timeseries, stat, bargauge, table); position is set by :func:`layout`."""
    defaults: Json = {
        "unit": unit,
        "thresholds": _thresholds(thresholds or [("green", None)]),
        "color": {"mode": "thresholds" if kind in ("stat", "bargauge") else "palette-classic"},
    }
    if minimum is not None:
        defaults["min"] = minimum
    if maximum is not None:
        defaults["max"] = maximum
    if kind == "timeseries":
        defaults["custom"] = {
            "drawStyle": "line",
            "lineWidth": 1,
            "fillOpacity": 60 if stacked else 10,
            "showPoints": "never",
            "spanNulls": True,
            "stacking": {"mode": "normal" if stacked else "none", "group": "A"},
            "thresholdsStyle": {"mode": "line" if threshold_lines else "off"},
        }
    options: Json
    if kind == "timeseries":
        options = {
            "legend": {"displayMode": "table", "placement": "right", "calcs": ["lastNotNull", "max"]},
            "tooltip": {"mode": "multi", "sort": "desc"},
        }
    elif kind == "stat":
        options = {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "colorMode": "background",
            "graphMode": "none",
            "textMode": "value_and_name",
            "orientation": "auto",
        }
    elif kind == "bargauge":
        options = {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "displayMode": "gradient",
            "orientation": "horizontal",
            "showUnfilled": True,
        }
    else:
        options = {"showHeader": True}
    for index, query in enumerate(targets):
        query["refId"] = chr(ord("A") + index)
    return {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": targets,
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": options,
        "gridPos": {"h": height, "w": width, "x": 0, "y": 0},
    }


def text(title: str, content: str, width: int = 24, height: int = 4) -> Json:
    return {
        "type": "text",
        "title": title,
        "options": {"mode": "markdown", "content": content},
        "gridPos": {"h": height, "w": width, "x": 0, "y": 0},
    }


def row(title: str) -> Json:
    return {
        "type": "row", "title": title, "collapsed": False, "panels": [],
        "gridPos": {"h": 1, "w": 24, "x": 0, "y": 0},
    }


def layout(panels: list[Json]) -> list[Json]:
    """Place panels left to right, wrapping at Grafana's 24 columns; rows start a new line. Ids from 1."""
    x = y = line_height = 0
    for number, item in enumerate(panels, start=1):
        pos = item["gridPos"]
        if item["type"] == "row" or x + pos["w"] > 24:
            x, y, line_height = 0, y + line_height, 0
        pos["x"], pos["y"] = x, y
        item["id"] = number
        x += pos["w"]
        line_height = max(line_height, pos["h"])
        if item["type"] == "row":
            x, y, line_height = 0, y + pos["h"], 0
    return panels


def query_variable(name: str, label: str, metric: str) -> Json:
    """A multi-value variable over the values of ``name`` on ``metric``; "All" matches every series,
    including series that do not carry the label at all."""
    definition = f"label_values({metric}, {name})"
    return {
        "type": "query",
        "name": name,
        "label": label,
        "datasource": DATASOURCE,
        "definition": definition,
        "query": {"query": definition, "refId": f"{name}-values", "qryType": 1},
        "refresh": 2,
        "sort": 1,
        "multi": True,
        "includeAll": True,
        "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "options": [],
        "hide": 0,
    }


CHANNEL_VARIABLE = query_variable("channel", "Channel", "supportwatch_events_total")
TEAM_VARIABLE = query_variable("team", "Team", "supportwatch_open_conversations")


def dashboard(uid: str, title: str, description: str, panels: list[Json], variables: list[Json],
              links: Sequence[Json] = ()) -> Json:
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["supportwatch"],
        "timezone": "utc",
        "editable": False,
        "graphTooltip": 1,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "timepicker": {},
        "annotations": {"list": []},
        "links": [
            {"type": "dashboards", "tags": ["supportwatch"], "asDropdown": True, "title": "supportwatch"},
            *links,
        ],
        "templating": {"list": variables},
        "panels": layout(panels),
    }


def queries(board: Json) -> list[tuple[str, str]]:
    """Every (panel title, PromQL expression) of a dashboard, rows' nested panels included."""
    found: list[tuple[str, str]] = []
    for item in board["panels"]:
        for inner in [item, *item.get("panels", [])]:
            found.extend((inner["title"], query["expr"]) for query in inner.get("targets", []))
    return found


def expand(expr: str, range_: str = "1h", rate_interval: str = "1m") -> str:
    """A panel query as Grafana sends it with every variable on "All", over a dashboard range of
    ``range_`` and a ``$__rate_interval`` of ``rate_interval`` (PromQL durations)."""
    values = {"channel": ".*", "team": ".*", "__rate_interval": rate_interval, "__interval": "15s",
              "__range": range_}
    return re.sub(r"\$(\w+)", lambda m: values[m.group(1)], expr)
