"""The on-call API of real ``supportwatch worker`` processes on the embedded broker and the test
Redis: 401 without the token, an acknowledgement recorded on the alerts topic and shown by the log
sink, a higher level still paging, the ack surviving a restart; the worklist merged from two
workers fed by the simulator, sorted, and its page in a real headless Chromium."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from supportwatch.base.clock import wall_clock
from supportwatch.cli import main
from supportwatch.simulator import Simulator, SimulatorConfig
from supportwatch.simulator import produce as simulate
from tests.integration.live import (
    EVENTS_TOPIC,
    LiveWorker,
    WorkerConfig,
    all_consuming,
    logged_alerts,
    phone_message,
    produce,
    read_alerts,
    wait_consuming,
    write_policy,
)

pytestmark = pytest.mark.integration

TOKEN = "test-token-not-a-secret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# Phone first reply: a warning 3 s after the customer's message, the breach at 30 s.
POLICY = {"first_reply": {"target": "30s", "critical": "10m", "warnings": ["10%"]}}
AGENT = "agent:agent-7"


def _config(worker_config: WorkerConfig, tmp_path: Path, name: str, sentiment: bool = False) -> WorkerConfig:
    env = {"SUPPORTWATCH_API_TOKEN": TOKEN, "SUPPORTWATCH_SENTIMENT_ENABLED": str(sentiment).lower()}
    return dataclasses.replace(worker_config, policy_file=write_policy(tmp_path / "oncall-policy.yaml", POLICY),
                               data_dir=tmp_path / name, extra_env=env)


def _message(conversation_id: str, at: datetime) -> tuple[str, bytes]:
    body = json.loads(phone_message(conversation_id, at)) | {"agent_id": "agent-7"}
    return conversation_id, json.dumps(body).encode("utf-8")


def _worklist(worker: LiveWorker, **params: str) -> dict[str, Any]:
    response = httpx.get(f"{worker.url}/worklist", params=params, timeout=10)
    response.raise_for_status()
    return dict(response.json())


async def test_ack_is_authenticated_recorded_and_survives_a_restart(
    worker_config: WorkerConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(worker_config, tmp_path, "worker")
    log = tmp_path / "worker.log"
    t0 = datetime.now(UTC).replace(microsecond=0)
    with LiveWorker(config, log) as worker:
        worker.wait_serving()
        await wait_consuming(worker, config.bootstrap)
        await produce(config.bootstrap, [_message("ack-1", t0)])
        worker.wait_for(lambda w: ("sla_warning", "warning:10%", "ack-1", AGENT) in _lines(log), 60,
                        "the warning in the log")
        warnings = await read_alerts(config.bootstrap, lambda r: any(x.alert["kind"] == "sla_warning" for x in r), 30)
        alert_id = next(r.alert["id"] for r in warnings if r.alert["kind"] == "sla_warning")
        listed = _worklist(worker)["items"]  # the worklist names the same clock run's alert
        assert [(i["conversation_id"], i["alert_id"], i["ack"]) for i in listed] == [("ack-1", alert_id, {})]

        url = f"{worker.url}/alerts/{alert_id}/ack"
        assert httpx.post(url, json={"by": "dana"}, timeout=10).status_code == 401
        wrong = httpx.post(url, json={"by": "dana"}, headers={"Authorization": "Bearer nope"}, timeout=10)
        assert wrong.status_code == 401
        assert TOKEN not in log.read_text(encoding="utf-8")
        unknown = httpx.post(f"{worker.url}/alerts/nope/ack", json={}, headers=AUTH, timeout=10)
        assert unknown.status_code == 404
        bogus = httpx.post(f"{worker.url}/alerts/{alert_id}/archive", json={}, headers=AUTH, timeout=10)
        assert bogus.status_code == 404
        capsys.readouterr()
        monkeypatch.setenv("SUPPORTWATCH_API_TOKEN", TOKEN)
        assert main(["ack", alert_id, "--by", "dana", "--note", "calling back", "--url", worker.url]) == 0
        assert capsys.readouterr().out.startswith("Acknowledged by dana (calling back): ")

        worker.wait_for(lambda w: ("acknowledged(sla_warning)", "acknowledged", "ack-1", AGENT) in _lines(log), 30,
                        "the acknowledgement shown to the agent")
        assert _worklist(worker)["items"][0]["ack"]["acknowledged_by"] == "dana"
        assert main(["worklist", "--url", worker.url]) == 0
        printed = capsys.readouterr().out
        assert "1 conversations due within 1h" in printed and "ack-1" in printed and "ack dana" in printed
        # The breach is a higher level than the acknowledged warning: it still pages.
        worker.wait_for(lambda w: ("sla_breach", "breach", "ack-1", AGENT) in _lines(log), 60, "the breach")

    records = await read_alerts(config.bootstrap, lambda r: any(x.alert["kind"] == "acknowledged" for x in r), 30)
    actions = [r.alert for r in records if r.alert["kind"] == "acknowledged"]
    assert [(a["id"], a["action"]["by"], a["action"]["note"]) for a in actions] == [(alert_id, "dana", "calling back")]

    with LiveWorker(config, tmp_path / "restarted.log") as restarted:
        restarted.wait_serving()
        shown = httpx.get(f"{restarted.url}/alerts/{alert_id}", headers=AUTH, timeout=10)
        assert shown.status_code == 200
        assert [a["by"] for a in shown.json()["actions"]] == ["dana"]
        restarted.wait_for(lambda w: bool(_worklist(w)["items"]), 60, "the recovered conversation")
        assert _worklist(restarted)["items"][0]["ack"]["acknowledged_by"] == "dana"


def _lines(log: Path) -> set[tuple[str, str, str, str]]:
    return {(kind, level, conversation, recipient) for conversation, kind, level, recipient in logged_alerts(log)}


class _Rows(HTMLParser):
    """The worklist page's rows (their ``data-seconds-left``) and the status line's refresh count."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds_left: list[float] = []
        self.refreshes = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "tr" and values.get("data-seconds-left") is not None:
            self.seconds_left.append(float(values["data-seconds-left"] or 0))
        if values.get("id") == "status":
            self.refreshes = int(values.get("data-refreshes") or 0)


