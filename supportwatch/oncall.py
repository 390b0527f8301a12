"""``supportwatch ack | snooze | unack | worklist``: the on-call API of a running worker, from a shell.

The worker's base URL defaults to ``http://<metrics_host>:<metrics_port>``; the bearer token comes
from ``SUPPORTWATCH_API_TOKEN`` (never printed).
"""

from __future__ import annotations

import getpass
import json
import sys
from typing import Any, TextIO

import httpx

from supportwatch.base.exceptions import SupportwatchError
from supportwatch.settings import Settings


def _base(settings: Settings, url: str | None) -> str:
    return (url or settings.web_url).rstrip("/")


def _request(method: str, url: str, token: str | None, body: dict[str, Any] | None = None,
             params: dict[str, str] | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        return httpx.request(method, url, json=body, params=params, headers=headers, timeout=10)
    except httpx.HTTPError as exc:
        raise SupportwatchError(f"cannot reach the worker at {url}: {type(exc).__name__}") from exc


def run_action(settings: Settings, verb: str, alert_id: str, *, by: str | None, note: str | None,
               duration: str | None, url: str | None, out: TextIO | None = None) -> int:
    """POST an ack, snooze or unack; prints the recorded event's summary (to ``out``, default the
    current stdout). Exit 1 on a refusal."""
    token = settings.api_token.get_secret_value() if settings.api_token is not None else None
    if token is None:
        raise SupportwatchError("set SUPPORTWATCH_API_TOKEN to the workers' API token")
    body: dict[str, Any] = {"by": by or getpass.getuser(), "note": note}
    if verb == "snooze":
        body["for"] = duration
    response = _request("POST", f"{_base(settings, url)}/alerts/{alert_id}/{verb}", token, body)
    data = response.json()
    if response.status_code != 200:
        print(f"supportwatch: {verb} refused ({response.status_code}): {data.get('error')}", file=sys.stderr)
        return 1
    print(data["event"]["summary"], file=out or sys.stdout)
    return 0


def run_worklist(settings: Settings, *, url: str | None, horizon: str, channel: str | None, team: str | None,
                 as_json: bool, out: TextIO | None = None) -> int:
    """The merged worklist of every worker, as a table (or the JSON the worker answered), to ``out``
    (default the current stdout)."""
    out = out or sys.stdout
    params = {"horizon": horizon} | {k: v for k, v in (("channel", channel), ("team", team)) if v}
    response = _request("GET", f"{_base(settings, url)}/worklist", None, params=params)
    data = response.json()
    if response.status_code != 200:
        print(f"supportwatch: worklist refused ({response.status_code}): {data.get('error')}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(data, indent=2), file=out)
        return 0
    print(f"{len(data['items'])} conversations due within {horizon} ({data['workers']} worker(s))", file=out)
    for item in data["items"]:
        left = item["seconds_left"]
        when = f"overdue {-left:.0f}s" if left < 0 else f"{left:.0f}s left"
        ack = item["ack"]
        state = f"ack {ack['acknowledged_by']}" if "acknowledged_by" in ack else \
            f"snoozed until {ack['snoozed_until']}" if "snoozed_until" in ack else ""
        print(f"{when:>16}  {item['state']:<7} {item['channel']:<9} {item['clock']:<11} "
              f"{item['conversation_id']:<24} team={item['team'] or '-'} agent={item['agent_id'] or '-'} "
              f"alert={item['alert_id']} {state}".rstrip(), file=out)
    return 0
