"""A real Prometheus scrapes a real worker (``supportwatch demo``: embedded broker, worker, simulator)
with the stack's rules loaded, and every panel query of every dashboard returns data.

The demo uses the shipped model; SUPPORTWATCH_MODEL__* variables in the environment pass through.
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
import yaml

from supportwatch.grafana.panels import expand, queries

from .known_metrics import series_names
from .promql import RULES, dashboards

pytestmark = pytest.mark.integration

DEMO_SECONDS = 300
# How long a panel may wait for its first data (no series yet, or only NaN: 0/0, nothing observed yet).
PANEL_DATA_SECONDS = 150
STARTUP_TIMEOUT = 180.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _get(url: str, timeout: float = 5.0) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (our own 127.0.0.1 URL)
        body: bytes = response.read()
        return body.decode()


def _wait(what: str, check: object, timeout: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what}: process exited with {process.returncode}")
        try:
            if callable(check) and check():
                return
        except (OSError, urllib.error.URLError, ValueError):
            pass
        time.sleep(1)
    pytest.fail(f"timed out waiting for {what}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """host:port of a running demo's /metrics."""
    port = _free_port()
    log = tmp_path_factory.mktemp("demo") / "demo.log"
    env = {**os.environ, "SUPPORTWATCH_METRICS_PORT": str(port), "SUPPORTWATCH_METRICS_HOST": "127.0.0.1"}
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "supportwatch.cli", "demo", "--duration", str(DEMO_SECONDS)],
                                   stdout=out,
                                   stderr=subprocess.STDOUT, env=env, cwd=log.parent)
    try:
        target = f"127.0.0.1:{port}"
        _wait("the demo's /metrics", lambda: "supportwatch_events_total" in _get(f"http://{target}/metrics"),
              STARTUP_TIMEOUT, process)
        yield target
    finally:
        _stop(process)
        print(log.read_text(errors="replace")[-3000:])


@pytest.fixture(scope="module")
def prometheus(worker: str, prometheus_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a Prometheus scraping the worker every second, with the stack's rules."""
    workdir = tmp_path_factory.mktemp("prometheus")
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(path) for path in sorted(RULES.glob("*.yml"))],
        "scrape_configs": [{"job_name": "supportwatch", "static_configs": [{"targets": [worker]}]}],
    }
    (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = _free_port()
    process = subprocess.Popen(
        [prometheus_binary, f"--config.file={workdir / 'prometheus.yml'}", f"--storage.tsdb.path={workdir / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=(workdir / "prometheus.log").open("wb"), cwd=workdir,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait("Prometheus ready", lambda: "Ready" in _get(f"{url}/-/ready"), 60, process)
        # data flows: events counted over two scrapes, and the recording rules have evaluated
        _wait("events in Prometheus",
              lambda: _query(url, "sum(increase(supportwatch_events_total[30s])) > 0")
              and _query(url, "topic:supportwatch_consumer_lag:sum"), STARTUP_TIMEOUT, process)
        time.sleep(20)  # a few more scrapes, so that rates over the panel windows have several samples
        yield url
    finally:
        _stop(process)


def _query(url: str, expr: str) -> list[dict[str, object]]:
    body = json.loads(_get(f"{url}/api/v1/query?{urllib.parse.urlencode({'query': expr})}", timeout=30))
    if body["status"] != "success":
        raise AssertionError(f"{expr}: {body}")
    result: list[dict[str, object]] = body["data"]["result"]
    return result


def test_worker_exports_every_metric_the_dashboards_may_query(worker: str, prometheus: str) -> None:
    """Checked once events flow: labelled series appear when first used."""
    exported = {line.split("{")[0].split(" ")[0] for line in _get(f"http://{worker}/metrics").splitlines()
                if line and not line.startswith("#")}
    missing = set(series_names()) - {"up"} - exported
    assert missing == set()


def test_worker_is_scraped(prometheus: str) -> None:
    assert [sample["value"][1] for sample in _query(prometheus, 'up{job="supportwatch"}')] == ["1"]  # type: ignore[index]


@pytest.mark.parametrize("uid", ["supportwatch-sla", "supportwatch-sentiment", "supportwatch-teams",
                                 "supportwatch-customers", "supportwatch-pipeline"])
def test_every_panel_query_returns_data(prometheus: str, uid: str) -> None:
    """Each query is asked again, every few seconds, until it has data or PANEL_DATA_SECONDS of the
    demo have passed: a rare event (a CES answer, an email first reply) may take a while to come."""
    board = dashboards()[f"{uid}.json"]
    waiting = list(queries(board))
    deadline = time.monotonic() + PANEL_DATA_SECONDS
    while True:
        # a dashboard range of 2 minutes, rate windows of 30s: the demo has run a few minutes at most
        waiting = [(title, expr) for title, expr in waiting if not _has_data(prometheus, expr)]
        if not waiting or time.monotonic() > deadline:
            break
        time.sleep(5)
    assert waiting == []


def _has_data(prometheus: str, expr: str) -> bool:
    result = _query(prometheus, expand(expr, range_="2m", rate_interval="30s"))
    return any(math.isfinite(float(sample["value"][1])) for sample in result)  # type: ignore[index]


def test_alerting_rules_evaluate(prometheus: str) -> None:
    body = json.loads(_get(f"{prometheus}/api/v1/rules"))
    groups = body["data"]["groups"]
    assert {group["file"] for group in groups} == {str(path) for path in sorted(RULES.glob("*.yml"))}
    for group in groups:
        for rule in group["rules"]:
            assert rule["health"] == "ok", (rule["name"], rule.get("lastError"))