def _chromium(*args: str) -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("no chromium (Debian package chromium; .ci/run installs it)")
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--window-size=1400,900", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=True)  # noqa: S603
    return done.stdout


async def test_worklist_merged_from_two_workers_sorted_and_its_page_in_chromium(
    worker_config: WorkerConfig, tmp_path: Path
) -> None:
    configs = [_config(worker_config, tmp_path, f"worker-{n}", sentiment=True) for n in (1, 2)]
    with (LiveWorker(configs[0], tmp_path / "w1.log") as one, LiveWorker(configs[1], tmp_path / "w2.log") as two):
        one.wait_serving()
        two.wait_serving()
        await all_consuming((one, two), worker_config.bootstrap, worker_config.partitions)
        sim = Simulator(SimulatorConfig.demo(11, speedup=1.0, conversations_per_minute=240.0), start=wall_clock())
        await simulate(worker_config.bootstrap, EVENTS_TOPIC, sim, duration=8.0, now=wall_clock)

        def both_listed(w: LiveWorker) -> bool:
            return all(_worklist(x, scope="local")["items"] for x in (one, two))

        one.wait_for(both_listed, 90, "work items on both workers")
        local = [{i["conversation_id"] for i in _worklist(w, scope="local")["items"]} for w in (one, two)]
        merged = _worklist(one)
        assert merged["workers"] == 2
        ids = [i["conversation_id"] for i in merged["items"]]
        assert len(ids) == len(set(ids))
        assert set(ids) & local[0] and set(ids) & local[1], "the merge lacks one worker's items"
        left = [i["seconds_left"] for i in merged["items"]]
        assert left == sorted(left)
        assert {i["state"] for i in merged["items"]} >= {"overdue"}  # the simulator's backlog
        from_two = _worklist(two)  # any worker merges
        assert from_two["workers"] == 2
        assert len(set(ids) & {i["conversation_id"] for i in from_two["items"]}) >= 0.9 * len(ids)

        page = f"{one.url}/worklist.html"
        dom = _chromium("--virtual-time-budget=12000", "--dump-dom", page)
        rows = _Rows()
        rows.feed(dom)
        assert rows.seconds_left, dom[:2000]
        assert rows.seconds_left == sorted(rows.seconds_left)
        assert rows.refreshes >= 2, "the page did not refresh itself"
        shot = tmp_path / "worklist.png"
        _chromium("--virtual-time-budget=3000", f"--screenshot={shot}", page)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
