"""Draw each supportwatch dashboard's panels from a Prometheus' data into ``docs/dashboards/<uid>.png``.

What a supervisor sees in Grafana, without Grafana: time series panels as line charts over the
last ``--minutes``, stat and bar gauge panels as bars of their current value, coloured by the
panel's thresholds. Run it against a Prometheus that scraped a demo, e.g.

    SUPPORTWATCH_METRICS_PORT=9464 supportwatch demo --duration 900 &
    prometheus --config.file=docs/dashboards/prometheus-demo.yml --web.listen-address=127.0.0.1:9090 &
    python docs/dashboards/render.py --url http://127.0.0.1:9090 --minutes 10
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from supportwatch.grafana.panels import expand  # noqa: E402

OUT = Path(__file__).resolve().parent
COLUMNS = 3
COLOURS = {"green": "#56a64b", "orange": "#ff9830", "red": "#e02f44"}
PLOTTED = ("timeseries", "stat", "bargauge")


def _api(url: str, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{url}{path}?{urllib.parse.urlencode(params)}", timeout=60) as response:  # noqa: S310
        body = json.loads(response.read())
    if body["status"] != "success":
        raise RuntimeError(f"{params['query']}: {body}")
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def _legend(fmt: str, labels: dict[str, str]) -> str:
    if fmt in ("", "__auto"):
        return ",".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "__name__") or "value"
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), fmt).strip() or "(none)"


def _threshold_colour(panel: dict[str, Any], value: float) -> str:
    colour = "green"
    for step in panel["fieldConfig"]["defaults"]["thresholds"]["steps"]:
        if step["value"] is None or value >= step["value"]:
            colour = step["color"]
    return COLOURS.get(colour, colour)


def _timeseries(ax: Axes, url: str, panel: dict[str, Any], start: float, end: float, minutes: int) -> None:
    step = max(1, int((end - start) / 200))
    for query in panel["targets"]:
        params = {"query": expand(query["expr"], range_=f"{minutes}m", rate_interval="1m"),
                  "start": str(start), "end": str(end), "step": str(step)}
        for series in _api(url, "/api/v1/query_range", params):
            points = [(float(t) - end, float(v)) for t, v in series["values"] if math.isfinite(float(v))]
            if points:
                xs, ys = zip(*points, strict=True)
                ax.plot([x / 60 for x in xs], ys, linewidth=1.2, label=_legend(query["legendFormat"], series["metric"]))
    defaults = panel["fieldConfig"]["defaults"]
    if defaults.get("custom", {}).get("thresholdsStyle", {}).get("mode") == "line":
        for step_ in defaults["thresholds"]["steps"][1:]:
            ax.axhline(step_["value"], color=COLOURS.get(step_["color"], step_["color"]), linestyle="--", linewidth=1)
    if "min" in defaults and "max" in defaults:
        ax.set_ylim(defaults["min"], defaults["max"])
    ax.set_xlabel("minutes before the end of the run")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=6, loc="upper left", ncol=2)


def _bars(ax: Axes, url: str, panel: dict[str, Any], end: float, minutes: int) -> None:
    names, values = [], []
    for query in panel["targets"]:
        params = {"query": expand(query["expr"], range_=f"{minutes}m", rate_interval="1m"), "time": str(end)}
        for series in _api(url, "/api/v1/query", params):
            value = float(series["value"][1])
            if math.isfinite(value):
                names.append(_legend(query["legendFormat"], series["metric"]))
                values.append(value)
    unit = panel["fieldConfig"]["defaults"]["unit"]
    ax.barh(names, values, color=[_threshold_colour(panel, v) for v in values])
    for y, value in enumerate(values):
        shown = f"{value:.0%}" if unit == "percentunit" else f"{value:.0f}s" if unit == "s" else f"{value:.3g}"
        ax.text(value, y, f" {shown}", va="center", fontsize=7)
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=7)


def render(board: dict[str, Any], url: str, end: float, minutes: int) -> Path:
    panels = [p for p in board["panels"] if p["type"] in PLOTTED]
    rows = math.ceil(len(panels) / COLUMNS)
    figure, axes = plt.subplots(rows, COLUMNS, figsize=(6 * COLUMNS, 3.4 * rows), squeeze=False)
    for ax, panel in zip(axes.flat, panels, strict=False):
        if panel["type"] == "timeseries":
            _timeseries(ax, url, panel, end - minutes * 60, end, minutes)
        else:
            _bars(ax, url, panel, end, minutes)
        unit = panel["fieldConfig"]["defaults"]["unit"]
        ax.set_title(panel["title"] + ("" if unit in ("short", "none") else f" ({unit})"), fontsize=10)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    figure.suptitle(f"{board['title']} (uid {board['uid']}), last {minutes} minutes of a demo run", fontsize=13)
    figure.tight_layout()
    path = OUT / f"{board['uid']}.png"
    figure.savefig(path, dpi=80)
    plt.close(figure)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:9090", help="Prometheus base URL")
    parser.add_argument("--minutes", type=int, default=10, help="how much of the run to draw")
    parser.add_argument("--end", type=float, default=None, help="end of the range, unix seconds (default: now)")
    args = parser.parse_args()
    end = args.end if args.end is not None else time.time()
    for path in sorted((ROOT / "grafana" / "dashboards").glob("*.json")):
        print(render(json.loads(path.read_text()), args.url.rstrip("/"), end, args.minutes))


if __name__ == "__main__":
    main()
