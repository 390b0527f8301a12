"""The Alertmanager sink against a real Alertmanager (Debian prometheus-alertmanager) on 127.0.0.1,
configured from the shipped alertmanager/alertmanager.yml with its receivers pointed at a local receiver."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
import yaml

from supportwatch.alerts import from_sla_signal
from supportwatch.sla.signals import SignalKind
from tests import kit
from tests.alerts.conftest import Receiver, delivery_settings, free_port, routing_router, sla_signal

pytestmark = pytest.mark.integration
BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
SHIPPED = Path(__file__).resolve().parents[2] / "alertmanager" / "alertmanager.yml"
LINK = "https://helpdesk.example/c/{conversation_id}"
ROUTING = """\
routing:
  recipients:
    agent: {target: assigned_agent, sinks: [alertmanager]}
    lead: {target: team_lead, sinks: [alertmanager]}
  rules:
    - match: {kind: sla_warning}
      notify: [agent]
    - match: {kind: [sla_breach, sla_critical]}
      notify: [agent, lead]
"""


@pytest.fixture
def alertmanager(tmp_path: Path, receiver: Receiver) -> Iterator[str]:
    if BINARY is None:
        pytest.skip("prometheus-alertmanager is not installed")
    config: dict[str, Any] = yaml.safe_load(SHIPPED.read_text())
    config["route"].update(group_wait="1s", group_interval="1s")
    for route in config["route"]["routes"]:
        route.pop("group_by", None)
    config["receivers"] = [
        {"name": r["name"], "webhook_configs": [{"url": receiver.url, "send_resolved": True}]}
        for r in config["receivers"]
    ]
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config))
    port = free_port()
    process = subprocess.Popen(
        [
            BINARY,
            f"--config.file={path}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            f"--storage.path={tmp_path / 'data'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("alertmanager did not become ready")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def eventually(check: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.2)


async def test_warning_breach_resolved_group_inhibit_and_clear(
    alertmanager: str, receiver: Receiver, prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    def now() -> datetime:
        return datetime.now(UTC)

    settings = delivery_settings(prefix, receiver, alertmanager_url=alertmanager, webhook_url=None, log_sink=False)
    async with httpx.AsyncClient(timeout=5) as http:
        router = routing_router(tmp_path, ROUTING)
        delivery = kit.delivery(settings, router=router, now=now, redis=redis_client, http=http)

        async def api(path: str) -> Any:
            return (await http.get(f"{alertmanager}/api/v2/{path}")).json()

        async def send(kind: SignalKind, level: str) -> str:
            alert = from_sla_signal(sla_signal(kind, level, at=now()), LINK)
            await delivery.submit(alert)
            while await delivery.run_once():
                pass
            return alert.id

        alert_id = await send(SignalKind.WARNING, "warning:80%")
        alerts = await api("alerts")
        assert [(a["labels"]["alertname"], a["labels"]["recipient"], a["status"]["state"]) for a in alerts] == [
            ("sla_warning", "agent:agent-7", "active")
        ]
        assert alerts[0]["labels"]["alert_id"] == alert_id
        assert alerts[0]["annotations"]["link"] == "https://helpdesk.example/c/conv-1"

        await send(SignalKind.BREACH, "breach")

        async def inhibited() -> dict[tuple[str, str], str]:
            states = {
                (a["labels"]["alertname"], a["labels"]["recipient"]): a["status"]["state"] for a in await api("alerts")
            }
            return states if states.get(("sla_warning", "agent:agent-7")) == "suppressed" else {}

        assert await eventually(inhibited) == {
            ("sla_warning", "agent:agent-7"): "suppressed",
            ("sla_breach", "agent:agent-7"): "active",
            ("sla_breach", "lead:billing"): "active",
        }
        groups = await api("alerts/groups")
        by_recipient = {
            g["labels"]["recipient"]: (g["receiver"]["name"], sorted(a["labels"]["alertname"] for a in g["alerts"]))
            for g in groups
        }
        assert by_recipient == {
            "agent:agent-7": ("agents", ["sla_breach", "sla_warning"]),
            "lead:billing": ("leads", ["sla_breach"]),
        }

        async def notified(status: str) -> set[str]:
            got = {
                r.json()["groupLabels"]["recipient"]
                for r in list(receiver.requests)
                if r.json().get("status") == status
            }
            return got if got == {"agent:agent-7", "lead:billing"} else set()

        assert await eventually(lambda: notified("firing"))

        await send(SignalKind.STOPPED, "breach")
        assert await eventually(lambda: _empty(api("alerts")))
        assert await eventually(lambda: notified("resolved"))


async def _empty(pending: Any) -> bool:
    return (await pending) == []
